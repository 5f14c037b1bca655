package kafkatest

import (
	"math"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// CreateTopics (19): creates topics with a partition count and replication
// factor (-1: the cluster defaults, DefaultPartitions and min(3, brokers)),
// or with explicit replica assignments (leader first). Topic configs are
// accepted and ignored. ValidateOnly checks without creating.

func init() {
	register(wire.APIKeyCreateTopics, &api{min: 2, max: 7, serve: serveCreateTopics, fail: failCreateTopics})
}

const (
	errInvalidReplicaAssignment int16 = 39
)

func serveCreateTopics(cn *conn, req *Request) (wire.Response, action) {
	c := cn.b.c
	body := req.Body.(*wire.CreateTopicsRequest)
	resp := &wire.CreateTopicsResponse{Topics: make([]wire.CreateTopicsResponseTopic, len(body.Topics))}
	seen := make(map[string]int, len(body.Topics))
	for _, rt := range body.Topics {
		seen[rt.Name]++
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range body.Topics {
		rt := &body.Topics[i]
		out := &resp.Topics[i]
		*out = wire.CreateTopicsResponseTopic{Name: rt.Name, NumPartitions: -1, ReplicationFactor: -1}
		code, msg, parts, rf, assign := c.checkCreateLocked(rt, seen[rt.Name] > 1)
		if code != errNone {
			out.ErrorCode, out.ErrorMessage = code, &msg
			continue
		}
		out.NumPartitions, out.ReplicationFactor = int32(parts), int16(rf)
		if req.Version >= 5 {
			out.Configs = []wire.CreateTopicsResponseConfig{}
		}
		if body.ValidateOnly {
			continue
		}
		t := c.createTopicAssignedLocked(rt.Name, parts, rf, assign)
		out.TopicID = t.id
	}
	return resp, actRespond
}

// checkCreateLocked validates one topic of a CreateTopics request and
// resolves its partition count, replication factor and assignment.
func (c *Cluster) checkCreateLocked(rt *wire.CreateTopicsRequestTopic, dup bool) (code int16, msg string, parts, rf int, assign [][]int32) {
	n := len(c.brokers)
	switch {
	case dup:
		return errInvalidRequest, "topic named more than once in the request", 0, 0, nil
	case validTopic(rt.Name, 1) != nil:
		return errInvalidTopic, "invalid topic name", 0, 0, nil
	case c.topics[rt.Name] != nil:
		return errTopicAlreadyExists, "topic '" + rt.Name + "' already exists", 0, 0, nil
	}
	if len(rt.Assignments) > 0 {
		if rt.NumPartitions != -1 || rt.ReplicationFactor != -1 {
			return errInvalidRequest, "both assignments and a partition count or replication factor were given", 0, 0, nil
		}
		assign = make([][]int32, len(rt.Assignments))
		for _, a := range rt.Assignments {
			if a.PartitionIndex < 0 || int(a.PartitionIndex) >= len(assign) || assign[a.PartitionIndex] != nil || len(a.BrokerIDs) == 0 {
				return errInvalidReplicaAssignment, "partitions must be numbered 0..n-1, each with replicas", 0, 0, nil
			}
			for _, id := range a.BrokerIDs {
				if c.broker(id) == nil {
					return errInvalidReplicaAssignment, "unknown broker in the replica assignment", 0, 0, nil
				}
			}
			assign[a.PartitionIndex] = a.BrokerIDs
		}
		return errNone, "", len(assign), len(assign[0]), assign
	}
	parts, rf = int(rt.NumPartitions), int(rt.ReplicationFactor)
	if parts == -1 {
		parts = c.cfg.defaultPartitions
	}
	if rf == -1 {
		rf = min(3, n)
	}
	switch {
	case parts < 1 || parts > maxPartitions:
		return errInvalidPartitions, "number of partitions must be larger than 0", 0, 0, nil
	case rf < 1 || rf > math.MaxInt16:
		return errInvalidReplicationFactor, "replication factor must be larger than 0", 0, 0, nil
	case rf > n:
		return errInvalidReplicationFactor, "replication factor is larger than the number of brokers", 0, 0, nil
	}
	return errNone, "", parts, rf, nil
}

func failCreateTopics(_ *Cluster, req *Request, code int16) wire.Response {
	body := req.Body.(*wire.CreateTopicsRequest)
	resp := &wire.CreateTopicsResponse{}
	for _, rt := range body.Topics {
		resp.Topics = append(resp.Topics, wire.CreateTopicsResponseTopic{Name: rt.Name, ErrorCode: code,
			NumPartitions: -1, ReplicationFactor: -1})
	}
	return resp
}
