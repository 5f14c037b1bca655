package kafkatest

import (
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Fetch (1): enough of it to read back what was produced, for consumers and
// interop tests. Stored batches are returned byte for byte from the batch
// holding the fetch offset, within PartitionMaxBytes and MaxBytes but at
// least one batch (KIP-74). The high watermark and last stable offset are
// the log end (acks are immediate and transactions are not tracked). A
// request that finds fewer than MinBytes waits for new data up to MaxWaitMs.
// Fetch sessions (KIP-227) are declined: every response has SessionID 0, so
// clients keep sending full fetches, and an incremental fetch gets
// FETCH_SESSION_ID_NOT_FOUND.

func init() {
	register(wire.APIKeyFetch, &api{min: 4, max: 17, serve: serveFetch, fail: failFetch})
}

const (
	errFetchSessionIDNotFound int16 = 70
)

func serveFetch(cn *conn, req *Request) (wire.Response, action) {
	c := cn.b.c
	body := req.Body.(*wire.FetchRequest)
	if req.Version >= 7 && body.SessionID != 0 {
		return &wire.FetchResponse{ErrorCode: errFetchSessionIDNotFound}, actRespond
	}
	// MaxWaitMs is capped (30 s) so a test cannot park a connection for
	// minutes by accident.
	wait := min(time.Duration(body.MaxWaitMs)*time.Millisecond, c.cfg.maxFetchWait)
	deadline := time.Now().Add(wait)
	for {
		c.mu.Lock()
		resp, n, errs := c.fetchLocked(cn.b.id, req.Version, body)
		changed := c.dataChanged
		c.mu.Unlock()
		if errs || n >= int(body.MinBytes) || n > 0 && body.MinBytes <= 0 {
			return resp, actRespond
		}
		left := time.Until(deadline)
		if left <= 0 {
			return resp, actRespond
		}
		t := time.NewTimer(left)
		select {
		case <-changed:
			t.Stop()
		case <-t.C:
			return resp, actRespond
		case <-cn.done:
			t.Stop()
			return nil, actClose
		case <-c.closing:
			t.Stop()
			return nil, actClose
		}
	}
}

// fetchLocked builds a response from the current logs; it returns the
// record bytes included and whether any partition had an error.
func (c *Cluster) fetchLocked(brokerID int32, version int16, body *wire.FetchRequest) (*wire.FetchResponse, int, bool) {
	resp := &wire.FetchResponse{Responses: make([]wire.FetchResponseTopic, len(body.Topics))}
	budget := int(body.MaxBytes)
	if version < 3 || budget <= 0 {
		budget = 0x7fffffff
	}
	total, errs := 0, false
	var hinted []int32
	for i := range body.Topics {
		rt := &body.Topics[i]
		out := &resp.Responses[i]
		out.Topic, out.TopicID = rt.Topic, rt.TopicID
		out.Partitions = make([]wire.FetchResponsePartition, len(rt.Partitions))
		var t *topic
		missing := errNone
		if version >= 13 {
			if t = c.topicsByID[rt.TopicID]; t == nil {
				missing = errUnknownTopicID
			}
		} else if t = c.topics[rt.Topic]; t == nil {
			missing = errUnknownTopicOrPartition
		}
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			fp := &out.Partitions[j]
			*fp = wire.FetchResponsePartition{PartitionIndex: rp.Partition, HighWatermark: -1,
				LastStableOffset: -1, LogStartOffset: -1, PreferredReadReplica: -1}
			if body.IsolationLevel == 1 {
				fp.AbortedTransactions = []wire.FetchResponseAbortedTransaction{}
			}
			code := missing
			var p *partition
			if code == errNone {
				if rp.Partition < 0 || int(rp.Partition) >= len(t.parts) {
					code = errUnknownTopicOrPartition
				} else {
					p = t.parts[rp.Partition]
				}
			}
			if p != nil {
				switch {
				case p.leader != brokerID:
					code = errNotLeaderOrFollower
				case version >= 9 && rp.CurrentLeaderEpoch >= 0 && rp.CurrentLeaderEpoch < p.epoch:
					code = errFencedLeaderEpoch
				case version >= 9 && rp.CurrentLeaderEpoch > p.epoch:
					code = errUnknownLeaderEpoch
				}
				if code != errNone && code != errUnknownLeaderEpoch && version >= 12 {
					fp.CurrentLeader = &wire.FetchResponseCurrentLeader{LeaderID: p.leader, LeaderEpoch: p.epoch}
					hinted = append(hinted, p.leader)
				}
			}
			if code == errNone {
				fp.HighWatermark, fp.LastStableOffset, fp.LogStartOffset = p.next, p.next, 0
				if rp.FetchOffset < 0 || rp.FetchOffset > p.next {
					code = errOffsetOutOfRange
				}
			}
			if code != errNone {
				fp.ErrorCode = code
				errs = true
				continue
			}
			limit := int(rp.PartitionMaxBytes)
			if limit <= 0 {
				continue
			}
			limit = min(limit, budget-total)
			var records []byte
			for _, b := range p.read(rp.FetchOffset, limit, total == 0) {
				records = append(records, b...)
			}
			fp.Records = records
			total += len(records)
		}
	}
	if version >= 16 {
		for _, id := range uniq(hinted) {
			e := c.endpoint(id)
			resp.NodeEndpoints = append(resp.NodeEndpoints, wire.FetchResponseNodeEndpoint{NodeID: e.id, Host: e.host, Port: e.port})
		}
	}
	return resp, total, errs
}

func failFetch(_ *Cluster, req *Request, code int16) wire.Response {
	body := req.Body.(*wire.FetchRequest)
	resp := &wire.FetchResponse{Responses: make([]wire.FetchResponseTopic, len(body.Topics))}
	if req.Version >= 7 {
		resp.ErrorCode = code
	}
	for i, rt := range body.Topics {
		out := &resp.Responses[i]
		out.Topic, out.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			out.Partitions = append(out.Partitions, wire.FetchResponsePartition{PartitionIndex: rp.Partition,
				ErrorCode: code, HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1, PreferredReadReplica: -1})
		}
	}
	return resp
}
