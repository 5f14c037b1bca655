package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// refuseBad makes kc refuse, as Kafka's log validator does, every record
// whose value starts with "bad", naming it in RecordErrors.
func refuseBad(kc *kafkatest.Cluster) {
	kc.SetRecordCheck(func(_ string, _ int32, r *wire.Record) (int16, string) {
		if bytes.HasPrefix(r.Value, []byte("bad")) {
			return 87, "Compacted topic cannot accept message without key"
		}
		return 0, ""
	})
}

// produceBatch produces values as one batch (linger holds them together)
// and returns each record's error.
func produceBatch(t *testing.T, c *Client, topic string, values []string) []error {
	t.Helper()
	res := newResults(len(values))
	recs := make([]*Record, len(values))
	for i, v := range values {
		recs[i] = &Record{Topic: topic, Value: []byte(v)}
		c.Produce(context.Background(), recs[i], res.cb)
	}
	res.wait(t, 30*time.Second)
	errs := make([]error, len(values))
	for i, r := range recs {
		errs[i] = res.errs[r]
	}
	return errs
}

// A broker refusing some records of a batch (Produce v8+ RecordErrors)
// fails only those records, each with *InvalidRecordError; the others are
// sent again and stored, in order, and the partition keeps producing.
func TestBrokerRefusedRecordsFailAlone(t *testing.T) {
	for _, idem := range []bool{true, false} {
		t.Run(fmt.Sprintf("idempotence=%v", idem), func(t *testing.T) {
			kc := kafkatest.New(t, kafkatest.Topic("refuse", 1))
			refuseBad(kc)
			c := newTestClient(t, kc, WithLinger(50*time.Millisecond), WithIdempotence(idem))
			values := []string{"ok-0", "ok-1", "bad-2", "ok-3", "ok-4", "ok-5", "bad-6", "ok-7"}
			errs := produceBatch(t, c, "refuse", values)
			var stored []string
			for i, v := range values {
				err := errs[i]
				if !bytes.HasPrefix([]byte(v), []byte("bad")) {
					if err != nil {
						t.Fatalf("%s: %v, want it stored (only the refused records fail)", v, err)
					}
					stored = append(stored, v)
					continue
				}
				var ire *InvalidRecordError
				if !errors.Is(err, ErrInvalidRecord) || !errors.As(err, &ire) || !errors.Is(err, wire.ErrInvalidRecord) {
					t.Fatalf("%s: %v, want an *InvalidRecordError matching ErrInvalidRecord and wire.ErrInvalidRecord", v, err)
				}
				if ire.Topic != "refuse" || ire.Partition != 0 || ire.Message != "Compacted topic cannot accept message without key" {
					t.Fatalf("%s: %+v", v, ire)
				}
			}
			// The partition goes on (after an epoch bump when idempotent).
			if errs := produceBatch(t, c, "refuse", []string{"ok-8", "ok-9"}); errs[0] != nil || errs[1] != nil {
				t.Fatalf("after the refusal: %v", errs)
			}
			stored = append(stored, "ok-8", "ok-9")
			recs, err := kc.Records("refuse", 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, string(r.Value))
			}
			if diff := cmp.Diff(stored, got); diff != "" {
				t.Fatal("stored records (-want +got):", diff)
			}
		})
	}
}

// Every record of the batch refused: all fail with their errors, nothing
// is stored, and the next records go through.
func TestBrokerRefusedWholeBatch(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("refuse", 1))
	refuseBad(kc)
	c := newTestClient(t, kc, WithLinger(50*time.Millisecond))
	for i, err := range produceBatch(t, c, "refuse", []string{"bad-0", "bad-1", "bad-2"}) {
		if !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("record %d: %v, want ErrInvalidRecord", i, err)
		}
	}
	if errs := produceBatch(t, c, "refuse", []string{"ok"}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if hw, _ := kc.HighWatermark("refuse", 0); hw != 1 {
		t.Fatalf("high watermark %d, want 1 (only the last record)", hw)
	}
}
