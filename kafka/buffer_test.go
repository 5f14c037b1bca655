package kafka

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/batch"
)

func TestBufferFastPathAndLimits(t *testing.T) {
	b := newBuffer(3, 100, false)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := b.reserve(ctx, 10); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.reserve(ctx, 10); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("4th record: %v, want ErrBufferFull", err)
	}
	b.release(0, 3, 30)
	if _, err := b.reserve(ctx, 90); err != nil {
		t.Fatal(err)
	}
	if _, err := b.reserve(ctx, 20); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("over the byte budget: %v", err)
	}
	if r, by := b.held(); r != 1 || by != 90 {
		t.Fatalf("used %d records %d bytes", r, by)
	}
}

// Blocked callers are served in arrival order: a large request at the head
// is not starved by small ones behind it.
func TestBufferWaitersFIFO(t *testing.T) {
	b := newBuffer(100, 100, true)
	ctx := context.Background()
	if _, err := b.reserve(ctx, 100); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make([]chan struct{}, 3)
	for i, size := range []int64{60, 10, 10} {
		done[i] = make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			if _, err := b.reserve(ctx, size); err != nil {
				t.Error(err)
			}
		}()
		for b.nwait.Load() != int32(i+1) {
			time.Sleep(time.Millisecond)
		}
	}
	waiting := func(want int32) {
		t.Helper()
		if got := b.nwait.Load(); got != want {
			t.Fatalf("%d waiters, want %d", got, want)
		}
	}
	b.release(0, 1, 50) // 50 free: the 60 at the head does not fit, nobody may pass it
	waiting(3)
	b.release(0, 0, 10) // 60 free: exactly the head
	<-done[0]
	waiting(2)
	b.release(0, 0, 20)
	wg.Wait()
	waiting(0)
}

func TestBufferWaiterContextAndClose(t *testing.T) {
	b := newBuffer(1, 100, true)
	if _, err := b.reserve(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.reserve(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ctx: %v", err)
	}
	if b.nwait.Load() != 0 {
		t.Fatal("a waiter whose ctx ended must leave the queue")
	}
	done := make(chan error)
	go func() { _, err := b.reserve(context.Background(), 1); done <- err }()
	for b.nwait.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	b.close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("close: %v", err)
	}
	if _, err := b.reserve(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestStickySwitchesAfterBatchBytes(t *testing.T) {
	parts := make([]*partition, 4)
	for i := range parts {
		parts[i] = testPartition(int32(i))
		parts[i].leader.Store(1)
	}
	s := newSticky()
	counts := map[int32]int{}
	switches := 0
	cur := s.partition(parts)
	totals := make([]int64, len(parts)) // each partition's appended bytes
	for i := 0; i < 4000; i++ {
		p := s.partition(parts)
		if p != cur {
			switches++
			cur = p
		}
		counts[p]++
		totals[p] += 100
		s.onAppend(parts, p, totals[p], false, 1000) // a switch every 11 records (counted from the first)
	}
	if switches < 300 || switches > 400 {
		t.Fatalf("%d switches, want about 360 (every 1000 bytes after the first record, never to the same partition)", switches)
	}
	for p := int32(0); p < 4; p++ {
		if counts[p] < 500 {
			t.Fatalf("partition %d got %d of 4000 records: %v", p, counts[p], counts)
		}
	}
	// A full batch switches at once; leaderless partitions are avoided.
	parts[1].leader.Store(-1)
	parts[2].leader.Store(-1)
	parts[3].leader.Store(-1)
	s2 := newSticky()
	p := s2.partition(parts)
	s2.onAppend(parts, p, 10, true, 1000) // totals do not matter when filled
	if q := s2.partition(parts); q == p && p != 0 {
		t.Fatalf("filled batch: stayed on %d", p)
	}
	for i := 0; i < 20; i++ {
		q := s2.partition(parts)
		s2.onAppend(parts, q, 10, true, 1000)
		if next := s2.partition(parts); q != 0 && next != 0 {
			t.Fatalf("switched from %d to leaderless %d", q, next)
		}
	}
}

// Flush generations: a flip moves new reservations to the other word,
// the left word keeps (and releases) its own records, and the limits hold
// for the sum of both words.
func TestBufferGenerations(t *testing.T) {
	b := newBuffer(4, 100, false)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if g, err := b.reserve(ctx, 20); err != nil || g != 0 {
			t.Fatalf("reserve %d: generation %d, %v; want 0", i, g, err)
		}
	}
	if old := b.flip(); old != 0 || b.active() != 1 {
		t.Fatalf("flip left %d, active %d; want 0, 1", old, b.active())
	}
	if g, err := b.reserve(ctx, 50); err != nil || g != 1 {
		t.Fatalf("after flip: generation %d, %v; want 1", g, err)
	}
	// 90 of 100 bytes held across the two words: 20 more do not fit.
	if _, err := b.reserve(ctx, 20); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("over the byte budget across generations: %v", err)
	}
	if r0, r1 := b.records(0), b.records(1); r0 != 2 || r1 != 1 {
		t.Fatalf("records per generation %d, %d; want 2, 1", r0, r1)
	}
	if left := b.release(0, 2, 40); left != 0 {
		t.Fatalf("generation 0 holds %d records after its release, want 0", left)
	}
	if g, err := b.reserve(ctx, 50); err != nil || g != 1 {
		t.Fatalf("after release: generation %d, %v; want 1", g, err)
	}
	if old := b.flip(); old != 1 || b.active() != 0 {
		t.Fatalf("second flip left %d, active %d; want 1, 0", old, b.active())
	}
	if r, by := b.held(); r != 2 || by != 100 {
		t.Fatalf("held %d records %d bytes, want 2, 100", r, by)
	}
	b.release(1, 2, 100)
	if r, by := b.held(); r != 0 || by != 0 {
		t.Fatalf("held %d records %d bytes after releasing all, want 0", r, by)
	}
}

