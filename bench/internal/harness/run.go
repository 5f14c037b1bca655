// Package harness runs one benchmark scenario against one client in the
// current process and measures it: records/s, CPU and allocations per
// record, peak RSS and latency percentiles. It is meant to run in a child
// process per client (cmd/runner), so getrusage and ru_maxrss describe that
// client alone.
package harness

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gregorkafka/gregor/bench/internal/clients"
)

// Modes.
const (
	ModeAsync = "async" // N records as fast as possible, wait for every ack
	ModeSync  = "sync"  // G goroutines each producing synchronously for D
	ModeRate  = "rate"  // one goroutine producing at a fixed rate for D
)

// Config is one scenario.
type Config struct {
	Client      string
	Mode        string
	Brokers     []string
	Topic       string
	Records     int           // async: records to send; sync: upper bound
	RecordSize  int           // value bytes
	Goroutines  int           // sync mode
	Rate        int           // rate mode, records/s
	Duration    time.Duration // sync and rate modes
	Linger      time.Duration
	LingerSet   bool // false: each client's default linger
	Compression string
	BatchBytes  int
	Warmup      int           // records acknowledged before measuring
	AckTimeout  time.Duration // how long to wait for outstanding acks
	// Measuring, if set, is called with true just before the measured part
	// of the run starts and with false just after it ends (after the last
	// acknowledgement), so a profile can cover exactly what the result
	// divides by its records: no warm-up, connection set-up or Close.
	Measuring func(start bool)
}

// Result is what one run measured. Latencies are in microseconds.
type Result struct {
	Client      string  `json:"client"`
	Mode        string  `json:"mode"`
	Settings    string  `json:"settings"`
	Records     int64   `json:"records"` // measured records acknowledged without error
	Errors      int64   `json:"errors"`  // measured records that failed
	FirstError  string  `json:"first_error,omitempty"`
	Produced    int64   `json:"produced"`    // all records sent incl. warm-up (to check against the sink)
	Seconds     float64 `json:"seconds"`     // measured wall time
	RecPerSec   float64 `json:"rec_per_sec"` // measured records / seconds
	MBPerSec    float64 `json:"mb_per_sec"`  // value bytes only, 10^6
	CPUNsPerRec float64 `json:"cpu_ns_per_rec"`
	CPUUtil     float64 `json:"cpu_util"` // CPU seconds / wall seconds
	AllocsPer   float64 `json:"allocs_per_rec"`
	BytesPer    float64 `json:"bytes_per_rec"`
	PeakRSSMiB  float64 `json:"peak_rss_mib"`
	P50us       float64 `json:"p50_us"`
	P99us       float64 `json:"p99_us"`
	P999us      float64 `json:"p999_us"`
	MaxUs       float64 `json:"max_us"`
	Latencies   int64   `json:"latencies"` // samples behind the percentiles
	// Rate mode only: the same latencies measured from the Produce call
	// instead of from the record's due time. The P50us.. figures charge a
	// client for the harness's own lateness (a sleep that overslept, a
	// Produce that blocked); these do not, and are what Java's
	// ProducerPerformance reports (send() to callback).
	P50CallUs  float64 `json:"p50_call_us,omitempty"`
	P99CallUs  float64 `json:"p99_call_us,omitempty"`
	P999CallUs float64 `json:"p999_call_us,omitempty"`
	Rate       int     `json:"rate,omitempty"`
	Goroutines int     `json:"goroutines,omitempty"`
}

type counters struct {
	base    time.Time
	track   *rateTrack // rate mode: start values are record indices
	calls   Histogram  // rate mode: latency from the Produce call
	errs    atomic.Int64
	total   atomic.Int64
	want    atomic.Int64
	signal  chan struct{}
	hist    Histogram
	errOnce sync.Once
	first   string
}

// acked is the callbacks without error. Kept as total - errs rather than
// a counter of its own: one atomic add per callback, not two on the same
// cache line, which penalised clients that run callbacks on several
// goroutines at once.
func (c *counters) acked() int64 { return c.total.Load() - c.errs.Load() }

// now is monotonic nanoseconds since base, never 0 (0 means "untracked").
func (c *counters) now() int64 { return int64(time.Since(c.base)) + 1 }

