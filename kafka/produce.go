package kafka

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Produce queues r for delivery and returns at once: it never waits for
// the network. (It may wait for buffer room, see WithBlockOnBufferFull,
// until ctx ends.) cb, which may be nil, is called exactly once with r and
// the outcome: nil when the record is acknowledged (r.Partition,
// r.Offset and a zero r.Timestamp are then set), else an error:
//
//   - ErrInvalidRecord (wrapped with the reason), *RecordTooLargeError,
//     ErrClosed, ErrBufferFull (fail-fast mode), *InvalidPartitionError,
//     or ctx's error wrapped with ErrNotSent: the record was rejected
//     before it was queued, and cb runs on the caller's goroutine before
//     Produce returns;
//   - otherwise cb runs later on the partition's callback goroutine, one
//     callback at a time per partition, in offset order; a slow callback
//     delays only its own partition (and holds its records' buffer room).
//     Errors are then *DeliveryTimeoutError, *UnknownTopicError,
//     *InvalidRecordError (the broker refused this record; the others of
//     its batch are sent again), a broker error (errors.Is(err,
//     wire.ErrXxx)), ErrClosed, or, if ctx ends
//     before the record's batch was sent, ctx's error wrapped with
//     ErrNotSent (only that record is removed; its neighbours are
//     unaffected). Once its batch is on the wire a record is delivered
//     whatever ctx does.
//
// The Client owns r until cb is called: do not modify it meanwhile.
// Callbacks must not block for long; they may call Produce.
func (c *Client) Produce(ctx context.Context, r *Record, cb func(*Record, error)) {
	if _, err := c.enqueue(ctx, r, cb, nil); err != nil && cb != nil {
		cb(r, err)
	}
}

var syncChans = sync.Pool{New: func() any { return make(chan error, 1) }}

// ProduceSync produces r and waits for its outcome, with its batch sent at
// once regardless of linger. On success r.Partition and r.Offset are set.
// If ctx ends first it returns promptly: with an error wrapping ErrNotSent
// and ctx's error if the record had not been sent (it never will be), or
// wrapping ErrOutcomeUnknown and ctx's error if it was already on the wire
// (the Client keeps delivering it; with idempotence it lands at most once).
// Safe for any number of concurrent callers: no goroutine per call.
func (c *Client) ProduceSync(ctx context.Context, r *Record) error {
	ch := syncChans.Get().(chan error)
	p, err := c.enqueue(ctx, r, nil, ch)
	if err != nil {
		syncChans.Put(ch)
		return err
	}
	select {
	case err := <-ch:
		syncChans.Put(ch)
		return err
	case <-ctx.Done():
	}
	if p.cancel() {
		c.forget(p.e)
		syncChans.Put(ch) // nobody will send on it
		return notSent(ctx.Err())
	}
	if p.abandon() {
		// The record is on the wire. Its completion will release the
		// accounting but neither touch r nor send on ch (not reused).
		return fmt.Errorf("%w: %w", ErrOutcomeUnknown, ctx.Err())
	}
	// The completion claimed the record first: its result is imminent.
	err = <-ch
	syncChans.Put(ch)
	return err
}

func notSent(err error) error { return fmt.Errorf("%w: %w", ErrNotSent, err) }

