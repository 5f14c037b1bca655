package conn

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/retry"
)

// Purpose selects which of a broker's pooled connections Cluster.Conn
// returns. Produce traffic has its own connection: a produce connection
// may hold MaxInFlight large requests, each waiting for acks=all
// replication, and a metadata or control request queued behind them would
// wait that long too. Java and franz-go separate them for the same reason.
type Purpose uint8

const (
	PurposeControl Purpose = iota // metadata, InitProducerId, coordinators, admin
	PurposeProduce                // Produce requests only; ProduceLane(i) for more
)

// MaxProduceLanes bounds ProduceLane: a client with more connections per
// broker than this would spend the broker's sockets, not its cores.
const MaxProduceLanes = 16

// ProduceLane returns the Purpose of a broker's i-th produce connection
// (ProduceLane(0) is PurposeProduce; i is taken modulo MaxProduceLanes).
//
// Why several: a Kafka broker reads the next request of a connection only
// after it answered the previous one (that keeps each connection's
// responses in order), so all requests on one connection are validated
// and appended one after the other by one request-handler thread at a
// time. Produce requests on separate connections are handled in parallel.
// A client pins each partition to one lane, which keeps the partition's
// batches in order.
func ProduceLane(i int) Purpose {
	i %= MaxProduceLanes
	if i < 0 {
		i += MaxProduceLanes
	}
	return PurposeProduce + Purpose(i)
}

func (p Purpose) String() string {
	switch p {
	case PurposeControl:
		return "control"
	case PurposeProduce:
		return "produce"
	default:
		return fmt.Sprintf("produce#%d", p-PurposeProduce)
	}
}

// ClusterConfig configures a Cluster. Zero fields take the defaults named.
type ClusterConfig struct {
	Conn  Config
	Seeds []string // bootstrap addresses, host:port; any may be down
	// MetadataMaxAge is the period of the background refresh. Default 5 min.
	MetadataMaxAge time.Duration
	// MetadataMinAge is the least time between two metadata requests;
	// triggers in between coalesce into one request at the end of the gap.
	// Default DefaultMetadataMinAge.
	MetadataMinAge time.Duration
	// ReconnectBackoff spaces out dials to a broker that failed: the n-th
	// consecutive failure waits ReconnectBackoff.Duration(n-1). The zero
	// value is 50 ms doubling to 1 s (Java's reconnect.backoff.ms/max.ms).
	ReconnectBackoff retry.Backoff
	// AllowAutoTopicCreation is sent in metadata requests (v4+).
	AllowAutoTopicCreation bool
	// OnMetadata is called from the metadata goroutine after each new
	// snapshot (fetched, or made by ApplyLeaderHint). It must be quick and
	// must not call Refresh or Close.
	OnMetadata func(*Metadata)
}

// DefaultMetadataMinAge is the default ClusterConfig.MetadataMinAge.
//
// Why 100 ms: it is Java's retry.backoff.ms, the gap Java's Metadata keeps
// between refreshes. During a leader election every partition of the lost
// broker reports NOT_LEADER_OR_FOLLOWER within a few milliseconds;
// 100 ms turns that storm into one request per client, and caps a
// misbehaving cluster at 10 metadata requests per second per client. It is
// short enough that failover (KRaft elects a new leader in well under a
// second) is not delayed noticeably, unlike franz-go's 5 s (franz-go#239).
const DefaultMetadataMinAge = 100 * time.Millisecond

const defaultMetadataMaxAge = 5 * time.Minute

// Cluster is the client's view of a Kafka cluster: metadata snapshots,
// kept fresh by one goroutine, and a pool of broker connections.
//
// Lock story: one mutex, c.mu, guards the interest set, the pool's slots
// and the refresh waiters; it is never held across I/O or user callbacks.
// Readers of metadata take no lock (atomic.Pointer); the metadata
// goroutine and ApplyLeaderHint publish new snapshots under c.mu, so
// copy-on-write updates never lose each other.
type Cluster struct {
	cfg  ClusterConfig
	ccfg Config // cfg.Conn with defaults
	log  *zap.Logger
	meta atomic.Pointer[Metadata]

	ctx    context.Context // ends at Close; parent of pooled dials
	cancel context.CancelFunc
	wg     sync.WaitGroup

	trigger chan struct{} // 1-slot: a refresh is wanted
	notify  chan struct{} // 1-slot: a hint made a new snapshot

	mu        sync.Mutex
	closed    bool
	topics    map[string]struct{}
	slots     map[slotKey]*slot
	waiters   []chan error // Refresh callers waiting for the next fetch
	lastFetch time.Time    // start of the last metadata request
}

type slotKey struct {
	addr string
	p    Purpose
}

