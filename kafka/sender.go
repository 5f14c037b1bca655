package kafka

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/batch"
	"github.com/gregorkafka/gregor/kafka/conn"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// Produce versions: v3 is the first with record batch v2 (Kafka 0.11);
// v13 (Kafka 4.0) addresses topics by id, which a request uses only when
// every topic in it has one (else it goes at v12, by name).
const (
	minProduceVersion = 3
	maxProduceVersion = 13
)

// defaultProduceConns is WithProduceConnections' default. Two, because a
// broker handles one request per connection at a time: with one
// connection its request handling is a single chain (read, validate,
// append, answer) however many cores it has, and measured on a 2-core
// machine with the broker beside the client (docs/producer.md) that chain,
// not the client, limits throughput. More than two gained nothing there;
// on bigger brokers WithProduceConnections raises it.
const defaultProduceConns = 2

// sender drains the partitions pinned to one of a broker's produce
// connections (its lane, conn.ProduceLane) into Produce requests on that
// connection. It sleeps on a 1-slot wake channel and a timer (the next
// linger, backoff or delivery-timeout deadline); appends that open or fill
// a batch, responses, metadata moves and Flush wake it.
// The sender with id -1 holds partitions without a known leader: it only
// expires their batches and asks for metadata.
type sender struct {
	c    *Client
	id   int32
	lane int
	wake chan struct{}

	mu    sync.Mutex
	parts atomic.Pointer[[]*partition] // copy-on-write under mu

	inflight atomic.Int32
	runMu    sync.Mutex                // held for a work round (goroutine or sendNow)
	inline   bool                      // the round under runMu runs on a caller's goroutine: never dial
	armedAt  atomic.Int64              // unix ns the goroutine's timer is armed for, 0: none
	rtt      atomic.Int64              // Produce round-trip floor, ns (pacer.go observeRTT)
	start    int                       // round-robin start index (under runMu)
	conn     atomic.Pointer[conn.Conn] // the produce connection; written under runMu, read by Stats too
	stats    senderStats
	pace     pacer        // adaptive batching (pacer.go); under runMu
	rounds   atomic.Int64 // work rounds run by the goroutine (tests: wake-ups)
	// timer wakes the goroutine at the round's next deadline. The
	// goroutine selects on it; whoever holds runMu arms it (sendNow too).
	timer *time.Timer
}

// senderKey names a sender: a broker and one of its produce lanes.
type senderKey struct {
	id   int32
	lane int
}

func newSender(c *Client, id int32, lane int) *sender {
	s := &sender{c: c, id: id, lane: lane, wake: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	s.timer.Stop()
	s.parts.Store(new([]*partition))
	return s
}

// senderFor returns the sender that p should use on broker id: the one it
// has if that is id's (a partition keeps its lane while its leader stays),
// else the lane of id holding the fewest partitions. Senders start on
// first use.
func (c *Client) senderFor(id int32, cur *sender) *sender {
	if id < 0 {
		return c.leaderless
	}
	if cur != nil && cur.id == id {
		return cur
	}
	c.sendersMu.Lock()
	defer c.sendersMu.Unlock()
	var best *sender
	for lane := range c.cfg.produceConns {
		k := senderKey{id, lane}
		s := c.senders[k]
		if s == nil {
			s = newSender(c, id, lane)
			c.senders[k] = s
			c.startSender(s)
		}
		if best == nil || len(*s.parts.Load()) < len(*best.parts.Load()) {
			best = s
		}
	}
	return best
}

// startSender starts s's goroutine unless the Client is stopping. Called
// with sendersMu held.
func (c *Client) startSender(s *sender) {
	if c.stopping.Load() {
		return
	}
	c.sendWG.Add(1)
	go s.run()
}

func (s *sender) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *sender) add(p *partition) {
	s.mu.Lock()
	old := *s.parts.Load()
	next := make([]*partition, len(old), len(old)+1)
	copy(next, old)
	next = append(next, p)
	s.parts.Store(&next)
	s.mu.Unlock()
}

