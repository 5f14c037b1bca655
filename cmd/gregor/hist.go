package main

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram records durations in log-linear buckets (16 sub-buckets per
// power of two, so about 6% relative error) with atomic counters: callbacks
// from many goroutines record without a lock and without allocating.
type histogram struct {
	counts [64 * 16]atomic.Int64
	total  atomic.Int64
	max    atomic.Int64
}

const subBits = 4

func bucketOf(ns int64) int {
	if ns < 1<<subBits {
		return int(ns)
	}
	exp := bits.Len64(uint64(ns)) - 1 // ≥ subBits
	sub := int((ns >> (exp - subBits)) & (1<<subBits - 1))
	return (exp-subBits+1)<<subBits + sub
}

// lowerBound returns the smallest duration in bucket b.
func lowerBound(b int) int64 {
	if b < 1<<subBits {
		return int64(b)
	}
	exp := b>>subBits + subBits - 1
	sub := int64(b & (1<<subBits - 1))
	return 1<<exp + sub<<(exp-subBits)
}

func (h *histogram) record(d time.Duration) {
	ns := int64(d)
	if ns < 0 {
		ns = 0
	}
	h.counts[bucketOf(ns)].Add(1)
	h.total.Add(1)
	for {
		m := h.max.Load()
		if ns <= m || h.max.CompareAndSwap(m, ns) {
			break
		}
	}
}

// quantile returns the q-quantile (0 < q ≤ 1), as the midpoint of its bucket.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	var seen int64
	for b := range h.counts {
		seen += h.counts[b].Load()
		if seen >= rank {
			lo, hi := lowerBound(b), lowerBound(b+1)
			mid := time.Duration((lo + hi) / 2)
			if m := time.Duration(h.max.Load()); mid > m {
				return m
			}
			return mid
		}
	}
	return time.Duration(h.max.Load())
}
