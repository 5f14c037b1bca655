package clients

import (
	"context"
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

func init() {
	register(&Client{Name: "sarama", Module: "github.com/IBM/sarama", New: newSarama,
		Describe: func(s Settings) string {
			flush := "flush triggers off (send as fast as possible, default)"
			if s.LingerSet && s.Linger > 0 {
				flush = fmt.Sprintf("Flush.Frequency=%s, Flush.Bytes=%d", s.Linger, batchOr(s, 1000000))
			}
			return fmt.Sprintf("acks=all (WaitForAll), idempotent, MaxOpenRequests=1 (sarama requires 1 for idempotence), %s, MaxMessageBytes 1000000 (default), compression %s, Version %s (default)",
				flush, compressionOrNone(s), sarama.DefaultVersion)
		}})
}

func batchOr(s Settings, def int) int {
	if s.BatchBytes > 0 {
		return s.BatchBytes
	}
	return def
}

type saramaProducer struct {
	async sarama.AsyncProducer
	sync  sarama.SyncProducer
	topic string
	wg    sync.WaitGroup
}

func saramaCodec(name string) (sarama.CompressionCodec, error) {
	switch name {
	case "", "none":
		return sarama.CompressionNone, nil
	case "gzip":
		return sarama.CompressionGZIP, nil
	case "snappy":
		return sarama.CompressionSnappy, nil
	case "lz4":
		return sarama.CompressionLZ4, nil
	case "zstd":
		return sarama.CompressionZSTD, nil
	}
	return sarama.CompressionNone, fmt.Errorf("clients: unknown compression %q", name)
}

func newSarama(s Settings, done Done) (Producer, error) {
	codec, err := saramaCodec(s.Compression)
	if err != nil {
		return nil, err
	}
	cfg := sarama.NewConfig()
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Compression = codec
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	if s.LingerSet && s.Linger > 0 {
		cfg.Producer.Flush.Frequency = s.Linger
		cfg.Producer.Flush.Bytes = batchOr(s, 1000000)
	}
	p := &saramaProducer{topic: s.Topic}
	if s.Sync {
		p.sync, err = sarama.NewSyncProducer(s.Brokers, cfg)
		return p, err
	}
	p.async, err = sarama.NewAsyncProducer(s.Brokers, cfg)
	if err != nil {
		return nil, err
	}
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		for m := range p.async.Successes() {
			start, _ := m.Metadata.(int64)
			done(start, nil)
		}
	}()
	go func() {
		defer p.wg.Done()
		for e := range p.async.Errors() {
			start, _ := e.Msg.Metadata.(int64)
			done(start, e.Err)
		}
	}()
	return p, nil
}

func (p *saramaProducer) Produce(value []byte, start int64) {
	m := &sarama.ProducerMessage{Topic: p.topic, Value: sarama.ByteEncoder(value)}
	if start != 0 {
		m.Metadata = start
	}
	p.async.Input() <- m
}

func (p *saramaProducer) ProduceSync(_ context.Context, value []byte) error {
	_, _, err := p.sync.SendMessage(&sarama.ProducerMessage{Topic: p.topic, Value: sarama.ByteEncoder(value)})
	return err
}

func (p *saramaProducer) Close() error {
	if p.sync != nil {
		return p.sync.Close()
	}
	p.async.AsyncClose()
	p.wg.Wait()
	return nil
}
