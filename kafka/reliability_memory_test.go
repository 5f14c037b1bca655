package kafka_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka"
	"github.com/gregorkafka/gregor/kafkatest"
)

// memSampler tracks the heap and the resident set of this process.
type memSampler struct {
	stop chan struct{}
	done chan struct{}

	peakHeap atomic.Uint64 // peak "/memory/classes/heap/objects:bytes" (live + unswept garbage)
	peakRSS  atomic.Uint64
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// liveHeap forces a collection and returns the live heap.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// rss returns VmRSS of this process in bytes (0 where /proc is missing).
func rss() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func startSampler() *memSampler {
	m := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			storeMaxU(&m.peakHeap, heapObjects())
			storeMaxU(&m.peakRSS, rss())
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

func (m *memSampler) halt() { close(m.stop); <-m.done }

func storeMaxU(a *atomic.Uint64, v uint64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

const mib = 1 << 20

// With the only broker stalled (it reads requests but never answers) and
// WithMaxBufferedBytes(8 MiB), producers that keep trying to add 1 KiB
// records for seconds (far more than 8 MiB worth) hold the heap and the
// RSS to a bound set by the buffer, not by how much they tried: fail-fast
// producers get ErrBufferFull, blocking producers wait in Produce (no
// goroutine per blocked call). When the stall ends every accepted record
// is delivered exactly once.
func TestStalledBrokerMemoryBounded(t *testing.T) {
	for _, block := range []bool{false, true} {
		name := "fail-fast"
		if block {
			name = "blocking"
		}
		t.Run(name, func(t *testing.T) { testStalledMemory(t, block) })
	}
}

func testStalledMemory(t *testing.T, block bool) {
	leakCheck(t)
	const (
		limit      = 8 * mib
		valueSize  = 1024
		producers  = 4
		partitions = 6
	)
	stallFor := 4 * time.Second
	if testing.Short() {
		stallFor = time.Second
	}
	kc := kafkatest.New(t, kafkatest.Topic("mem", partitions))
	c, err := kafka.NewClient(kafka.WithBrokers(kc.Addrs()...), kafka.WithMaxBufferedBytes(limit),
		kafka.WithBlockOnBufferFull(block), kafka.WithDeliveryTimeout(2*time.Minute),
		kafka.WithPartitioner(kafka.StickyPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.ProduceSync(ctx, &kafka.Record{Topic: "mem", Value: []byte("warm-up")}); err != nil {
		t.Fatal(err)
	}
	base := liveHeap()
	baseRSS := rss()
	kc.Stall(0, true)
	sampler := startSampler()

	var attempts, accepted, full, other atomic.Int64
	var okCount, failCount atomic.Int64
	var wg sync.WaitGroup
	var cbWG sync.WaitGroup
	deadline := time.Now().Add(stallFor)
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				attempts.Add(1)
				cbWG.Add(1)
				var returned atomic.Bool
				rejected := false
				c.Produce(ctx, &kafka.Record{Topic: "mem", Value: make([]byte, valueSize)}, func(_ *kafka.Record, err error) {
					if err == nil {
						okCount.Add(1)
					} else {
						failCount.Add(1)
					}
					if !returned.Load() { // rejected before Produce returned
						rejected = true
						if errors.Is(err, kafka.ErrBufferFull) {
							full.Add(1)
						} else {
							other.Add(1)
							t.Errorf("rejection: %v", err)
						}
					}
					cbWG.Done()
				})
				returned.Store(true)
				if !rejected {
					accepted.Add(1)
				}
			}
		}()
	}
	// Blocking producers are now parked in Produce (no goroutine each):
	// measure while they wait.
	time.Sleep(time.Until(deadline) + 100*time.Millisecond)
	live := liveHeap()
	goroutines := runtime.NumGoroutine()
	sampler.halt()
	kc.Stall(0, false)
	wg.Wait()
	fctx, fcancel := context.WithTimeout(ctx, time.Minute)
	defer fcancel()
	if err := c.Flush(fctx); err != nil {
		t.Fatalf("Flush after the stall: %v", err)
	}
	cbWG.Wait()

	tried := attempts.Load() * valueSize
	t.Logf("stalled %v: %d attempts (%d MiB), %d accepted, %d ErrBufferFull; "+
		"live heap %+.1f MiB over baseline after GC, peak heap objects %.1f MiB (baseline %.1f), peak RSS %.1f MiB (baseline %.1f), %d goroutines",
		stallFor, attempts.Load(), tried/mib, accepted.Load(), full.Load(),
		float64(int64(live)-int64(base))/mib, float64(sampler.peakHeap.Load())/mib, float64(base)/mib,
		float64(sampler.peakRSS.Load())/mib, float64(baseRSS)/mib, goroutines)
	// Bound: the buffer accounts 8 MiB of encoded records, but more memory
	// than that stays live per buffered byte: each value is also held by
	// its *Record until the callback (the Client owns it), and a batch's
	// byte slice grows by doubling, so its capacity may be up to twice its
	// length. Add what the stalled fake broker read (at most 5 requests of
	// 1 MiB) and per-record structs: 4× the limit + 8 MiB. What matters is
	// that the bound follows the limit, not the 300-3000 MiB attempted.
	const bound = 4*limit + 8*mib
	grew := int64(live) - int64(base)
	t.Logf("live heap per buffered byte: %.1f× WithMaxBufferedBytes", float64(grew)/limit)
	if grew > bound {
		t.Errorf("live heap grew by %.1f MiB while stalled, over the %.0f MiB bound", float64(grew)/mib, float64(bound)/mib)
	}
	if !block && tried < 4*limit {
		t.Fatalf("only %d MiB attempted: not enough pressure to test the bound", tried/mib)
	}
	if block && goroutines > 100 {
		t.Errorf("%d goroutines while %d producers were blocked: a goroutine per blocked call?", goroutines, producers)
	}
	if other.Load() > 0 {
		t.Errorf("%d rejections with an unexpected error", other.Load())
	}
	// Every accepted record is delivered once the stall ends.
	var stored int
	for p := int32(0); p < partitions; p++ {
		recs, _ := kc.Records("mem", p)
		stored += len(recs)
	}
	if want := accepted.Load() + 1; int64(stored) != want || failCount.Load() != full.Load() {
		t.Errorf("stored %d records, want %d (accepted + warm-up); %d callbacks failed, %d rejections", stored, want, failCount.Load(), full.Load())
	}
}
