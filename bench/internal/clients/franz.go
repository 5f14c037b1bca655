package clients

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
)

func init() {
	register(&Client{Name: "franz-go", Module: "github.com/twmb/franz-go", New: newFranz,
		Describe: func(s Settings) string {
			batch := "1000012 (default)"
			if s.BatchBytes > 0 {
				batch = fmt.Sprint(s.BatchBytes)
			}
			return fmt.Sprintf("acks=all, idempotent (franz-go's own in-flight limit for idempotent producers), %s, batch max %s B, compression %s, buffer 10000 records (default)",
				lingerText(s, "10ms"), batch, compressionOrNone(s))
		}})
}

type franz struct {
	cl      *kgo.Client
	done    Done
	promise func(*kgo.Record, error)
}

func franzCodec(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "", "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.NoCompression(), fmt.Errorf("clients: unknown compression %q", name)
}

func newFranz(s Settings, done Done) (Producer, error) {
	codec, err := franzCodec(s.Compression)
	if err != nil {
		return nil, err
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(s.Brokers...),
		kgo.DefaultProduceTopic(s.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(codec),
	}
	if s.LingerSet {
		opts = append(opts, kgo.ProducerLinger(s.Linger))
	}
	if s.BatchBytes > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(int32(s.BatchBytes)))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	f := &franz{cl: cl, done: done}
	f.promise = func(_ *kgo.Record, err error) { done(0, err) }
	return f, nil
}

func (f *franz) Produce(value []byte, start int64) {
	promise := f.promise
	if start != 0 {
		promise = func(_ *kgo.Record, err error) { f.done(start, err) }
	}
	f.cl.Produce(context.Background(), &kgo.Record{Value: value}, promise)
}

func (f *franz) ProduceSync(ctx context.Context, value []byte) error {
	return f.cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr()
}

func (f *franz) Close() error {
	err := f.cl.Flush(context.Background())
	f.cl.Close()
	return err
}
