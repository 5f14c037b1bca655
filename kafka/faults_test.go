package kafka

import (
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// produceBulk sends records 0..n-1 (bulkRecord) asynchronously, calling
// during(i) after record i was produced, and fails the test on any error.
func produceBulk(t *testing.T, c *Client, topic string, n int, during func(i int)) {
	t.Helper()
	res := newResults(n)
	ctx := ctxTimeout(t, 2*time.Minute)
	for i := 0; i < n; i++ {
		c.Produce(ctx, bulkRecord(topic, i), res.cb)
		if during != nil {
			during(i)
		}
	}
	res.wait(t, 2*time.Minute)
	for r, err := range res.errs {
		if err != nil {
			t.Fatalf("record %q: %v", r.Key, err)
		}
	}
}

func TestLeaderMovesMidRun(t *testing.T) {
	const partitions, n = 6, 60_000
	kc := kafkatest.New(t, kafkatest.NumBrokers(3), kafkatest.Topic("move", partitions))
	c := newTestClient(t, kc, WithLinger(time.Millisecond))
	moves := 0
	produceBulk(t, c, "move", n, func(i int) {
		if i%5000 == 2500 {
			for p := int32(0); p < partitions; p++ {
				leader, _, err := kc.Leader("move", p)
				if err != nil {
					t.Fatal(err)
				}
				if err := kc.MoveLeader("move", p, (leader+1)%3); err != nil {
					t.Fatal(err)
				}
				moves++
			}
			time.Sleep(2 * time.Millisecond) // let some requests meet the old leader
		}
	})
	t.Logf("%d leader moves", moves)
	checkBulk(t, kc, "move", partitions, n)
}

func TestConnectionsDroppedMidRun(t *testing.T) {
	const partitions, n = 4, 40_000
	kc := kafkatest.New(t, kafkatest.NumBrokers(2), kafkatest.Topic("drop", partitions))
	c := newTestClient(t, kc, WithLinger(time.Millisecond))
	produceBulk(t, c, "drop", n, func(i int) {
		if i%8000 == 4000 {
			kc.DropConnections(int32(i/8000) % 2)
			time.Sleep(time.Millisecond)
		}
	})
	checkBulk(t, kc, "drop", partitions, n)
}

// A response lost after the broker stored the batch: the client retries
// on a new connection, the broker recognises the sequence, and the record
// is stored once.
func TestIdempotentRetryAfterLostResponse(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("lost", 1))
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 30*time.Second)
	if err := c.ProduceSync(ctx, &Record{Topic: "lost", Value: []byte("warm-up")}); err != nil {
		t.Fatal(err)
	}
	kc.LoseNextProduceResponse("lost", 0, 2)
	for i := 0; i < 5; i++ {
		if err := c.ProduceSync(ctx, &Record{Topic: "lost", Value: []byte{byte('a' + i)}}); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	recs, err := kc.Records("lost", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, r := range recs[1:] {
		got += string(r.Value)
	}
	if got != "abcde" {
		t.Fatalf("stored %q, want each record once, in order: \"abcde\"", got)
	}
}

func TestLostResponsesUnderLoadNoDuplicates(t *testing.T) {
	const partitions, n = 3, 30_000
	kc := kafkatest.New(t, kafkatest.Topic("lossy", partitions))
	c := newTestClient(t, kc)
	produceBulk(t, c, "lossy", n, func(i int) {
		if i%6000 == 3000 {
			kc.LoseNextProduceResponse("lossy", int32(i/6000)%partitions, 1)
		}
	})
	checkBulk(t, kc, "lossy", partitions, n)
}

func TestRetriableErrorsRetried(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("retry", 1))
	c := newTestClient(t, kc, WithRetryBackoff(time.Millisecond, 10*time.Millisecond))
	kc.FailNextProduce("retry", 0, 3, 19) // NOT_ENOUGH_REPLICAS
	ctx := ctxTimeout(t, 10*time.Second)
	if err := c.ProduceSync(ctx, &Record{Topic: "retry", Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	kc.FailNextProduce("retry", 0, 2, 6) // NOT_LEADER_OR_FOLLOWER: refresh and retry
	if err := c.ProduceSync(ctx, &Record{Topic: "retry", Value: []byte("y")}); err != nil {
		t.Fatal(err)
	}
	recs, _ := kc.Records("retry", 0)
	if len(recs) != 2 {
		t.Fatalf("stored %d records, want 2", len(recs))
	}
}

// A definite rejection fails only that batch's records; the partition
// keeps going (the epoch is bumped to close the sequence gap).
func TestRejectedBatchFailsAloneAndPartitionRecovers(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("rej", 1))
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 10*time.Second)
	if err := c.ProduceSync(ctx, &Record{Topic: "rej", Value: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	kc.FailNextProduce("rej", 0, 1, 87) // INVALID_RECORD
	err := c.ProduceSync(ctx, &Record{Topic: "rej", Value: []byte("b")})
	if !errors.Is(err, wire.ErrInvalidRecord) {
		t.Fatalf("err = %v, want INVALID_RECORD", err)
	}
	for _, v := range []string{"c", "d"} {
		if err := c.ProduceSync(ctx, &Record{Topic: "rej", Value: []byte(v)}); err != nil {
			t.Fatalf("record %s after the rejection: %v", v, err)
		}
	}
	recs, _ := kc.Records("rej", 0)
	var got string
	for _, r := range recs {
		got += string(r.Value)
	}
	if got != "acd" {
		t.Fatalf("stored %q, want \"acd\"", got)
	}
	if recs[1].ProducerEpoch != recs[0].ProducerEpoch+1 || recs[1].Sequence != 0 {
		t.Fatalf("after the gap: epoch %d seq %d, want epoch %d seq 0", recs[1].ProducerEpoch, recs[1].Sequence, recs[0].ProducerEpoch+1)
	}
}

// MESSAGE_TOO_LARGE splits multi-record batches until they fit; a single
// record too large for the broker fails alone with *RecordTooLargeError.
func TestMessageTooLargeSplitsAndFailsAlone(t *testing.T) {
	const n = 2000
	kc := kafkatest.New(t, kafkatest.Topic("big", 1), kafkatest.MaxMessageBytes(4096))
	c := newTestClient(t, kc, WithLinger(20*time.Millisecond))
	res := newResults(n + 1)
	ctx := ctxTimeout(t, time.Minute)
	var huge *Record
	for i := 0; i < n; i++ {
		if i == n/2 {
			huge = &Record{Topic: "big", Value: make([]byte, 10_000)}
			c.Produce(ctx, huge, res.cb)
		}
		c.Produce(ctx, bulkRecord("big", i), res.cb)
	}
	res.wait(t, time.Minute)
	for r, err := range res.errs {
		if r == huge {
			var tl *RecordTooLargeError
			if !errors.As(err, &tl) || !errors.Is(err, ErrRecordTooLarge) {
				t.Fatalf("huge record: err = %v, want *RecordTooLargeError", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("record %q: %v", r.Key, err)
		}
	}
	checkBulk(t, kc, "big", 1, n)
}

func TestDuplicateSequenceIsSuccess(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("dup", 1), kafkatest.ReportDuplicates(true))
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 10*time.Second)
	kc.LoseNextProduceResponse("dup", 0, 1)
	r := &Record{Topic: "dup", Value: []byte("once")}
	if err := c.ProduceSync(ctx, r); err != nil {
		t.Fatal(err)
	}
	if recs, _ := kc.Records("dup", 0); len(recs) != 1 {
		t.Fatalf("stored %d records, want 1", len(recs))
	}
	if r.Offset != -1 {
		t.Fatalf("offset %d: a DUPLICATE_SEQUENCE_NUMBER ack carries no offset, want -1", r.Offset)
	}
}

// A broker accepts the first batch of a producer it has no state for at
// any sequence (Kafka 4.x, KIP-360). If the first batch of a partition
// fails (a freshly created topic answers NOT_LEADER_OR_FOLLOWER at first)
// while later batches are in flight, a later one must not become the
// first the broker accepts, or the resent first batch is out of order
// forever. The client keeps one batch per partition in flight until the
// partition's first acknowledgement.
func TestFirstBatchFailureDoesNotLetLaterSequencesIn(t *testing.T) {
	const n = 3000
	kc := kafkatest.New(t, kafkatest.Topic("fresh", 1))
	c := newTestClient(t, kc, WithDeliveryTimeout(31*time.Second))
	kc.FailNextProduce("fresh", 0, 2, 6) // NOT_LEADER_OR_FOLLOWER for the first two batches
	kc.SetLatency(0, 2*time.Millisecond)
	produceBulk(t, c, "fresh", n, func(i int) {
		if i%100 == 0 {
			time.Sleep(time.Millisecond) // several requests in flight
		}
	})
	checkBulk(t, kc, "fresh", 1, n)
}
