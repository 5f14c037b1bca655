package sink

import "github.com/gregorkafka/gregor/kafka/wire"

// produce acknowledges every partition at once. Offsets are handed out per
// partition in arrival order (an atomic add of the batch's record count),
// so a client sees increasing offsets as from a real leader.
func (c *conn) produce(out []byte, ver int16, corr int32) ([]byte, bool) {
	req := &c.produceReq
	if !c.decode(req, ver) {
		return nil, false
	}
	c.s.produces.Add(1)
	resp := &c.produceResp
	resp.Responses = resp.Responses[:0]
	c.parts = c.parts[:0]
	for i := range req.TopicData {
		td := &req.TopicData[i]
		var t *topic
		missing := errUnknownTopicOrPartition
		if ver >= 13 {
			t = c.s.reg.lookupID(td.TopicID)
			missing = errUnknownTopicID
		} else {
			t = c.s.reg.ensure(td.Name)
		}
		for j := range td.PartitionData {
			pd := &td.PartitionData[j]
			pr := wire.ProduceResponsePartition{Index: pd.Index, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: 0}
			switch {
			case t == nil:
				pr.ErrorCode = missing
			case pd.Index < 0 || int(pd.Index) >= len(t.parts):
				pr.ErrorCode = errUnknownTopicOrPartition
			default:
				recs, batches, err := CountRecords(pd.Records)
				if err != nil {
					pr.ErrorCode = errCorruptMessage
					c.s.logf("sink: %s[%d] v%d: %v (%d bytes: % x)", t.name, pd.Index, ver, err, len(pd.Records), pd.Records[:min(len(pd.Records), 80)])
					break
				}
				p := &t.parts[pd.Index]
				pr.BaseOffset = p.next.Add(recs) - recs
				p.batches.Add(batches)
				p.bytes.Add(int64(len(pd.Records)))
			}
			c.parts = append(c.parts, pr)
		}
		resp.Responses = append(resp.Responses, wire.ProduceResponseTopic{Name: td.Name, TopicID: td.TopicID})
	}
	if req.Acks == 0 {
		return out, true
	}
	// Point each topic at its run of partition responses only now, since
	// the appends above may have moved c.parts.
	k := 0
	for i := range resp.Responses {
		n := len(req.TopicData[i].PartitionData)
		resp.Responses[i].PartitionResponses = c.parts[k : k+n]
		k += n
	}
	return wire.AppendResponse(out, resp, ver, corr), true
}

var replicas = []int32{0}

// metadata reports the sink as the only broker and leader of every
// partition of every topic asked for (creating it on first mention). A
// request for all topics gets the topics seen so far.
func (c *conn) metadata(out []byte, ver int16, corr int32) ([]byte, bool) {
	var req wire.MetadataRequest
	if !c.decode(&req, ver) {
		return nil, false
	}
	clusterID := "gregor-bench-sink"
	resp := &c.mdResp
	*resp = wire.MetadataResponse{
		Brokers:   []wire.MetadataResponseBroker{{NodeID: 0, Host: c.s.host, Port: c.s.port}},
		ClusterID: &clusterID, ControllerID: 0, ClusterAuthorizedOperations: -2147483648,
	}
	if req.Topics == nil || (ver == 0 && len(req.Topics) == 0) {
		for _, t := range c.s.reg.all() {
			resp.Topics = append(resp.Topics, topicMetadata(t))
		}
	}
	for _, rt := range req.Topics {
		switch {
		case rt.Name != nil && *rt.Name != "":
			resp.Topics = append(resp.Topics, topicMetadata(c.s.reg.ensure(*rt.Name)))
		default:
			if t := c.s.reg.lookupID(rt.TopicID); t != nil {
				resp.Topics = append(resp.Topics, topicMetadata(t))
			} else {
				resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{ErrorCode: errUnknownTopicID,
					TopicID: rt.TopicID, TopicAuthorizedOperations: -2147483648})
			}
		}
	}
	return wire.AppendResponse(out, resp, ver, corr), true
}

func topicMetadata(t *topic) wire.MetadataResponseTopic {
	name := t.name
	parts := make([]wire.MetadataResponsePartition, len(t.parts))
	for i := range parts {
		parts[i] = wire.MetadataResponsePartition{PartitionIndex: int32(i), LeaderID: 0, LeaderEpoch: 0,
			ReplicaNodes: replicas, IsrNodes: replicas}
	}
	return wire.MetadataResponseTopic{Name: &name, TopicID: t.id, Partitions: parts,
		TopicAuthorizedOperations: -2147483648}
}
