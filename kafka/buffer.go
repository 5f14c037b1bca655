package kafka

import (
	"context"
	"sync"
	"sync/atomic"
)

// buffer bounds the records and bytes the Client holds, from Produce until
// the record's callback has returned (so slow callbacks count too).
//
// The fast path is one CAS loop on one word holding both counts (records
// in the top bufRecordBits bits, bytes below); nobody locks while there is
// room and nobody waits. When there is no room, a blocking caller queues a
// waiter (FIFO, so a large record is not starved by small ones) and sleeps
// on its own channel: no goroutine is started per blocked caller, and a
// caller whose context ends removes its waiter. release grants waiters in
// order as room frees up.
type buffer struct {
	maxRecords int64
	maxBytes   int64
	block      bool

	used  atomic.Uint64 // records<<bufByteBits | bytes
	nwait atomic.Int32  // len(waiters), readable without mu

	mu      sync.Mutex
	waiters []*bufWaiter
	closed  bool
}

type bufWaiter struct {
	bytes   int64
	ready   chan struct{} // closed when granted or the buffer closed
	granted bool          // under buffer.mu
}

// The counts share one word, so a reservation is one CAS. The limits are
// clamped to what fits (16 Mi records, 1 TiB): far beyond any heap, since
// each record counts its fixed overhead too.
const (
	bufByteBits   = 40
	bufByteMask   = 1<<bufByteBits - 1
	bufMaxRecords = 1<<(64-bufByteBits) - 1
)

func newBuffer(maxRecords int, maxBytes int64, block bool) *buffer {
	return &buffer{maxRecords: min(int64(maxRecords), bufMaxRecords), maxBytes: min(maxBytes, bufByteMask), block: block}
}

// tryTake reserves one record and n bytes if both fit.
func (b *buffer) tryTake(n int64) bool {
	for {
		u := b.used.Load()
		r, used := int64(u>>bufByteBits), int64(u&bufByteMask)
		// A record larger than the whole budget was rejected before; one
		// that fits is always admitted into an empty buffer.
		if r+1 > b.maxRecords || used+n > b.maxBytes && used > 0 {
			return false
		}
		if b.used.CompareAndSwap(u, u+1<<bufByteBits+uint64(n)) {
			return true
		}
	}
}

// reserve takes room for one record of n bytes: at once if there is room
// and nobody is queued, else it fails with ErrBufferFull (fail-fast mode)
// or waits until room is granted, ctx ends (ctx's error) or the Client
// closes (ErrClosed).
func (b *buffer) reserve(ctx context.Context, n int64) error {
	if b.nwait.Load() == 0 && b.tryTake(n) {
		return nil
	}
	if !b.block {
		return ErrBufferFull
	}
	w := &bufWaiter{bytes: n, ready: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	b.waiters = append(b.waiters, w)
	b.nwait.Add(1)
	b.grantLocked() // room may have freed between tryTake and here
	b.mu.Unlock()

	select {
	case <-w.ready:
	case <-ctx.Done():
		b.mu.Lock()
		if !w.granted {
			b.removeLocked(w)
			closed := b.closed
			b.mu.Unlock()
			if closed {
				return ErrClosed
			}
			return ctx.Err()
		}
		b.mu.Unlock()
		// Granted in the meantime: keep it (the record goes ahead), as if
		// the grant had won the race.
		return nil
	}
	b.mu.Lock()
	granted := w.granted
	b.mu.Unlock()
	if !granted {
		return ErrClosed
	}
	return nil
}

// release returns one record's room (or several: records and bytes) and
// grants queued waiters in order.
func (b *buffer) release(records, bytes int64) {
	b.used.Add(-uint64(records<<bufByteBits + bytes))
	if b.nwait.Load() > 0 {
		b.mu.Lock()
		b.grantLocked()
		b.mu.Unlock()
	}
}

func (b *buffer) grantLocked() {
	for len(b.waiters) > 0 {
		w := b.waiters[0]
		if !b.tryTake(w.bytes) {
			return
		}
		w.granted = true
		close(w.ready)
		b.waiters[0] = nil
		b.waiters = b.waiters[1:]
		b.nwait.Add(-1)
	}
}

func (b *buffer) removeLocked(w *bufWaiter) {
	for i, x := range b.waiters {
		if x == w {
			b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
			b.nwait.Add(-1)
			break
		}
	}
	// The head may have been blocking smaller waiters behind it.
	b.grantLocked()
}

// close wakes every waiter with ErrClosed and refuses new ones.
func (b *buffer) close() {
	b.mu.Lock()
	b.closed = true
	for _, w := range b.waiters {
		close(w.ready)
	}
	b.nwait.Add(-int32(len(b.waiters)))
	b.waiters = nil
	b.mu.Unlock()
}

// held returns the records and bytes currently held.
func (b *buffer) held() (records, bytes int64) {
	u := b.used.Load()
	return int64(u >> bufByteBits), int64(u & bufByteMask)
}
