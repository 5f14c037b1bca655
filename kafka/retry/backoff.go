package retry

import (
	"math"
	"math/rand/v2"
	"time"
)

// Java's retry.backoff.ms and retry.backoff.max.ms defaults, and the jitter
// fraction of KIP-580 (CommonClientConfigs.RETRY_BACKOFF_JITTER).
const (
	DefaultInitial = 100 * time.Millisecond
	DefaultMax     = time.Second
	Jitter         = 0.2
)

// Backoff is the exponential backoff of KIP-580, as Java's
// ExponentialBackoff computes it:
//
//	Duration(n) = min(Max, Initial · 2^min(n, log2(Max/Initial)) · U(0.8, 1.2))
//
// The exponent stops where the undithered wait reaches Max, so late waits
// spread over [0.8·Max, Max] instead of all sitting exactly on Max, which
// keeps many clients that failed together from retrying in lockstep. If
// Initial ≥ Max the wait is a constant Max without jitter.
//
// The zero value is Java's default (100 ms doubling to 1 s). Backoff holds
// no mutable state and is safe for concurrent use; the default jitter source
// is math/rand/v2's top-level generator, which takes no global lock.
type Backoff struct {
	// Initial is the base wait. Zero or negative means DefaultInitial.
	Initial time.Duration
	// Max caps every wait. Zero or negative means DefaultMax, or Initial if
	// that is larger (setting only Initial never shortens it).
	Max time.Duration
	// Rand returns a uniform number in [0, 1) for the jitter; nil means
	// math/rand/v2.Float64. Tests inject a fixed sequence. Values outside
	// [0, 1] are clamped.
	Rand func() float64
}

// Duration returns the wait before the retry that follows `attempts`
// earlier retries: Duration(0) is the wait before the first retry (Java
// applies backoff(batch.attempts − 1)). Negative attempts count as 0.
func (b Backoff) Duration(attempts int) time.Duration {
	initial, max := b.bounds()
	if initial >= max {
		return max
	}
	if attempts < 0 {
		attempts = 0
	}
	expMax := math.Log2(float64(max) / float64(initial))
	exp := math.Min(float64(attempts), expMax)
	d := float64(initial) * math.Exp2(exp) * (1 - Jitter + 2*Jitter*b.uniform())
	if d >= float64(max) {
		return max
	}
	return time.Duration(d)
}

func (b Backoff) bounds() (initial, max time.Duration) {
	initial, max = b.Initial, b.Max
	if initial <= 0 {
		initial = DefaultInitial
	}
	if max <= 0 {
		max = DefaultMax
		if initial > max {
			max = initial
		}
	}
	return initial, max
}

func (b Backoff) uniform() float64 {
	if b.Rand == nil {
		return rand.Float64()
	}
	u := b.Rand()
	switch {
	case !(u >= 0): // negative or NaN
		return 0
	case u > 1:
		return 1
	}
	return u
}
