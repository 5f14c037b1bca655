package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantilesWithinBucketError(t *testing.T) {
	var h histogram
	var all []time.Duration
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		d := time.Duration(r.ExpFloat64() * float64(time.Millisecond))
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := all[int(q*float64(len(all)))-1]
		got := h.quantile(q)
		if diff := float64(got-want) / float64(want); diff > 0.07 || diff < -0.07 {
			t.Errorf("quantile(%v) = %v; want %v ±7%%", q, got, want)
		}
	}
	if got, want := h.quantile(1), all[len(all)-1]; got != want {
		t.Errorf("quantile(1) = %v; want max %v", got, want)
	}
}

func TestBucketBoundsAreMonotonic(t *testing.T) {
	for ns := int64(0); ns < 1<<20; ns += 7 {
		b := bucketOf(ns)
		if lo, hi := lowerBound(b), lowerBound(b+1); ns < lo || ns >= hi {
			t.Fatalf("bucketOf(%d) = %d with bounds [%d, %d)", ns, b, lo, hi)
		}
	}
}
