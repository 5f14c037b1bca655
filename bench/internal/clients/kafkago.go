package clients

import (
	"context"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
)

func init() {
	register(&Client{Name: "kafka-go", Module: "github.com/segmentio/kafka-go", New: newKafkaGo,
		Describe: func(s Settings) string {
			size := "BatchSize=100 (default)"
			if s.BatchBytes > 0 {
				size = fmt.Sprintf("BatchSize=%d records", kafkaGoBatchSize(s))
			}
			linger := "BatchTimeout=1s (default)"
			if s.LingerSet {
				linger = fmt.Sprintf("BatchTimeout=%s", kafkaGoTimeout(s.Linger))
			}
			return fmt.Sprintf("acks=all (RequireAll), NO idempotence (kafka-go has none), one request in flight per partition (fixed), %s, %s, BatchBytes=%d, compression %s, RoundRobin balancer (default)",
				linger, size, batchOr(s, 1048576), compressionOrNone(s))
		}})
}

// kafkaGoTimeout maps linger 0 to 1µs: kafka-go reads BatchTimeout 0 as
// "use the 1 s default", so zero linger cannot be expressed exactly.
func kafkaGoTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Microsecond
	}
	return d
}

// kafkaGoBatchSize turns the byte budget into kafka-go's record count limit.
func kafkaGoBatchSize(s Settings) int {
	per := s.RecordSize + 20 // record framing overhead, roughly
	return max(100, batchOr(s, 1048576)/per)
}

type kafkaGo struct {
	w *kafkago.Writer
}

func newKafkaGo(s Settings, done Done) (Producer, error) {
	w := &kafkago.Writer{
		Addr:         kafkago.TCP(s.Brokers...),
		Topic:        s.Topic,
		RequiredAcks: kafkago.RequireAll,
		BatchBytes:   int64(batchOr(s, 1048576)),
		Async:        !s.Sync,
		// kafka-go's Writer asks for all topics' metadata and waits for
		// its topic to appear; only with this set does it ask for the topic
		// by name, which creates it on the sink (and on an auto-creating
		// broker).
		AllowAutoTopicCreation: true,
	}
	switch s.Compression {
	case "", "none":
	case "gzip":
		w.Compression = compress.Gzip
	case "snappy":
		w.Compression = compress.Snappy
	case "lz4":
		w.Compression = compress.Lz4
	case "zstd":
		w.Compression = compress.Zstd
	default:
		return nil, fmt.Errorf("clients: unknown compression %q", s.Compression)
	}
	if s.LingerSet {
		w.BatchTimeout = kafkaGoTimeout(s.Linger)
	}
	if s.BatchBytes > 0 {
		w.BatchSize = kafkaGoBatchSize(s)
	}
	if !s.Sync {
		w.Completion = func(msgs []kafkago.Message, err error) {
			for i := range msgs {
				start, _ := msgs[i].WriterData.(int64)
				done(start, err)
			}
		}
	}
	return &kafkaGo{w: w}, nil
}

func (k *kafkaGo) Produce(value []byte, start int64) {
	m := kafkago.Message{Value: value}
	if start != 0 {
		m.WriterData = start
	}
	// In async mode WriteMessages only enqueues; errors arrive in Completion.
	k.w.WriteMessages(context.Background(), m)
}

func (k *kafkaGo) ProduceSync(ctx context.Context, value []byte) error {
	return k.w.WriteMessages(ctx, kafkago.Message{Value: value})
}

func (k *kafkaGo) Close() error { return k.w.Close() }
