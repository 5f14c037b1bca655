package harness

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBucketsRoundTrip(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 129, 1000, 123456, 1 << 40, 1<<62 + 12345} {
		got := bucketValue(bucketOf(v))
		if d := float64(got-v) / float64(max(v, 1)); d > 0.016 || d < -0.016 {
			t.Errorf("value %d -> bucket %d -> %d (%.3f%% off)", v, bucketOf(v), got, 100*d)
		}
	}
	prev := -1
	for v := int64(0); v < 1<<20; v += 7 {
		b := bucketOf(v)
		if b < prev {
			t.Fatalf("bucketOf not monotonic at %d", v)
		}
		prev = b
	}
	if b := bucketOf(1<<63 - 1); b >= histBuckets {
		t.Fatalf("max int64 -> bucket %d >= %d", b, histBuckets)
	}
}

func TestQuantilesMatchSorted(t *testing.T) {
	var h Histogram
	vals := make([]int64, 100000)
	for i := range vals {
		vals[i] = int64(rand.ExpFloat64() * 1e6)
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.99, 0.999} {
		want := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		if d := float64(got-want) / float64(want); d > 0.02 || d < -0.02 {
			t.Errorf("q%.3f = %d, exact %d", q, got, want)
		}
	}
	if h.Max() != vals[len(vals)-1] || h.Count() != int64(len(vals)) {
		t.Errorf("max %d count %d", h.Max(), h.Count())
	}
}
