package harness

import (
	"runtime"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/bench/internal/clients"
)

// TestNullClientOneAllocPerRecord backs the report's claim that the
// harness itself, with an adapter's one record allocation, costs exactly
// one allocation per record: a client's allocs/rec minus this baseline is
// what the client allocates.
func TestNullClientOneAllocPerRecord(t *testing.T) {
	for _, mode := range []string{ModeAsync, ModeSync} {
		res, err := Run(Config{Client: clients.Null, Mode: mode, Records: 200_000, Goroutines: 1,
			Duration: time.Minute, Warmup: 100, RecordSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != 200_000 || res.Errors != 0 {
			t.Fatalf("%s: %d records, %d errors; want 200000, 0", mode, res.Records, res.Errors)
		}
		// A few runtime allocations (the GC's, the timer's) may land in the
		// window; 200,000 records dilute them below 0.01 per record.
		if res.AllocsPer < 1 || res.AllocsPer > 1.01 {
			t.Errorf("%s: %.4f allocs/record, want 1 (the record)", mode, res.AllocsPer)
		}
	}
}

func TestNullProduceAllocatesTheRecord(t *testing.T) {
	cl, err := clients.Lookup(clients.Null)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cl.New(clients.Settings{Topic: "t"}, func(int64, error) {})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v := make([]byte, 100)
	if got := testing.AllocsPerRun(1000, func() { p.Produce(v, 0) }); got != 1 {
		t.Errorf("null Produce: %v allocs, want 1", got)
	}
}

// TestMeasuringBracketsTheMeasuredPart checks the hook the runner's
// -cpuprofile uses: called once with true after the warm-up and once with
// false after the last acknowledgement, so a profile holds the records the
// result divides by. The null client allocates one record per Produce, so
// the heap allocations between the two calls count the records made
// there: 2,000 measured, not the 20,000 of the warm-up.
func TestMeasuringBracketsTheMeasuredPart(t *testing.T) {
	var calls []bool
	var mallocs [2]uint64
	cfg := Config{Client: clients.Null, Mode: ModeAsync, Records: 2000, Warmup: 20_000, RecordSize: 10}
	cfg.Measuring = func(start bool) {
		calls = append(calls, start)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if start {
			mallocs[0] = ms.Mallocs
		} else {
			mallocs[1] = ms.Mallocs
		}
	}
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || !calls[0] || calls[1] {
		t.Fatalf("Measuring calls = %v, want [true false]", calls)
	}
	if n := mallocs[1] - mallocs[0]; n < 2000 || n > 2500 || res.Records != 2000 {
		t.Errorf("%d allocations between the calls, %d records measured; want ~2000, 2000", n, res.Records)
	}
}

// TestRateTimesFromDueAndFromCall checks the rate mode's two latency
// figures on the null client, which calls back inside Produce: from the
// call it is a few hundred nanoseconds at most, from the due time it also
// holds the harness's lateness, so it is never smaller; every measured
// record is in both.
func TestRateTimesFromDueAndFromCall(t *testing.T) {
	res, err := Run(Config{Client: clients.Null, Mode: ModeRate, Rate: 4000, Duration: 500 * time.Millisecond,
		Warmup: 10, RecordSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 2000 || res.Latencies != 2000 {
		t.Fatalf("%d records, %d latencies; want 2000, 2000", res.Records, res.Latencies)
	}
	if res.P50CallUs <= 0 || res.P50CallUs > 50 {
		t.Errorf("p50 from call %.3f µs, want in (0, 50] (the null client answers inside Produce)", res.P50CallUs)
	}
	if res.P50CallUs > res.P50us || res.P99CallUs > res.P99us {
		t.Errorf("from call p50/p99 %.3f/%.3f µs above from due %.3f/%.3f", res.P50CallUs, res.P99CallUs, res.P50us, res.P99us)
	}
}
