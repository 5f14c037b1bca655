package kafka

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafkatest"
)

// warmUp produces one record so metadata, the producer id and the
// connection exist before a test stalls the broker.
func warmUp(t *testing.T, c *Client, topic string) {
	t.Helper()
	if err := c.ProduceSync(ctxTimeout(t, 10*time.Second), &Record{Topic: topic, Value: []byte("warm-up")}); err != nil {
		t.Fatal(err)
	}
	// ProduceSync returns once its result is handed over, a moment before
	// the completion releases the record's buffer room: tests that count
	// on an empty buffer (TestBufferFullFailFast: 1 in ~10 runs under
	// -race found the warm-up record still held) wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if r, _ := c.buf.held(); r == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("warm-up record still held in the buffer after 10 s")
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func storedValues(t *testing.T, kc *kafkatest.Cluster, topic string, p int32) []string {
	t.Helper()
	recs, err := kc.Records(topic, p)
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, r := range recs {
		vs = append(vs, string(r.Value))
	}
	return vs
}

func TestCancelBeforeSendRemovesOnlyThatRecord(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("c", 1))
	c := newTestClient(t, kc, WithLinger(500*time.Millisecond))
	warmUp(t, c, "c")
	ctx, cancel := context.WithCancel(context.Background())
	res := newResults(3)
	r1 := &Record{Topic: "c", Value: []byte("r1")}
	r2 := &Record{Topic: "c", Value: []byte("r2")}
	r3 := &Record{Topic: "c", Value: []byte("r3")}
	c.Produce(context.Background(), r1, res.cb)
	c.Produce(ctx, r2, res.cb)
	c.Produce(context.Background(), r3, res.cb)
	start := time.Now()
	cancel()
	res.wait(t, 5*time.Second)
	if err := res.errs[r2]; !errors.Is(err, ErrNotSent) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled record: err = %v, want ErrNotSent and context.Canceled", err)
	}
	if res.errs[r1] != nil || res.errs[r3] != nil {
		t.Fatalf("siblings: %v, %v", res.errs[r1], res.errs[r3])
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v", el)
	}
	if got := strings.Join(storedValues(t, kc, "c", 0), ","); got != "warm-up,r1,r3" {
		t.Fatalf("stored %s", got)
	}
}

func TestProduceSyncCancelBeforeSend(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("c", 1))
	c := newTestClient(t, kc)
	warmUp(t, c, "c")
	kc.Stall(0, true)
	res := newResults(6)
	// Fill the five in-flight slots (each record goes out alone while a
	// slot is free), then a sixth waits in the queue.
	for i := 0; i < 6; i++ {
		c.Produce(context.Background(), &Record{Topic: "c", Value: []byte{'0' + byte(i)}}, res.cb)
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.ProduceSync(ctx, &Record{Topic: "c", Value: []byte("sync")})
	if !errors.Is(err, ErrNotSent) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrNotSent and DeadlineExceeded", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("ProduceSync returned after %v, want promptly after its 100ms deadline", el)
	}
	kc.Stall(0, false)
	res.wait(t, 10*time.Second)
	for r, err := range res.errs {
		if err != nil {
			t.Fatalf("record %s: %v", r.Value, err)
		}
	}
	if got := strings.Join(storedValues(t, kc, "c", 0), ","); got != "warm-up,0,1,2,3,4,5" {
		t.Fatalf("stored %s", got)
	}
}