// slot is a pooled connection to one address for one purpose. A dial in
// progress is shared: dialing is closed when it ends.
type slot struct {
	conn     *Conn
	dialing  chan struct{}
	err      error     // last dial error
	failures int       // consecutive dial failures
	next     time.Time // no dial before this
}

// NewCluster validates cfg and starts the metadata goroutine. It does no
// I/O: the first metadata request happens on the first Refresh, WaitTopic
// or Conn.
func NewCluster(cfg ClusterConfig) (*Cluster, error) {
	if len(cfg.Seeds) == 0 {
		return nil, errors.New("conn: no seed brokers")
	}
	if cfg.MetadataMaxAge <= 0 {
		cfg.MetadataMaxAge = defaultMetadataMaxAge
	}
	if cfg.MetadataMinAge <= 0 {
		cfg.MetadataMinAge = DefaultMetadataMinAge
	}
	if cfg.ReconnectBackoff.Initial <= 0 && cfg.ReconnectBackoff.Max <= 0 {
		cfg.ReconnectBackoff.Initial, cfg.ReconnectBackoff.Max = 50*time.Millisecond, time.Second
	}
	cfg.Seeds = append([]string(nil), cfg.Seeds...)
	ctx, cancel := context.WithCancel(context.Background())
	c := &Cluster{
		cfg:     cfg,
		ccfg:    cfg.Conn.withDefaults(),
		ctx:     ctx,
		cancel:  cancel,
		trigger: make(chan struct{}, 1),
		notify:  make(chan struct{}, 1),
		topics:  make(map[string]struct{}),
		slots:   make(map[slotKey]*slot),
	}
	c.log = c.ccfg.Logger
	c.wg.Add(1)
	go c.metadataLoop()
	return c, nil
}

// Close closes every pooled connection (their in-flight requests fail with
// ErrConnClosed), stops the metadata goroutine and waits for it and for
// dials in progress. Refresh and WaitTopic callers get ErrClusterClosed.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var conns []*Conn
	for _, s := range c.slots {
		if s.conn != nil {
			conns = append(conns, s.conn)
		}
	}
	waiters := c.waiters
	c.waiters = nil
	c.mu.Unlock()
	c.cancel()
	for _, w := range waiters {
		w <- ErrClusterClosed
	}
	for _, cn := range conns {
		cn.Close()
	}
	c.wg.Wait()
	return nil
}

// Metadata returns the latest snapshot, nil before the first fetch.
func (c *Cluster) Metadata() *Metadata { return c.meta.Load() }

// AddTopics adds topics to the interest set that metadata requests list
// and triggers a refresh if any is new.
func (c *Cluster) AddTopics(topics ...string) {
	c.mu.Lock()
	added := false
	for _, t := range topics {
		if _, ok := c.topics[t]; !ok {
			c.topics[t] = struct{}{}
			added = true
		}
	}
	c.mu.Unlock()
	if added {
		c.RequestRefresh()
	}
}

// Conn returns the pooled connection of purpose p to broker brokerID (if
// the current metadata lacks it, after one Refresh),
// dialling it if there is none (or it died). Concurrent callers share one
// dial, and all get its error if it fails. After a failed dial the broker
// is not dialled again before its ReconnectBackoff passed: Conn waits for
// that (bounded by ctx), then dials once.
func (c *Cluster) Conn(ctx context.Context, brokerID int32, p Purpose) (*Conn, error) {
	m := c.Metadata()
	if m == nil {
		var err error
		if m, err = c.Refresh(ctx); err != nil {
			return nil, err
		}
	}
	b, ok := m.Brokers[brokerID]
	if !ok {
		// Brokers leave metadata while they are down and return when they
		// are back: one refresh before giving up.
		if m, err := c.Refresh(ctx); err == nil {
			b, ok = m.Brokers[brokerID]
		}
		if !ok {
			return nil, fmt.Errorf("%w: %d", ErrUnknownBroker, brokerID)
		}
	}
	return c.connTo(ctx, b.Addr(), p, true)
}

// AnyConn returns a control connection to some reachable broker: a live
// pooled one if any, else it tries the known brokers and then the seeds,
// in random order, skipping those in reconnect backoff. That order is also
// the rebootstrap: when no known broker answers, the seeds are tried.
func (c *Cluster) AnyConn(ctx context.Context) (*Conn, error) {
	return c.anyConn(ctx, false)
}

