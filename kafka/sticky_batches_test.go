package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafkatest"
)

// When the sticky partition's batch is full, the keyless record that did
// not fit moves on with the partitioner (KIP-794's abort on new batch)
// instead of opening a batch of its own there: that batch of one record,
// left behind at every switch, was ~40% of the batches at saturation.
func TestStickySwitchLeavesNoOneRecordBatch(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("sw", 4))
	// A fixed linger of an hour: nothing drains, the queues stay to be seen.
	c := newTestClient(t, kc, WithLinger(time.Hour), WithDeliveryTimeout(2*time.Hour), WithBatchMaxBytes(16<<10))
	warmUp(t, c, "sw")
	ts := c.topicFor("sw")
	parts := *ts.parts.Load()
	ctx := context.Background()
	value := make([]byte, 100)
	first := int32(-1)
	for i := 0; i < 1000; i++ {
		c.Produce(ctx, &Record{Topic: "sw", Value: value}, nil)
		cur := ts.sticky.cur.Load()
		if first < 0 {
			first = cur
			continue
		}
		if cur == first {
			continue
		}
		// Switched: the old partition holds at most its full batch
		// (the sender may have taken it already: a full batch does not
		// linger), and the record that did not fit went to the new one
		// (before, it opened a batch on the old partition, and the new
		// one was still empty here).
		if q, _ := parts[first].acc.Queued(); q > 1 {
			t.Fatalf("after the switch from partition %d its queue holds %d batches, want at most 1 (the full one)", first, q)
		}
		if q, _ := parts[cur].acc.Queued(); q != 1 {
			t.Fatalf("the new sticky partition %d holds %d batches, want 1 (the moved record's)", cur, q)
		}
		return
	}
	t.Fatal("no sticky switch in 1000 records of 16 KiB batches")
}