func TestProduceSyncCancelAfterSendStillLandsOnce(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("c", 1))
	c := newTestClient(t, kc)
	warmUp(t, c, "c")
	kc.Stall(0, true)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	rec := &Record{Topic: "c", Value: []byte("on-the-wire"), Partition: 7, Offset: 42}
	err := c.ProduceSync(ctx, rec)
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown and DeadlineExceeded", err)
	}
	// The record is the caller's again: the client must not write to it
	// when the delivery completes (the race detector watches these reads).
	readRecord := make(chan struct{})
	go func() {
		defer close(readRecord)
		for i := 0; i < 200; i++ {
			if rec.Partition != 7 || rec.Offset != 42 {
				t.Errorf("record changed after ProduceSync returned: partition %d offset %d", rec.Partition, rec.Offset)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	// A sibling produced meanwhile is unaffected.
	res := newResults(1)
	c.Produce(context.Background(), &Record{Topic: "c", Value: []byte("after")}, res.cb)
	kc.Stall(0, false)
	if err := c.Flush(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	res.wait(t, time.Second)
	<-readRecord
	if got := strings.Join(storedValues(t, kc, "c", 0), ","); got != "warm-up,on-the-wire,after" {
		t.Fatalf("stored %s", got)
	}
}

func TestCloseFlushesPending(t *testing.T) {
	const n = 5000
	kc := kafkatest.New(t, kafkatest.Topic("close", 2))
	c := newTestClient(t, kc, WithLinger(200*time.Millisecond))
	res := newResults(n)
	for i := 0; i < n; i++ {
		c.Produce(context.Background(), bulkRecord("close", i), res.cb)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	res.wait(t, time.Second) // every callback ran before Close returned
	for r, err := range res.errs {
		if err != nil {
			t.Fatalf("record %q: %v", r.Key, err)
		}
	}
	checkBulk(t, kc, "close", 2, n)
}

func TestCloseBoundedWhenBrokerHangs(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("hang", 1))
	c := newTestClient(t, kc, WithDeliveryTimeout(time.Second), WithRequestTimeout(800*time.Millisecond))
	warmUp(t, c, "hang")
	kc.Stall(0, true)
	defer kc.Stall(0, false)
	res := newResults(20)
	for i := 0; i < 20; i++ {
		c.Produce(context.Background(), &Record{Topic: "hang", Value: []byte("x")}, res.cb)
	}
	start := time.Now()
	c.Close()
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("Close took %v with a hung broker; delivery timeout is 1s", el)
	}
	res.wait(t, time.Second)
	for _, err := range res.errs {
		var dt *DeliveryTimeoutError
		if !errors.As(err, &dt) && !errors.Is(err, ErrClosed) {
			t.Fatalf("err = %v, want *DeliveryTimeoutError or ErrClosed", err)
		}
		if dt != nil && !dt.Sent && dt.Attempts > 0 {
			t.Fatalf("%+v: attempted but not Sent", dt)
		}
	}
}

func TestProduceAfterClose(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("t", 1))
	c := newTestClient(t, kc)
	c.Close()
	c.Close() // idempotent
	var got error
	called := 0
	c.Produce(context.Background(), &Record{Topic: "t"}, func(_ *Record, err error) { got = err; called++ })
	if called != 1 || !errors.Is(got, ErrClosed) {
		t.Fatalf("Produce after Close: %d callbacks, err %v", called, got)
	}
	if err := c.ProduceSync(context.Background(), &Record{Topic: "t"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("ProduceSync after Close: %v", err)
	}
}

func TestBufferFullFailFast(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("buf", 1))
	c := newTestClient(t, kc, WithBlockOnBufferFull(false), WithMaxBufferedRecords(10))
	warmUp(t, c, "buf")
	kc.Stall(0, true)
	res := newResults(10)
	full := 0
	for i := 0; i < 20; i++ {
		var err error
		c.Produce(context.Background(), &Record{Topic: "buf", Value: []byte("x")}, func(r *Record, e error) {
			if errors.Is(e, ErrBufferFull) {
				err = e
				return
			}
			res.cb(r, e)
		})
		if err != nil {
			full++
		}
	}
	if full != 10 {
		t.Fatalf("%d records got ErrBufferFull, want 10", full)
	}
	kc.Stall(0, false)
	res.wait(t, 10*time.Second)
	for _, err := range res.errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestBufferFullBlocks(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("buf", 1))
	c := newTestClient(t, kc, WithMaxBufferedRecords(5))
	warmUp(t, c, "buf")
	kc.Stall(0, true)
	res := newResults(6)
	for i := 0; i < 5; i++ {
		c.Produce(context.Background(), &Record{Topic: "buf", Value: []byte("x")}, res.cb)
	}
	// A caller with a deadline gives up with ErrNotSent.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var timedOut error
	c.Produce(ctx, &Record{Topic: "buf", Value: []byte("x")}, func(_ *Record, err error) { timedOut = err })
	if !errors.Is(timedOut, ErrNotSent) || !errors.Is(timedOut, context.DeadlineExceeded) {
		t.Fatalf("blocked Produce with a deadline: %v", timedOut)
	}
	// A caller without one blocks until room frees up.
	returned := make(chan struct{})
	go func() {
		c.Produce(context.Background(), &Record{Topic: "buf", Value: []byte("blocked")}, res.cb)
		close(returned)
	}()
	select {
	case <-returned:
		t.Fatal("Produce returned with a full buffer")
	case <-time.After(100 * time.Millisecond):
	}
	kc.Stall(0, false)
	<-returned
	res.wait(t, 10*time.Second)
	for _, err := range res.errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestOversizedRecordFailsAlone(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("t", 1))
	c := newTestClient(t, kc, WithMaxRequestBytes(1000), WithBatchMaxBytes(1000))
	var got error
	c.Produce(context.Background(), &Record{Topic: "t", Value: make([]byte, 2000)}, func(_ *Record, err error) { got = err })
	var tl *RecordTooLargeError
	if !errors.As(got, &tl) || tl.Limit != 1000 || tl.What != "max request bytes" || !errors.Is(got, ErrRecordTooLarge) {
		t.Fatalf("err = %v", got)
	}
	if err := c.ProduceSync(ctxTimeout(t, 5*time.Second), &Record{Topic: "t", Value: make([]byte, 500)}); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownTopicFailsNamingIt(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("known", 1), kafkatest.AutoCreateTopics(false))
	c := newTestClient(t, kc, WithUnknownTopicWait(300*time.Millisecond))
	res := newResults(3)
	for i := 0; i < 3; i++ {
		c.Produce(context.Background(), &Record{Topic: "missing", Value: []byte("x")}, res.cb)
	}
	start := time.Now()
	err := c.ProduceSync(ctxTimeout(t, 5*time.Second), &Record{Topic: "missing"})
	var ut *UnknownTopicError
	if !errors.As(err, &ut) || ut.Topic != "missing" || !strings.Contains(err.Error(), `"missing"`) || !errors.Is(err, ErrUnknownTopic) {
		t.Fatalf("err = %v, want *UnknownTopicError naming the topic", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("failed after %v, want about the 300ms topic wait", el)
	}
	res.wait(t, time.Second)
	for _, err := range res.errs {
		if !errors.As(err, &ut) {
			t.Fatalf("async record: %v", err)
		}
	}
	if err := c.ProduceSync(ctxTimeout(t, 5*time.Second), &Record{Topic: "known"}); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidRecords(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("t", 3))
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 5*time.Second)
	for name, r := range map[string]*Record{
		"nil":         nil,
		"empty topic": {},
		"bad char":    {Topic: "a/b"},
		"dot":         {Topic: "."},
		"too long":    {Topic: strings.Repeat("x", 250)},
		"header key":  {Topic: "t", Headers: []Header{{Key: "\xff"}}},
	} {
		if err := c.ProduceSync(ctx, r); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: err = %v, want ErrInvalidRecord", name, err)
		}
	}
	m := newTestClient(t, kc, WithPartitioner(ManualPartitioner()))
	err := m.ProduceSync(ctx, &Record{Topic: "t", Partition: 7})
	var ip *InvalidPartitionError
	if !errors.As(err, &ip) || ip.Partitions != 3 {
		t.Fatalf("err = %v, want *InvalidPartitionError", err)
	}
	r := &Record{Topic: "t", Partition: 2}
	if err := m.ProduceSync(ctx, r); err != nil || r.Partition != 2 {
		t.Fatalf("manual partition: %v, partition %d", err, r.Partition)
	}
}

