package kafka

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

func TestStats(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.NumBrokers(2), kafkatest.Topic("st", 4))
	kc.SetRecordCheck(func(_ string, _ int32, r *wire.Record) (int16, string) {
		if bytes.Equal(r.Value, []byte("bad")) {
			return 87, "refused"
		}
		return 0, ""
	})
	c := newTestClient(t, kc, WithLinger(time.Millisecond))
	if st := c.Stats(); st.RecordsAcked != 0 || len(st.Brokers) != 0 || st.BufferedRecords != 0 {
		t.Fatalf("fresh client: %+v", st)
	}
	kc.FailNextProduce("st", 1, 1, 7) // REQUEST_TIMED_OUT: retried
	produceBulk(t, c, "st", 1000, nil)
	if err := c.ProduceSync(context.Background(), &Record{Topic: "st", Value: []byte("bad")}); err == nil {
		t.Fatal("the refused record succeeded")
	}
	var st Stats
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if st = c.Stats(); st.BufferedRecords == 0 || time.Now().After(deadline) {
			break
		}
	}
	if st.RecordsAcked != 1000 || st.RecordsFailed != 1 || st.BufferedRecords != 0 || st.BufferedBytes != 0 {
		t.Fatalf("totals %+v, want 1000 acked, 1 failed, nothing buffered", st)
	}
	if len(st.Brokers) != 2 || st.Brokers[0].ID != 0 || st.Brokers[1].ID != 1 {
		t.Fatalf("brokers %+v, want 0 and 1", st.Brokers)
	}
	var recs, errs int64
	for _, b := range st.Brokers {
		if b.Connections < 1 || b.Connections > 2 || b.InFlight != 0 || b.Requests < 1 || b.Batches < b.Requests ||
			b.Bytes < b.Records*8 || b.RTT <= 0 {
			t.Fatalf("broker %+v", b)
		}
		recs += b.Records
		errs += b.Errors
	}
	// Sent: 1000 + the refused record, + the retried batch's records.
	if recs < 1001 || errs < 2 {
		t.Fatalf("records sent %d, errors %d: want >= 1001 and >= 2 (the retried and the refused batch)", recs, errs)
	}
	c.Close()
	if after := c.Stats(); after.RecordsAcked != 1000 {
		t.Fatalf("after Close: %+v", after)
	}
}