func (s *sender) remove(p *partition) {
	s.mu.Lock()
	old := *s.parts.Load()
	next := make([]*partition, 0, len(old))
	for _, x := range old {
		if x != p {
			next = append(next, x)
		}
	}
	s.parts.Store(&next)
	s.mu.Unlock()
}

func (s *sender) run() {
	defer s.c.sendWG.Done()
	timer := s.timer
	for {
		s.runMu.Lock()
		s.rounds.Add(1)
		next := s.work(time.Now())
		if !next.IsZero() {
			s.armedAt.Store(next.UnixNano())
			timer.Reset(time.Until(next))
		} else {
			s.armedAt.Store(0)
		}
		s.runMu.Unlock()
		select {
		case <-s.wake:
		case <-timer.C:
		case <-s.c.quit:
			timer.Stop()
			return
		}
		timer.Stop()
	}
}

// work runs one round: expire, drain while the connection has free
// slots, and return when to wake up next (zero: only when woken).
func (s *sender) work(now time.Time) time.Time {
	c := s.c
	parts := *s.parts.Load()
	for _, p := range parts {
		if n := p.acc.Expire(now); n > 0 {
			c.log.Debug("kafka: batches expired", zap.String("topic", p.topic.name), zap.Int32("partition", p.id), zap.Int("batches", n))
		}
	}
	var next time.Time
	soonest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, p := range parts {
		soonest(p.acc.NextWake(now))
	}
	if len(parts) == 0 {
		return next
	}
	if s.id < 0 {
		// Leaderless partitions: keep asking until metadata names a leader.
		c.cluster.RequestRefresh()
		soonest(now.Add(c.cfg.retryBackoff))
		return next
	}
	if c.cfg.idempotence {
		if st := c.idem.state(); st.pid < 0 {
			if err := c.idem.fatal(); err != nil {
				for _, p := range parts {
					p.acc.Abort(err)
				}
				return next
			}
			c.ensureProducerID()
			return next // woken when the id arrives
		}
	}
	if int(s.inflight.Load()) >= c.cfg.maxInFlight || !anyQueued(parts) {
		return next
	}
	if cn := s.conn.Load(); cn != nil && cn.Expiring() && s.inflight.Load() > 0 {
		// The connection's SASL session nears its end: send nothing new
		// on it, and take a fresh one only once its requests are
		// answered (a response wakes us), as Java re-authenticates only
		// with nothing in flight. Sending on the fresh one meanwhile
		// would let the broker handle a partition's next batch before
		// the previous one (two connections are handled in parallel).
		return next
	}
	if s.inline && !s.connected() {
		// A ProduceSync caller must not wait for a dial (its ctx would
		// not be honoured meanwhile): the sender goroutine dials.
		s.wakeUp()
		return next
	}
	cn, err := s.connection()
	if errors.Is(err, conn.ErrAuthentication) {
		// Rejected credentials are rejected again: fail what waits now,
		// as Java does, rather than at the delivery timeout. Later
		// records try again (after the reconnect backoff).
		for _, p := range parts {
			p.acc.Abort(err)
		}
		soonest(now.Add(c.cfg.retryBackoff))
		return next
	}
	if err != nil {
		c.cluster.RequestRefresh()
		soonest(now.Add(c.cfg.retryBackoff))
		return next
	}
	if v, ok := cn.Version(wire.APIKeyProduce); !ok || v < minProduceVersion {
		// Record batch v2 needs Produce v3 (Kafka 0.11): nothing can be
		// sent to this broker, so fail what waits instead of retrying.
		err := fmt.Errorf("%w: %w: broker %d offers no Produce version >= %d (Kafka 0.11 or later needed)",
			ErrUnsupportedBroker, wire.ErrUnsupportedVersion, s.id, minProduceVersion)
		for _, p := range parts {
			p.acc.Abort(err)
		}
		return next
	}
	for int(s.inflight.Load()) < c.cfg.maxInFlight {
		minBytes, at := 0, time.Time{}
		if c.cfg.linger == 0 {
			minBytes, at = s.pace.minBytes(now, int(s.inflight.Load()), c.cfg.batchMaxBytes, time.Duration(s.rtt.Load()))
		}
		if !s.sendOne(cn, parts, now, minBytes) {
			soonest(at)
			if minBytes > 0 {
				// A held batch goes at pacerMaxHold even if no response
				// comes first (a stalled broker): look again by then.
				soonest(now.Add(pacerMaxHold))
			}
			break
		}
	}
	return next
}

