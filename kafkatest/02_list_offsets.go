package kafkatest

import (
	"github.com/gregorkafka/gregor/kafka/wire"
)

// ListOffsets (2): the offset for a timestamp, per partition, from its
// leader. Special timestamps: -1 latest (the log end; also for
// read_committed, as transactions are not tracked), -2 earliest (0, nothing
// is ever deleted), -3 the record with the largest timestamp (v7+), -4
// earliest local (v8+, 0). Any other negative timestamp is INVALID_REQUEST.

func init() {
	register(wire.APIKeyListOffsets, &api{min: 1, max: 10, serve: serveListOffsets, fail: failListOffsets})
}

const (
	tsLatest        = -1
	tsEarliest      = -2
	tsMaxTimestamp  = -3
	tsEarliestLocal = -4
)

func serveListOffsets(cn *conn, req *Request) (wire.Response, action) {
	c := cn.b.c
	body := req.Body.(*wire.ListOffsetsRequest)
	resp := &wire.ListOffsetsResponse{Topics: make([]wire.ListOffsetsResponseTopic, len(body.Topics))}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, rt := range body.Topics {
		out := &resp.Topics[i]
		out.Name = rt.Name
		out.Partitions = make([]wire.ListOffsetsResponsePartition, len(rt.Partitions))
		for j, rp := range rt.Partitions {
			op := &out.Partitions[j]
			*op = wire.ListOffsetsResponsePartition{PartitionIndex: rp.PartitionIndex, Timestamp: -1, Offset: -1, LeaderEpoch: -1}
			p := c.partitionLocked(rt.Name, rp.PartitionIndex)
			switch {
			case p == nil:
				op.ErrorCode = errUnknownTopicOrPartition
			case p.leader != cn.b.id:
				op.ErrorCode = errNotLeaderOrFollower
			case req.Version >= 4 && rp.CurrentLeaderEpoch >= 0 && rp.CurrentLeaderEpoch < p.epoch:
				op.ErrorCode = errFencedLeaderEpoch
			case req.Version >= 4 && rp.CurrentLeaderEpoch > p.epoch:
				op.ErrorCode = errUnknownLeaderEpoch
			}
			if op.ErrorCode != errNone {
				continue
			}
			op.LeaderEpoch = p.epoch
			switch ts := rp.Timestamp; {
			case ts == tsLatest:
				op.Offset = p.next
			case ts == tsEarliest, ts == tsEarliestLocal && req.Version >= 8:
				op.Offset = 0
			case ts == tsMaxTimestamp && req.Version >= 7:
				op.Offset, op.Timestamp = p.maxTimestamp()
			case ts >= 0:
				op.Offset, op.Timestamp = p.offsetForTime(ts)
			default:
				op.ErrorCode, op.LeaderEpoch = errInvalidRequest, -1
			}
		}
	}
	return resp, actRespond
}

func failListOffsets(_ *Cluster, req *Request, code int16) wire.Response {
	body := req.Body.(*wire.ListOffsetsRequest)
	resp := &wire.ListOffsetsResponse{Topics: make([]wire.ListOffsetsResponseTopic, len(body.Topics))}
	for i, rt := range body.Topics {
		resp.Topics[i].Name = rt.Name
		for _, rp := range rt.Partitions {
			resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, wire.ListOffsetsResponsePartition{
				PartitionIndex: rp.PartitionIndex, ErrorCode: code, Timestamp: -1, Offset: -1, LeaderEpoch: -1})
		}
	}
	return resp
}
