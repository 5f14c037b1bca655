package batch

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/kafka/wire"
)

type item struct {
	ts         int64
	key, value []byte
	headers    []wire.RecordHeader
	state      atomic.Int32 // 0 queued, 1 sealed, 2 cancelled
}

func (i *item) Seal() bool   { return i.state.CompareAndSwap(0, 1) }
func (i *item) cancel() bool { return i.state.CompareAndSwap(0, 2) }
func (i *item) Fields() (int64, []byte, []byte, []wire.RecordHeader) {
	return i.ts, i.key, i.value, i.headers
}

func newItem(n int) *item {
	return &item{ts: 1700000000000 + int64(n), key: []byte(fmt.Sprintf("k%d", n)), value: []byte(fmt.Sprintf("value-%d", n)),
		headers: []wire.RecordHeader{{Key: "h", Value: []byte{byte(n)}}}}
}

type harness struct {
	t    *testing.T
	p    *Partition[*item]
	done []*Batch[*item]
	now  time.Time
}

func newHarness(t *testing.T, cfg Config) *harness {
	h := &harness{t: t, now: time.Unix(1700000000, 0)}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 1 << 20
	}
	if cfg.DeliveryTimeout == 0 {
		cfg.DeliveryTimeout = time.Minute
	}
	h.p = NewPartition(&cfg, func(b *Batch[*item]) { h.done = append(h.done, b) })
	if cfg.Idempotent {
		// Prime the partition: until its first acknowledgement an
		// idempotent partition sends one batch at a time (see
		// TestFirstBatchAloneUntilAcked). The primer takes sequence 0.
		w := &item{ts: 1, key: []byte("primer")}
		h.p.Append(w, w.ts, w.key, nil, nil, h.now, false)
		h.p.Ack(h.drain(), 0, -1)
		h.done = nil
	}
	return h
}

func (h *harness) append(from, to int) []*item {
	var its []*item
	for i := from; i < to; i++ {
		it := newItem(i)
		h.p.Append(it, it.ts, it.key, it.value, it.headers, h.now, false)
		its = append(its, it)
	}
	return its
}

func (h *harness) params() DrainParams {
	return DrainParams{Now: h.now, MaxBytes: math.MaxInt, ProducerID: 42, Epoch: 3}
}

func (h *harness) drain() *Batch[*item] {
	h.t.Helper()
	b, st := h.p.Drain(h.params())
	if st != Drained {
		h.t.Fatalf("Drain status %d, want Drained", st)
	}
	return b
}

func (h *harness) status() Status {
	_, st := h.p.Drain(h.params())
	return st
}

// decoded is what a batch carries on the wire.
type decoded struct {
	PID   int64
	Epoch int16
	Seq   int32
	Keys  []string
}

func decode(t *testing.T, b []byte) decoded {
	t.Helper()
	bs, err := wire.DecodeRecordBatches(b, wire.DecodeOptions{})
	if err != nil || len(bs) != 1 {
		t.Fatalf("decode: %d batches, %v", len(bs), err)
	}
	d := decoded{PID: bs[0].ProducerID, Epoch: bs[0].ProducerEpoch, Seq: bs[0].BaseSequence}
	for _, r := range bs[0].Records {
		d.Keys = append(d.Keys, string(r.Key))
	}
	return d
}

func keys(from, to int) []string {
	var ks []string
	for i := from; i < to; i++ {
		ks = append(ks, fmt.Sprintf("k%d", i))
	}
	return ks
}

func doneOrder(h *harness) []int32 {
	var seqs []int32
	for _, b := range h.done {
		seqs = append(seqs, b.BaseSeq)
	}
	return seqs
}

