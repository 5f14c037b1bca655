// Package clients adapts each Kafka producer under test to one small
// interface, configured as equivalently as each client allows. Every
// adapter states its effective configuration (Describe), including where it
// cannot match the others (kafka-go has no idempotence; sarama's idempotence
// requires one request in flight).
package clients

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Settings is what the harness asks of every client.
type Settings struct {
	Brokers []string
	Topic   string
	// LingerSet false keeps the client's own default linger (the
	// "defaults" profile); true applies Linger to every client.
	Linger    time.Duration
	LingerSet bool
	// Compression: none, gzip, snappy, lz4 or zstd.
	Compression string
	// BatchBytes is the batch size limit where configurable; 0 keeps the
	// client's default.
	BatchBytes int
	// RecordSize helps clients that count batches in records (kafka-go).
	RecordSize int
	// Sync selects the client's synchronous API, for clients where it is a
	// different object (sarama SyncProducer, kafka-go Writer without Async).
	Sync bool
}

// Done is called once per record produced with Produce, from any
// goroutine, with the start value given to Produce.
type Done func(start int64, err error)

// Producer is one client under test.
type Producer interface {
	// Produce sends value asynchronously; Done gets start back. start 0
	// means the harness does not track this record's latency, so adapters
	// need not carry it (no per-record allocation for it).
	Produce(value []byte, start int64)
	// ProduceSync sends value and waits for its acknowledgement.
	ProduceSync(ctx context.Context, value []byte) error
	// Close flushes what is buffered and releases the client.
	Close() error
}

// Client describes one client implementation.
type Client struct {
	Name   string
	Module string // Go module path whose version is reported
	New    func(Settings, Done) (Producer, error)
	// Describe states the effective producer configuration.
	Describe func(Settings) string
}

var registry = map[string]*Client{}

// unavailable holds clients compiled out of this binary, with the reason.
var unavailable = map[string]string{}

func register(c *Client) { registry[c.Name] = c }

// ErrNotAvailable is returned for a client compiled out of this binary.
var ErrNotAvailable = errors.New("clients: not available in this build")

// Lookup returns the named client.
func Lookup(name string) (*Client, error) {
	if c, ok := registry[name]; ok {
		return c, nil
	}
	if why, ok := unavailable[name]; ok {
		return nil, fmt.Errorf("%w: %s: %s", ErrNotAvailable, name, why)
	}
	return nil, fmt.Errorf("clients: unknown client %q", name)
}

// Names lists the clients in this binary, sorted.
func Names() []string {
	var out []string
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Unavailable lists clients compiled out, with the reason.
func Unavailable() map[string]string { return unavailable }

func lingerText(s Settings, def string) string {
	if !s.LingerSet {
		return "linger=" + def + " (default)"
	}
	return "linger=" + s.Linger.String()
}

func compressionOrNone(s Settings) string {
	if s.Compression == "" {
		return "none"
	}
	return s.Compression
}
