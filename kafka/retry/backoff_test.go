package retry

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func constRand(u float64) func() float64 { return func() float64 { return u } }

// near allows for float rounding (a nanosecond or so) in expected waits.
func near(got, want time.Duration) bool {
	d := got - want
	return d > -time.Microsecond && d < time.Microsecond
}

func TestBackoffDefaultsNoJitterMidpoint(t *testing.T) {
	b := Backoff{Rand: constRand(0.5)} // jitter factor exactly 1.0
	tests := []struct {
		attempts int
		want     time.Duration
	}{
		{-5, 100 * time.Millisecond},
		{0, 100 * time.Millisecond},
		{1, 200 * time.Millisecond},
		{2, 400 * time.Millisecond},
		{3, 800 * time.Millisecond},
		{4, time.Second}, // 2^min(4, log2 10) · 100 ms = 1 s exactly
		{30, time.Second},
		{1 << 40, time.Second},
	}
	for _, tt := range tests {
		if got := b.Duration(tt.attempts); !near(got, tt.want) {
			t.Errorf("Duration(%d) = %v; want %v", tt.attempts, got, tt.want)
		}
	}
}

func TestBackoffJitterEdges(t *testing.T) {
	low := Backoff{Rand: constRand(0)}           // factor 0.8
	high := Backoff{Rand: constRand(0.99999999)} // factor just under 1.2
	tests := []struct {
		b        Backoff
		attempts int
		want     time.Duration
	}{
		{low, 0, 80 * time.Millisecond},
		{low, 3, 640 * time.Millisecond},
		{low, 4, 800 * time.Millisecond}, // at the cap the spread is [0.8·Max, Max]
		{low, 100, 800 * time.Millisecond},
		{high, 0, 120 * time.Millisecond},
		{high, 2, 480 * time.Millisecond},
		{high, 3, 960 * time.Millisecond},
		{high, 4, time.Second}, // 1.2 s capped
	}
	for i, tt := range tests {
		if got := tt.b.Duration(tt.attempts); !near(got, tt.want) {
			t.Errorf("row %d: Duration(%d) = %v; want %v", i, tt.attempts, got, tt.want)
		}
	}
}

func TestBackoffClampsBadRand(t *testing.T) {
	for _, u := range []float64{-1, 2, nan()} {
		got := Backoff{Rand: constRand(u)}.Duration(0)
		if got < 80*time.Millisecond || got > 120*time.Millisecond {
			t.Errorf("Rand() = %v: Duration(0) = %v; want within [80ms, 120ms]", u, got)
		}
	}
}

func nan() float64 { z := 0.0; return z / z }

func TestBackoffConstantWhenInitialAtLeastMax(t *testing.T) {
	tests := []Backoff{
		{Initial: time.Second, Max: time.Second},
		{Initial: 3 * time.Second, Max: time.Second},
	}
	for _, b := range tests {
		b.Rand = constRand(0) // jitter must not apply
		for _, n := range []int{0, 1, 5, 1000} {
			if got := b.Duration(n); got != b.Max {
				t.Errorf("%+v Duration(%d) = %v; want constant %v", b, n, got, b.Max)
			}
		}
	}
	// Only Initial set, above DefaultMax: Max follows it, never shortens it.
	b := Backoff{Initial: 5 * time.Second, Rand: constRand(0)}
	if got := b.Duration(3); got != 5*time.Second {
		t.Errorf("Backoff{Initial: 5s}.Duration(3) = %v; want 5s", got)
	}
}

func TestBackoffCustomRange(t *testing.T) {
	b := Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second, Rand: constRand(0.5)}
	want := []time.Duration{250, 500, 1000, 2000, 4000, 5000, 5000}
	for n, w := range want {
		if got := b.Duration(n); !near(got, w*time.Millisecond) {
			t.Errorf("Duration(%d) = %v; want %v", n, got, w*time.Millisecond)
		}
	}
	// Not a power-of-two ratio: the exponent stops at log2(Max/Initial), so
	// the undithered wait lands on Max exactly, not on 2^k·Initial.
	b = Backoff{Initial: 100 * time.Millisecond, Max: 300 * time.Millisecond, Rand: constRand(0)}
	if got := b.Duration(2); !near(got, 240*time.Millisecond) {
		t.Errorf("Duration(2) with max 300ms, factor 0.8 = %v; want 240ms (0.8 · 300ms)", got)
	}
}

// With a seeded source the jitter spreads uniformly over ±20% and never
// leaves it.
func TestBackoffJitterDistribution(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	b := Backoff{Rand: r.Float64}
	const n = 20000
	var sum time.Duration
	lo, hi := time.Hour, time.Duration(0)
	var buckets [4]int
	for i := 0; i < n; i++ {
		d := b.Duration(0)
		if d < 80*time.Millisecond || d >= 120*time.Millisecond {
			t.Fatalf("Duration(0) = %v; want within [80ms, 120ms)", d)
		}
		sum += d
		lo, hi = min(lo, d), max(hi, d)
		buckets[(d-80*time.Millisecond)/(10*time.Millisecond)]++
	}
	if mean := sum / n; mean < 99*time.Millisecond || mean > 101*time.Millisecond {
		t.Errorf("mean of Duration(0) = %v; want 100ms ± 1ms", mean)
	}
	if lo > 81*time.Millisecond || hi < 119*time.Millisecond {
		t.Errorf("Duration(0) spans [%v, %v]; want nearly [80ms, 120ms)", lo, hi)
	}
	for i, c := range buckets {
		if c < n/4-n/20 || c > n/4+n/20 {
			t.Errorf("bucket %d holds %d of %d samples; want about a quarter", i, c, n)
		}
	}

	// At the cap: within [800ms, 1s], and about half the draws (factor ≥ 1)
	// sit exactly on Max.
	capped := 0
	for i := 0; i < n; i++ {
		d := b.Duration(10)
		if d < 800*time.Millisecond || d > time.Second {
			t.Fatalf("Duration(10) = %v; want within [800ms, 1s]", d)
		}
		if d == time.Second {
			capped++
		}
	}
	if capped < n*45/100 || capped > n*55/100 {
		t.Errorf("%d of %d capped waits equal Max; want about half", capped, n)
	}
}

// The default source is safe for concurrent use (run with -race).
func TestBackoffConcurrentDefaultRand(t *testing.T) {
	var b Backoff
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				if d := b.Duration(i % 6); d < 80*time.Millisecond || d > time.Second {
					t.Errorf("Duration(%d) = %v out of range", i%6, d)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkBackoffDuration(b *testing.B) {
	var bo Backoff
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = bo.Duration(i & 7)
	}
}
