package kafka

import (
	"sync"
	"sync/atomic"
	"time"
)

// clock is the producer's time source for the per-record hot path: every
// record needs the time (its timestamp, its batch's age), and at millions
// of records a second a clock read per record was the largest single item
// in the producer's profile (~25 ns for the monotonic read alone on this
// VM, ~40 ns with building the time.Time).
//
// Two modes:
//
//   - exact (light traffic): elapsed time since a base Time reads only the
//     monotonic clock and the wall time follows by adding it to the
//     base's. The base is re-read with time.Now at least every
//     clockRebase, so a step of the wall clock (NTP, an operator) shows in
//     record timestamps within that long.
//   - ticking (heavy traffic): when the exact path sees clockBurst reads
//     within clockBurstSpan (about 50,000 records/s or more), a goroutine
//     publishes time.Now every clockTick and records read that (an atomic
//     load). Their timestamps and batch ages are then up to about one tick
//     old (plus the goroutine's scheduling delay on a loaded machine):
//     Kafka timestamps are in milliseconds, and a batch that looks a little
//     older only goes a little sooner. The goroutine stops after a tick in
//     which nobody read the time, or after clockLease ticks (the exact
//     path starts it again if the traffic is still heavy), so a Client
//     with light or no traffic runs no ticker, and Close waits for it.
type clock struct {
	base atomic.Pointer[time.Time]

	fast atomic.Pointer[time.Time] // the ticker's last reading; nil when it is not running
	used atomic.Bool               // fast was read since the ticker's last tick

	origin time.Time    // fixed: the scale of mark
	reads  atomic.Int32 // exact reads, to detect a burst
	mark   atomic.Int64 // origin-relative ns of the last clockBurst-th exact read

	mu      sync.Mutex // running, stopped; starting and stopping the ticker
	running bool
	stopped bool
	done    chan struct{} // closed by stop
	wg      sync.WaitGroup
}

const (
	clockRebase    = 100 * time.Millisecond
	clockTick      = time.Millisecond
	clockLease     = 64 // ticks
	clockBurst     = 64 // exact reads...
	clockBurstSpan = clockBurst * 20 * time.Microsecond
)

func newClock() *clock {
	c := &clock{done: make(chan struct{})}
	c.origin = time.Now()
	t := c.origin
	c.base.Store(&t)
	return c
}

// now returns the current time (with its monotonic reading), or the
// ticker's reading at most about a tick old while the traffic is heavy.
func (c *clock) now() time.Time {
	if t := c.fast.Load(); t != nil {
		if !c.used.Load() {
			c.used.Store(true)
		}
		return *t
	}
	return c.exact()
}

func (c *clock) exact() time.Time {
	b := c.base.Load()
	d := time.Since(*b)
	var t time.Time
	if d >= clockRebase { // monotonic: never negative
		nb := time.Now() // its own variable: only a rebase allocates
		c.base.Store(&nb)
		t = nb
	} else {
		t = b.Add(d)
	}
	if c.reads.Add(1)%clockBurst == 0 {
		at := int64(t.Sub(c.origin))
		if prev := c.mark.Swap(at); at-prev < int64(clockBurstSpan) {
			c.start()
		}
	}
	return t
}

// start runs the ticker unless it runs already or the clock is stopped.
func (c *clock) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running || c.stopped {
		return
	}
	c.running = true
	t := time.Now()
	c.used.Store(true)
	c.fast.Store(&t)
	c.wg.Add(1)
	go c.tick()
}

func (c *clock) tick() {
	defer c.wg.Done()
	tk := time.NewTicker(clockTick)
	defer tk.Stop()
	for i := 0; ; i++ {
		select {
		case <-c.done:
		case <-tk.C:
			if c.used.Swap(false) && i < clockLease {
				t := time.Now()
				c.fast.Store(&t)
				continue
			}
		}
		c.mu.Lock()
		c.fast.Store(nil)
		c.running = false
		c.mu.Unlock()
		return
	}
}

// stop ends the ticker for good and waits for it (Close).
func (c *clock) stop() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.done)
	}
	c.mu.Unlock()
	c.wg.Wait()
}