// enqueue validates, reserves buffer room and routes one record. A
// non-nil error means nothing was queued and no callback will run. The
// returned pending is non-nil only for records that can end another way
// than with their batch (ProduceSync, or a ctx that can end).
func (c *Client) enqueue(ctx context.Context, r *Record, cb func(*Record, error), sync chan error) (*pending, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil record", ErrInvalidRecord)
	}
	t := c.lastTopic.Load()
	if t == nil || t.name != r.Topic {
		t = nil
	}
	if err := validateRecord(r, t == nil); err != nil {
		return nil, err
	}
	encoded := wire.MaxRecordSize(r.Key, r.Value, r.Headers)
	size := wire.RecordBatchOverhead + encoded
	if size > c.cfg.maxRequestBytes {
		return nil, &RecordTooLargeError{Size: size, Limit: c.cfg.maxRequestBytes, What: "max request bytes"}
	}
	if int64(size) > c.cfg.maxBufferedBytes {
		return nil, &RecordTooLargeError{Size: size, Limit: int(c.cfg.maxBufferedBytes), What: "buffer bytes"}
	}
	if c.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, notSent(err)
	}
	held := heldBytes(r, size)
	gen, err := c.buf.reserve(ctx, int64(held))
	if err != nil {
		if err == ErrBufferFull || err == ErrClosed { //nolint:errorlint // our own sentinels, never wrapped here
			return nil, err
		}
		return nil, notSent(err)
	}
	// The reservation counts the record for Flush (buffer.go); checked
	// again after it, a Close that began meanwhile is seen: Close sets
	// closed before its Flush flips the generation, so a record that
	// passes this check was counted in the generation Close's Flush
	// waits for.
	if c.closed.Load() {
		c.release(gen, 1, int64(held))
		return nil, ErrClosed
	}
	now := c.clock.now()
	e := entry{rec: r, cb: cb, size: int32(held), gen: gen}
	if r.Timestamp.IsZero() {
		e.ts, e.stamped = now.UnixMilli(), true
	} else {
		e.ts = r.Timestamp.UnixMilli()
	}
	var p *pending
	if sync != nil || ctx.Done() != nil {
		p = newPending()
		p.sync = sync
		e.p = p
		p.e = e
		if sync == nil {
			p.stop = context.AfterFunc(ctx, func() { c.cancelRecord(p, ctx) })
		}
	}

	if t == nil {
		t = c.topicFor(r.Topic)
		c.lastTopic.Store(t)
	}
	parts := t.parts.Load()
	if parts == nil {
		t.mu.Lock()
		if parts = t.parts.Load(); parts == nil {
			if t.failed != nil {
				err := t.failed
				t.mu.Unlock()
				return c.unqueue(e, err)
			}
			t.waiting = append(t.waiting, e)
			t.mu.Unlock()
			return p, nil
		}
		t.mu.Unlock()
	}
	if err := c.routeAt(t, *parts, e, encoded, now); err != nil {
		return c.unqueue(e, err)
	}
	return p, nil
}

// recordOverhead is the Client's fixed memory per buffered record beyond
// its bytes: the Record it holds until the callback and its entry (plus a
// pending for records that can be cancelled; not counted, as those are
// rarely the bulk).
const recordOverhead = int(unsafe.Sizeof(Record{}) + unsafe.Sizeof(entry{}))

// heldBytes is what a record counts against WithMaxBufferedBytes: its
// encoded size (an upper bound, batch header included), plus the key,
// value and header bytes the Client keeps alive until the callback (the
// caller's slices, encoded but not copied out of), plus recordOverhead.
// Counting only the encoded size let the heap grow to several times the
// limit (on a slow broker the buffer is full: 64 MiB of encoded 100-byte
// records held ~4x that in Records, values, entries and batch buffers).
func heldBytes(r *Record, encoded int) int {
	n := encoded + len(r.Key) + len(r.Value) + recordOverhead
	for i := range r.Headers {
		n += len(r.Headers[i].Key) + len(r.Headers[i].Value)
	}
	return n
}

// forget releases one record's buffer room and counts it done for Flush:
// the accounting every path that ends a record outside a batch completion
// must undo.
func (c *Client) forget(e entry) {
	c.release(e.gen, 1, int64(e.size))
}

// unqueue undoes enqueue's accounting for a record rejected with err after
// its reservation, and returns what enqueue returns: err for the caller to
// report, or no error if the record's context ended meanwhile and its
// canceller reported it already.
func (c *Client) unqueue(e entry, err error) (*pending, error) {
	if p := e.p; p != nil {
		if p.stop != nil {
			p.stop()
		}
		if !p.cancel() {
			return p, nil
		}
	}
	c.forget(e)
	return nil, err
}

