package kafka

import (
	"bytes"
	"encoding/binary"
	"flag"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// bulkN sets how many records TestProduceBulkAllCodecs sends per codec.
// The default keeps CI short on 2 shared cores (200,000; 50,000 under the
// race detector, 20,000 with -short); the full check is
//
//	go test -run TestProduceBulkAllCodecs -bulk.records=1000000 ./kafka/
//
// which sends and verifies 1M records per codec (about 2 minutes).
var bulkN = flag.Int("bulk.records", 0, "records per codec in TestProduceBulkAllCodecs (0: default)")

// bulkRecord is record i of a bulk run: a key of 16 distinct values (so
// keyed routing spreads it), a value carrying i, a header carrying i, and
// a timestamp derived from i.
// bulkBaseMs is the timestamp of bulk record 0: recent, because a real
// broker's retention (7 days by default, first checked 30 s after start)
// deletes segments of older records, which then vanish before the read-back.
// Record i is stamped i ms later; a million records stay well inside the
// broker's 1 h limit on future timestamps.
var bulkBaseMs = time.Now().Add(-10 * time.Minute).UnixMilli()

func bulkRecord(topic string, i int) *Record {
	v := make([]byte, 8, 40)
	binary.BigEndian.PutUint64(v, uint64(i))
	v = append(v, "payload-payload-payload-payload"...)
	return &Record{
		Topic:     topic,
		Key:       []byte("key-" + strconv.Itoa(i%16)),
		Value:     v,
		Headers:   []Header{{Key: "i", Value: []byte(strconv.Itoa(i))}},
		Timestamp: time.UnixMilli(bulkBaseMs + int64(i)),
	}
}

// checkBulk verifies that every record 0..n-1 is stored exactly once, that
// within each partition the records are in produce order (each key maps
// to one partition, so per-key order is produce order), and that keys,
// headers and timestamps are intact.
func checkBulk(t *testing.T, kc *kafkatest.Cluster, topic string, partitions, n int) {
	t.Helper()
	l := newBulkLedger(t, topic, n)
	for p := int32(0); p < int32(partitions); p++ {
		recs, err := kc.Records(topic, p)
		if err != nil {
			t.Fatal(err)
		}
		last := map[string]int{}
		for _, r := range recs {
			l.check(p, r.Offset, r.Key, r.Value, r.Timestamp.UnixMilli(), r.Headers, last)
		}
	}
	l.complete()
}

// bulkLedger checks bulkRecord records read back, wherever from: each of
// 0..n-1 stored once, intact, and in produce order per key.
type bulkLedger struct {
	t     *testing.T
	topic string
	seen  []bool
}

func newBulkLedger(t *testing.T, topic string, n int) *bulkLedger {
	return &bulkLedger{t: t, topic: topic, seen: make([]bool, n)}
}

// check checks one record of partition p; last holds the partition's
// latest record index per key.
func (l *bulkLedger) check(p int32, offset int64, key, value []byte, ts int64, headers []wire.RecordHeader, last map[string]int) {
	t := l.t
	t.Helper()
	if len(value) < 8 {
		t.Fatalf("p%d offset %d: short value", p, offset)
	}
	i := int(binary.BigEndian.Uint64(value))
	if i < 0 || i >= len(l.seen) {
		t.Fatalf("p%d offset %d: record %d out of range", p, offset, i)
	}
	if l.seen[i] {
		t.Fatalf("record %d stored twice (p%d offset %d)", i, p, offset)
	}
	l.seen[i] = true
	want := bulkRecord(l.topic, i)
	if !bytes.Equal(key, want.Key) || !bytes.Equal(value, want.Value) || ts != want.Timestamp.UnixMilli() ||
		cmp.Diff([]wire.RecordHeader{{Key: "i", Value: want.Headers[0].Value}}, headers) != "" {
		t.Fatalf("record %d differs: got key %q ts %d headers %v", i, key, ts, headers)
	}
	if prev, ok := last[string(key)]; ok && prev > i {
		t.Fatalf("p%d: record %d stored after record %d of the same key", p, i, prev)
	}
	last[string(key)] = i
}

// complete fails the test for every record never seen.
func (l *bulkLedger) complete() {
	l.t.Helper()
	for i, ok := range l.seen {
		if !ok {
			l.t.Fatalf("record %d missing", i)
		}
	}
}

func TestProduceBulkAllCodecs(t *testing.T) {
	n := 200_000
	switch {
	case *bulkN > 0:
		n = *bulkN
	case testing.Short():
		n = 20_000
	case raceEnabled:
		n = 50_000
	}
	for _, codec := range []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			const partitions = 6
			kc := kafkatest.New(t, kafkatest.Topic("bulk", partitions))
			c := newTestClient(t, kc, WithCompression(codec))
			start := time.Now()
			res := newResults(n)
			ctx := ctxTimeout(t, 5*time.Minute)
			for i := 0; i < n; i++ {
				c.Produce(ctx, bulkRecord("bulk", i), res.cb)
			}
			res.wait(t, 5*time.Minute)
			el := time.Since(start)
			for r, err := range res.errs {
				if err != nil {
					t.Fatalf("record %q: %v", r.Key, err)
				}
			}
			t.Logf("%d records in %v (%.0f records/s)", n, el.Round(time.Millisecond), float64(n)/el.Seconds())
			checkBulk(t, kc, "bulk", partitions, n)
		})
	}
}
