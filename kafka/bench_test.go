package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafkatest"
)

// BenchmarkProduce measures Produce throughput end to end on kafkatest
// (records/s includes the fake broker's work on the same cores) and the
// producer's allocations per record: 100-byte values, 16 keys, 6
// partitions, a shared callback, context.Background.
func BenchmarkProduce(b *testing.B) {
	for _, codec := range []Compression{CompressionNone, CompressionLZ4, CompressionZstd} {
		b.Run(codec.String(), func(b *testing.B) {
			kc := kafkatest.New(b, kafkatest.Topic("bench", 6))
			c := newTestClient(b, kc, WithCompression(codec))
			recs := make([]Record, 1024)
			value := make([]byte, 100)
			for i := range recs {
				recs[i] = Record{Topic: "bench", Key: []byte{byte(i % 16)}, Value: value}
			}
			var wg sync.WaitGroup
			cb := func(*Record, error) { wg.Done() }
			ctx := context.Background()
			warm := &Record{Topic: "bench"}
			if err := c.ProduceSync(ctx, warm); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if i%len(recs) == 0 && i > 0 {
					wg.Wait() // the records are reused: wait for their callbacks
				}
				wg.Add(1)
				r := &recs[i%len(recs)]
				r.Timestamp = time.Time{}
				c.Produce(ctx, r, cb)
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
		})
	}
}

// TestProduceAllocs asserts the producer's own allocations per record in
// steady state (Produce with context.Background and a shared callback):
// none per record (the per-record state is pooled); batches, requests and
// the wire bytes amortise over the records they carry.
func TestProduceAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	kc := kafkatest.New(t, kafkatest.Topic("allocs", 1))
	c := newTestClient(t, kc, WithLinger(time.Hour), WithBatchMaxRecords(100_000), WithDeliveryTimeout(2*time.Hour))
	r := &Record{Topic: "allocs", Key: []byte("k"), Value: make([]byte, 100)}
	warmUp(t, c, "allocs")
	ctx := context.Background()
	cb := func(*Record, error) {}
	recs := make([]Record, 3000)
	for i := range recs {
		recs[i] = *r
	}
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		c.Produce(ctx, &recs[i], cb)
		i++
	})
	// The per-record state comes from a pool or, when every record is
	// still outstanding as here, from slabs of 64: 1/64 allocation per
	// record, plus batches amortised over 100,000 records.
	if allocs > 0.05 {
		t.Fatalf("Produce allocates %.3f times per record, want ~0 (pooled and slab-allocated state)", allocs)
	}
	t.Logf("%.2f allocs/record", allocs)
}

// BenchmarkProduceSerial is one goroutine producing keyless 100-byte
// records (sticky partitioner) as fast as it can against kafkatest, 8
// partitions, linger 0: the cost per record of Produce plus its share of
// the sender, connection and callback work (the fake broker runs on the
// same cores). Records are reused once their callbacks ran.
func BenchmarkProduceSerial(b *testing.B) {
	kc := kafkatest.New(b, kafkatest.Topic("serial", 8))
	c := newTestClient(b, kc, WithLinger(0))
	benchProduce(b, c, "serial", 1)
}

// BenchmarkProduceParallel is BenchmarkProduceSerial with GOMAXPROCS
// goroutines producing to the same topic (contention on the buffer, the
// sticky partitioner and the partitions' mutexes).
func BenchmarkProduceParallel(b *testing.B) {
	kc := kafkatest.New(b, kafkatest.Topic("parallel", 8))
	c := newTestClient(b, kc, WithLinger(0))
	benchProduce(b, c, "parallel", 0)
}

func benchProduce(b *testing.B, c *Client, topic string, goroutines int) {
	if err := c.ProduceSync(context.Background(), &Record{Topic: topic}); err != nil {
		b.Fatal(err)
	}
	value := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	run := func(pb func() bool) {
		const window = 4096
		recs := make([]Record, window)
		var wg sync.WaitGroup
		cb := func(*Record, error) { wg.Done() }
		ctx := context.Background()
		for i := 0; pb(); i++ {
			if i%window == 0 && i > 0 {
				wg.Wait() // the records are reused: wait for their callbacks
			}
			r := &recs[i%window]
			*r = Record{Topic: topic, Value: value}
			wg.Add(1)
			c.Produce(ctx, r, cb)
		}
		wg.Wait()
	}
	if goroutines == 1 {
		i := 0
		run(func() bool { i++; return i <= b.N })
	} else {
		b.RunParallel(func(pb *testing.PB) { run(pb.Next) })
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
}
