package kafkatest_test

// Interop proof: franz-go, a third-party Kafka client, produces to and
// consumes from kafkatest with its default (idempotent) settings. franz-go is
// a test-only dependency; nothing outside _test files imports it.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
	"github.com/twmb/franz-go/pkg/kgo"
)

const interopTopic = "interop"

func franzProduce(t *testing.T, c *kafkatest.Cluster, codec kgo.CompressionCodec, prefix string, perPartition int, partitions int32) {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.Addrs()...),
		kgo.DefaultProduceTopic(interopTopic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(codec),
		kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond }),
		kgo.MetadataMinAge(10*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for p := range partitions {
		for i := range perPartition {
			recs = append(recs, &kgo.Record{
				Partition: p,
				Key:       fmt.Appendf(nil, "%s-k-%d-%d", prefix, p, i),
				Value:     fmt.Appendf(nil, "%s-v-%d-%d", prefix, p, i),
				Headers:   []kgo.RecordHeader{{Key: "h", Value: []byte(prefix)}},
			})
		}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("franz-go produce (%s): %v", prefix, err)
	}
}

func franzConsume(t *testing.T, c *kafkatest.Cluster, partitions int32, want int) []*kgo.Record {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := range partitions {
		offsets[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.Addrs()...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{interopTopic: offsets}),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []*kgo.Record
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("franz-go consumed %d of %d records before the deadline", len(got), want)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Errorf("franz-go fetch %s/%d: %v", topic, p, err)
		})
		got = append(got, fs.Records()...)
	}
	return got
}

func TestFranzGoProducesAndConsumes(t *testing.T) {
	const partitions, per = 3, 20
	c := kafkatest.New(t, kafkatest.NumBrokers(3), kafkatest.Topic(interopTopic, partitions))
	codecs := []struct {
		name  string
		codec kgo.CompressionCodec
	}{
		{"none", kgo.NoCompression()}, {"gzip", kgo.GzipCompression()}, {"snappy", kgo.SnappyCompression()},
		{"lz4", kgo.Lz4Compression()}, {"zstd", kgo.ZstdCompression()},
	}
	for _, cd := range codecs {
		franzProduce(t, c, cd.codec, cd.name, per, partitions)
	}

	// What kafkatest stored: every record once, idempotent, in order.
	seenCodecs := map[wire.Codec]bool{}
	for p := range int32(partitions) {
		recs, err := c.Records(interopTopic, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != per*len(codecs) {
			t.Fatalf("partition %d: %d records stored, want %d", p, len(recs), per*len(codecs))
		}
		for i, r := range recs {
			cd := codecs[i/per].name
			if want := fmt.Sprintf("%s-v-%d-%d", cd, p, i%per); string(r.Value) != want {
				t.Fatalf("partition %d offset %d: value %q, want %q", p, i, r.Value, want)
			}
			if r.ProducerID < 0 || r.Sequence != int32(i%per) {
				t.Fatalf("partition %d offset %d: producer %d sequence %d (franz-go is idempotent by default)", p, i, r.ProducerID, r.Sequence)
			}
		}
		bs, _ := c.Batches(interopTopic, p)
		for _, b := range bs {
			seenCodecs[b.Codec()] = true
		}
	}
	if len(seenCodecs) != len(codecs) {
		t.Errorf("stored batches used codecs %v, want all five", seenCodecs)
	}

	// What franz-go reads back.
	got := franzConsume(t, c, partitions, partitions*per*len(codecs))
	next := map[int32]int64{}
	for _, r := range got {
		if r.Offset != next[r.Partition] {
			t.Fatalf("partition %d: offset %d, want %d", r.Partition, r.Offset, next[r.Partition])
		}
		next[r.Partition]++
		cd := codecs[int(r.Offset)/per].name
		if want := fmt.Sprintf("%s-k-%d-%d", cd, r.Partition, r.Offset%per); string(r.Key) != want {
			t.Fatalf("consumed key %q, want %q", r.Key, want)
		}
		if len(r.Headers) != 1 || string(r.Headers[0].Value) != cd {
			t.Fatalf("consumed headers %+v", r.Headers)
		}
	}
	if c.RequestCount(wire.APIKeyInitProducerId) == 0 || c.RequestCount(wire.APIKeyFetch) == 0 || c.RequestCount(wire.APIKeyListOffsets) == 0 {
		t.Errorf("franz-go did not go through InitProducerId/ListOffsets/Fetch: %d/%d/%d",
			c.RequestCount(wire.APIKeyInitProducerId), c.RequestCount(wire.APIKeyListOffsets), c.RequestCount(wire.APIKeyFetch))
	}
}

// TestFranzGoSurvivesFaults: a leader moves under franz-go (it follows the
// NOT_LEADER_OR_FOLLOWER answer), produce responses are lost after the
// batches were stored (it retries, and kafkatest's idempotence check keeps
// one copy), and retriable errors are injected. Nothing is lost or doubled.
func TestFranzGoSurvivesFaults(t *testing.T) {
	c := kafkatest.New(t, kafkatest.NumBrokers(2), kafkatest.Topic(interopTopic, 1))
	franzProduce(t, c, kgo.NoCompression(), "a", 5, 1)
	if err := c.MoveLeader(interopTopic, 0, 1); err != nil {
		t.Fatal(err)
	}
	c.FailNextProduce(interopTopic, 0, 2, 7) // REQUEST_TIMED_OUT
	franzProduce(t, c, kgo.NoCompression(), "b", 5, 1)
	// A fresh client goes straight to the new leader, whose first answer
	// is lost after the batch was stored.
	c.LoseNextResponse(wire.APIKeyProduce, 1)
	before := c.RequestCount(wire.APIKeyProduce)
	franzProduce(t, c, kgo.NoCompression(), "c", 5, 1)
	if n := c.RequestCount(wire.APIKeyProduce) - before; n < 2 {
		t.Errorf("%d produce requests after the lost response, want a retry", n)
	}

	recs, err := c.Records(interopTopic, 0)
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, r := range recs {
		vals = append(vals, string(r.Value))
	}
	if len(recs) != 15 {
		t.Fatalf("%d records stored, want 15 exactly once: %q", len(recs), vals)
	}
	for i, r := range recs {
		want := fmt.Sprintf("%s-v-0-%d", []string{"a", "b", "c"}[i/5], i%5)
		if string(r.Value) != want {
			t.Fatalf("offset %d: %q, want %q (all: %q)", i, r.Value, want, vals)
		}
	}
	if got := franzConsume(t, c, 1, 15); len(got) != 15 {
		t.Fatalf("consumed %d records", len(got))
	}
}
