package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gregorkafka/gregor/kafka"
)

// perfResult is what a perf run measured.
type perfResult struct {
	sent, failed int64
	bytes        int64
	elapsed      time.Duration
	firstErr     error
	lat          *histogram
}

func runPerf(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("perf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf clientFlags
	cf.register(fs)
	topic := fs.String("topic", "gregor-perf", "topic to produce to")
	records := fs.Int64("records", 1_000_000, "records to send")
	size := fs.Int("record-size", 100, "value size in bytes")
	rate := fs.Float64("throughput", -1, "target records/s (-1 = as fast as possible); a fixed rate measures latency")
	syncWorkers := fs.Int("sync", 0, "use ProduceSync from this many goroutines instead of async Produce")
	progress := fs.Bool("progress", true, "show live progress on stderr")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: gregor perf [flags]\n\nProduces records as fast as possible (or at --throughput) and reports\nthroughput and acknowledgement latency percentiles, like kafka-producer-perf-test.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *records <= 0 || *size < 0 {
		return errors.New("--records must be positive and --record-size non-negative")
	}
	client, stop, err := cf.client(*topic, stderr)
	if err != nil {
		return err
	}
	defer stop()

	res := &perfResult{lat: new(histogram)}
	done := make(chan struct{})
	var wg sync.WaitGroup
	if *progress {
		wg.Add(1)
		go func() { defer wg.Done(); reportProgress(stderr, res, *records, done) }()
	}
	start := time.Now()
	if *syncWorkers > 0 {
		err = perfSync(ctx, client, res, *topic, *records, *size, *rate, *syncWorkers)
	} else {
		err = perfAsync(ctx, client, res, *topic, *records, *size, *rate)
	}
	res.elapsed = time.Since(start)
	close(done)
	wg.Wait()
	if err != nil {
		return err
	}
	printSummary(stdout, res)
	printRequests(stdout, client.Stats())
	if res.failed > 0 {
		return fmt.Errorf("%d of %d records failed; first error: %w", res.failed, *records, res.firstErr)
	}
	return nil
}

// pacer spaces sends to a target rate; a non-positive rate means no pacing.
type pacer struct {
	start time.Time
	every time.Duration
}

func (p pacer) wait(ctx context.Context, i int64) error {
	if p.every <= 0 {
		return ctx.Err()
	}
	if d := time.Until(p.start.Add(time.Duration(i) * p.every)); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func newPacer(rate float64) pacer {
	p := pacer{start: time.Now()}
	if rate > 0 {
		p.every = time.Duration(float64(time.Second) / rate)
	}
	return p
}

func (r *perfResult) complete(started time.Time, n int, err error) {
	if err != nil {
		if atomic.AddInt64(&r.failed, 1) == 1 {
			r.firstErr = err
		}
		return
	}
	r.lat.record(time.Since(started))
	atomic.AddInt64(&r.sent, 1)
	atomic.AddInt64(&r.bytes, int64(n))
}

func perfAsync(ctx context.Context, c *kafka.Client, res *perfResult, topic string, n int64, size int, rate float64) error {
	value := make([]byte, size)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	p := newPacer(rate)
	for i := int64(0); i < n; i++ {
		if err := p.wait(ctx, i); err != nil {
			return err
		}
		started := time.Now()
		rec := &kafka.Record{Topic: topic, Value: value}
		c.Produce(ctx, rec, func(_ *kafka.Record, err error) { res.complete(started, size, err) })
	}
	return c.Flush(ctx)
}

func perfSync(ctx context.Context, c *kafka.Client, res *perfResult, topic string, n int64, size int, rate float64, workers int) error {
	value := make([]byte, size)
	var next atomic.Int64
	p := newPacer(rate)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= n || p.wait(ctx, i) != nil {
					return
				}
				started := time.Now()
				err := c.ProduceSync(ctx, &kafka.Record{Topic: topic, Value: value})
				res.complete(started, size, err)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

func reportProgress(w io.Writer, r *perfResult, total int64, done <-chan struct{}) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var last int64
	lastAt := time.Now()
	for {
		select {
		case <-done:
			fmt.Fprint(w, "\r\033[K")
			return
		case now := <-tick.C:
			sent := atomic.LoadInt64(&r.sent) + atomic.LoadInt64(&r.failed)
			rate := float64(sent-last) / now.Sub(lastAt).Seconds()
			last, lastAt = sent, now
			frac := float64(sent) / float64(total)
			const width = 30
			bar := strings.Repeat("=", int(frac*width)) + strings.Repeat(" ", width-int(frac*width))
			fmt.Fprintf(w, "\r\033[K[%s] %5.1f%%  %d records  %.0f rec/s  p99 %v", bar, 100*frac, sent, rate,
				r.lat.quantile(0.99).Round(time.Microsecond))
		}
	}
}

func printSummary(w io.Writer, r *perfResult) {
	secs := r.elapsed.Seconds()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	fmt.Fprintf(w, "%d records sent, %.1f records/sec (%.2f MB/sec), latency p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
		r.sent, float64(r.sent)/secs, float64(r.bytes)/secs/(1<<20),
		ms(r.lat.quantile(0.5)), ms(r.lat.quantile(0.95)), ms(r.lat.quantile(0.99)), ms(r.lat.quantile(0.999)),
		ms(time.Duration(r.lat.max.Load())))
}

// printRequests says how the records went out: requests, records and
// bytes per request, errors (most retried) per broker, from Client.Stats.
func printRequests(w io.Writer, st kafka.Stats) {
	for _, b := range st.Brokers {
		if b.Requests == 0 {
			continue
		}
		fmt.Fprintf(w, "broker %d: %d produce requests on %d connections, %.1f records and %.1f KiB per request, %d batch errors, round trip %v\n",
			b.ID, b.Requests, b.Connections, float64(b.Records)/float64(b.Requests), float64(b.Bytes)/float64(b.Requests)/1024,
			b.Errors, b.RTT.Round(time.Microsecond))
	}
}
