package conn

import (
	"maps"
	"net"
	"strconv"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Metadata is an immutable snapshot of the cluster's layout. Cluster
// replaces it wholesale (copy on write); never modify one you were given.
type Metadata struct {
	Brokers      map[int32]Broker
	Topics       map[string]*TopicMetadata
	ControllerID int32
	ClusterID    *string
	FetchedAt    time.Time
}

// Broker is one broker of the cluster.
type Broker struct {
	ID   int32
	Host string
	Port int32
	Rack *string
}

// Addr returns host:port.
func (b Broker) Addr() string { return net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))) }

// TopicMetadata is one topic of a snapshot. Err is the broker's error for
// the topic (a *wire.Error sentinel) or nil; Partitions[i] is partition i.
type TopicMetadata struct {
	Name       string
	TopicID    [16]byte
	Err        error
	Partitions []PartitionMetadata
}

// PartitionMetadata is one partition. Leader is -1 while there is none;
// LeaderEpoch is -1 when the broker did not say (Metadata < v7).
type PartitionMetadata struct {
	Partition, Leader, LeaderEpoch int32
	Replicas, ISR                  []int32
	Err                            error
}

// Topic returns the topic's metadata, or nil. m may be nil.
func (m *Metadata) Topic(name string) *TopicMetadata {
	if m == nil {
		return nil
	}
	return m.Topics[name]
}

// buildMetadata turns a response into a snapshot. Partitions are placed at
// their index; a gap (a partition the response skipped) is left with
// Leader -1 and LEADER_NOT_AVAILABLE so index == partition id holds.
func buildMetadata(resp *wire.MetadataResponse, now time.Time) *Metadata {
	m := &Metadata{
		Brokers:      make(map[int32]Broker, len(resp.Brokers)),
		Topics:       make(map[string]*TopicMetadata, len(resp.Topics)),
		ControllerID: resp.ControllerID,
		ClusterID:    resp.ClusterID,
		FetchedAt:    now,
	}
	for _, b := range resp.Brokers {
		m.Brokers[b.NodeID] = Broker{ID: b.NodeID, Host: b.Host, Port: b.Port, Rack: b.Rack}
	}
	for i := range resp.Topics {
		t := &resp.Topics[i]
		if t.Name == nil {
			continue // asked by id and unknown; we never ask by id
		}
		tm := &TopicMetadata{Name: *t.Name, TopicID: t.TopicID, Err: wire.ErrorForCode(t.ErrorCode)}
		n := 0
		for _, p := range t.Partitions {
			if int(p.PartitionIndex) >= n {
				n = int(p.PartitionIndex) + 1
			}
		}
		if n > 0 && n <= 1<<20 {
			tm.Partitions = make([]PartitionMetadata, n)
			for j := range tm.Partitions {
				tm.Partitions[j] = PartitionMetadata{Partition: int32(j), Leader: -1, LeaderEpoch: -1, Err: wire.ErrLeaderNotAvailable}
			}
			for _, p := range t.Partitions {
				if p.PartitionIndex < 0 {
					continue
				}
				tm.Partitions[p.PartitionIndex] = PartitionMetadata{
					Partition:   p.PartitionIndex,
					Leader:      p.LeaderID,
					LeaderEpoch: p.LeaderEpoch,
					Replicas:    p.ReplicaNodes,
					ISR:         p.IsrNodes,
					Err:         wire.ErrorForCode(p.ErrorCode),
				}
			}
		}
		m.Topics[tm.Name] = tm
	}
	return m
}

// mergeEpochs keeps, for each partition, the cached leader when the new
// snapshot names an older leader epoch than the cache (a lagging broker
// answered the refresh, or a KIP-951 hint got ahead of it): leaders never
// move backwards. It modifies next, which is not yet published.
func mergeEpochs(prev, next *Metadata) {
	if prev == nil {
		return
	}
	for name, nt := range next.Topics {
		pt := prev.Topics[name]
		if pt == nil || pt.TopicID != nt.TopicID || len(pt.Partitions) == 0 {
			continue // a recreated topic starts its epochs afresh
		}
		for i := range nt.Partitions {
			if i >= len(pt.Partitions) {
				break
			}
			np, pp := &nt.Partitions[i], &pt.Partitions[i]
			if pp.LeaderEpoch >= 0 && np.LeaderEpoch >= 0 && np.LeaderEpoch < pp.LeaderEpoch {
				if _, ok := next.Brokers[pp.Leader]; ok {
					*np = *pp
				}
			}
		}
	}
}

// withLeader returns a copy of m in which topic's partition is led by
// leader at epoch, with endpoints added to the brokers, or nil if the hint
// does not apply (KIP-951 rules: the partition must be cached, the epoch
// newer than the cached one, and the leader known from endpoints or the
// cache).
func withLeader(m *Metadata, topic string, partition, leader, epoch int32, endpoints []Broker) *Metadata {
	if m == nil || leader < 0 || epoch < 0 {
		return nil
	}
	t := m.Topics[topic]
	if t == nil || partition < 0 || int(partition) >= len(t.Partitions) {
		return nil
	}
	if epoch <= t.Partitions[partition].LeaderEpoch {
		return nil
	}
	brokers, copied := m.Brokers, false
	for _, b := range endpoints {
		if old, ok := brokers[b.ID]; ok && old.Host == b.Host && old.Port == b.Port {
			continue
		}
		if !copied {
			brokers, copied = maps.Clone(m.Brokers), true
		}
		brokers[b.ID] = b
	}
	if _, ok := brokers[leader]; !ok {
		return nil
	}
	nt := *t
	nt.Partitions = append([]PartitionMetadata(nil), t.Partitions...)
	p := &nt.Partitions[partition]
	p.Leader, p.LeaderEpoch, p.Err = leader, epoch, nil
	topics := maps.Clone(m.Topics)
	topics[topic] = &nt
	return &Metadata{Brokers: brokers, Topics: topics, ControllerID: m.ControllerID, ClusterID: m.ClusterID, FetchedAt: m.FetchedAt}
}
