package kafka

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/batch"
	"github.com/gregorkafka/gregor/kafka/conn"
	"github.com/gregorkafka/gregor/kafka/retry"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// Client produces records to a Kafka cluster. It is safe for concurrent
// use; create one per cluster and share it. Close it when done: Close
// flushes what is buffered and stops every goroutine the Client started.
//
// Goroutines: one metadata goroutine (kafka/conn), one sender per broker
// that leads a partition the Client produces to, two per broker
// connection, a short-lived callback runner per partition with completed
// records, and one waiter per topic missing from metadata. None is started
// per record.
type Client struct {
	cfg     config
	log     *zap.Logger
	cluster *conn.Cluster
	buf     *buffer
	bcfg    batch.Config
	policy  retry.Policy

	ctx    context.Context // ends when Close stops the senders
	cancel context.CancelFunc
	quit   chan struct{}  // closed when Close stops the senders
	wg     group          // runners, topic waiters, producer-id fetch
	sendWG sync.WaitGroup // sender goroutines

	closed    atomic.Bool // no new records
	stopping  atomic.Bool // senders stopped: failures are final
	clock     *clock
	closeOnce sync.Once
	closeErr  error

	topicsMu sync.Mutex
	topics   sync.Map // string -> *topicState
	// lastTopic caches the most recent topicFor answer: most producers
	// write one topic, and a pointer compare plus a string compare is
	// cheaper per record than hashing the name. Entries of topics are
	// never replaced or removed, so a cached one stays valid.
	lastTopic atomic.Pointer[topicState]

	sendersMu  sync.Mutex
	senders    map[senderKey]*sender
	leaderless *sender // partitions without a known leader

	idem idempotence

	acked, failed atomic.Int64 // records, for Stats

	flushSem     chan struct{} // 1 slot: one Flush counts at a time
	flushing     atomic.Int32
	flushWaiters atomic.Int32
	flushWake    chan struct{}
}

// NewClient returns a Client configured by opts. It does no I/O: brokers
// are contacted on the first Produce. It fails only on invalid options
// (*ConfigError, matching ErrConfig).
func NewClient(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Client{
		clock:     newClock(),
		cfg:       cfg,
		log:       cfg.logger,
		buf:       newBuffer(cfg.maxBufferedRecords, cfg.maxBufferedBytes, cfg.blockOnFull),
		quit:      make(chan struct{}),
		senders:   make(map[senderKey]*sender),
		flushSem:  make(chan struct{}, 1),
		flushWake: make(chan struct{}, 1),
		bcfg: batch.Config{
			MaxBytes:        cfg.batchMaxBytes,
			MaxRecords:      cfg.batchMaxRecords,
			Linger:          cfg.linger,
			DeliveryTimeout: cfg.deliveryTimeout,
			Codec:           wire.Codec(cfg.compression),
			Idempotent:      cfg.idempotence,
		},
		policy: retry.Policy{
			MaxAttempts: cfg.maxAttempts,
			Backoff:     retry.Backoff{Initial: cfg.retryBackoff, Max: cfg.retryBackoffMax},
		},
	}
	switch {
	case cfg.idempotence:
		// The broker keeps the last 5 batches per producer and partition.
		c.bcfg.MaxOutstanding = 5
	case cfg.maxInFlight == 1:
		// Java's guaranteeMessageOrder: one batch per partition at a time.
		c.bcfg.MaxOutstanding = 1
	}
	c.idem.init()
	c.ctx, c.cancel = context.WithCancel(context.Background())
	cluster, err := conn.NewCluster(conn.ClusterConfig{
		Conn: conn.Config{
			ClientID:       cfg.clientID,
			Dial:           cfg.dial,
			TLS:            cfg.tls,
			SASL:           cfg.sasl,
			DialTimeout:    cfg.dialTimeout,
			RequestTimeout: cfg.requestTimeout,
			MaxInFlight:    cfg.maxInFlight,
			Logger:         cfg.logger,
		},
		Seeds:          cfg.brokers,
		MetadataMaxAge: cfg.metadataMaxAge,
		// As the Java producer (allow.auto.create.topics=true): brokers
		// with auto.create.topics.enable create a topic on first use.
		AllowAutoTopicCreation: true,
		ReconnectBackoff:       retry.Backoff{Initial: 50 * time.Millisecond, Max: time.Second},
		OnMetadata:             c.onMetadata,
	})
	if err != nil {
		c.cancel()
		return nil, &ConfigError{"WithBrokers", err.Error()}
	}
	c.cluster = cluster
	c.leaderless = newSender(c, -1, 0)
	c.sendersMu.Lock()
	c.startSender(c.leaderless)
	c.sendersMu.Unlock()
	return c, nil
}

