package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafkatest"
)

// Keyless records avoid a slow broker: its partitions' batches pile up
// (on the wire and queued), so the adaptive sticky partitioner sends them
// fewer records, where a uniform choice would give it half and let its
// backlog fill the buffer for everyone.
func TestKeylessRecordsAvoidASlowBroker(t *testing.T) {
	const n = 20000
	kc := kafkatest.New(t, kafkatest.NumBrokers(2), kafkatest.Topic("adaptive", 8))
	c := newTestClient(t, kc, WithBatchMaxBytes(8<<10))
	warmUp(t, c, "adaptive")
	slow := map[int32]bool{}
	for p := int32(0); p < 8; p++ {
		leader, _, err := kc.Leader("adaptive", p)
		if err != nil {
			t.Fatal(err)
		}
		slow[p] = leader == 0
	}
	kc.SetLatency(0, 100*time.Millisecond)
	var mu sync.Mutex
	perBroker := map[bool]int{}
	var failed error
	res := newResults(n)
	value := make([]byte, 100)
	for i := 0; i < n; i++ {
		c.Produce(context.Background(), &Record{Topic: "adaptive", Value: value}, func(r *Record, err error) {
			mu.Lock()
			if err != nil && failed == nil {
				failed = err
			}
			perBroker[slow[r.Partition]]++
			mu.Unlock()
			res.cb(r, err)
		})
		if i%500 == 0 {
			time.Sleep(2 * time.Millisecond) // a steady stream, not one burst
		}
	}
	res.wait(t, 30*time.Second)
	if failed != nil {
		t.Fatal(failed)
	}
	share := float64(perBroker[true]) / n
	t.Logf("slow broker's partitions got %.1f%% of %d keyless records (%d of 8 partitions)", 100*share, n, countTrue(slow))
	if countTrue(slow) == 0 || countTrue(slow) == 8 {
		t.Fatalf("setup: broker 0 leads %d of 8 partitions", countTrue(slow))
	}
	even := float64(countTrue(slow)) / 8
	// Measured with -race: a uniform choice gave the slow broker 47-52% of the
	// records in 3 runs, the adaptive one 24-30% (20-22% without -race).
	if share > even*0.75 {
		t.Fatalf("slow broker got %.1f%% of the records, its even share is %.1f%%: want well under", 100*share, 100*even)
	}
}

func countTrue(m map[int32]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}
