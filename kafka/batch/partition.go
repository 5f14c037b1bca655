package batch

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Partition is one topic-partition's accumulator: a deque of batches
// (resends at the head in sequence order, never-sent batches behind, the
// open batch at the tail) plus the outstanding list (sealed batches whose
// outcome is not yet reported, in sequence order) and, when idempotent,
// the sequence bookkeeping of protocol.md §8.5-§10.
type Partition[T Item] struct {
	mu     sync.Mutex
	cfg    *Config
	onDone func(*Batch[T])

	q   []*Batch[T]  // the deque
	out []*Batch[T]  // sealed, not yet emitted, ascending ord
	nq  atomic.Int32 // len(q), readable without mu (HasQueued)

	// Sizes a new batch's buffers are given up front, instead of growing
	// by doubling (a copy of the whole batch each time): the largest of
	// the recent sealed batches (a decaying maximum: it falls by an
	// eighth per batch), plus a quarter. Batches under steady load are
	// alike give or take when the sender took them, and sizing for the
	// last one alone still regrew every batch larger than its
	// predecessor (~4% of the producer's CPU at saturation).
	hintBytes, hintItems int

	appended int64 // record bytes appended, ever (AppendSized)

	pending int // batches in out whose outcome is not decided
	onWire  int // batches handed out by Drain and not yet reported
	nextOrd int64

	// Idempotence. pid/epoch are the producer state this partition's
	// sequences belong to; it adopts the caller's state when nothing of
	// the old one is outstanding.
	pid        int64
	epoch      int16
	nextSeq    int32
	lastAcked  int32
	unresolved bool // a batch of unknown fate failed (expired after being sent)
	needBump   bool // a sequence gap: the epoch must be bumped before more drains
}

// NewPartition returns an empty Partition. onDone is called, under the
// partition's mutex, once per completed batch, in sequence order except
// that batches failed by Expire or Abort before any earlier batch completed
// are reported when they fail. It must be quick (queue the batch for its
// callbacks) and must not call the Partition.
func NewPartition[T Item](cfg *Config, onDone func(*Batch[T])) *Partition[T] {
	return &Partition[T]{cfg: cfg, onDone: onDone, pid: -1, epoch: -1, lastAcked: -1}
}

// Append encodes a record into the open batch, opening a new batch when
// the open one cannot take it (MaxBytes or MaxRecords). now becomes a new
// batch's creation time; urgent marks the batch as awaited (ProduceSync):
// it is ready regardless of linger. opened reports that the record started
// a new batch and filled that a batch was closed because it is full: the
// caller wakes the sender then (records joining an open batch need not,
// the sender already knows of it), and the sticky partitioner may move on.
func (p *Partition[T]) Append(it T, ts int64, key, value []byte, headers []wire.RecordHeader, now time.Time, urgent bool) (opened, filled bool) {
	opened, filled, _ = p.AppendSized(it, ts, key, value, headers, -1, now, urgent)
	return opened, filled
}

// AppendSized is Append for a caller that already knows an upper bound on
// the record's encoded size (wire.MaxRecordSize; -1 if not): while the
// bound fits the open batch, the exact size need not be computed (the
// producer's hot path computes the bound anyway, to check the record
// against its limits before queueing it). total is the record bytes
// appended to the partition so far, this record included: a sticky
// partitioner measures its share from it without a shared counter.
func (p *Partition[T]) AppendSized(it T, ts int64, key, value []byte, headers []wire.RecordHeader, maxSize int, now time.Time, urgent bool) (opened, filled bool, total int64) {
	opened, filled, total, _ = p.appendSized(it, ts, key, value, headers, maxSize, now, urgent, false)
	return opened, filled, total
}

// AppendOrMove is AppendSized for a record that may go to another
// partition (the sticky partitioner's keyless records): if the open batch
// cannot take it, the batch is closed (filled) and the record is not
// appended (appended false), so the caller moves on to another partition
// instead of opening a batch here for this one record (KIP-794's "abort on
// new batch"). Opening one cost a batch of one record at every sticky
// switch: ~40% of the batches at saturation, each sealed, sent and
// completed on its own.
func (p *Partition[T]) AppendOrMove(it T, ts int64, key, value []byte, headers []wire.RecordHeader, maxSize int, now time.Time, urgent bool) (opened, filled bool, total int64, appended bool) {
	return p.appendSized(it, ts, key, value, headers, maxSize, now, urgent, true)
}

