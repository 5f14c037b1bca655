package kafka

import (
	"sync"
	"sync/atomic"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// entry is the Client's state for one record between Produce and its
// callback: the accumulator's batch.Item, held by value in its batch.
//
// A plain Produce record (no ctx that can end, no ProduceSync waiter) can
// only complete with its batch, so everything it needs fits in the entry
// and costs no allocation and no atomic per record. A record that can also
// end another way (cancelled by its context, abandoned by its ProduceSync
// caller) gets a pending (p) whose state decides, by CAS, which way ends
// it, so its outcome is reported exactly once.
type entry struct {
	rec *Record
	cb  func(*Record, error)
	p   *pending // nil for plain records

	ts      int64 // Unix ms written into the batch
	size    int32 // buffer bytes reserved
	stamped bool  // ts was filled in by the Client (Record.Timestamp was zero)
	gen     uint8 // flush generation bucket
}

// Seal implements batch.Item.
func (e entry) Seal() bool { return e.p == nil || e.p.state.CompareAndSwap(stQueued, stSealed) }

// Fields implements batch.Item.
func (e entry) Fields() (int64, []byte, []byte, []wire.RecordHeader) {
	return e.ts, e.rec.Key, e.rec.Value, e.rec.Headers
}

// queued reports whether the record may still be routed (not cancelled).
func (e entry) queued() bool { return e.p == nil || e.p.state.Load() == stQueued }

// claim marks the record completed by its batch. own reports whether the
// completion accounts for the record (false: it was cancelled first and
// its canceller did); report whether anyone still waits for the outcome
// (false: a ProduceSync caller abandoned it, and since the Record is the
// caller's again the completion must not write to it).
func (e entry) claim() (own, report bool) {
	if e.p == nil {
		return true, true
	}
	switch e.p.state.Swap(stDone) {
	case stQueued, stSealed:
		return true, true
	case stAbandoned:
		return true, false
	}
	return false, false
}

// Record states of a pending. A record is queued from Produce until its
// batch is sealed; only a queued record can be cancelled (its context
// ended), and a sealed one can only complete. Every transition is a CAS
// or Swap on pending.state, so a cancellation racing a seal or an expiry
// resolves to exactly one outcome, and the callback runs exactly once.
const (
	stQueued    uint32 = iota
	stSealed           // in a batch that was (or is being) sent
	stCancelled        // removed because its context ended; the canceller reports it
	stDone             // completed by its batch
	stAbandoned        // sealed, and its ProduceSync caller stopped waiting: the Record is the caller's again
)

// pending is the shared state of a record that can end in more than one
// way: its entry (in a batch) and its canceller or ProduceSync caller
// both hold it.
type pending struct {
	state atomic.Uint32
	e     entry // the record's entry (e.p is this pending), for the canceller

	part atomic.Pointer[partition] // set before the record is appended, if stop is set
	stop func() bool               // stops the context.AfterFunc, nil if none
	sync chan error                // ProduceSync's waiter, nil for Produce
}

// cancel moves a queued record to cancelled; the caller that wins reports
// the record's outcome.
func (p *pending) cancel() bool { return p.state.CompareAndSwap(stQueued, stCancelled) }

// abandon is ProduceSync giving up on a sealed record: from then on the
// completion only releases its accounting. It fails if the completion
// claimed the record first, whose result is then about to arrive.
func (p *pending) abandon() bool { return p.state.CompareAndSwap(stSealed, stAbandoned) }

// pendings are carved from slabs, one allocation per slabSize records. A
// pending is never reused: its ProduceSync caller or canceller may hold it
// after its completion, so it is left to the GC with its slab.
var slabPool sync.Pool // of *pendingSlab with room left

const slabSize = 64

type pendingSlab struct {
	items [slabSize]pending
	next  int
}

func newPending() *pending {
	s, ok := slabPool.Get().(*pendingSlab)
	if !ok {
		s = new(pendingSlab)
	}
	p := &s.items[s.next]
	if s.next++; s.next < slabSize {
		slabPool.Put(s)
	}
	return p
}
