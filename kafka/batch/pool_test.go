package batch

import (
	"testing"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// A request for a big buffer never gets a small one (the single pool
// handed small ride-along buffers to full batches, which then allocated a
// MiB); what comes back is at least as large as asked.
func TestClassPoolFitsRequests(t *testing.T) {
	var cp classPool
	capOf := func(x any) int { return cap(x.([]byte)) }
	for _, n := range []int{4 << 10, 5 << 10, 64 << 10, 700 << 10, 1 << 20, 1<<20 + 61} {
		cp.put(make([]byte, 0, n), n)
	}
	for _, want := range []int{1, 4 << 10, 6 << 10, 600 << 10, 1 << 20, 1<<20 + 61, 2 << 20} {
		x := cp.get(want, capOf)
		if x == nil {
			continue // sync.Pool may drop anything (always under -race, sometimes)
		}
		if c := capOf(x); c < want {
			t.Fatalf("asked for %d bytes, got a %d-byte buffer", want, c)
		}
	}
	b := getBuilder(1<<20, 1<<20)
	if b.Cap() < 1<<20+wire.RecordBatchOverhead {
		t.Fatalf("getBuilder(1 MiB): capacity %d", b.Cap())
	}
	it := getItems[*item](5000)
	if cap(it.s) < 5000 {
		t.Fatalf("getItems(5000): capacity %d", cap(it.s))
	}
}