func TestDrainSealsWithSequencesAndRoundTrips(t *testing.T) {
	for _, codec := range []wire.Codec{wire.CodecNone, wire.CodecGzip, wire.CodecSnappy, wire.CodecLZ4, wire.CodecZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			h := newHarness(t, Config{Idempotent: true, Codec: codec})
			h.append(0, 10)
			b1 := h.drain()
			if diff := cmp.Diff(decoded{42, 3, 1, keys(0, 10)}, decode(t, b1.Bytes)); diff != "" {
				t.Fatalf("first batch (-want +got):\n%s", diff)
			}
			bs, _ := wire.DecodeRecordBatches(b1.Bytes, wire.DecodeOptions{})
			if got := bs[0].Records[3]; got.Timestamp != 1700000000003 || string(got.Value) != "value-3" ||
				cmp.Diff([]wire.RecordHeader{{Key: "h", Value: []byte{3}}}, got.Headers) != "" {
				t.Fatalf("record 3 = %+v", got)
			}
			h.append(10, 13)
			b2 := h.drain()
			if diff := cmp.Diff(decoded{42, 3, 11, keys(10, 13)}, decode(t, b2.Bytes)); diff != "" {
				t.Fatalf("second batch (-want +got):\n%s", diff)
			}
			if h.status() != Empty {
				t.Fatal("want Empty after draining everything")
			}
		})
	}
}

func TestNotIdempotentWritesNoProducerState(t *testing.T) {
	h := newHarness(t, Config{})
	h.append(0, 2)
	b := h.drain()
	if diff := cmp.Diff(decoded{-1, -1, -1, keys(0, 2)}, decode(t, b.Bytes)); diff != "" {
		t.Fatal(diff)
	}
}

func TestBatchFillsByBytesAndRecords(t *testing.T) {
	h := newHarness(t, Config{MaxRecords: 4})
	var fills int
	for i := 0; i < 10; i++ {
		it := newItem(i)
		if _, filled := h.p.Append(it, it.ts, it.key, it.value, it.headers, h.now, false); filled {
			fills++
		}
	}
	if fills != 2 {
		t.Fatalf("fills = %d, want 2", fills)
	}
	if q, _ := h.p.Queued(); q != 3 {
		t.Fatalf("queued batches = %d, want 3", q)
	}
	var got []int
	for h.status() == Drained {
	}
	h2 := newHarness(t, Config{MaxBytes: 200})
	its := h2.append(0, 20)
	_ = its
	for {
		b, st := h2.p.Drain(h2.params())
		if st != Drained {
			break
		}
		if b.Size() > 200 && b.NumRecords() > 1 {
			t.Fatalf("batch of %d bytes with %d records exceeds MaxBytes", b.Size(), b.NumRecords())
		}
		got = append(got, b.NumRecords())
	}
	total := 0
	for _, n := range got {
		total += n
	}
	if total != 20 || len(got) < 3 {
		t.Fatalf("batches %v: want 20 records over several batches", got)
	}
}

func TestOversizedRecordGetsItsOwnBatch(t *testing.T) {
	h := newHarness(t, Config{MaxBytes: 100})
	h.append(0, 1)
	big := &item{ts: 1, value: make([]byte, 500)}
	h.p.Append(big, big.ts, nil, big.value, nil, h.now, false)
	h.append(1, 2)
	var sizes []int
	for {
		b, st := h.p.Drain(h.params())
		if st != Drained {
			break
		}
		sizes = append(sizes, b.NumRecords())
	}
	if diff := cmp.Diff([]int{1, 1, 1}, sizes); diff != "" {
		t.Fatal(diff)
	}
}

func TestLingerUrgentFlush(t *testing.T) {
	h := newHarness(t, Config{Linger: 50 * time.Millisecond})
	h.append(0, 1)
	if st := h.status(); st != Waiting {
		t.Fatalf("within linger: status %d, want Waiting", st)
	}
	if got, want := h.p.NextWake(h.now), h.now.Add(50*time.Millisecond); !got.Equal(want) {
		t.Fatalf("NextWake = %v, want linger end %v", got, want)
	}
	dp := h.params()
	dp.Flush = true
	if _, st := h.p.Drain(dp); st != Drained {
		t.Fatal("Flush must make the batch ready")
	}
	h.append(1, 2)
	h.p.MarkUrgent()
	if st := h.status(); st != Drained {
		t.Fatal("urgent batch must be ready")
	}
	h.append(2, 3)
	h.now = h.now.Add(50 * time.Millisecond)
	if st := h.status(); st != Drained {
		t.Fatal("batch past linger must be ready")
	}
}

