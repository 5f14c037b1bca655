package kafka

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafkatest"
)

func TestProduceSyncThousandGoroutines(t *testing.T) {
	const goroutines, partitions = 1000, 4
	kc := kafkatest.New(t, kafkatest.Topic("sync", partitions))
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 60*time.Second)
	recs := make([]*Record, goroutines)
	errs := make([]error, goroutines)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range goroutines {
		recs[i] = &Record{Topic: "sync", Value: []byte(fmt.Sprint(i))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			errs[i] = c.ProduceSync(ctx, recs[i])
		}()
	}
	start.Done()
	wg.Wait()
	type tp struct {
		p   int32
		off int64
	}
	seen := map[tp]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
		k := tp{recs[i].Partition, recs[i].Offset}
		if j, dup := seen[k]; dup {
			t.Fatalf("records %d and %d both acked at partition %d offset %d", j, i, k.p, k.off)
		}
		seen[k] = i
	}
	total := 0
	for p := int32(0); p < partitions; p++ {
		stored, err := kc.Records("sync", p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range stored {
			i, ok := seen[tp{p, r.Offset}]
			if !ok || string(r.Value) != fmt.Sprint(i) {
				t.Fatalf("p%d offset %d holds %q, not the record acked there", p, r.Offset, r.Value)
			}
		}
		total += len(stored)
	}
	if total != goroutines {
		t.Fatalf("stored %d records, want %d", total, goroutines)
	}
}

// Keys land on the partition Java's default partitioner chooses: vectors
// from kafka-python's Java-compatibility test (see murmur2_test.go), end to
// end through routing, on a 1000-partition topic.
func TestKeyedRecordsLandWhereJavaPutsThem(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("keys", 1000))
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 30*time.Second)
	for _, tt := range []struct {
		key  []byte
		want int32
	}{
		{[]byte(""), 681},
		{[]byte("a"), 524},
		{[]byte("ab"), 434},
		{[]byte("abc"), 107},
		{[]byte("123456789"), 566},
		{[]byte{0x00, 0x20}, 742},
	} {
		r := &Record{Topic: "keys", Key: tt.key, Value: []byte("v")}
		if err := c.ProduceSync(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.Partition != tt.want {
			t.Errorf("key %q: acked on partition %d, want %d", tt.key, r.Partition, tt.want)
		}
		stored, err := kc.Records("keys", tt.want)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) == 0 || string(stored[len(stored)-1].Key) != string(tt.key) {
			t.Errorf("key %q not stored on partition %d", tt.key, tt.want)
		}
	}
}
