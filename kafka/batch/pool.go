package batch

import (
	"math/bits"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// classPool keeps reusable buffers in sync.Pools by capacity class
// (floor(log2(capacity))), so a request for a large buffer finds a large
// one. With a single pool the small buffers of small batches (the ones
// that ride along in a request at saturation) were handed to the next big
// batch, which then allocated and zeroed a MiB on the producer's
// goroutine while the big buffers went to small batches: ~13% of batches
// allocated at saturation (1.4% of the CPU in allocation alone, plus page
// faults and the scavenger returning the garbage).
type classPool struct {
	pools [poolClasses]sync.Pool
}

// poolClasses covers capacities up to 2^(poolClasses-1) (anything larger
// goes to the last class; callers do not pool beyond maxPooledBuffer).
const poolClasses = 24

func classOf(n int) int {
	if n <= 1 {
		return 0
	}
	return min(bits.Len(uint(n))-1, poolClasses-1)
}

// get returns a pooled value whose capacity (capOf) is at least want, or
// nil. It looks in want's class, whose members may be smaller than want
// (one that is goes back), and in the next one up, whose members are all
// large enough.
func (cp *classPool) get(want int, capOf func(any) int) any {
	c := classOf(want)
	if x := cp.pools[c].Get(); x != nil {
		if capOf(x) >= want {
			return x
		}
		cp.pools[c].Put(x)
	}
	if c+1 < poolClasses {
		if x := cp.pools[c+1].Get(); x != nil {
			return x
		}
	}
	return nil
}

// put pools x, of capacity n, in its class.
func (cp *classPool) put(x any, n int) { cp.pools[classOf(n)].Put(x) }

var builders classPool // *wire.BatchBuilder

// stash keeps a few big builders out of the garbage collector's reach: a
// sync.Pool is emptied by every other GC cycle (every ~35 ms at a
// saturating producer), and ~12% of full batches then allocated and
// zeroed a new MiB. Entries unused for stashMaxIdle are dropped when a
// builder is next stashed; a process that stops producing altogether keeps
// at most stashSlots buffers (8 MiB with 1 MiB batches).
var stash struct {
	mu      sync.Mutex
	entries []stashEntry
}

type stashEntry struct {
	b    *wire.BatchBuilder
	used time.Time
}

const (
	stashMin     = 256 << 10 // smaller buffers are cheap to allocate: the pools suffice
	stashSlots   = 8
	stashMaxIdle = 2 * time.Second
)

// stashGet takes the most recently stashed builder with room for want, if
// any.
func stashGet(want int) *wire.BatchBuilder {
	if want < stashMin {
		return nil
	}
	stash.mu.Lock()
	defer stash.mu.Unlock()
	for i := len(stash.entries) - 1; i >= 0; i-- {
		if b := stash.entries[i].b; b.Cap() >= want {
			last := len(stash.entries) - 1
			copy(stash.entries[i:], stash.entries[i+1:])
			stash.entries[last] = stashEntry{}
			stash.entries = stash.entries[:last]
			return b
		}
	}
	return nil
}

// stashPut keeps b if it is big and a slot is free (dropping entries idle
// for too long first), and reports whether it did.
func stashPut(b *wire.BatchBuilder) bool {
	if b.Cap() < stashMin {
		return false
	}
	now := time.Now()
	stash.mu.Lock()
	defer stash.mu.Unlock()
	keep := stash.entries[:0]
	for _, e := range stash.entries {
		if now.Sub(e.used) < stashMaxIdle {
			keep = append(keep, e)
		}
	}
	clear(stash.entries[len(keep):])
	stash.entries = keep
	if len(stash.entries) >= stashSlots {
		return false
	}
	stash.entries = append(stash.entries, stashEntry{b: b, used: now})
	return true
}

func builderCap(x any) int { return x.(*wire.BatchBuilder).Cap() }

// roundUp is the capacity to allocate for want (at most limit, if limit
// is larger than want): the top of want's class, so the buffer serves any
// later request of that class (sized exactly, a 750 KB buffer could not
// serve the next batch's 800 KB, and every batch allocated anew).
func roundUp(want, limit int) int {
	top := 1<<(classOf(want)+1) - 1
	return max(want, min(top, limit))
}

// getBuilder returns an empty builder with room for at least want bytes
// of records (plus the batch header); a new one gets room for up to limit.
func getBuilder(want, limit int) *wire.BatchBuilder {
	want += wire.RecordBatchOverhead
	if b := stashGet(want); b != nil {
		b.Reset()
		return b
	}
	if x := builders.get(want, builderCap); x != nil {
		b := x.(*wire.BatchBuilder)
		b.Reset()
		return b
	}
	b := new(wire.BatchBuilder)
	b.Grow(roundUp(want, limit+wire.RecordBatchOverhead) - wire.RecordBatchOverhead)
	return b
}

func putBuilder(b *wire.BatchBuilder) {
	if b == nil || b.Cap() == 0 || b.Cap() > maxPooledBuffer {
		return // nothing worth keeping (Finish took the buffer), or too big to pin
	}
	if !stashPut(b) {
		builders.put(b, b.Cap())
	}
}

// items recycles batches' Items arrays (*box[T], by capacity in items).
var items classPool

// getItems returns a box whose array has room for at least want items.
// A box of another item type is dropped (only tests use more than one).
func getItems[T any](want int) *box[T] {
	if x := items.get(want, func(x any) int {
		if b, ok := x.(*box[T]); ok {
			return cap(b.s)
		}
		return -1
	}); x != nil {
		if b, ok := x.(*box[T]); ok {
			return b
		}
	}
	return &box[T]{s: make([]T, 0, roundUp(want, maxPooledItems))}
}

func putItems[T any](b *box[T]) { items.put(b, cap(b.s)) }