// anyQueued reports whether any of parts has a batch waiting to be sent
// (batch.Partition.HasQueued: one atomic load each, no partition lock; a
// work round and every Produce response ask).
func anyQueued(parts []*partition) bool {
	for _, p := range parts {
		if p.acc.HasQueued() {
			return true
		}
	}
	return false
}

// connected reports whether the sender has a connection that new requests
// may use (open, its SASL session not ending).
func (s *sender) connected() bool {
	cn := s.conn.Load()
	return cn != nil && cn.Usable()
}

// connection returns the broker's produce connection, redialling (through
// the cluster's pool and backoff) if it died or retired.
func (s *sender) connection() (*conn.Conn, error) {
	if cn := s.conn.Load(); cn != nil && cn.Usable() {
		return cn, nil
	}
	cn, err := s.c.cluster.Conn(s.c.ctx, s.id, conn.ProduceLane(s.lane))
	if err != nil {
		s.c.log.Debug("kafka: produce connection", zap.Int32("broker", s.id), zap.Int("lane", s.lane), zap.Error(err))
		return nil, err
	}
	s.conn.Store(cn)
	return cn, nil
}

// liveConn returns the sender's connection if it is open (Stats).
func (s *sender) liveConn() *conn.Conn {
	cn := s.conn.Load()
	if cn == nil {
		return nil
	}
	select {
	case <-cn.Done():
		return nil
	default:
		return cn
	}
}

// produceReq is one Produce request in flight and the batches it carries.
type produceReq struct {
	s       *sender
	req     wire.ProduceRequest
	batches []*batch.Batch[entry]
	parts   []*partition
	sentAt  time.Time
	byName  bool // a topic without a known id: no Produce v13
}

// timed feeds the request's round trip to the pacer, then completes it.
func (pr *produceReq) timed(resp wire.Response, err error) {
	if err == nil {
		pr.s.observeRTT(time.Since(pr.sentAt))
	}
	pr.done(resp, err)
}

