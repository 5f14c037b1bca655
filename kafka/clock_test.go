package kafka

import (
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Light traffic reads the exact time and runs no ticker.
func TestClockExactWhenLight(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := newClock()
	defer c.stop()
	for range 3 * clockBurst {
		before := time.Now()
		got := c.now()
		after := time.Now()
		if got.Before(before.Add(-time.Microsecond)) || got.After(after.Add(time.Microsecond)) {
			t.Fatalf("now() = %v, want within [%v, %v]", got, before, after)
		}
		time.Sleep(100 * time.Microsecond) // 64 reads take > clockBurstSpan
	}
	if c.fast.Load() != nil {
		t.Fatal("ticker runs under light traffic")
	}
}

// A burst starts the ticker; readings then lag by about a tick at most;
// the ticker stops by itself once nobody reads, and the clock goes exact.
func TestClockTicksUnderBurstAndStops(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := newClock()
	defer c.stop()
	for range 2 * clockBurst {
		c.now()
	}
	if c.fast.Load() == nil {
		t.Fatalf("no ticker after %d back-to-back reads", 2*clockBurst)
	}
	var worst time.Duration
	var prev time.Time
	deadline := time.Now().Add(30 * time.Millisecond)
	for time.Now().Before(deadline) {
		got := c.now()
		if lag := time.Since(got); lag > worst {
			worst = lag
		}
		if got.Before(prev) {
			t.Fatalf("time went backwards: %v after %v", got, prev)
		}
		prev = got
	}
	// A tick plus scheduling delay; generous for a loaded CI machine.
	if worst > 20*clockTick {
		t.Fatalf("readings lagged by up to %v", worst)
	}
	t.Logf("worst lag %v", worst)
	// Idle: the ticker stops within a couple of ticks.
	for end := time.Now().Add(time.Second); c.fast.Load() != nil; time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("ticker still runs 1s after the last read")
		}
	}
	before := time.Now()
	if got := c.now(); got.Before(before.Add(-time.Microsecond)) {
		t.Fatalf("after the ticker stopped now() = %v, before %v", got, before)
	}
}

// The ticker gives up its lease even under steady reading, and stop
// leaves no goroutine even while it runs.
func TestClockLeaseAndStop(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := newClock()
	for range 2 * clockBurst {
		c.now()
	}
	if c.fast.Load() == nil {
		t.Fatal("no ticker after a burst")
	}
	stopped := false
	start := time.Now()
	deadline := time.Now().Add(clockLease*clockTick + time.Second)
	for time.Now().Before(deadline) {
		if c.fast.Load() == nil {
			stopped = true
			break
		}
		c.used.Store(true) // a reader in every tick
		runtime.Gosched()
	}
	if !stopped {
		t.Fatal("ticker outlived its lease")
	}
	t.Logf("ticker stopped after %v (lease %v)", time.Since(start), clockLease*clockTick)
	for range 2 * clockBurst {
		c.now()
	}
	if c.fast.Load() == nil {
		t.Fatal("no ticker after a second burst")
	}
	c.stop()
	if c.fast.Load() != nil {
		t.Fatal("ticker reading left after stop")
	}
	for range 2 * clockBurst {
		c.now() // no restart after stop
	}
	if c.fast.Load() != nil {
		t.Fatal("ticker restarted after stop")
	}
}

// Reading the exact clock allocates nothing (only a rebase, every
// clockRebase, does): light traffic, where every record reads it, keeps
// the producer's zero allocations per record.
func TestClockExactAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	c := newClock()
	defer c.stop()
	allocs := testing.AllocsPerRun(1000, func() {
		c.exact()
		c.reads.Store(0) // never a burst: no ticker
	})
	if allocs != 0 {
		t.Fatalf("exact() allocates %.2f times per read, want 0", allocs)
	}
}
