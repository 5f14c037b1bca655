package kafka

import (
	"context"
	"sync"
	"sync/atomic"
)

// buffer bounds the records and bytes the Client holds, from Produce until
// the record's callback has returned (so slow callbacks count too), and
// counts them for Flush.
//
// The fast path is one CAS on one word holding both counts (records in
// the top bits, bytes below); nobody locks while there is room and nobody
// waits. When there is no room, a blocking caller queues a waiter (FIFO,
// so a large record is not starved by small ones) and sleeps on its own
// channel: no goroutine is started per blocked caller, and a caller whose
// context ends removes its waiter. release grants waiters in order as room
// frees up.
//
// Flush generations. The counts are kept in two words, one per flush
// generation: a reservation lands in the active word, and Flush (flip)
// moves new reservations to the other one and waits until the word they
// left holds no record. So the count Flush waits on is the reservation's
// own CAS, not a second atomic add per record (a locked instruction costs
// ~9 ns here, ~2% of a record's CPU at saturation). The limits apply to
// the sum of both words. Only the active word grows: flip freezes the word
// it leaves (frozenBit, set by CAS, so a reservation racing the flip
// either landed before it or retries in the new word), and a frozen word
// only shrinks, so a reservation that reads it stale overestimates what
// is held and never overshoots a limit.
type buffer struct {
	maxRecords int64
	maxBytes   int64
	block      bool

	used  [2]atomic.Uint64 // per generation: frozenBit | records<<bufByteBits | bytes
	gen   atomic.Uint32    // the active word
	nwait atomic.Int32     // len(waiters), readable without mu

	mu      sync.Mutex // also held by flip throughout
	waiters []*bufWaiter
	closed  bool
}

type bufWaiter struct {
	bytes   int64
	ready   chan struct{} // closed when granted or the buffer closed
	granted bool          // under buffer.mu
	gen     uint8         // the word it was granted in
}

// The counts share one word, so a reservation is one CAS. The limits are
// clamped to what fits (8 Mi records, 1 TiB): far beyond any heap, since
// each record counts its fixed overhead too. The top bit marks the
// inactive (frozen) word.
const (
	bufByteBits   = 40
	bufByteMask   = 1<<bufByteBits - 1
	bufRecordBits = 23
	bufMaxRecords = 1<<bufRecordBits - 1
	frozenBit     = uint64(1) << 63
)

func newBuffer(maxRecords int, maxBytes int64, block bool) *buffer {
	b := &buffer{maxRecords: min(int64(maxRecords), bufMaxRecords), maxBytes: min(maxBytes, bufByteMask), block: block}
	b.used[1].Store(frozenBit)
	return b
}

func unpack(u uint64) (records, bytes int64) {
	return int64(u &^ frozenBit >> bufByteBits), int64(u & bufByteMask)
}

// tryTake reserves one record and n bytes in the active word if both fit,
// and returns that word. locked tells that the caller holds mu (then no
// flip is under way and the active word is never frozen).
func (b *buffer) tryTake(n int64, locked bool) (uint8, bool) {
	for {
		g := b.gen.Load() & 1
		u := b.used[g].Load()
		if u&frozenBit != 0 {
			// A flip is under way (it holds mu): wait for it, then
			// reserve in the word it activated.
			if !locked {
				b.mu.Lock()
				b.mu.Unlock() //nolint:staticcheck // an empty critical section: waiting for flip is the point
			}
			continue
		}
		r0, u0 := unpack(u)
		r1, u1 := unpack(b.used[g^1].Load())
		r, used := r0+r1, u0+u1
		// A record larger than the whole budget was rejected before; one
		// that fits is always admitted into an empty buffer.
		if r+1 > b.maxRecords || used+n > b.maxBytes && used > 0 {
			return 0, false
		}
		if b.used[g].CompareAndSwap(u, u+1<<bufByteBits+uint64(n)) {
			return uint8(g), true
		}
	}
}

// reserve takes room for one record of n bytes: at once if there is room
// and nobody is queued, else it fails with ErrBufferFull (fail-fast mode)
// or waits until room is granted, ctx ends (ctx's error) or the Client
// closes (ErrClosed). It returns the flush generation the record is
// counted in (release it there).
func (b *buffer) reserve(ctx context.Context, n int64) (uint8, error) {
	if b.nwait.Load() == 0 {
		if g, ok := b.tryTake(n, false); ok {
			return g, nil
		}
	}
	if !b.block {
		return 0, ErrBufferFull
	}
	w := &bufWaiter{bytes: n, ready: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, ErrClosed
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
				return 0, ErrClosed
			}
			return 0, ctx.Err()
		}
		b.mu.Unlock()
		// Granted in the meantime: keep it (the record goes ahead), as if
		// the grant had won the race.
		return w.gen, nil
	}
	b.mu.Lock()
	granted, g := w.granted, w.gen
	b.mu.Unlock()
	if !granted {
		return 0, ErrClosed
	}
	return g, nil
}

// release returns room of records and bytes counted in generation g
// (records may be 0: a cancelled record's bytes are freed before its
// callback ran) and grants queued waiters in order. It returns how many
// records generation g still holds.
func (b *buffer) release(g uint8, records, bytes int64) int64 {
	u := b.used[g&1].Add(-uint64(records<<bufByteBits + bytes))
	if b.nwait.Load() > 0 {
		b.mu.Lock()
		b.grantLocked()
		b.mu.Unlock()
	}
	r, _ := unpack(u)
	return r
}

// active returns the generation new reservations are counted in.
func (b *buffer) active() uint8 { return uint8(b.gen.Load() & 1) }

// records returns how many records generation g holds.
func (b *buffer) records(g uint8) int64 {
	r, _ := unpack(b.used[g&1].Load())
	return r
}

// flip moves new reservations to the other generation and returns the one
// they left. Only Flush calls it, one at a time.
func (b *buffer) flip() uint8 {
	b.mu.Lock()
	defer b.mu.Unlock()
	g := b.gen.Load() & 1
	for { // freeze the word being left: a racing reservation retries
		u := b.used[g].Load()
		if b.used[g].CompareAndSwap(u, u|frozenBit) {
			break
		}
	}
	for { // thaw the other (only releases race: they never touch the bit)
		u := b.used[g^1].Load()
		if b.used[g^1].CompareAndSwap(u, u&^frozenBit) {
			break
		}
	}
	b.gen.Store(g ^ 1)
	return uint8(g)
}

func (b *buffer) grantLocked() {
	for len(b.waiters) > 0 {
		w := b.waiters[0]
		g, ok := b.tryTake(w.bytes, true)
		if !ok {
			return
		}
		w.granted, w.gen = true, g
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
	r0, b0 := unpack(b.used[0].Load())
	r1, b1 := unpack(b.used[1].Load())
	return r0 + r1, b0 + b1
}
