package kafka

import (
	"sync/atomic"
	"time"
)

// clock is the producer's time source for the per-record hot path.
// time.Now reads two clocks (wall and monotonic, ~58 ns here); elapsed
// time since a base Time reads only the monotonic one (~30 ns), and the
// wall time follows by adding it to the base's. The base is re-read with
// time.Now at least every clockRebase, so a step of the wall clock (NTP,
// an operator) shows in record timestamps within that long; the
// monotonic part, which timers and the delivery timeout use, is exact.
type clock struct {
	base atomic.Pointer[time.Time]
}

const clockRebase = 100 * time.Millisecond

func newClock() *clock {
	c := new(clock)
	t := time.Now()
	c.base.Store(&t)
	return c
}

// now returns the current time (with its monotonic reading).
func (c *clock) now() time.Time {
	b := c.base.Load()
	d := time.Since(*b)
	if d >= clockRebase { // monotonic: never negative
		t := time.Now()
		c.base.Store(&t)
		return t
	}
	return b.Add(d)
}
