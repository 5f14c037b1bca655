//go:build !noconfluent

package clients

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

func init() {
	register(&Client{Name: "confluent", Module: "github.com/confluentinc/confluent-kafka-go/v2", New: newConfluent,
		Describe: func(s Settings) string {
			_, lib := ck.LibraryVersion()
			return fmt.Sprintf("librdkafka %s (bundled), acks=all, enable.idempotence=true, max.in.flight=5, %s, batch.size=%d, compression %s, go.delivery.report.fields=none, queue.buffering.max.messages 100000 (default; Produce retried on QueueFull)",
				lib, lingerText(s, "5ms"), batchOr(s, 1000000), compressionOrNone(s))
		}})
}

type confluent struct {
	p     *ck.Producer
	topic string
	wg    sync.WaitGroup
	once  sync.Once
}

func newConfluent(s Settings, done Done) (Producer, error) {
	cm := ck.ConfigMap{
		"bootstrap.servers":                     strings.Join(s.Brokers, ","),
		"acks":                                  "all",
		"enable.idempotence":                    true,
		"max.in.flight.requests.per.connection": 5,
		"compression.type":                      compressionOrNone(s),
		"go.delivery.report.fields":             "none",
		"batch.size":                            batchOr(s, 1000000),
	}
	if s.LingerSet {
		cm["linger.ms"] = strconv.FormatFloat(float64(s.Linger)/float64(time.Millisecond), 'f', -1, 64)
	}
	p, err := ck.NewProducer(&cm)
	if err != nil {
		return nil, err
	}
	c := &confluent{p: p, topic: s.Topic}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for ev := range p.Events() {
			if m, ok := ev.(*ck.Message); ok {
				start, _ := m.Opaque.(int64)
				done(start, m.TopicPartition.Error)
			}
		}
	}()
	return c, nil
}

func (c *confluent) msg(value []byte) *ck.Message {
	return &ck.Message{TopicPartition: ck.TopicPartition{Topic: &c.topic, Partition: ck.PartitionAny}, Value: value}
}

// produce retries while librdkafka's queue is full: Produce never blocks,
// so a caller producing faster than the broker acknowledges must wait.
func (c *confluent) produce(m *ck.Message, ch chan ck.Event) error {
	for {
		err := c.p.Produce(m, ch)
		var ke ck.Error
		if errors.As(err, &ke) && ke.Code() == ck.ErrQueueFull {
			time.Sleep(50 * time.Microsecond)
			continue
		}
		return err
	}
}

func (c *confluent) Produce(value []byte, start int64) {
	m := c.msg(value)
	if start != 0 {
		m.Opaque = start
	}
	if err := c.produce(m, nil); err != nil {
		panic(fmt.Sprintf("confluent: Produce: %v", err)) // only config errors land here
	}
}

var deliveryChans = sync.Pool{New: func() any { return make(chan ck.Event, 1) }}

func (c *confluent) ProduceSync(ctx context.Context, value []byte) error {
	ch := deliveryChans.Get().(chan ck.Event)
	defer deliveryChans.Put(ch)
	if err := c.produce(c.msg(value), ch); err != nil {
		return err
	}
	select {
	case ev := <-ch:
		return ev.(*ck.Message).TopicPartition.Error
	case <-ctx.Done():
		return ctx.Err() // the channel is leaked to librdkafka's pending report
	}
}

func (c *confluent) Close() error {
	for c.p.Flush(1000) > 0 {
	}
	c.p.Close()
	c.wg.Wait()
	return nil
}
