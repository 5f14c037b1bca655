package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gregorkafka/gregor/kafka"
)

// runProduce sends each line of stdin as one record. With --key-separator,
// the text before the first separator is the key. Every record's outcome
// is reported: failures on stderr as they happen, a count at the end.
func runProduce(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("produce", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf clientFlags
	cf.register(fs)
	topic := fs.String("topic", "", "topic to produce to (required)")
	sep := fs.String("key-separator", "", "split each line into key and value at the first occurrence of this string")
	verbose := fs.Bool("v", false, "print partition and offset of every record")
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: gregor produce --topic T [flags] < lines\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *topic == "" {
		return fmt.Errorf("--topic is required")
	}
	client, stop, err := cf.client(*topic, stderr)
	if err != nil {
		return err
	}
	defer stop()

	var sent, failed atomic.Int64
	var outMu sync.Mutex // callbacks of different partitions run concurrently
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		rec := &kafka.Record{Topic: *topic, Value: []byte(line)}
		if *sep != "" {
			if k, v, ok := strings.Cut(line, *sep); ok {
				rec.Key, rec.Value = []byte(k), []byte(v)
			}
		}
		client.Produce(ctx, rec, func(r *kafka.Record, err error) {
			if err != nil {
				failed.Add(1)
				outMu.Lock()
				fmt.Fprintf(stderr, "record %q: %v\n", r.Value, err)
				outMu.Unlock()
				return
			}
			sent.Add(1)
			if *verbose {
				outMu.Lock()
				fmt.Fprintf(stdout, "%s/%d@%d\n", r.Topic, r.Partition, r.Offset)
				outMu.Unlock()
			}
		})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	if err := client.Flush(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d records produced to %q, %d failed\n", sent.Load(), *topic, failed.Load())
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d records failed", n)
	}
	return nil
}