func TestCancelledItemsRemovedAtSeal(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	its := h.append(0, 5)
	its[1].cancel()
	its[3].cancel()
	b := h.drain()
	if diff := cmp.Diff(decoded{42, 3, 1, []string{"k0", "k2", "k4"}}, decode(t, b.Bytes)); diff != "" {
		t.Fatal(diff)
	}
	if its[1].cancel() || its[0].cancel() {
		t.Fatal("sealed or cancelled items must not be cancellable again")
	}
	// A batch whose records were all cancelled is dropped without using a sequence.
	gone := h.append(5, 7)
	gone[0].cancel()
	gone[1].cancel()
	if st := h.status(); st != Empty {
		t.Fatalf("status %d, want Empty", st)
	}
	h.append(7, 8)
	if got := decode(t, h.drain().Bytes).Seq; got != 4 {
		t.Fatalf("next sequence = %d, want 4", got)
	}
}

// drainN makes n single-record batches on the wire.
func (h *harness) drainN(n int) []*Batch[*item] {
	var bs []*Batch[*item]
	for i := 0; i < n; i++ {
		h.append(i, i+1)
		bs = append(bs, h.drain())
	}
	return bs
}

func TestCompletionsEmittedInSequenceOrder(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	bs := h.drainN(3)
	h.p.Ack(bs[2], 102, -1)
	h.p.Ack(bs[0], 100, -1)
	if diff := cmp.Diff([]int32{1}, doneOrder(h)); diff != "" {
		t.Fatal("batch 2 must wait for batch 1:", diff)
	}
	h.p.Fail(bs[1], errors.New("boom"), true)
	if diff := cmp.Diff([]int32{1, 2, 3}, doneOrder(h)); diff != "" {
		t.Fatal(diff)
	}
	if h.done[2].BaseOffset != 102 || h.done[1].Err == nil {
		t.Fatalf("outcomes: %+v %+v", h.done[1], h.done[2])
	}
}

func TestRetriesResendLowestFirstInOrder(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true, MaxOutstanding: 5})
	bs := h.drainN(3)
	h.append(3, 4) // a never-sent batch behind the retries
	errNL := errors.New("not leader")
	h.p.Retry(bs[2], time.Time{}, errNL) // responses out of order
	h.p.Retry(bs[0], time.Time{}, errNL)
	h.p.OutOfOrder(bs[1], time.Time{}, errNL) // not next after lastAcked: plain retry
	var seqs []int32
	for {
		b, st := h.p.Drain(h.params())
		if st != Drained {
			break
		}
		seqs = append(seqs, b.BaseSeq)
	}
	if diff := cmp.Diff([]int32{1}, seqs); diff != "" {
		t.Fatal("only the lowest outstanding batch may be resent:", diff)
	}
	h.p.Ack(bs[0], 0, -1)
	b := h.drain()
	if b != bs[1] || b.Attempts != 2 || !errors.Is(b.LastErr, errNL) {
		t.Fatalf("second resend = seq %d attempts %d", b.BaseSeq, b.Attempts)
	}
	h.p.Ack(b, 1, -1)
	h.p.Ack(h.drain(), 2, -1)
	nb := h.drain()
	if diff := cmp.Diff(decoded{42, 3, 4, keys(3, 4)}, decode(t, nb.Bytes)); diff != "" {
		t.Fatal("the new batch goes after the resends, with the next sequence:", diff)
	}
}

func TestRetryBackoff(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	b := h.drainN(1)[0]
	at := h.now.Add(100 * time.Millisecond)
	h.p.Retry(b, at, errors.New("x"))
	if st := h.status(); st != Waiting {
		t.Fatal("resend before its backoff")
	}
	if got := h.p.NextWake(h.now); !got.Equal(at) {
		t.Fatalf("NextWake = %v, want %v", got, at)
	}
	h.now = at
	if h.drain() != b {
		t.Fatal("resend after backoff")
	}
}

func TestMaxOutstandingAndRequestRoom(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true, MaxOutstanding: 5})
	h.drainN(5)
	h.append(5, 6)
	if st := h.status(); st != Waiting {
		t.Fatalf("6th outstanding batch: status %d, want Waiting", st)
	}
	h2 := newHarness(t, Config{})
	h2.append(0, 10)
	dp := h2.params()
	dp.MaxBytes = 50
	if _, st := h2.p.Drain(dp); st != Waiting {
		t.Fatal("a batch larger than the request room must wait")
	}
}

