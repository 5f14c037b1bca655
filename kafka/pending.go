package kafka

import (
	"sync"
	"sync/atomic"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Record states. A record is queued from Produce until its batch is
// sealed; only a queued record can be cancelled (its context ended), and
// a sealed one can only complete. Every transition is a CAS or Swap on
// pending.state, so a cancellation racing a seal or an expiry resolves
// to exactly one outcome, and the callback runs exactly once.
const (
	stQueued    uint32 = iota
	stSealed           // in a batch that was (or is being) sent
	stCancelled        // removed because its context ended; the canceller reports it
	stDone             // completed by its batch
	stAbandoned        // sealed, and its ProduceSync caller stopped waiting: the Record is the caller's again
)

// pending is the Client's state for one record between Produce and its
// callback. It is the accumulator's batch.Item.
type pending struct {
	rec   *Record
	cb    func(*Record, error)
	state atomic.Uint32

	ts      int64 // Unix ms written into the batch
	size    int32 // buffer bytes reserved
	stamped bool  // ts was filled in by the Client (Record.Timestamp was zero)
	gen     uint8 // flush generation bucket

	part atomic.Pointer[partition] // set before the record is appended, if stop is set
	stop func() bool               // stops the context.AfterFunc, nil if none
	sync chan error                // ProduceSync's waiter, nil for Produce
}

// Seal implements batch.Item.
func (p *pending) Seal() bool { return p.state.CompareAndSwap(stQueued, stSealed) }

// Fields implements batch.Item.
func (p *pending) Fields() (int64, []byte, []byte, []wire.RecordHeader) {
	return p.ts, p.rec.Key, p.rec.Value, p.rec.Headers
}

// cancel moves a queued record to cancelled; the caller that wins reports
// the record's outcome.
func (p *pending) cancel() bool { return p.state.CompareAndSwap(stQueued, stCancelled) }

// claim marks the record completed by its batch. own reports whether the
// completion accounts for the record (false: it was cancelled first and
// its canceller did); report whether anyone still waits for the outcome
// (false: a ProduceSync caller abandoned it, and since the Record is the
// caller's again the completion must not write to it).
func (p *pending) claim() (own, report bool) {
	switch p.state.Swap(stDone) {
	case stQueued, stSealed:
		return true, true
	case stAbandoned:
		return true, false
	}
	return false, false
}

// abandon is ProduceSync giving up on a sealed record: from then on the
// completion only releases its accounting. It fails if the completion
// claimed the record first, whose result is then about to arrive.
func (p *pending) abandon() bool { return p.state.CompareAndSwap(stSealed, stAbandoned) }

// pendingPool recycles the per-record state so that steady-state Produce
// does not allocate it: a pending goes back once its callback returned,
// unless something else may still hold it (see recycle). When the pool is
// empty (the producer runs ahead of the acknowledgements, or a GC emptied
// it) pendings are carved from slabs, one allocation per slabSize records.
var (
	pendingPool sync.Pool // of *pending
	slabPool    sync.Pool // of *pendingSlab with room left
)

const slabSize = 64

type pendingSlab struct {
	items [slabSize]pending
	next  int
}

func newPending() *pending {
	if p, ok := pendingPool.Get().(*pending); ok {
		return p
	}
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

// recycle returns p to the pool after its batch's completion delivered
// it, if nothing else can still reach p: a ProduceSync caller keeps p
// after its wait (it may cancel), and a context.AfterFunc canceller may be
// running concurrently, so records with either are left to the GC. The
// batch that held p is done and dropped by then (a late response to an
// expired batch reads only its length, never its items).
func (p *pending) recycle() {
	if p.stop != nil || p.sync != nil {
		return
	}
	p.rec, p.cb = nil, nil
	p.state.Store(stQueued)
	// p.part was not set: only records with a canceller record it.
	p.ts, p.size, p.stamped, p.gen = 0, 0, false, 0
	pendingPool.Put(p)
}
