package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/batch"
	"github.com/gregorkafka/gregor/kafkatest"
)

// cbFixture builds completions by hand for one partition of a real
// Client, with the accounting enqueue would have done (so Close balances).
type cbFixture struct {
	t *testing.T
	c *Client
	p *partition
}

func newCBFixture(t *testing.T) *cbFixture {
	kc := kafkatest.New(t, kafkatest.Topic("cb", 1))
	return &cbFixture{t: t, c: newTestClient(t, kc), p: &partition{id: 3}}
}

func (f *cbFixture) entry(cb func(*Record, error), sync chan error) entry {
	g, err := f.c.buf.reserve(context.Background(), 100)
	if err != nil {
		f.t.Fatal(err)
	}
	e := entry{rec: &Record{Topic: "cb"}, cb: cb, size: 100, gen: g}
	if sync != nil {
		e.p = newPending()
		e.p.sync = sync
		e.p.e = e
	}
	return e
}

// syncBatch is a completed batch of n ProduceSync records, and their
// callers' channels.
func (f *cbFixture) syncBatch(n int) (*batch.Batch[entry], []chan error) {
	b := &batch.Batch[entry]{BaseOffset: 10, LogAppendTime: -1}
	var chs []chan error
	for range n {
		ch := make(chan error, 1)
		chs = append(chs, ch)
		b.Items = append(b.Items, f.entry(nil, ch))
	}
	return b, chs
}

// asyncBatch is a completed batch of one Produce record whose callback
// closes entered and waits for release.
func (f *cbFixture) asyncBatch(entered, release chan struct{}) *batch.Batch[entry] {
	cb := func(*Record, error) {
		close(entered)
		<-release
	}
	return &batch.Batch[entry]{BaseOffset: 5, LogAppendTime: -1, Items: []entry{f.entry(cb, nil)}}
}

func received(ch chan error) bool {
	select {
	case err := <-ch:
		return err == nil
	default:
		return false
	}
}

// A ProduceSync batch completed between beginInline and endInline is
// delivered by endInline on the calling goroutine (no callback goroutine);
// one completed outside such a window still reaches its caller.
func TestSyncBatchDeliveredInline(t *testing.T) {
	f := newCBFixture(t)
	b, chs := f.syncBatch(3)
	f.c.beginInline(f.p)
	f.c.enqueueBatch(f.p, b)
	if q := &f.p.cbq; !q.due || !q.running {
		t.Fatalf("queue after a sync batch in an inline window: due %v running %v, want both", q.due, q.running)
	}
	f.c.endInline(f.p)
	for i, ch := range chs {
		if !received(ch) {
			t.Fatalf("caller %d had no result when endInline returned", i)
		}
	}
	if q := &f.p.cbq; q.running || q.due || q.inliners != 0 || len(q.q) != 0 {
		t.Fatalf("queue not idle after the inline drain: running %v due %v inliners %d len %d", q.running, q.due, q.inliners, len(q.q))
	}

	b2, chs2 := f.syncBatch(1)
	f.c.enqueueBatch(f.p, b2) // no window: the callback goroutine delivers
	select {
	case err := <-chs2[0]:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sync batch outside an inline window never delivered")
	}
}

// Batches with a user callback, or too big, are never inlinable.
func TestInlinable(t *testing.T) {
	f := newCBFixture(t)
	small, _ := f.syncBatch(2)
	big, _ := f.syncBatch(inlineMaxRecords + 1)
	mixed, _ := f.syncBatch(1)
	mixed.Items = append(mixed.Items, f.entry(func(*Record, error) {}, nil))
	alone := f.entry(nil, make(chan error, 1))
	for _, tt := range []struct {
		name string
		cm   completion
		want bool
	}{
		{"sync batch", completion{b: small}, true},
		{"sync batch over inlineMaxRecords", completion{b: big}, false},
		{"batch with a callback record", completion{b: mixed}, false},
		{"single cancelled record", completion{e: alone}, false},
	} {
		if got := tt.cm.inlinable(); got != tt.want {
			t.Errorf("%s: inlinable %v, want %v", tt.name, got, tt.want)
		}
	}
	// Deliver them all so the accounting balances at Close.
	for _, b := range []*batch.Batch[entry]{small, big, mixed} {
		f.c.completeBatch(f.p, b)
	}
	f.c.forget(alone)
}

// Order across the two paths: a sync batch inlined first, then a batch
// with a (blocking) user callback hands the queue to a callback goroutine,
// and a sync batch behind it waits for that callback to return.
func TestInlineHandsOffInOrder(t *testing.T) {
	f := newCBFixture(t)
	first, chs1 := f.syncBatch(1)
	entered, release := make(chan struct{}), make(chan struct{})
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock() // a failed check must not leave Close waiting on the callback
	slow := f.asyncBatch(entered, release)
	last, chs3 := f.syncBatch(1)

	f.c.beginInline(f.p)
	f.c.enqueueBatch(f.p, first)
	f.c.enqueueBatch(f.p, slow)
	f.c.enqueueBatch(f.p, last)
	f.c.endInline(f.p)
	if !received(chs1[0]) {
		t.Fatal("first sync batch not delivered inline")
	}
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("callback never called")
	}
	time.Sleep(20 * time.Millisecond)
	if received(chs3[0]) {
		t.Fatal("sync batch delivered while an earlier callback of its partition was running")
	}
	unblock()
	select {
	case <-chs3[0]:
	case <-time.After(5 * time.Second):
		t.Fatal("sync batch behind the callback never delivered")
	}
}

