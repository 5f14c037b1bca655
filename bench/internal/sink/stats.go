package sink

import (
	"crypto/sha256"
	"sync"
	"sync/atomic"
)

// topic is one topic's partitions. Offsets and counts are atomics so
// connections producing to the same partition never take a lock.
type topic struct {
	name  string
	id    [16]byte
	parts []partition
}

type partition struct {
	next    atomic.Int64 // next offset to hand out == records acknowledged
	batches atomic.Int64
	bytes   atomic.Int64
}

// topicID derives a stable, non-zero UUID from the name, so clients that
// produce by topic ID (Produce v13) see the same ID on every connection.
func topicID(name string) [16]byte {
	sum := sha256.Sum256([]byte(name))
	var id [16]byte
	copy(id[:], sum[:16])
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	return id
}

// registry holds every topic the sink has been asked about. Topics are
// created on first mention (metadata or produce) with the configured
// partition count; they are never removed.
type registry struct {
	partitions int
	mu         sync.RWMutex
	byName     map[string]*topic
	byID       map[[16]byte]*topic
}

func newRegistry(partitions int) *registry {
	return &registry{partitions: partitions, byName: map[string]*topic{}, byID: map[[16]byte]*topic{}}
}

// lookup finds a topic by name; name is usually a byte slice converted in
// the call (no allocation for the map lookup).
func (g *registry) lookup(name string) *topic {
	g.mu.RLock()
	t := g.byName[name]
	g.mu.RUnlock()
	return t
}

func (g *registry) lookupID(id [16]byte) *topic {
	g.mu.RLock()
	t := g.byID[id]
	g.mu.RUnlock()
	return t
}

// ensure returns the topic, creating it if needed.
func (g *registry) ensure(name string) *topic {
	if t := g.lookup(name); t != nil {
		return t
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.byName[name]; t != nil {
		return t
	}
	t := &topic{name: name, id: topicID(name), parts: make([]partition, g.partitions)}
	g.byName[name] = t
	g.byID[t.id] = t
	return t
}

func (g *registry) all() []*topic {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]*topic, 0, len(g.byName))
	for _, t := range g.byName {
		out = append(out, t)
	}
	return out
}

// TopicStats is what the sink acknowledged for one topic.
type TopicStats struct {
	Records    int64   `json:"records"`
	Batches    int64   `json:"batches"`
	Bytes      int64   `json:"bytes"`
	Partitions []int64 `json:"partitions"` // records per partition
}

// Stats is a snapshot of everything the sink acknowledged.
type Stats struct {
	Requests        int64                 `json:"requests"`
	ProduceRequests int64                 `json:"produce_requests"`
	Connections     int64                 `json:"connections"`
	Topics          map[string]TopicStats `json:"topics"`
}

func (t *topic) stats() TopicStats {
	s := TopicStats{Partitions: make([]int64, len(t.parts))}
	for i := range t.parts {
		p := &t.parts[i]
		n := p.next.Load()
		s.Partitions[i] = n
		s.Records += n
		s.Batches += p.batches.Load()
		s.Bytes += p.bytes.Load()
	}
	return s
}