func (p *Partition[T]) appendSized(it T, ts int64, key, value []byte, headers []wire.RecordHeader, maxSize int, now time.Time, urgent, move bool) (opened, filled bool, total int64, appended bool) {
	p.mu.Lock()
	var b *Batch[T]
	if n := len(p.q); n > 0 && p.q[n-1].state == stateOpen {
		b = p.q[n-1]
		if maxSize < 0 || b.builder.Size()+maxSize > p.cfg.MaxBytes {
			size := b.builder.NextRecordSize(ts, key, value, headers)
			if b.builder.Size()+size > p.cfg.MaxBytes {
				b.state = stateClosed
				b, filled = nil, true
				if move {
					total = p.appended
					p.mu.Unlock()
					return false, true, total, false
				}
			}
		}
	}
	if b == nil {
		b = &Batch[T]{Created: now, state: stateOpen, ProducerID: -1, Epoch: -1, BaseSeq: -1, BaseOffset: -1, LogAppendTime: -1}
		b.builder = getBuilder(min(p.hintBytes+p.hintBytes/4, p.room()), p.room())
		b.items = getItems[T](max(p.hintItems+p.hintItems/4, 1))
		b.Items = b.items.s
		p.q = append(p.q, b)
		p.nq.Store(int32(len(p.q)))
		opened = true
	}
	if bb := b.builder; maxSize >= 0 {
		// Grow here, where the batch's limit is known, rather than let
		// Append double past it: a batch that outgrows its hint grows
		// once to at most MaxBytes instead of 2x (a 1 MiB batch became
		// a 2 MiB buffer, zeroed, the whole copy for nothing).
		if need := bb.Size() + maxSize; need > bb.Cap() {
			// From the pools, like a new batch's buffer; the old
			// one goes back.
			nb := getBuilder(max(min(2*bb.Cap(), p.cfg.MaxBytes), need)-wire.RecordBatchOverhead, p.room())
			bb.Exchange(nb)
			putBuilder(nb)
		}
	}
	p.appended += int64(b.builder.Append(ts, key, value, headers))
	total = p.appended
	if len(b.Items) == cap(b.Items) && b.items != nil {
		// A bigger array from the pools (append would allocate one and
		// drop this one); this one goes back, cleared.
		nb := getItems[T](2 * max(cap(b.Items), 8))
		nb.s = append(nb.s[:0], b.Items...)
		clear(b.Items)
		b.items.s = b.Items[:0]
		putItems(b.items)
		b.items, b.Items = nb, nb.s
	}
	b.Items = append(b.Items, it)
	if urgent {
		b.urgent = true
	}
	if b.builder.Size() >= p.cfg.MaxBytes || (p.cfg.MaxRecords > 0 && len(b.Items) >= p.cfg.MaxRecords) {
		b.state = stateClosed
		filled = true
	}
	p.mu.Unlock()
	return opened, filled, total, true
}

// room is the record bytes a full batch holds: MaxBytes less the batch
// header. New buffers are capped there, so the buffers of full batches are
// all one size and any of them serves any full batch (pool.go).
func (p *Partition[T]) room() int { return max(p.cfg.MaxBytes-wire.RecordBatchOverhead, 0) }

// MarkUrgent makes the open batch ready regardless of linger (a
// ProduceSync record joined it after it was appended).
func (p *Partition[T]) MarkUrgent() {
	p.mu.Lock()
	if n := len(p.q); n > 0 && p.q[n-1].state == stateOpen {
		p.q[n-1].urgent = true
	}
	p.mu.Unlock()
}

// DrainParams are the caller's conditions for one Drain.
type DrainParams struct {
	Now time.Time
	// MaxBytes is the room left in the request being built: a batch
	// larger than this stays for the next request. Pass math.MaxInt (or
	// any large value) for a request's first batch: it always goes.
	MaxBytes int
	// Flush makes unfilled batches ready regardless of linger (Flush,
	// Close).
	Flush bool
	// MinBytes and MaxHold are the adaptive policy (linger 0 only): when
	// MinBytes > 0, an unfilled batch that nobody awaits waits while it is
	// smaller than MinBytes and younger than MaxHold. The caller sets them
	// from its broker's load (kafka/pacer.go); 0 sends whatever is there.
	MinBytes int
	MaxHold  time.Duration
	// HoldUrgent makes batches awaited by ProduceSync obey MinBytes and
	// MaxHold too (the caller's broker already has enough in flight).
	HoldUrgent bool
	// ProducerID and Epoch are the producer's current state (idempotent
	// only; a negative ProducerID means "not known yet": nothing drains).
	ProducerID int64
	Epoch      int16
}

// Status tells why Drain returned what it did.
type Status uint8

const (
	// Empty: nothing is queued.
	Empty Status = iota
	// Drained: a batch was returned.
	Drained
	// Waiting: batches are queued but none may go now (linger, backoff,
	// ordering, outstanding limit, no producer id, request room).
	Waiting
	// NeedBump: a sequence gap needs an epoch bump (Bump) first; nothing
	// of the partition is on the wire any more.
	NeedBump
)