// A sync batch completed in an inline window while the partition's
// callback goroutine is busy queues behind it instead.
func TestInlineWaitsForRunningQueue(t *testing.T) {
	f := newCBFixture(t)
	entered, release := make(chan struct{}), make(chan struct{})
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock()
	f.c.enqueueBatch(f.p, f.asyncBatch(entered, release))
	<-entered
	b, chs := f.syncBatch(1)
	f.c.beginInline(f.p)
	f.c.enqueueBatch(f.p, b)
	f.c.endInline(f.p)
	time.Sleep(20 * time.Millisecond)
	if received(chs[0]) {
		t.Fatal("sync batch overtook a running callback of its partition")
	}
	unblock()
	select {
	case <-chs[0]:
	case <-time.After(5 * time.Second):
		t.Fatal("sync batch never delivered")
	}
}

// End to end on one partition: a ProduceSync does not return while the
// callback of an earlier record of its partition runs, and lands after it.
func TestProduceSyncAfterEarlierCallback(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("order", 1))
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 30*time.Second)
	entered, release := make(chan struct{}), make(chan struct{})
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock()
	r1 := &Record{Topic: "order", Value: []byte("1")}
	c.Produce(ctx, r1, func(_ *Record, err error) {
		if err != nil {
			t.Error(err)
		}
		close(entered)
		<-release
	})
	<-entered
	r2 := &Record{Topic: "order", Value: []byte("2")}
	done := make(chan error, 1)
	go func() { done <- c.ProduceSync(ctx, r2) }()
	select {
	case err := <-done:
		t.Fatalf("ProduceSync returned (%v) while the earlier callback was running", err)
	case <-time.After(100 * time.Millisecond):
	}
	unblock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r2.Offset <= r1.Offset {
		t.Fatalf("offsets %d then %d", r1.Offset, r2.Offset)
	}
}

// A ProduceSync caller drains its broker's sender itself when the sender
// is idle (sendNow), but never dials: after the connection dropped, the
// sender goroutine redials and the call still succeeds, and many calls
// in a row all succeed whichever goroutine sent them.
func TestProduceSyncInlineSendAcrossReconnect(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("inline", 1))
	c := newTestClient(t, kc)
	warmUp(t, c, "inline")
	for round := 0; round < 3; round++ {
		for i := 0; i < 50; i++ {
			if err := c.ProduceSync(ctxTimeout(t, 10*time.Second), &Record{Topic: "inline", Value: []byte("v")}); err != nil {
				t.Fatalf("round %d call %d: %v", round, i, err)
			}
		}
		kc.DropConnections(0)
	}
	if got := len(storedValues(t, kc, "inline", 0)); got != 1+150 {
		t.Fatalf("stored %d records, want 151", got)
	}
}

// completeBatch sets each record's offset, partition and, for records the
// Client stamped, the timestamp it wrote (records of one batch may carry
// different milliseconds), or the broker's log-append time for all.
func TestCompleteBatchSetsRecordFields(t *testing.T) {
	f := newCBFixture(t)
	var got []Record
	cb := func(r *Record, err error) {
		if err != nil {
			t.Error(err)
		}
		got = append(got, *r)
	}
	mk := func(ts int64, stamped bool) entry {
		e := f.entry(cb, nil)
		e.ts, e.stamped = ts, stamped
		if !stamped {
			e.rec.Timestamp = time.UnixMilli(ts)
		}
		return e
	}
	b := &batch.Batch[entry]{BaseOffset: 100, LogAppendTime: -1,
		Items: []entry{mk(1000, true), mk(1000, true), mk(1001, true), mk(5, false), mk(1001, true)}}
	f.c.completeBatch(f.p, b)
	wantTs := []int64{1000, 1000, 1001, 5, 1001}
	for i, r := range got {
		if r.Offset != 100+int64(i) || r.Partition != f.p.id || r.Timestamp.UnixMilli() != wantTs[i] {
			t.Errorf("record %d: offset %d partition %d ts %d; want %d, %d, %d", i, r.Offset, r.Partition, r.Timestamp.UnixMilli(), 100+i, f.p.id, wantTs[i])
		}
	}
	got = nil
	b = &batch.Batch[entry]{BaseOffset: 7, LogAppendTime: 42_000, Items: []entry{mk(1000, true), mk(5, false)}}
	f.c.completeBatch(f.p, b)
	for i, r := range got {
		if r.Timestamp.UnixMilli() != 42_000 {
			t.Errorf("log-append batch, record %d: ts %d, want 42000", i, r.Timestamp.UnixMilli())
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d callbacks, want 2", len(got))
	}
}