// routeAt chooses the record's partition and appends it there, under that
// partition's mutex only. encoded is wire.MaxRecordSize of the record.
func (c *Client) routeAt(t *topicState, parts []*partition, e entry, encoded int, now time.Time) error {
	r := e.rec
	n := len(parts)
	idx := c.cfg.partitioner.Partition(r, n)
	useSticky := idx < 0
	if useSticky {
		idx = t.sticky.partition(parts)
	} else if int(idx) >= n {
		if idx == invalidPartition {
			// ManualPartitioner's answer for a negative Record.Partition:
			// report what the record asked for.
			idx = r.Partition
		}
		return &InvalidPartitionError{Topic: t.name, Partition: idx, Partitions: n}
	}
	part := parts[idx]
	urgent := e.p != nil && e.p.sync != nil
	if e.p != nil && e.p.stop != nil {
		e.p.part.Store(part) // for cancelRecord, the only reader
	}
	var opened, filled bool
	var total int64
	if useSticky {
		share := int64(c.cfg.batchMaxBytes - wire.RecordBatchOverhead)
		var appended bool
		opened, filled, total, appended = part.acc.AppendOrMove(e, e.ts, r.Key, r.Value, r.Headers, encoded, now, urgent)
		if !appended {
			// The sticky partition's batch is full (now closed): move
			// on before opening a batch there for this one record.
			t.sticky.onAppend(parts, idx, total, true, share)
			part.wake() // the closed batch may go
			idx = t.sticky.partition(parts)
			part = parts[idx]
			if e.p != nil && e.p.stop != nil {
				e.p.part.Store(part)
			}
			opened, filled, total = part.acc.AppendSized(e, e.ts, r.Key, r.Value, r.Headers, encoded, now, urgent)
		}
		// The bytes records really added: counting an upper bound (or
		// a batch header per record, as before) moved on after ~60 % of
		// a batch, leaving the rest of the batch to go half empty.
		t.sticky.onAppend(parts, idx, total, filled, share)
	} else {
		opened, filled, _ = part.acc.AppendSized(e, e.ts, r.Key, r.Value, r.Headers, encoded, now, urgent)
	}
	// A ProduceSync record wakes the sender only if it could go now: while
	// a request is in flight the sender holds it for the response anyway
	// (pacer.go), and that response wakes the sender, so 64 callers cost
	// one wake per round trip instead of 64. An opened batch still wakes
	// it, to arm its timers (hold limit, delivery timeout).
	goNow := urgent && !part.urgentHeld(c)
	if goNow {
		// A ProduceSync record that may go now: drain on this goroutine
		// if the sender is idle (sender.go sendNow), no hand-off.
		if s := part.sender.Load(); s != nil && s.sendNow() {
			return nil
		}
	}
	if opened || filled || goNow {
		part.wake()
	}
	return nil
}

// cancelRecord runs (from context.AfterFunc) when a Produce record's
// context ends: if the record was not sealed into a batch yet, it is
// removed and its callback gets ctx's error wrapped with ErrNotSent.
func (c *Client) cancelRecord(p *pending, ctx context.Context) {
	if !p.cancel() {
		return
	}
	c.release(p.e.gen, 0, int64(p.e.size)) // the record itself counts until its callback returned
	err := notSent(ctx.Err())
	if part := p.part.Load(); part != nil {
		c.enqueueOne(part, p.e, err)
		return
	}
	c.deliver(p.e, err)
	c.release(p.e.gen, 1, 0)
}

// failAlone fails one queued record that is in no batch (its topic never
// appeared, or routing failed).
func (c *Client) failAlone(e entry, err error) {
	own, report := e.claim()
	if !own {
		return
	}
	if report {
		c.deliver(e, err)
	}
	c.forget(e)
}

// validateRecord checks what Kafka would reject anyway, so the error
// names the cause instead of a broker code. checkTopic false skips the
// topic name (the last topic produced to, validated then).
func validateRecord(r *Record, checkTopic bool) error {
	if checkTopic {
		if err := validTopic(r.Topic); err != nil {
			return err
		}
	}
	for i := range r.Headers {
		if !utf8.ValidString(r.Headers[i].Key) {
			return fmt.Errorf("%w: header %d key is not valid UTF-8", ErrInvalidRecord, i)
		}
	}
	return nil
}

// validTopic applies Kafka's topic name rules (Topic.validate): 1 to 249
// characters of [a-zA-Z0-9._-], and not "." or "..".
func validTopic(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty topic name", ErrInvalidRecord)
	case len(name) > 249:
		return fmt.Errorf("%w: topic name longer than 249 characters", ErrInvalidRecord)
	case name == "." || name == "..":
		return fmt.Errorf("%w: topic name %q is not allowed", ErrInvalidRecord, name)
	}
	for _, ch := range name { // runes, so the message names the character, not a byte of it
		if !legalTopicChar(ch) {
			return fmt.Errorf("%w: topic name %q has the illegal character %q (legal: a-z A-Z 0-9 . _ -)", ErrInvalidRecord, name, ch)
		}
	}
	return nil
}

func legalTopicChar(ch rune) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-'
}