func (c *Cluster) anyConn(ctx context.Context, seedsOnly bool) (*Conn, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClusterClosed
	}
	if !seedsOnly {
		for k, s := range c.slots {
			if k.p == PurposeControl && s.conn != nil && alive(s.conn) {
				cn := s.conn
				c.mu.Unlock()
				return cn, nil
			}
		}
	}
	c.mu.Unlock()

	var known []string
	if m := c.Metadata(); m != nil && !seedsOnly {
		for _, b := range m.Brokers {
			known = append(known, b.Addr())
		}
	}
	seeds := append([]string(nil), c.cfg.Seeds...)
	rand.Shuffle(len(known), func(i, j int) { known[i], known[j] = known[j], known[i] })
	rand.Shuffle(len(seeds), func(i, j int) { seeds[i], seeds[j] = seeds[j], seeds[i] })
	candidates := append(known, seeds...)

	var errs []error
	// First pass: only addresses not in backoff. Second pass: wait for
	// the backoff of each in turn (everything is down; don't spin).
	for pass := 0; pass < 2; pass++ {
		for _, addr := range candidates {
			cn, err := c.connTo(ctx, addr, PurposeControl, pass == 1)
			if err == nil {
				return cn, nil
			}
			if ctx.Err() != nil || errors.Is(err, ErrClusterClosed) {
				return nil, errors.Join(append(errs, err)...)
			}
			if pass == 1 || !errors.Is(err, errInBackoff) {
				errs = append(errs, err)
			}
		}
	}
	return nil, fmt.Errorf("%w: %w", ErrNoBroker, errors.Join(errs...))
}

var errInBackoff = errors.New("conn: broker in reconnect backoff")

func alive(cn *Conn) bool { return cn.Usable() }

// connTo returns the pooled connection to addr for p, dialling if needed.
// With wait false it returns errInBackoff instead of waiting for the
// reconnect backoff.
func (c *Cluster) connTo(ctx context.Context, addr string, p Purpose, wait bool) (*Conn, error) {
	key := slotKey{addr, p}
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return nil, ErrClusterClosed
		}
		s := c.slots[key]
		if s == nil {
			s = &slot{}
			c.slots[key] = s
		}
		if s.conn != nil && alive(s.conn) {
			cn := s.conn
			c.mu.Unlock()
			return cn, nil
		}
		if d := s.dialing; d != nil {
			c.mu.Unlock()
			return c.awaitDial(ctx, s, d)
		}
		if left := time.Until(s.next); left > 0 {
			lastErr := s.err
			c.mu.Unlock()
			if !wait {
				return nil, fmt.Errorf("%w: %w", errInBackoff, lastErr)
			}
			t := time.NewTimer(left)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("%w (last dial error: %w)", ctx.Err(), lastErr)
			case <-c.ctx.Done():
				t.Stop()
				return nil, ErrClusterClosed
			}
		}
		// Dial, shared by everyone who arrives meanwhile. The dial runs
		// under the cluster's context, not the caller's, so one caller
		// giving up does not fail the others.
		old := s.conn
		s.conn = nil
		d := make(chan struct{})
		s.dialing = d
		c.wg.Add(1)
		c.mu.Unlock()
		if old != nil {
			// Already dead; its goroutines are ending by themselves.
			// Reap them off the caller's path: the caller may be one of
			// old's own done callbacks.
			c.wg.Add(1)
			go func() { defer c.wg.Done(); old.closeWhenIdle(c.ctx.Done()) }()
		}
		go c.dialSlot(key, s, d)
		return c.awaitDial(ctx, s, d)
	}
}

// awaitDial waits for the dial d of slot s and returns its outcome: one
// failed dial is reported to everyone who waited for it, not retried here
// (the caller decides; the slot's backoff spaces out the next attempt).
func (c *Cluster) awaitDial(ctx context.Context, s *slot, d chan struct{}) (*Conn, error) {
	select {
	case <-d:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClusterClosed
	}
	if s.conn != nil && alive(s.conn) {
		return s.conn, nil
	}
	if s.err != nil {
		return nil, s.err
	}
	return nil, &Error{Op: "dial", Kind: ErrDial, Cause: errors.New("connection died right after dialling")}
}

func (c *Cluster) dialSlot(key slotKey, s *slot, d chan struct{}) {
	defer c.wg.Done()
	cn, err := dial(c.ctx, key.addr, c.ccfg, c.connDied)
	c.mu.Lock()
	s.dialing = nil
	if err != nil {
		s.err = err
		s.failures++
		s.next = time.Now().Add(c.cfg.ReconnectBackoff.Duration(s.failures - 1))
		c.log.Debug("conn: dial failed", zap.String("addr", key.addr), zap.Error(err))
	} else if c.closed {
		err = ErrClusterClosed
	} else {
		s.conn, s.err, s.failures, s.next = cn, nil, 0, time.Time{}
	}
	c.mu.Unlock()
	close(d)
	if cn != nil && err != nil {
		cn.Close()
	}
}

// connDied is each pooled connection's death hook (run by its reader as it
// exits): a dead connection may mean a dead broker, so metadata is
// refreshed, as Java does after every disconnect.
func (c *Cluster) connDied(cn *Conn) {
	if !errors.Is(cn.Err(), errClosedByClient) {
		c.RequestRefresh()
	}
}