func TestSplitKeepsSequencesAndOrder(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	h.append(0, 2)
	first := h.drain() // seq 0-1
	h.append(2, 12)
	b := h.drain() // seq 2-11
	h.append(12, 13)
	after := h.drain() // seq 12
	created := b.Created
	if !h.p.Split(b, errors.New("too large")) {
		t.Fatal("Split refused a 10-record batch")
	}
	h.p.OutOfOrder(after, time.Time{}, errors.New("ooo"))
	h.p.Ack(first, 0, -1)
	var got []decoded
	for {
		pc, st := h.p.Drain(h.params())
		if st != Drained {
			break
		}
		if !pc.Created.Equal(created) && pc != after {
			t.Fatal("pieces must keep the creation time")
		}
		if pc != after && pc.Attempts != 1 {
			t.Fatalf("piece attempts = %d, want 1 (a split is not an attempt)", pc.Attempts)
		}
		got = append(got, decode(t, pc.Bytes))
		h.p.Ack(pc, 0, -1)
	}
	var allKeys []string
	next := int32(3)
	for _, d := range got {
		if d.Seq != next {
			t.Fatalf("piece sequences not contiguous: %+v", got)
		}
		next += int32(len(d.Keys))
		allKeys = append(allKeys, d.Keys...)
	}
	if diff := cmp.Diff(keys(2, 13), allKeys); diff != "" || len(got) < 3 {
		t.Fatalf("pieces %+v (-want +got):\n%s", got, diff)
	}
	order := doneOrder(h)
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			t.Fatalf("completions out of order: %v", order)
		}
	}
	if len(order) != 1+len(got) || order[0] != 1 || order[len(order)-1] != 13 {
		t.Fatalf("completions %v", order)
	}

	one := h.drainN(1)[0]
	if h.p.Split(one, nil) {
		t.Fatal("a single-record batch cannot split")
	}
}

func TestExpireQueuedAndInFlight(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true, DeliveryTimeout: time.Second})
	sent := h.drainN(1)[0]
	h.now = h.now.Add(500 * time.Millisecond)
	h.append(1, 2) // created later: survives the first sweep
	if got := h.p.NextWake(h.now); !got.Equal(sent.Created.Add(time.Second)) {
		t.Fatalf("NextWake = %v, want the in-flight expiry", got)
	}
	h.now = h.now.Add(500 * time.Millisecond)
	if n := h.p.Expire(h.now); n != 1 || len(h.done) != 1 || h.done[0] != sent || !errors.Is(sent.Err, ErrExpired) {
		t.Fatalf("expired %d, done %v", n, h.done)
	}
	if st := h.status(); st != Waiting {
		t.Fatal("unresolved partition must not drain while its batch is on the wire")
	}
	// The late response says it landed: the sequence is whole, no bump.
	h.p.Ack(sent, 0, -1)
	if len(h.done) != 1 {
		t.Fatal("a late response must not complete the batch again")
	}
	if b := h.drain(); b.BaseSeq != 2 {
		t.Fatalf("seq %d, want 2", b.BaseSeq)
	}
	h.append(2, 3)
	h.now = h.now.Add(2 * time.Second)
	if n := h.p.Expire(h.now); n != 2 {
		t.Fatalf("expired %d, want the in-flight and the queued batch", n)
	}
}

func TestUnresolvedLostBatchBumpsEpoch(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true, DeliveryTimeout: time.Second})
	bs := h.drainN(2) // seq 0, 1
	h.now = h.now.Add(time.Second)
	h.p.Expire(h.now) // both expire on the wire
	h.append(2, 3)
	h.now = h.now.Add(10 * time.Millisecond)
	// Their connection died: neither landed.
	h.p.Retry(bs[0], time.Time{}, errors.New("conn closed"))
	h.p.Retry(bs[1], time.Time{}, errors.New("conn closed"))
	if st := h.status(); st != NeedBump {
		t.Fatalf("status %d, want NeedBump", st)
	}
	if !h.p.Bump(42, 4) {
		t.Fatal("Bump refused with nothing on the wire")
	}
	dp := h.params()
	dp.Epoch = 4
	b, st := h.p.Drain(dp)
	if st != Drained {
		t.Fatal(st)
	}
	if diff := cmp.Diff(decoded{42, 4, 0, keys(2, 3)}, decode(t, b.Bytes)); diff != "" {
		t.Fatal("after a bump sequences restart at 0 under the new epoch:", diff)
	}
}

