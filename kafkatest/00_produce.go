package kafkatest

import (
	"fmt"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Produce (0): per partition, in the order Kafka checks them: the records
// field holds exactly one magic-2 batch (zstd only from v7), the topic and
// partition exist, this broker leads the partition (else
// NOT_LEADER_OR_FOLLOWER with a KIP-951 hint from v10), injected faults, the
// batch's CRC and records decode, message.max.bytes, the produce hook, the
// record check (RecordErrors from v8), the producer's epoch and sequence; then the batch is stored. acks=0 requests
// get no response, and a failed acks=0 request closes the connection, as
// Kafka does so the producer notices.

func init() {
	register(wire.APIKeyProduce, &api{min: 3, max: 13, serve: serveProduce})
}

func serveProduce(cn *conn, req *Request) (wire.Response, action) {
	c := cn.b.c
	body := req.Body.(*wire.ProduceRequest)
	resp := &wire.ProduceResponse{Responses: make([]wire.ProduceResponseTopic, len(body.TopicData))}

	globalCode, globalFail := c.takeFailure(wire.APIKeyProduce)
	if body.Acks != 0 && body.Acks != 1 && body.Acks != -1 {
		globalCode, globalFail = errInvalidRequiredAcks, true
	}
	hook := c.produceHook()
	failed := false
	var hinted []int32
	for i := range body.TopicData {
		td := &body.TopicData[i]
		rt := &resp.Responses[i]
		rt.Name, rt.TopicID = td.Name, td.TopicID
		rt.PartitionResponses = make([]wire.ProduceResponsePartition, len(td.PartitionData))
		for j := range td.PartitionData {
			pd := &td.PartitionData[j]
			pr := c.producePartition(cn.b.id, req.Version, td, pd, globalCode, globalFail, hook)
			if pr.ErrorCode != errNone {
				failed = true
				if req.Version >= 8 && pr.ErrorMessage == nil {
					msg := wire.ErrorForCode(pr.ErrorCode).Error()
					pr.ErrorMessage = &msg
				}
			}
			if pr.CurrentLeader != nil {
				if req.Version < 10 {
					pr.CurrentLeader = nil
				} else {
					hinted = append(hinted, pr.CurrentLeader.LeaderID)
				}
			}
			rt.PartitionResponses[j] = pr
		}
	}
	for _, id := range uniq(hinted) {
		e := c.endpoint(id)
		resp.NodeEndpoints = append(resp.NodeEndpoints, wire.ProduceResponseNodeEndpoint{NodeID: e.id, Host: e.host, Port: e.port})
	}
	if body.Acks == 0 {
		if failed {
			return nil, actClose
		}
		return nil, actSilent
	}
	return resp, actRespond
}

// producePartition handles one partition's batch.
func (c *Cluster) producePartition(brokerID int32, version int16, td *wire.ProduceRequestTopic,
	pd *wire.ProduceRequestPartition, globalCode int16, globalFail bool, hook ProduceHook) wire.ProduceResponsePartition {
	pr := wire.ProduceResponsePartition{Index: pd.Index, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: -1}
	fail := func(code int16, msg string) wire.ProduceResponsePartition {
		pr.ErrorCode = code
		if msg != "" {
			pr.ErrorMessage = &msg
		}
		return pr
	}

	// Structure first, as ProduceRequest.validateRecords runs before the
	// request reaches a partition.
	if code, msg := checkRecordsShape(pd.Records, version); code != errNone {
		return fail(code, msg)
	}

	c.mu.Lock()
	p, code := c.resolveProduceLocked(version, td, pd.Index)
	switch {
	case code != errNone:
	case p.leader != brokerID:
		code = errNotLeaderOrFollower
		pr.CurrentLeader = &wire.ProduceResponseCurrentLeader{LeaderID: p.leader, LeaderEpoch: p.epoch}
	case globalFail:
		code = globalCode
	default:
		if fc, ok := c.takeProduceFailureLocked(tpKey{p.topic.name, p.index}); ok {
			code = fc
		}
	}
	c.mu.Unlock()
	if code != errNone {
		return fail(code, "")
	}

	batch, code, msg := validateBatch(pd.Records, c.cfg.maxMessageBytes)
	if code != errNone {
		return fail(code, msg)
	}
	if hook != nil {
		if code := hook(p.topic.name, p.index, batch); code != errNone {
			return fail(code, "rejected by the produce hook")
		}
	}
	if check := c.recordCheck(); check != nil {
		if code, errs := checkRecords(check, p.topic.name, p.index, batch); code != errNone {
			if version >= 8 {
				pr.RecordErrors = errs
			}
			return fail(code, fmt.Sprintf("One or more records have been rejected due to %d record errors in total", len(errs)))
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if p.leader != brokerID { // moved while we validated
		pr.CurrentLeader = &wire.ProduceResponseCurrentLeader{LeaderID: p.leader, LeaderEpoch: p.epoch}
		return fail(errNotLeaderOrFollower, "")
	}
	res := p.append(pd.Records, batch, &c.cfg)
	if res.code != errNone {
		return fail(res.code, res.msg)
	}
	c.notifyDataLocked()
	pr.BaseOffset = res.baseOffset
	pr.LogStartOffset = 0
	return pr
}

// resolveProduceLocked finds a produce target by name (v3-12) or topic id
// (v13+).
func (c *Cluster) resolveProduceLocked(version int16, td *wire.ProduceRequestTopic, index int32) (*partition, int16) {
	var t *topic
	if version >= 13 {
		if t = c.topicsByID[td.TopicID]; t == nil {
			return nil, errUnknownTopicID
		}
	} else if t = c.topics[td.Name]; t == nil {
		return nil, errUnknownTopicOrPartition
	}
	if index < 0 || int(index) >= len(t.parts) {
		return nil, errUnknownTopicOrPartition
	}
	return t.parts[index], errNone
}

// forEachProducePartition calls fn for every partition a Produce request
// names, resolving topic ids; c.mu must be held.
func forEachProducePartition(c *Cluster, pr *wire.ProduceRequest, fn func(tpKey)) {
	for _, td := range pr.TopicData {
		name := td.Name
		if name == "" {
			if t := c.topicsByID[td.TopicID]; t != nil {
				name = t.name
			}
		}
		for _, pd := range td.PartitionData {
			fn(tpKey{name, pd.Index})
		}
	}
}

func uniq(ids []int32) []int32 {
	var out []int32
	for _, id := range ids {
		dup := false
		for _, o := range out {
			dup = dup || o == id
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}

// checkRecords runs check on every record of batch: the code of the first
// record refused, and every refused record's index and message.
func checkRecords(check RecordCheck, topic string, partition int32, batch *wire.RecordBatch) (int16, []wire.ProduceResponseRecordError) {
	code := errNone
	var errs []wire.ProduceResponseRecordError
	for i := range batch.Records {
		c, msg := check(topic, partition, &batch.Records[i])
		if c == errNone {
			continue
		}
		if code == errNone {
			code = c
		}
		e := wire.ProduceResponseRecordError{BatchIndex: int32(i)}
		if msg != "" {
			e.BatchIndexErrorMessage = &msg
		}
		errs = append(errs, e)
	}
	return code, errs
}