// Close stops accepting records (later Produce calls fail with ErrClosed),
// waits for buffered records to be delivered or to fail (bounded by the
// delivery timeout: it never hangs on an unreachable cluster for longer),
// fails whatever is left with ErrClosed, closes the broker connections and
// waits for every goroutine the Client started. Every record produced
// before Close has had its callback called when Close returns. Close is
// idempotent and safe to call concurrently; it returns nil, or the Flush
// error (context.DeadlineExceeded) if records had to be failed.
func (c *Client) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.close() })
	return c.closeErr
}

func (c *Client) close() error {
	// A Produce that passes its second closed check (after its buffer
	// reservation, enqueue) was counted in the generation the Flush below
	// waits for.
	c.closed.Store(true)
	c.buf.close() // callers blocked on a full buffer get ErrClosed
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.deliveryTimeout+time.Second)
	err := c.Flush(ctx)
	cancel()

	// Stop the senders, then fail what is still queued; in-flight requests
	// fail when the connections close, and are not retried any more.
	c.sendersMu.Lock()
	c.stopping.Store(true) // under sendersMu: no sender starts after this
	c.sendersMu.Unlock()
	c.cancel()
	close(c.quit)
	c.sendWG.Wait()
	c.abortAll(ErrClosed)
	cerr := c.cluster.Close()
	c.abortAll(ErrClosed) // anything a failing response re-queued
	// If the Flush gave up, a Produce that passed the closed check may
	// append only now (after a pause of the delivery timeout: in
	// practice never): fail such stragglers too, so every record's
	// callback has run when Close returns.
	for {
		if r, _ := c.buf.held(); r == 0 {
			break
		}
		c.abortAll(ErrClosed)
		time.Sleep(50 * time.Microsecond)
	}
	c.wg.wait()
	c.clock.stop()
	if err != nil {
		c.log.Warn("kafka: close: records failed with ErrClosed", zap.Error(err))
		return err
	}
	if cerr != nil {
		c.log.Debug("kafka: close cluster", zap.Error(cerr))
	}
	return nil
}

// abortAll fails every queued batch of every partition with err.
func (c *Client) abortAll(err error) {
	c.topics.Range(func(_, v any) bool {
		t := v.(*topicState)
		t.failWaiting(c, err)
		if parts := t.parts.Load(); parts != nil {
			for _, p := range *parts {
				p.acc.Abort(err)
			}
		}
		return true
	})
}

// Flush waits until every record produced before the call has been
// acknowledged or has failed (its callback returned), making their batches
// ready at once regardless of linger. It returns ctx's error if ctx ends
// first. Records produced while Flush waits are not waited for.
//
// Records are counted in two generations: Flush moves new records to the
// other one and waits for the one they left. That one must be empty
// first: records left over by an earlier Flush that gave up (ctx) are
// older than the call, so they are waited for before the switch, while no
// new record joins them.
func (c *Client) Flush(ctx context.Context) error {
	select {
	case c.flushSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.flushSem }()
	c.flushing.Add(1)
	defer c.flushing.Add(-1)
	c.flushWaiters.Add(1)
	defer c.flushWaiters.Add(-1)
	c.wakeAll()
	if err := c.waitGen(ctx, c.buf.active()^1); err != nil {
		return err
	}
	return c.waitGen(ctx, c.buf.flip())
}

// waitGen waits until no record of flush generation g is held.
func (c *Client) waitGen(ctx context.Context, g uint8) error {
	for c.buf.records(g) > 0 {
		select {
		case <-c.flushWake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// release frees records and bytes of flush generation g (buffer.release)
// and wakes a waiting Flush when the generation empties.
func (c *Client) release(g uint8, records, bytes int64) {
	if c.buf.release(g, records, bytes) == 0 && records > 0 && c.flushWaiters.Load() > 0 {
		select {
		case c.flushWake <- struct{}{}:
		default:
		}
	}
}

// wakeAll wakes every sender (Flush, a new producer id).
func (c *Client) wakeAll() {
	c.sendersMu.Lock()
	for _, s := range c.senders {
		s.wakeUp()
	}
	c.sendersMu.Unlock()
	c.leaderless.wakeUp()
}

// group counts goroutines like sync.WaitGroup, but allows a goroutine to
// start while another one waits (a callback runner may be started by a
// cancellation racing Close); wait returns once the count is zero.
type group struct {
	mu   sync.Mutex
	n    int
	zero sync.Cond
}

func (g *group) add() {
	g.mu.Lock()
	g.n++
	g.mu.Unlock()
}

func (g *group) done() {
	g.mu.Lock()
	g.n--
	if g.n == 0 && g.zero.L != nil {
		g.zero.Broadcast()
	}
	g.mu.Unlock()
}

func (g *group) wait() {
	g.mu.Lock()
	if g.zero.L == nil {
		g.zero.L = &g.mu
	}
	for g.n > 0 {
		g.zero.Wait()
	}
	g.mu.Unlock()
}
