package kafka

import (
	"sync/atomic"
	"unsafe"

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

	part atomic.Pointer[partition] // set before the record is appended
	stop func() bool               // stops the context.AfterFunc, nil if none
	sync chan error                // ProduceSync's waiter, nil for Produce
}

// Seal implements batch.Item.
func (p *pending) Seal() bool { return p.state.CompareAndSwap(stQueued, stSealed) }

// Fields implements batch.Item.
func (p *pending) Fields() (int64, []byte, []byte, []wire.RecordHeader) {
	return p.ts, p.rec.Key, p.rec.Value, wireHeaders(p.rec.Headers)
}

// cancel moves a queued record to cancelled; the caller that wins reports
// the record's outcome.
func (p *pending) cancel() bool { return p.state.CompareAndSwap(stQueued, stCancelled) }

// claim marks the record completed by its batch and reports whether the
// batch's completion owns the callback (false: it was cancelled first).
func (p *pending) claim() bool {
	old := p.state.Swap(stDone)
	return old == stQueued || old == stSealed
}

// wireHeaders views Headers as the wire type without copying: both are
// struct{ Key string; Value []byte } (headers_test.go asserts the layout).
func wireHeaders(h []Header) []wire.RecordHeader {
	if len(h) == 0 {
		return nil
	}
	return unsafe.Slice((*wire.RecordHeader)(unsafe.Pointer(unsafe.SliceData(h))), len(h))
}