func (c *counters) done(start int64, err error) {
	if start != 0 {
		now := c.now()
		if t := c.track; t != nil {
			i := start - 1
			c.hist.Record(now - t.due(i))
			c.calls.Record(now - t.call[i])
		} else {
			c.hist.Record(now - start)
		}
	}
	if err != nil {
		c.errs.Add(1)
		c.errOnce.Do(func() { c.first = err.Error() })
	}
	if c.total.Add(1) == c.want.Load() {
		select {
		case c.signal <- struct{}{}:
		default:
		}
	}
}

// await waits until n callbacks in total have run.
func (c *counters) await(n int64, timeout time.Duration) error {
	c.want.Store(n)
	t := time.NewTimer(timeout)
	defer t.Stop()
	for c.total.Load() < n {
		select {
		case <-c.signal:
		case <-t.C:
			return fmt.Errorf("harness: %d of %d acknowledgements after %s", c.total.Load(), n, timeout)
		}
	}
	return nil
}

type snapshot struct {
	wall              time.Time
	cpu               time.Duration
	mallocs, totAlloc uint64
}

func take() snapshot {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return snapshot{wall: time.Now(), cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		mallocs: ms.Mallocs, totAlloc: ms.TotalAlloc}
}

func peakRSSMiB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

// Run runs cfg and returns its measurements.
func Run(cfg Config) (Result, error) {
	cl, err := clients.Lookup(cfg.Client)
	if err != nil {
		return Result{}, err
	}
	if cfg.AckTimeout == 0 {
		cfg.AckTimeout = 2 * time.Minute
	}
	set := clients.Settings{Brokers: cfg.Brokers, Topic: cfg.Topic, Linger: cfg.Linger, LingerSet: cfg.LingerSet,
		Compression: cfg.Compression, BatchBytes: cfg.BatchBytes, RecordSize: cfg.RecordSize, Sync: cfg.Mode == ModeSync}
	c := &counters{base: time.Now(), signal: make(chan struct{}, 1)}
	p, err := cl.New(set, c.done)
	if err != nil {
		return Result{}, fmt.Errorf("harness: %s: %w", cfg.Client, err)
	}
	value := bytes.Repeat([]byte("x"), cfg.RecordSize)
	res := Result{Client: cfg.Client, Mode: cfg.Mode, Settings: cl.Describe(set)}

	// Warm-up: connections, metadata and producer ID are not what we measure.
	var produced int64
	if cfg.Mode == ModeSync {
		var wg sync.WaitGroup
		var werr atomic.Value
		for range max(cfg.Goroutines, 1) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := p.ProduceSync(context.Background(), value); err != nil {
					werr.Store(err)
				}
			}()
		}
		wg.Wait()
		produced += int64(max(cfg.Goroutines, 1))
		if e, _ := werr.Load().(error); e != nil {
			p.Close()
			return res, fmt.Errorf("harness: warm-up: %w", e)
		}
	} else {
		for range cfg.Warmup {
			p.Produce(value, 0)
		}
		produced += int64(cfg.Warmup)
		if err := c.await(produced, cfg.AckTimeout); err != nil {
			p.Close()
			return res, fmt.Errorf("harness: warm-up: %w", err)
		}
		if c.errs.Load() > 0 {
			p.Close()
			return res, fmt.Errorf("harness: warm-up: %s", c.first)
		}
	}
	ackedBefore := c.acked()
	runtime.GC()

	if cfg.Measuring != nil {
		cfg.Measuring(true)
	}
	before := take()
	var measured int64
	var sendTime time.Duration // rate mode: how long sending took
	var runErr error
	switch cfg.Mode {
	case ModeAsync:
		for range cfg.Records {
			p.Produce(value, 0)
		}
		measured = int64(cfg.Records)
		runErr = c.await(produced+measured, cfg.AckTimeout)
	case ModeRate:
		measured, sendTime, runErr = runRate(cfg, p, value, c, produced)
		res.Rate = cfg.Rate
	case ModeSync:
		measured = runSync(cfg, p, value, c)
		res.Goroutines = cfg.Goroutines
	default:
		runErr = fmt.Errorf("harness: unknown mode %q", cfg.Mode)
	}
	after := take()
	if cfg.Measuring != nil {
		cfg.Measuring(false)
	}
	produced += measured
	res.PeakRSSMiB = peakRSSMiB()
	if cerr := p.Close(); cerr != nil && runErr == nil {
		runErr = fmt.Errorf("harness: close: %w", cerr)
	}

	if cfg.Mode == ModeSync {
		res.Records = measured - c.errs.Load()
	} else {
		res.Records = c.acked() - ackedBefore
	}
	res.Errors = c.errs.Load()
	res.FirstError = c.first
	res.Produced = produced
	res.Seconds = after.wall.Sub(before.wall).Seconds()
	if measured > 0 && res.Seconds > 0 {
		res.RecPerSec = float64(measured) / res.Seconds
		if sendTime > 0 {
			// The achieved rate is what the client accepted while the
			// producer was offering records, not diluted by the wait for
			// the last acknowledgements.
			res.RecPerSec = float64(measured) / sendTime.Seconds()
		}
		res.MBPerSec = res.RecPerSec * float64(cfg.RecordSize) / 1e6
		res.CPUNsPerRec = float64(after.cpu-before.cpu) / float64(measured)
		res.CPUUtil = (after.cpu - before.cpu).Seconds() / res.Seconds
		res.AllocsPer = float64(after.mallocs-before.mallocs) / float64(measured)
		res.BytesPer = float64(after.totAlloc-before.totAlloc) / float64(measured)
	}
	res.Latencies = c.hist.Count()
	res.P50us = float64(c.hist.Quantile(0.50)) / 1e3
	res.P99us = float64(c.hist.Quantile(0.99)) / 1e3
	res.P999us = float64(c.hist.Quantile(0.999)) / 1e3
	res.MaxUs = float64(c.hist.Max()) / 1e3
	if c.calls.Count() > 0 {
		res.P50CallUs = float64(c.calls.Quantile(0.50)) / 1e3
		res.P99CallUs = float64(c.calls.Quantile(0.99)) / 1e3
		res.P999CallUs = float64(c.calls.Quantile(0.999)) / 1e3
	}
	return res, runErr
}