// Drain returns the head batch sealed and marked in flight, if it may be
// sent now: a resend only after its backoff and only when it is the lowest
// outstanding batch (so resends go one at a time, in order); a new batch
// when it is ready (full, linger passed or 0, urgent, Flush), within
// MaxOutstanding and MaxBytes, and, when idempotent, once the sequence
// state allows it. Sealing removes cancelled items (a batch left empty is
// dropped) and assigns the sequence. The caller must report the batch's
// outcome exactly once: Ack, Retry, Fail, Split, OutOfOrder or
// UnknownProducer.
func (p *Partition[T]) Drain(dp DrainParams) (*Batch[T], Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.q) == 0 {
		return nil, Empty
	}
	if p.cfg.Idempotent {
		if dp.ProducerID < 0 {
			return nil, Waiting
		}
		if p.needBump || p.unresolved {
			if p.onWire > 0 {
				return nil, Waiting
			}
			if !p.needBump {
				// Everything that reached a broker has answered or
				// failed: the sequence is whole iff the broker acked up
				// to just before the next one we would send.
				if p.lastAcked+1 == p.firstPendingSeq() {
					p.unresolved = false
				} else {
					p.needBump = true
				}
			}
			if p.needBump {
				return nil, NeedBump
			}
		}
	}
	for len(p.q) > 0 {
		b := p.q[0]
		if b.state == stateSealed {
			if dp.Now.Before(b.retryAt) || b != p.firstPending() || len(b.Bytes) > dp.MaxBytes {
				return nil, Waiting
			}
			p.popHead()
			p.send(b)
			return b, Drained
		}
		if !p.ready(b, dp) || (p.cfg.MaxOutstanding > 0 && p.pending >= p.cfg.MaxOutstanding) ||
			b.builder.Size() > dp.MaxBytes {
			return nil, Waiting
		}
		if p.cfg.Idempotent && (dp.ProducerID != p.pid || dp.Epoch != p.epoch) {
			if p.pending > 0 {
				// New batches wait until the old producer state's batches
				// are done (protocol.md §7, "drain blocked").
				return nil, Waiting
			}
			p.pid, p.epoch, p.nextSeq, p.lastAcked = dp.ProducerID, dp.Epoch, 0, -1
			p.unresolved = false
		}
		if p.cfg.Idempotent && p.lastAcked < 0 && p.pending > 0 {
			// Until the broker acknowledged a batch of this producer
			// state, one batch at a time: a broker with no state for the
			// producer accepts its first batch at any sequence (KIP-360),
			// so if the first batch failed (a new topic answers
			// NOT_LEADER_OR_FOLLOWER at first) a later one in flight
			// could become the first accepted, and the first batch would
			// be out of order forever (franz-go#223).
			return nil, Waiting
		}
		p.popHead()
		bb := p.seal(b)
		if bb == nil {
			continue // every record was cancelled
		}
		p.send(b)
		// Build (CRC, compression) without the mutex: producers keep
		// appending to this partition meanwhile (compressing a 1 MiB
		// batch takes milliseconds). The batch counts as on the wire, so
		// nothing else touches its bytes; an Expire meanwhile abandons
		// it like any batch on the wire.
		p.mu.Unlock()
		bytes, out, err := build(bb, p.cfg, b.ProducerID, b.Epoch, b.BaseSeq)
		putBuilder(bb)
		p.mu.Lock()
		if err != nil {
			// Cannot happen with our codecs on bytes we encoded; fail the
			// batch rather than send something broken. Its sequences were
			// never sent: the partition's sequence must be re-checked.
			if p.cfg.Idempotent {
				p.unresolved = true
			}
			if p.reported(b) {
				b.Err = err
				p.finish(b)
			}
			continue
		}
		b.Bytes, b.out = bytes, out
		return b, Drained
	}
	return nil, Empty
}

// ready is the readiness policy for a never-sent batch. A positive linger
// is the classic one. Linger 0 is the adaptive default: the caller drains
// only when its connection has a free in-flight slot, and it asks for
// MinBytes when its broker is busy or was sent to very recently, so an
// idle pipe takes whatever is there and a busy one lets batches grow.
func (p *Partition[T]) ready(b *Batch[T], dp DrainParams) bool {
	if b.state == stateClosed || (b.urgent && !dp.HoldUrgent) || dp.Flush {
		return true
	}
	if p.cfg.Linger > 0 {
		return dp.Now.Sub(b.Created) >= p.cfg.Linger
	}
	return dp.MinBytes <= 0 || b.builder.Size() >= dp.MinBytes || dp.Now.Sub(b.Created) >= dp.MaxHold
}

func (p *Partition[T]) popHead() {
	p.q[0] = nil
	p.q = p.q[1:]
	if len(p.q) == 0 {
		p.q = p.q[:0:0] // let the array go; Append reallocates a small one
	}
	p.nq.Store(int32(len(p.q)))
}