func TestRejectedBatchBumpsAndRewritesResends(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	bs := h.drainN(3)
	h.p.Fail(bs[0], errors.New("invalid record"), true)
	h.p.OutOfOrder(bs[1], time.Time{}, errors.New("ooo"))
	if st := h.status(); st != Waiting {
		t.Fatal("must wait for the batch still on the wire")
	}
	if h.p.Bump(42, 4) {
		t.Fatal("Bump must refuse while a batch is on the wire")
	}
	h.p.OutOfOrder(bs[2], time.Time{}, errors.New("ooo"))
	if st := h.status(); st != NeedBump {
		t.Fatalf("status %d, want NeedBump", st)
	}
	h.p.Bump(42, 4)
	dp := h.params()
	dp.Epoch = 4
	var got []decoded
	for {
		b, st := h.p.Drain(dp)
		if st != Drained {
			break
		}
		got = append(got, decode(t, b.Bytes))
		h.p.Ack(b, 0, -1)
	}
	want := []decoded{{42, 4, 0, keys(1, 2)}, {42, 4, 1, keys(2, 3)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal("resends rewritten from sequence 0:", diff)
	}
}

func TestOutOfOrderOnNextSequenceNeedsBump(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	bs := h.drainN(2)
	h.p.Ack(bs[0], 0, -1)
	h.p.OutOfOrder(bs[1], time.Time{}, errors.New("ooo")) // seq 1 == lastAcked+1: the broker lost state
	if st := h.status(); st != NeedBump {
		t.Fatalf("status %d, want NeedBump", st)
	}
	h2 := newHarness(t, Config{Idempotent: true})
	b := h2.drainN(1)[0]
	h2.p.UnknownProducer(b, time.Time{}, errors.New("unknown pid"))
	if st := h2.status(); st != NeedBump {
		t.Fatalf("UNKNOWN_PRODUCER_ID: status %d, want NeedBump", st)
	}
}

func TestNewEpochAdoptedWhenIdle(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	b := h.drainN(1)[0]
	h.append(1, 2)
	dp := h.params()
	dp.Epoch = 5 // another partition bumped the producer's epoch
	if _, st := h.p.Drain(dp); st != Waiting {
		t.Fatal("a new batch must wait for the old epoch's batches")
	}
	h.p.Ack(b, 0, -1)
	nb, st := h.p.Drain(dp)
	if st != Drained {
		t.Fatal(st)
	}
	if diff := cmp.Diff(decoded{42, 5, 0, keys(1, 2)}, decode(t, nb.Bytes)); diff != "" {
		t.Fatal(diff)
	}
	if pid, ep := h.p.ProducerState(); pid != 42 || ep != 5 {
		t.Fatalf("ProducerState = %d/%d", pid, ep)
	}
}

func TestNoProducerIDWaits(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	h.append(0, 1)
	dp := h.params()
	dp.ProducerID = -1
	if _, st := h.p.Drain(dp); st != Waiting {
		t.Fatal("idempotent drain without a producer id")
	}
}

func TestAbortFailsQueuedOnly(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	onWire := h.drainN(1)[0]
	h.append(1, 4)
	errClosed := errors.New("closed")
	if n := h.p.Abort(errClosed); n != 1 {
		t.Fatalf("aborted %d batches, want 1", n)
	}
	if len(h.done) != 1 || !errors.Is(h.done[0].Err, errClosed) || len(h.done[0].Items) != 3 {
		t.Fatalf("done = %+v", h.done)
	}
	h.p.Ack(onWire, 7, -1)
	if len(h.done) != 2 || h.done[1].BaseOffset != 7 {
		t.Fatal("the batch on the wire completes by its response")
	}
}

func TestIncrementSeqWraps(t *testing.T) {
	if got := incrementSeq(math.MaxInt32-1, 3); got != 1 {
		t.Fatalf("got %d, want 1", got)
	}
	if got := incrementSeq(5, 3); got != 8 {
		t.Fatal(got)
	}
}

func TestFirstBatchAloneUntilAcked(t *testing.T) {
	cfg := Config{Idempotent: true, MaxBytes: 1 << 20, DeliveryTimeout: time.Minute}
	h := &harness{t: t, now: time.Unix(1700000000, 0)}
	h.p = NewPartition(&cfg, func(b *Batch[*item]) { h.done = append(h.done, b) })
	h.append(0, 1)
	first := h.drain()
	h.append(1, 2)
	if st := h.status(); st != Waiting {
		t.Fatal("a second batch must wait for the first acknowledgement of a producer state")
	}
	h.p.Retry(first, time.Time{}, errors.New("not leader"))
	if b := h.drain(); b != first {
		t.Fatal("the first batch is resent first")
	}
	h.p.Ack(first, 0, -1)
	h.drain()
	h.append(2, 3)
	h.drain() // pipelining resumes
}

// AppendSized's total counts every record byte appended to the partition,
// across batches (what the sticky partitioner measures its share by).
func TestAppendSizedTotal(t *testing.T) {
	h := newHarness(t, Config{MaxBytes: 200})
	var want int64
	for i := 0; i < 20; i++ { // several batches of 200 bytes
		it := newItem(i)
		size := wire.RecordSize(0, 0, it.key, it.value, it.headers)
		_, _, total := h.p.AppendSized(it, it.ts, it.key, it.value, it.headers, -1, h.now, false)
		want += int64(size)
		if total != want {
			t.Fatalf("record %d: total %d, want %d", i, total, want)
		}
	}
}

// A batch that outgrows its buffer grows to at most MaxBytes (when the
// caller passes the record's size bound), not to twice its size: the
// doubling turned a 1 MiB batch into a 2 MiB buffer.
func TestBatchBufferGrowsToMaxBytesAtMost(t *testing.T) {
	const maxBytes = 64 << 10
	h := newHarness(t, Config{MaxBytes: maxBytes})
	value := make([]byte, 100)
	for i := 0; ; i++ {
		max := wire.MaxRecordSize(nil, value, nil)
		_, filled, _ := h.p.AppendSized(&item{}, 1, nil, value, nil, max, h.now, false)
		if filled {
			break
		}
		if i > maxBytes {
			t.Fatal("the batch never filled")
		}
	}
	b := h.p.q[0]
	if c := b.builder.Cap(); c > maxBytes {
		t.Fatalf("a full %d-byte batch has a %d-byte buffer, want at most %d", b.builder.Size(), c, maxBytes)
	}
}

// AppendOrMove closes a full open batch without appending the record or
// opening a batch for it; with no batch that cannot take it, it appends.
func TestAppendOrMove(t *testing.T) {
	h := newHarness(t, Config{MaxBytes: 1 << 10})
	value := make([]byte, 300)
	for i := 0; i < 3; i++ {
		if _, _, _, ok := h.p.AppendOrMove(&item{}, 1, nil, value, nil, -1, h.now, false); !ok {
			t.Fatalf("record %d not appended to a batch with room", i)
		}
	}
	opened, filled, total, ok := h.p.AppendOrMove(&item{}, 1, nil, value, nil, -1, h.now, false)
	if ok || opened || !filled {
		t.Fatalf("4th record: appended %v opened %v filled %v; want the full batch closed and the record refused", ok, opened, filled)
	}
	if q, _ := h.p.Queued(); q != 1 || h.p.q[0].state != stateClosed || len(h.p.q[0].Items) != 3 {
		t.Fatalf("queue: %d batches; want the one closed batch of 3 records", q)
	}
	if total != h.p.appended {
		t.Fatalf("total %d, want the partition's %d", total, h.p.appended)
	}
	// The batch is closed: the next record opens a new one.
	if opened, _, _, ok := h.p.AppendOrMove(&item{}, 1, nil, value, nil, -1, h.now, false); !ok || !opened {
		t.Fatalf("after the close: appended %v opened %v, want a new batch", ok, opened)
	}
}