// rateTrack holds what a rate run needs to time each record twice: from
// when it was due and from when Produce was called. A record's start value
// is its index + 1 (0 means untracked), so the adapters carry one int64 as
// before. call is written before each Produce and read by the callback,
// which the client orders after the call.
type rateTrack struct {
	t0       int64
	interval float64
	call     []int64
}

func (t *rateTrack) due(i int64) int64 { return t.t0 + int64(float64(i)*t.interval) }

// runRate produces cfg.Rate records/s for cfg.Duration from one goroutine.
// Each record's latency is measured twice: from the time it was *due*, so a
// client whose Produce blocks is charged for the wait (no coordinated
// omission), and from when Produce was called, which leaves out the
// harness's own lateness (its sleep overslept) and matches what Java's
// ProducerPerformance measures.
func runRate(cfg Config, p clients.Producer, value []byte, c *counters, already int64) (int64, time.Duration, error) {
	total := int64(float64(cfg.Rate) * cfg.Duration.Seconds())
	t := &rateTrack{interval: float64(time.Second) / float64(cfg.Rate), call: make([]int64, total)}
	t.t0 = c.now()
	c.track = t // no tracked record is in flight yet: the warm-up passes 0
	var i int64
	for i < total {
		now := c.now()
		for i < total {
			if t.due(i) > now {
				break
			}
			t.call[i] = c.now()
			p.Produce(value, i+1)
			i++
		}
		if i < total {
			if wait := t.due(i) - c.now(); wait > 0 {
				time.Sleep(time.Duration(wait))
			}
		}
	}
	sent := time.Duration(c.now() - t.t0)
	return total, sent, c.await(already+total, cfg.AckTimeout)
}

// runSync runs cfg.Goroutines goroutines, each calling ProduceSync in a
// loop until cfg.Duration passes or cfg.Records calls were made in total.
func runSync(cfg Config, p clients.Producer, value []byte, c *counters) int64 {
	deadline := time.Now().Add(cfg.Duration)
	var calls atomic.Int64
	var wg sync.WaitGroup
	for range cfg.Goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if cfg.Records > 0 && calls.Add(1) > int64(cfg.Records) {
					calls.Add(-1)
					return
				} else if cfg.Records <= 0 {
					calls.Add(1)
				}
				s := c.now()
				err := p.ProduceSync(context.Background(), value)
				c.hist.Record(c.now() - s)
				if err != nil {
					c.errs.Add(1)
					c.errOnce.Do(func() { c.first = err.Error() })
				}
			}
		}()
	}
	wg.Wait()
	return calls.Load()
}