// HasQueued reports, without the mutex, whether any batch waits in the
// deque (open, never sent, or to be resent): a response that frees an
// in-flight slot need not wake a sender with nothing to send. A batch
// queued after the load wakes the sender itself (Append reports opened).
func (p *Partition[T]) HasQueued() bool { return p.nq.Load() > 0 }

// send marks b handed to a connection: from here on the broker may get it,
// so Sent is set even if the caller's send then fails (a failure of
// unknown fate is the safe assumption).
func (p *Partition[T]) send(b *Batch[T]) {
	b.state = stateInFlight
	b.Sent = true
	b.Attempts++
	p.onWire++
}

// seal drops cancelled items and assigns ordinal and sequence, and
// queues b as outstanding. It returns b's builder for the caller to build
// the bytes from (b.builder is cleared), or nil if no item was left (the
// batch is discarded).
func (p *Partition[T]) seal(b *Batch[T]) *wire.BatchBuilder {
	n := len(b.Items)
	// Most batches keep every item: compact only from the first one that
	// was cancelled (copying each item onto itself cost ~3% of the CPU at
	// saturation, with a write barrier per pointer while the GC marks).
	i := 0
	for i < n && b.Items[i].Seal() {
		i++
	}
	kept := b.Items[:i]
	if i < n {
		for _, it := range b.Items[i+1:] {
			if it.Seal() {
				kept = append(kept, it)
			}
		}
		clear(b.Items[len(kept):n])
		b.Items = kept
	}
	if len(kept) == 0 {
		putBuilder(b.builder)
		b.builder = nil
		return nil
	}
	if len(kept) != n {
		size := len(b.builder.Records()) // an upper bound for the kept items
		putBuilder(b.builder)
		b.builder = encode(kept, size)
	}
	b.ord = p.nextOrd
	p.nextOrd += int64(len(kept))
	if p.cfg.Idempotent {
		b.ProducerID, b.Epoch, b.BaseSeq = p.pid, p.epoch, p.nextSeq
		p.nextSeq = incrementSeq(p.nextSeq, len(kept))
	}
	bb := b.builder
	b.builder = nil
	b.size = bb.Size() // before build: it may take the builder's buffer
	p.hintBytes = max(len(bb.Records()), p.hintBytes-p.hintBytes/8)
	p.hintItems = max(len(kept), p.hintItems-p.hintItems/8)
	b.state = stateSealed
	p.out = append(p.out, b)
	p.pending++
	return bb
}

// firstPending returns the lowest outstanding batch whose outcome is not
// decided, nil if none.
func (p *Partition[T]) firstPending() *Batch[T] {
	for _, b := range p.out {
		if b.state != stateDone {
			return b
		}
	}
	return nil
}

// firstPendingSeq is the sequence the broker must see next for the
// outstanding batches to be accepted: the lowest pending batch's, or the
// next to assign.
func (p *Partition[T]) firstPendingSeq() int32 {
	if b := p.firstPending(); b != nil {
		return b.BaseSeq
	}
	return p.nextSeq
}

// incrementSeq adds n to a sequence, wrapping past MaxInt32 to 0 as Java's
// DefaultRecordBatch.incrementSequence does.
func incrementSeq(seq int32, n int) int32 {
	if int64(seq)+int64(n) > math.MaxInt32 {
		return int32(int64(seq) + int64(n) - math.MaxInt32 - 1)
	}
	return seq + int32(n)
}

// NextWake returns the earliest future time at which something of this
// partition changes by itself: a linger or backoff ending, or a delivery
// timeout (Expire must run then). Zero if nothing is pending. Events
// caused by responses are not included: the caller is woken by those.
func (p *Partition[T]) NextWake(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var at time.Time
	min := func(t time.Time) {
		if t.After(now) && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	if len(p.q) > 0 {
		h := p.q[0]
		min(h.Created.Add(p.cfg.DeliveryTimeout))
		switch {
		case h.state == stateSealed:
			min(h.retryAt)
		case p.cfg.Linger > 0 && !h.urgent && h.state == stateOpen:
			min(h.Created.Add(p.cfg.Linger))
		}
	}
	for _, b := range p.out {
		if b.state == stateInFlight {
			min(b.Created.Add(p.cfg.DeliveryTimeout))
			break
		}
	}
	return at
}

// Queued returns the number of batches waiting in the deque (open batch
// included) and of batches on the wire.
func (p *Partition[T]) Queued() (queued, onWire int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.q), p.onWire
}

// ProducerState returns the producer id and epoch this partition's
// sequences belong to (-1, -1 before the first idempotent drain).
func (p *Partition[T]) ProducerState() (int64, int16) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid, p.epoch
}