// sendOne drains at most one batch per partition, round-robin from a
// moving start, within WithMaxRequestBytes (the first batch always fits),
// and sends them as one request. It reports whether anything was sent.
// minBytes is the adaptive policy's ask (pacer.go): the first pass takes
// only batches that may go on their own; if one does, a second pass lets
// the small batches of the other partitions ride along in the same request.
func (s *sender) sendOne(cn *conn.Conn, parts []*partition, now time.Time, minBytes int) bool {
	c := s.c
	v, _ := cn.Version(wire.APIKeyProduce) // >= minProduceVersion: work checked
	v = min(v, maxProduceVersion)
	st := c.idem.state()
	dp := batch.DrainParams{Now: now, Flush: c.flushing.Load() > 0 || c.closed.Load(), ProducerID: st.pid, Epoch: st.epoch,
		MinBytes: minBytes, MaxHold: pacerMaxHold, HoldUrgent: minBytes > 0 && int(s.inflight.Load()) >= pacerUrgentInFlight}
	room := c.cfg.maxRequestBytes
	pr := &produceReq{s: s}
	n := len(parts)
	passes := 1
	if minBytes > 0 {
		passes = 2
	}
	for i := 0; i < passes*n; i++ {
		p := parts[(s.start+i)%n]
		if i == n {
			if len(pr.batches) == 0 {
				break // nothing may go on its own: nothing to ride along with
			}
			dp.MinBytes = 0
		}
		if i >= n && (pr.has(p) || !dp.Flush && p.topic.sticky.cur.Load() == p.id) {
			// Nor the partition keyless records are filling now: its
			// batch fills by itself in moments, and cutting it for a
			// ride would leave it half empty (just after a sticky
			// switch, with one record).
			continue
		}
		dp.MaxBytes = room
		if len(pr.batches) == 0 {
			dp.MaxBytes = math.MaxInt
		}
		b, status := p.acc.Drain(dp)
		if status == batch.NeedBump {
			c.bumpEpoch(p)
			st = c.idem.state()
			dp.ProducerID, dp.Epoch = st.pid, st.epoch
			b, status = p.acc.Drain(dp)
		}
		if status != batch.Drained {
			continue
		}
		if c.bcfg.Codec == wire.CodecZstd && v < 7 {
			p.acc.Fail(b, errZstdUnsupported, true)
			continue
		}
		pr.add(p, b)
		room -= len(b.Bytes)
	}
	s.start++
	if len(pr.batches) == 0 {
		return false
	}
	records, bytes := 0, 0
	for _, b := range pr.batches {
		records += len(b.Items)
		bytes += len(b.Bytes)
	}
	s.pace.sent(now, records)
	if v >= 13 && pr.byName {
		v = 12
	}
	pr.req.Acks = int16(c.cfg.acks)
	pr.req.TimeoutMs = int32(min(c.cfg.requestTimeout/time.Millisecond, math.MaxInt32))
	s.inflight.Add(1)
	pr.sentAt = time.Now()
	if err := cn.Send(c.ctx, &pr.req, v, pr.timed); err != nil {
		// Not written: the connection died or the Client is stopping.
		pr.done(nil, err)
		return false
	}
	s.stats.requests.Add(1)
	s.stats.batches.Add(int64(len(pr.batches)))
	s.stats.records.Add(int64(records))
	s.stats.bytes.Add(int64(bytes))
	return true
}

func (pr *produceReq) has(p *partition) bool {
	for _, x := range pr.parts {
		if x == p {
			return true
		}
	}
	return false
}

func (pr *produceReq) add(p *partition, b *batch.Batch[entry]) {
	pr.batches = append(pr.batches, b)
	pr.parts = append(pr.parts, p)
	name := p.topic.name
	for i := range pr.req.TopicData {
		if td := &pr.req.TopicData[i]; td.Name == name {
			td.PartitionData = append(td.PartitionData, wire.ProduceRequestPartition{Index: p.id, Records: b.Bytes})
			return
		}
	}
	var id [16]byte
	if p := p.topic.id.Load(); p != nil {
		id = *p
	} else {
		pr.byName = true
	}
	pr.req.TopicData = append(pr.req.TopicData, wire.ProduceRequestTopic{
		Name:          name,
		TopicID:       id,
		PartitionData: []wire.ProduceRequestPartition{{Index: p.id, Records: b.Bytes}},
	})
}

// sendNow runs a work round on the caller's goroutine (a ProduceSync
// caller whose record may go now) when the sender goroutine is not in one
// and has a live connection: no hand-off to the sender on the latency path.
func (s *sender) sendNow() bool {
	if s.id < 0 || !s.runMu.TryLock() {
		return false
	}
	if !s.connected() {
		s.runMu.Unlock()
		return false
	}
	s.inline = true
	next := s.work(time.Now())
	s.inline = false
	if !next.IsZero() {
		if a := s.armedAt.Load(); a == 0 || next.UnixNano() < a {
			// Arm the goroutine's timer from here, under runMu as the
			// goroutine arms it: waking the goroutine to do it cost
			// a futex wake per call whenever its last round had
			// disarmed the timer (nothing in flight then, and the
			// sent batch's delivery deadline is a wake time). If the
			// goroutine is between a wake and its timer.Stop, it
			// cancels this, then runs a round that arms it again.
			s.armedAt.Store(next.UnixNano())
			s.timer.Reset(time.Until(next))
		}
	}
	s.runMu.Unlock()
	return true
}