// Reservations racing flips never exceed the limits and are released in
// the generation they were counted in, leaving both words empty.
func TestBufferFlipRace(t *testing.T) {
	const maxRecords, maxBytes = 50, 5000
	b := newBuffer(maxRecords, maxBytes, false)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var over sync.Once
	var recs, bytes atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := int64(10 + i%90)
				g, err := b.reserve(context.Background(), n)
				if err != nil {
					continue // full: fine
				}
				// inUse counts after the reservation and before its
				// release, so it never exceeds what the buffer holds.
				r, by := recs.Add(1), bytes.Add(n)
				if r > maxRecords || by > maxBytes {
					over.Do(func() { t.Errorf("%d records, %d bytes in use: over the limits %d, %d", r, by, maxRecords, maxBytes) })
				}
				recs.Add(-1)
				bytes.Add(-n)
				b.release(g, 1, n)
			}
		}()
	}
	for i := 0; i < 2000; i++ {
		b.flip()
	}
	close(stop)
	wg.Wait()
	if r, by := b.held(); r != 0 || by != 0 {
		t.Fatalf("held %d records, %d bytes after every release; want 0", r, by)
	}
}

// Limits beyond what the packed counter holds are clamped, not wrapped: a
// Client configured "unlimited" still reserves and releases correctly.
func TestBufferHugeLimitsClamped(t *testing.T) {
	b := newBuffer(math.MaxInt, math.MaxInt64, false)
	for i := 0; i < 1000; i++ {
		if _, err := b.reserve(context.Background(), 1<<30); err != nil {
			t.Fatalf("reserve %d: %v", i, err)
		}
	}
	if r, by := b.held(); r != 1000 || by != 1000<<30 {
		t.Fatalf("held %d records, %d bytes; want 1000, %d", r, by, int64(1000)<<30)
	}
	b.release(0, 1000, 1000<<30)
	if r, by := b.held(); r != 0 || by != 0 {
		t.Fatalf("after release: %d records, %d bytes", r, by)
	}
}

// The sticky share is measured from the partition's own start: a start
// noted for another partition (a switch racing an append) is replaced,
// not compared; and a one-partition topic restarts its share at each
// switch instead of switching on every append once past batchMax.
func TestStickyShareStart(t *testing.T) {
	parts := []*partition{testPartition(0), testPartition(1)}
	for _, p := range parts {
		p.leader.Store(1)
	}
	s := newSticky()
	s.cur.Store(1)
	s.share.Store(shareTag(0)<<shareBits | 5000) // partition 0's start
	s.onAppend(parts, 1, 100, false, 1000)
	if s.cur.Load() != 1 {
		t.Fatal("switched on another partition's start")
	}
	if got := s.share.Load(); got != shareTag(1)<<shareBits|100 {
		t.Fatalf("share %#x, want partition 1 starting at 100", got)
	}

	one := []*partition{testPartition(0)}
	one[0].leader.Store(1)
	s = newSticky()
	s.partition(one)
	restarts := 0
	for total := int64(100); total <= 100_000; total += 100 {
		s.onAppend(one, 0, total, false, 1000)
		if s.share.Load() == 0 {
			restarts++
		}
	}
	if restarts < 80 || restarts > 100 {
		t.Fatalf("%d share restarts over 1000 appends, want ~91 (every 11th)", restarts)
	}
}

// testPartition is a partition with an accumulator of its own, for the
// sticky partitioner's tests (it reads the partitions' loads).
func testPartition(id int32) *partition {
	p := &partition{id: id}
	p.acc = batch.NewPartition(&batch.Config{MaxBytes: 1 << 10, DeliveryTimeout: time.Hour}, func(*batch.Batch[entry]) {})
	return p
}

// The sticky choice is adaptive (KIP-794): partitions with batches piling
// up (a slow broker) get fewer keyless records; equal loads stay uniform.
func TestStickyAdaptiveAvoidsLoadedPartitions(t *testing.T) {
	parts := make([]*partition, 4)
	for i := range parts {
		parts[i] = testPartition(int32(i))
		parts[i].leader.Store(1)
	}
	picks := func() map[int32]int {
		counts := map[int32]int{}
		for i := 0; i < 8000; i++ {
			counts[pickAdaptive(parts, -1)]++
		}
		return counts
	}
	for p, n := range picks() {
		if n < 1600 || n > 2400 {
			t.Fatalf("equal loads: partition %d picked %d of 8000 times, want ~2000", p, n)
		}
	}
	// Partition 2 holds 9 batches (1 KiB each): weight 1 against 10.
	big := make([]byte, 1000)
	for i := 0; i < 9; i++ {
		parts[2].acc.Append(entry{}, 0, nil, big, nil, time.Now(), false)
	}
	if q, _ := parts[2].acc.Queued(); q != 9 {
		t.Fatalf("setup: %d batches queued, want 9", q)
	}
	counts := picks()
	if n := counts[2]; n > 8000/31*2 {
		t.Fatalf("loaded partition picked %d of 8000 times, want ~%d (weight 1 of 31)", n, 8000/31)
	}
	for _, p := range []int32{0, 1, 3} {
		if n := counts[p]; n < 2200 {
			t.Fatalf("idle partition %d picked %d of 8000 times, want ~2580", p, n)
		}
	}
	// Never old, never leaderless while another partition is led.
	parts[1].leader.Store(-1)
	for i := 0; i < 1000; i++ {
		if p := pickAdaptive(parts, 0); p == 0 || p == 1 {
			t.Fatalf("picked %d: old partition 0 or leaderless partition 1", p)
		}
	}
}
