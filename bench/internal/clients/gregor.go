//go:build !nogregor

package clients

import (
	"context"
	"fmt"

	"github.com/gregorkafka/gregor/kafka"
)

func init() {
	register(&Client{Name: "gregor", Module: "github.com/gregorkafka/gregor", New: newGregor,
		Describe: func(s Settings) string {
			return fmt.Sprintf("acks=all, idempotent (default), max in flight 5, %s, batch max %d B, compression %s",
				lingerText(s, "0 (adaptive)"), batchOr(s, 1<<20), compressionOrNone(s))
		}})
}

type gregor struct {
	c     *kafka.Client
	topic string
	done  Done
	cb    func(*kafka.Record, error)
}

func gregorCodec(name string) (kafka.Compression, error) {
	switch name {
	case "", "none":
		return kafka.CompressionNone, nil
	case "gzip":
		return kafka.CompressionGzip, nil
	case "snappy":
		return kafka.CompressionSnappy, nil
	case "lz4":
		return kafka.CompressionLZ4, nil
	case "zstd":
		return kafka.CompressionZstd, nil
	}
	return 0, fmt.Errorf("clients: unknown compression %q", name)
}

func newGregor(s Settings, done Done) (Producer, error) {
	codec, err := gregorCodec(s.Compression)
	if err != nil {
		return nil, err
	}
	opts := []kafka.Option{
		kafka.WithBrokers(s.Brokers...),
		kafka.WithAcks(kafka.AcksAll),
		kafka.WithIdempotence(true),
		kafka.WithMaxInFlight(5),
		kafka.WithCompression(codec),
	}
	if s.LingerSet {
		opts = append(opts, kafka.WithLinger(s.Linger))
	}
	if s.BatchBytes > 0 {
		opts = append(opts, kafka.WithBatchMaxBytes(s.BatchBytes))
	}
	c, err := kafka.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	g := &gregor{c: c, topic: s.Topic, done: done}
	g.cb = func(_ *kafka.Record, err error) { done(0, err) }
	return g, nil
}

func (g *gregor) Produce(value []byte, start int64) {
	cb := g.cb
	if start != 0 {
		cb = func(_ *kafka.Record, err error) { g.done(start, err) }
	}
	g.c.Produce(context.Background(), &kafka.Record{Topic: g.topic, Value: value}, cb)
}

func (g *gregor) ProduceSync(ctx context.Context, value []byte) error {
	return g.c.ProduceSync(ctx, &kafka.Record{Topic: g.topic, Value: value})
}

func (g *gregor) Close() error {
	err := g.c.Flush(context.Background())
	if cerr := g.c.Close(); err == nil {
		err = cerr
	}
	return err
}