func TestFlushCutsLinger(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("f", 2))
	c := newTestClient(t, kc, WithLinger(10*time.Second), WithDeliveryTimeout(time.Minute))
	res := newResults(100)
	for i := 0; i < 100; i++ {
		c.Produce(context.Background(), bulkRecord("f", i), res.cb)
	}
	start := time.Now()
	if err := c.Flush(ctxTimeout(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("Flush took %v with a 10s linger", el)
	}
	res.wait(t, time.Second) // Flush returned: every callback already ran
	checkBulk(t, kc, "f", 2, 100)
	// ProduceSync does not wait for linger either.
	start = time.Now()
	if err := c.ProduceSync(ctxTimeout(t, 5*time.Second), &Record{Topic: "f"}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("ProduceSync took %v with a 10s linger", el)
	}
}

// A Flush waits for records left over by an earlier Flush that gave up:
// they were produced before it (the two flush generations must not let
// the second Flush return while they are outstanding).
func TestFlushWaitsForLeftoversOfAnEarlierFlush(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("leftover", 1))
	c := newTestClient(t, kc, WithRequestTimeout(30*time.Second))
	warmUp(t, c, "leftover")
	kc.Stall(0, true)
	defer kc.Stall(0, false) // before the Client's cleanup closes it, if the test fails
	const n = 10
	res := newResults(n)
	for i := 0; i < n; i++ {
		c.Produce(context.Background(), bulkRecord("leftover", i), res.cb)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	err := c.Flush(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush with a stalled broker: %v, want context.DeadlineExceeded", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	err = c.Flush(ctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Flush with the records still unacknowledged: %v, want context.DeadlineExceeded", err)
	}
	kc.Stall(0, false)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	res.wait(t, 100*time.Millisecond) // Flush returned: every callback ran
	for r, err := range res.errs {
		if err != nil {
			t.Fatalf("record %q: %v", r.Key, err)
		}
	}
}
