package kafkatest

import (
	"math"
	"slices"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Metadata (3): brokers, topics and partition leadership. An unknown topic
// is created when auto-creation is on and the request allows it (v4+; older
// versions always allow it), and returned at once with its partitions
// (real brokers may first answer LEADER_NOT_AVAILABLE; clients handle both).

func init() {
	register(wire.APIKeyMetadata, &api{min: 0, max: 13, serve: serveMetadata, fail: failMetadata})
}

func serveMetadata(cn *conn, req *Request) (wire.Response, action) {
	c := cn.b.c
	body := req.Body.(*wire.MetadataRequest)
	resp := c.metadataBase()
	allowCreate := c.cfg.autoCreate && (req.Version < 4 || body.AllowAutoTopicCreation)
	all := body.Topics == nil || (req.Version == 0 && len(body.Topics) == 0)

	c.mu.Lock()
	defer c.mu.Unlock()
	if all {
		names := make([]string, 0, len(c.topics))
		for n := range c.topics {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			resp.Topics = append(resp.Topics, c.topicMetadataLocked(c.topics[n], req.Version))
		}
		return resp, actRespond
	}
	for _, rt := range body.Topics {
		if rt.Name == nil {
			t := c.topicsByID[rt.TopicID]
			if t == nil || req.Version < 10 {
				resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{
					ErrorCode: errUnknownTopicID, TopicID: rt.TopicID, TopicAuthorizedOperations: math.MinInt32,
				})
				continue
			}
			resp.Topics = append(resp.Topics, c.topicMetadataLocked(t, req.Version))
			continue
		}
		name := *rt.Name
		t := c.topics[name]
		if t == nil && allowCreate {
			if validTopic(name, 1) != nil {
				resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{
					ErrorCode: errInvalidTopic, Name: rt.Name, TopicAuthorizedOperations: math.MinInt32,
				})
				continue
			}
			t = c.createTopicLocked(name, c.cfg.defaultPartitions)
		}
		if t == nil {
			resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{
				ErrorCode: errUnknownTopicOrPartition, Name: rt.Name, TopicAuthorizedOperations: math.MinInt32,
			})
			continue
		}
		resp.Topics = append(resp.Topics, c.topicMetadataLocked(t, req.Version))
	}
	return resp, actRespond
}

// metadataBase returns a response with the brokers and cluster fields set.
func (c *Cluster) metadataBase() *wire.MetadataResponse {
	id := c.cfg.clusterID
	resp := &wire.MetadataResponse{
		ClusterID:                   &id,
		ControllerID:                0,
		ClusterAuthorizedOperations: math.MinInt32,
	}
	for _, b := range c.brokers {
		resp.Brokers = append(resp.Brokers, wire.MetadataResponseBroker{NodeID: b.id, Host: b.host, Port: b.port})
	}
	return resp
}

func (c *Cluster) topicMetadataLocked(t *topic, version int16) wire.MetadataResponseTopic {
	name := t.name
	mt := wire.MetadataResponseTopic{
		Name:                      &name,
		TopicID:                   t.id,
		TopicAuthorizedOperations: math.MinInt32,
		Partitions:                make([]wire.MetadataResponsePartition, len(t.parts)),
	}
	for i, p := range t.parts {
		mt.Partitions[i] = wire.MetadataResponsePartition{
			PartitionIndex:  p.index,
			LeaderID:        p.leader,
			LeaderEpoch:     p.epoch,
			ReplicaNodes:    slices.Clone(p.replicas),
			IsrNodes:        slices.Clone(p.replicas),
			OfflineReplicas: []int32{},
		}
	}
	return mt
}

func failMetadata(c *Cluster, req *Request, code int16) wire.Response {
	body := req.Body.(*wire.MetadataRequest)
	resp := c.metadataBase()
	if req.Version >= 13 {
		resp.ErrorCode = code
	}
	for _, rt := range body.Topics {
		resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{
			ErrorCode: code, Name: rt.Name, TopicID: rt.TopicID, TopicAuthorizedOperations: math.MinInt32,
		})
	}
	return resp
}
