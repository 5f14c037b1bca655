package clients

import (
	"context"
	"sync/atomic"
	"time"
)

// Null is the name of the harness baseline: a "client" that sends nothing.
// It is not one of the compared clients; benchall runs it once so the
// report can say how much of every client's CPU and allocations per record
// is the harness's own.
const Null = "null"

func init() {
	register(&Client{Name: Null, Module: "", New: newNull,
		Describe: func(Settings) string {
			return "no client: the harness loop plus one heap-allocated record per Produce, as the gregor and franz-go adapters make (&kafka.Record, &kgo.Record); nothing is sent, the callback runs at once"
		}})
}

// nullRecord has the shape of the records the adapters allocate: a topic,
// a value and a little more, so its B/rec is comparable too.
type nullRecord struct {
	Topic     string
	Key       []byte
	Value     []byte
	Timestamp time.Time
	Partition int32
	Offset    int64
}

// nullLast keeps the latest record reachable, which forces each record
// onto the heap exactly as a real client's Produce does (it keeps the
// pointer until the acknowledgement).
var nullLast atomic.Pointer[nullRecord]

type nullProducer struct {
	topic string
	done  Done
}

func newNull(s Settings, done Done) (Producer, error) {
	return &nullProducer{topic: s.Topic, done: done}, nil
}

func (n *nullProducer) Produce(value []byte, start int64) {
	nullLast.Store(&nullRecord{Topic: n.topic, Value: value})
	n.done(start, nil)
}

func (n *nullProducer) ProduceSync(_ context.Context, value []byte) error {
	nullLast.Store(&nullRecord{Topic: n.topic, Value: value})
	return nil
}

func (n *nullProducer) Close() error { return nil }
