package kafkatest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// ErrClosed is returned by operations on a closed Cluster.
var ErrClosed = errors.New("kafkatest: cluster closed")

// Cluster is an in-process Kafka cluster: NumBrokers brokers, each a loopback
// TCP listener speaking the Kafka protocol, sharing one in-memory store of
// topics. Every method is safe to call from any goroutine while clients are
// connected; fault injection takes effect for the next request handled.
//
// Lock story: mu guards the topics, producer ids, pending faults and hooks;
// each broker has its own lock for its listener, connections, latency and
// stall state. mu is never held while doing I/O or calling user hooks, and a
// broker's lock is never taken while mu is held.
type Cluster struct {
	cfg     config
	brokers []*broker // index == broker id
	tls     *tlsState // option TLS; nil without

	wg      sync.WaitGroup
	closing chan struct{}
	closed  atomic.Bool
	once    sync.Once

	counts [maxAPIKey + 1]atomic.Int64

	mu          sync.Mutex
	topics      map[string]*topic
	topicsByID  map[[16]byte]*topic
	nextPID     int64
	txns        map[string]*txnProducer
	faults      faultState
	hooks       hookState
	dataChanged chan struct{} // closed and replaced after every append (Fetch waits on it)
}

// maxAPIKey bounds the request counters; larger keys are counted in slot 0
// of nothing (ignored).
const maxAPIKey = 127

// txnProducer is a transactional id's producer id and epoch.
type txnProducer struct {
	pid   int64
	epoch int16
}

// NewCluster starts a cluster. Its listeners are open when it returns; Close
// stops it and waits for every goroutine it started.
func NewCluster(opts ...Option) (*Cluster, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	c := &Cluster{
		cfg:         cfg,
		closing:     make(chan struct{}),
		topics:      make(map[string]*topic),
		topicsByID:  make(map[[16]byte]*topic),
		nextPID:     1000,
		txns:        make(map[string]*txnProducer),
		dataChanged: make(chan struct{}),
	}
	if cfg.tls {
		st, err := newTLSState()
		if err != nil {
			return nil, fmt.Errorf("kafkatest: TLS certificates: %w", err)
		}
		c.tls = st
	}
	for i := 0; i < cfg.numBrokers; i++ {
		ln, err := c.listen("127.0.0.1:0")
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("kafkatest: listen: %w", err)
		}
		b := newBroker(c, int32(i), ln)
		c.brokers = append(c.brokers, b)
	}
	for _, b := range c.brokers {
		b.start()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range cfg.topics {
		if _, ok := c.topics[t.name]; ok {
			continue
		}
		c.createTopicLocked(t.name, t.partitions)
	}
	return c, nil
}

// New starts a cluster for a test: it calls t.Fatal if the cluster cannot
// start and registers Close with t.Cleanup.
func New(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	c, err := NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Addrs returns the brokers' host:port addresses, in broker id order: the
// bootstrap list for a client.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.brokers))
	for i, b := range c.brokers {
		out[i] = b.addr
	}
	return out
}

// NumBrokers returns how many brokers the cluster has.
func (c *Cluster) NumBrokers() int { return len(c.brokers) }

// Close closes every listener and connection and waits for every goroutine
// the cluster started. It is idempotent; later calls return nil.
func (c *Cluster) Close() error {
	first := false
	c.once.Do(func() {
		first = true
		c.closed.Store(true)
		close(c.closing)
		for _, b := range c.brokers {
			b.shutdown()
		}
	})
	if first {
		c.wg.Wait()
	}
	return nil
}

// broker returns the broker with id, or nil.
func (c *Cluster) broker(id int32) *broker {
	if id < 0 || int(id) >= len(c.brokers) {
		return nil
	}
	return c.brokers[id]
}

// createTopicLocked creates a topic with partitions led round-robin by the
// brokers (partition p by broker p % n) and min(3, n) replicas each.
func (c *Cluster) createTopicLocked(name string, partitions int) *topic {
	return c.createTopicAssignedLocked(name, partitions, min(3, len(c.brokers)), nil)
}

