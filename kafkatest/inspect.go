package kafkatest

import (
	"fmt"
	"slices"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// StoredRecord is one record of a partition's log, decoded, with the
// producer state of the batch that carried it.
type StoredRecord struct {
	Offset        int64
	Timestamp     time.Time // CreateTime, as the producer set it
	Key, Value    []byte    // nil means null
	Headers       []wire.RecordHeader
	ProducerID    int64 // -1 for a non-idempotent producer
	ProducerEpoch int16
	Sequence      int32 // the record's own sequence (base + delta), -1 without a producer id
}

// StoredBatch is one record batch of a partition's log: its decoded header
// and records, and its bytes as stored (the producer's bytes, with the
// broker's base offset and partition leader epoch written in).
type StoredBatch struct {
	wire.RecordBatch
	Raw []byte
}

// Records returns every record stored in the partition, in offset order.
func (c *Cluster) Records(topic string, partition int32) ([]StoredRecord, error) {
	batches, err := c.Batches(topic, partition)
	if err != nil {
		return nil, err
	}
	var out []StoredRecord
	for _, b := range batches {
		for _, r := range b.Records {
			seq := int32(-1)
			if b.ProducerID >= 0 {
				seq = lastSequence(b.BaseSequence, int32(r.Offset-b.BaseOffset))
			}
			out = append(out, StoredRecord{
				Offset:        r.Offset,
				Timestamp:     time.UnixMilli(r.Timestamp),
				Key:           r.Key,
				Value:         r.Value,
				Headers:       r.Headers,
				ProducerID:    b.ProducerID,
				ProducerEpoch: b.ProducerEpoch,
				Sequence:      seq,
			})
		}
	}
	return out, nil
}

// Batches returns every record batch stored in the partition, in offset
// order. The results are copies; changing them changes nothing stored.
func (c *Cluster) Batches(topic string, partition int32) ([]StoredBatch, error) {
	c.mu.Lock()
	p, err := c.lookup(topic, partition)
	var raws [][]byte
	if err == nil {
		for _, b := range p.log {
			raws = append(raws, b.raw) // immutable once stored
		}
	}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]StoredBatch, 0, len(raws))
	for _, raw := range raws {
		raw = slices.Clone(raw)
		bs, err := wire.DecodeRecordBatches(raw, wire.DecodeOptions{})
		if err != nil {
			return nil, fmt.Errorf("kafkatest: stored batch of %s/%d does not decode: %w", topic, partition, err)
		}
		if len(bs) != 1 {
			return nil, fmt.Errorf("kafkatest: stored batch of %s/%d holds %d batches", topic, partition, len(bs))
		}
		out = append(out, StoredBatch{RecordBatch: bs[0], Raw: raw})
	}
	return out, nil
}

// HighWatermark returns the partition's log end offset: the offset the next
// stored record will get.
func (c *Cluster) HighWatermark(topic string, partition int32) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.lookup(topic, partition)
	if err != nil {
		return -1, err
	}
	return p.next, nil
}

// Topics returns the names of the cluster's topics, sorted.
func (c *Cluster) Topics() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.topics))
	for n := range c.topics {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Partitions returns the topic's partition count, or 0 if it does not exist.
func (c *Cluster) Partitions(topic string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.topics[topic]; t != nil {
		return len(t.parts)
	}
	return 0
}
