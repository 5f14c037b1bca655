package kafka

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/internal/realkafka"
	"github.com/gregorkafka/gregor/kafka/conn"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// realN is how many records per codec TestRealKafkaBulkAllCodecs sends to
// a real broker. 200,000 by default (about a minute for all codecs on
// two cores); raise it with -real.records.
var realN = flag.Int("real.records", 200_000, "records per codec in TestRealKafkaBulkAllCodecs")

// fetchAll reads every record of topic's partitions from a real cluster
// with Fetch (v4-12, topic names), from offset 0 to the high watermark.
func fetchAll(t *testing.T, addrs []string, topic string, partitions int) map[int32][]wire.Record {
	t.Helper()
	cl, err := conn.NewCluster(conn.ClusterConfig{Seeds: addrs})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tm, err := cl.WaitTopic(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32][]wire.Record{}
	for p := int32(0); p < int32(partitions); p++ {
		leader := tm.Partitions[p].Leader
		cn, err := cl.Conn(ctx, leader, conn.PurposeControl)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := cn.Version(wire.APIKeyFetch)
		v = min(v, 12)
		for off := int64(0); ; {
			req := &wire.FetchRequest{
				ReplicaID: -1, MaxWaitMs: 100, MinBytes: 1, MaxBytes: 32 << 20, SessionEpoch: -1,
				Topics: []wire.FetchRequestTopic{{Topic: topic, Partitions: []wire.FetchRequestPartition{{
					Partition: p, CurrentLeaderEpoch: -1, FetchOffset: off, LastFetchedEpoch: -1, LogStartOffset: -1,
					PartitionMaxBytes: 16 << 20,
				}}}},
			}
			ch := make(chan error, 1)
			var resp *wire.FetchResponse
			if err := cn.Send(ctx, req, v, func(r wire.Response, err error) {
				resp, _ = r.(*wire.FetchResponse)
				ch <- err
			}); err != nil {
				t.Fatal(err)
			}
			if err := <-ch; err != nil {
				t.Fatal(err)
			}
			pr := resp.Responses[0].Partitions[0]
			if pr.ErrorCode != 0 {
				t.Fatalf("fetch p%d at %d: %v", p, off, wire.ErrorForCode(pr.ErrorCode))
			}
			batches, err := wire.DecodeRecordBatches(pr.Records, wire.DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range batches {
				for _, r := range b.Records {
					if r.Offset >= off {
						out[p] = append(out[p], r)
					}
				}
				off = b.LastOffset() + 1
			}
			if off >= pr.HighWatermark {
				break
			}
		}
	}
	return out
}

// checkFetched is checkBulk for records read back from a real broker.
func checkFetched(t *testing.T, got map[int32][]wire.Record, topic string, n int) {
	t.Helper()
	l := newBulkLedger(t, topic, n)
	for p, recs := range got {
		last := map[string]int{}
		for _, r := range recs {
			l.check(p, r.Offset, r.Key, r.Value, r.Timestamp, r.Headers, last)
		}
	}
	l.complete()
}

func TestRealKafkaBulkAllCodecs(t *testing.T) {
	rk := realkafka.StartCluster(t)
	n := *realN
	if raceEnabled {
		n = min(n, 50_000)
	}
	for _, codec := range []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			const partitions = 6
			topic := "bulk-" + codec.String()
			if err := rk.CreateTopic(topic, partitions, 1, nil); err != nil {
				t.Fatal(err)
			}
			c, err := NewClient(WithBrokers(rk.Addrs()...), WithCompression(codec))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			produceBulk(t, c, topic, n, nil)
			el := time.Since(start)
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			t.Logf("Kafka %s, %s: %d records acked in %v (%.0f records/s)", rk.Version(), codec, n, el.Round(time.Millisecond), float64(n)/el.Seconds())
			checkFetched(t, fetchAll(t, rk.Addrs(), topic, partitions), topic, n)
		})
	}
}

// The leader of a partition is killed (SIGKILL) mid-run on a 3-node
// cluster (replication 3, min.insync.replicas 2): every record is acked,
// and read back exactly once, in order.
func TestRealKafkaLeaderKilledMidRun(t *testing.T) {
	rk := realkafka.StartCluster(t, realkafka.WithNodes(3))
	const partitions, n = 3, 60_000
	topic := "failover"
	if err := rk.CreateTopic(topic, partitions, 3, nil); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(WithBrokers(rk.Addrs()...), WithLinger(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	killed := int32(-1)
	produceBulk(t, c, topic, n, func(i int) {
		if i == n/3 {
			leader, err := rk.Leader(topic, 0)
			if err != nil {
				t.Error(err)
				return
			}
			if err := rk.Kill(leader); err != nil {
				t.Error(err)
			}
			killed = leader
		}
		if i%1000 == 0 {
			time.Sleep(5 * time.Millisecond) // spread the run over the failover
		}
	})
	if err := c.Flush(ctxTimeout(t, time.Minute)); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed node %d (leader of %s[0]) after %d records", killed, topic, n/3)
	checkFetched(t, fetchAll(t, rk.Addrs(), topic, partitions), topic, n)
}

// A compacted topic refuses keyless records (INVALID_RECORD, naming each
// in RecordErrors, Produce v8+): they fail alone with *InvalidRecordError
// and the broker's reason, while the keyed records of the same batches are
// sent again and stored, in order; the partition goes on producing (after
// an epoch bump, idempotence being on).
func TestRealKafkaRefusedRecordsFailAlone(t *testing.T) {
	rk := realkafka.StartCluster(t)
	const topic = "compacted"
	if err := rk.CreateTopic(topic, 1, 1, map[string]string{"cleanup.policy": "compact"}); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(WithBrokers(rk.Addrs()...), WithLinger(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	produce := func(from, to int) (recs []*Record, res *results) {
		res = newResults(to - from)
		for i := from; i < to; i++ {
			r := &Record{Topic: topic, Value: []byte(fmt.Sprintf("v%d", i))}
			if i%5 != 2 {
				r.Key = []byte(fmt.Sprintf("k%d", i))
			}
			recs = append(recs, r)
			c.Produce(context.Background(), r, res.cb)
		}
		res.wait(t, time.Minute)
		return recs, res
	}
	var want []string
	check := func(recs []*Record, res *results) {
		t.Helper()
		for _, r := range recs {
			err := res.errs[r]
			if r.Key != nil {
				if err != nil {
					t.Fatalf("keyed record %s: %v, want it stored", r.Value, err)
				}
				want = append(want, string(r.Key))
				continue
			}
			var ire *InvalidRecordError
			if !errors.As(err, &ire) || !errors.Is(err, wire.ErrInvalidRecord) || !strings.Contains(ire.Message, "without key") {
				t.Fatalf("keyless record %s: %v, want *InvalidRecordError (INVALID_RECORD, \"... without key ...\")", r.Value, err)
			}
		}
	}
	check(produce(0, 20))
	check(produce(20, 40)) // the partition goes on after the refusal
	var got []string
	for _, r := range fetchAll(t, rk.Addrs(), topic, 1)[0] {
		got = append(got, string(r.Key))
	}
	if !slices.Equal(want, got) {
		t.Fatalf("stored keys %v, want %v", got, want)
	}
	t.Logf("Kafka %s: %d keyed records stored, 8 keyless refused alone", rk.Version(), len(got))
}