// createTopicAssignedLocked creates a topic with rf replicas per partition,
// or with the given replica lists (leader first) when assign is not nil.
func (c *Cluster) createTopicAssignedLocked(name string, partitions, rf int, assign [][]int32) *topic {
	t := &topic{name: name}
	for {
		_, _ = rand.Read(t.id[:])
		if _, dup := c.topicsByID[t.id]; t.id != ([16]byte{}) && !dup {
			break
		}
	}
	n := len(c.brokers)
	for p := 0; p < partitions; p++ {
		part := &partition{topic: t, index: int32(p), leader: int32(p % n)}
		if assign != nil {
			part.replicas = slices.Clone(assign[p])
			part.leader = part.replicas[0]
		} else {
			for r := 0; r < rf; r++ {
				part.replicas = append(part.replicas, int32((p+r)%n))
			}
		}
		t.parts = append(t.parts, part)
	}
	c.topics[name] = t
	c.topicsByID[t.id] = t
	return t
}

// CreateTopic creates a topic while the cluster runs, as the CreateTopics API
// does. It fails if the topic exists or the arguments are invalid.
func (c *Cluster) CreateTopic(name string, partitions int) error {
	if err := validTopic(name, partitions); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.topics[name]; ok {
		return fmt.Errorf("kafkatest: topic %q already exists", name)
	}
	c.createTopicLocked(name, partitions)
	return nil
}

// partitionLocked returns the partition, or nil if the topic or partition
// does not exist.
func (c *Cluster) partitionLocked(topic string, p int32) *partition {
	t := c.topics[topic]
	if t == nil || p < 0 || int(p) >= len(t.parts) {
		return nil
	}
	return t.parts[p]
}

func (c *Cluster) lookup(topic string, p int32) (*partition, error) {
	part := c.partitionLocked(topic, p)
	if part == nil {
		return nil, fmt.Errorf("kafkatest: unknown partition %s/%d", topic, p)
	}
	return part, nil
}

// MoveLeader makes broker the leader of the partition and bumps its leader
// epoch, as a leader election does. The old leader answers later requests
// for the partition with NOT_LEADER_OR_FOLLOWER and, from Produce v10 and
// Fetch v16, a KIP-951 hint naming the new leader. Moving to the current
// leader still bumps the epoch.
func (c *Cluster) MoveLeader(topic string, partition int32, broker int32) error {
	if c.broker(broker) == nil {
		return fmt.Errorf("kafkatest: no broker %d", broker)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.lookup(topic, partition)
	if err != nil {
		return err
	}
	p.leader = broker
	p.epoch++
	found := false
	for _, r := range p.replicas {
		found = found || r == broker
	}
	if !found {
		p.replicas = append([]int32{broker}, p.replicas[:len(p.replicas)-1]...)
	}
	return nil
}

// Leader returns the partition's leader and leader epoch.
func (c *Cluster) Leader(topic string, partition int32) (leader, epoch int32, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.lookup(topic, partition)
	if err != nil {
		return -1, -1, err
	}
	return p.leader, p.epoch, nil
}

// notifyDataLocked wakes Fetch requests waiting for data.
func (c *Cluster) notifyDataLocked() {
	close(c.dataChanged)
	c.dataChanged = make(chan struct{})
}

// brokerEndpoint is a broker's id and advertised address.
type brokerEndpoint struct {
	id   int32
	host string
	port int32
}

func (c *Cluster) endpoint(id int32) brokerEndpoint {
	b := c.broker(id)
	if b == nil {
		return brokerEndpoint{id: id}
	}
	return brokerEndpoint{id: id, host: b.host, port: b.port}
}

func splitHostPort(addr string) (string, int32) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	n, _ := strconv.Atoi(p)
	return h, int32(n)
}
