package batch

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// The broker refused two records of a batch: they complete at once with
// their own errors, in the batch's place; the other records are sent again,
// encoded from the batch's own bytes, after the epoch bump the shorter
// resend needs, and before the batch that followed.
func TestRejectFailsRefusedRecordsAndResendsTheRest(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	h.append(1, 6)
	b := h.drain() // k1..k5, seq 1-5
	h.append(6, 7)
	after := h.drain() // k6, seq 6
	created := b.Created
	errA, errB := errors.New("no key"), errors.New("bad timestamp")
	if !h.p.Reject(b, map[int]error{1: errA, 3: errB}) {
		t.Fatal("Reject refused")
	}
	if len(h.done) != 1 {
		t.Fatalf("%d batches completed, want the refused records' at once", len(h.done))
	}
	failed := h.done[0]
	if got := []string{string(failed.Items[0].key), string(failed.Items[1].key)}; !cmp.Equal(got, []string{"k2", "k4"}) {
		t.Fatalf("refused items %v, want k2 k4", got)
	}
	if !errors.Is(failed.ItemErrs[0], errA) || !errors.Is(failed.ItemErrs[1], errB) || failed.Err == nil {
		t.Fatalf("refused items' errors %v (Err %v)", failed.ItemErrs, failed.Err)
	}
	// The batch after it met the gap.
	h.p.OutOfOrder(after, time.Time{}, errors.New("ooo"))
	if st := h.status(); st != NeedBump {
		t.Fatalf("status %d, want NeedBump (the resend is shorter than the batch)", st)
	}
	h.p.Bump(42, 4)
	dp := h.params()
	dp.Epoch = 4
	var got []decoded
	for {
		pc, st := h.p.Drain(dp)
		if st != Drained {
			break
		}
		if pc != after && (!pc.Created.Equal(created) || pc.Attempts != 2) {
			t.Fatalf("resend created %v attempts %d, want the batch's %v and 2", pc.Created, pc.Attempts, created)
		}
		got = append(got, decode(t, pc.Bytes))
		h.p.Ack(pc, 0, -1)
	}
	want := []decoded{{42, 4, 0, []string{"k1", "k3", "k5"}}, {42, 4, 3, []string{"k6"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal("resends (-want +got):", diff)
	}
	if order := len(h.done); order != 3 {
		t.Fatalf("%d completions, want 3", order)
	}
}

func TestRejectEveryRecordOrNone(t *testing.T) {
	h := newHarness(t, Config{Idempotent: true})
	h.append(1, 3)
	b := h.drain()
	if h.p.Reject(b, map[int]error{7: errors.New("x"), -1: errors.New("y")}) {
		t.Fatal("Reject with no index inside the batch must leave it to the caller")
	}
	e := errors.New("no key")
	if !h.p.Reject(b, map[int]error{0: e, 1: e}) {
		t.Fatal("Reject refused")
	}
	if len(h.done) != 1 || len(h.done[0].Items) != 2 || !errors.Is(h.done[0].ItemErrs[1], e) {
		t.Fatalf("every record refused: done %+v", h.done)
	}
	h.append(3, 4)
	if st := h.status(); st != NeedBump {
		t.Fatalf("status %d, want NeedBump before the next batch", st)
	}
}

// A split re-encodes what was sent, not what the items say now: a record
// whose ProduceSync caller stopped waiting belongs to the caller again, who
// may reuse its buffers.
func TestSplitReadsTheSentBytes(t *testing.T) {
	h := newHarness(t, Config{})
	its := h.append(0, 4)
	b := h.drain()
	its[2].key[0] = 'X' // the caller reused the key's buffer
	its[2].value = nil
	if !h.p.Split(b, errors.New("too large")) {
		t.Fatal("Split refused")
	}
	var all []string
	var values []string
	for {
		pc, st := h.p.Drain(h.params())
		if st != Drained {
			break
		}
		all = append(all, decode(t, pc.Bytes).Keys...)
		for _, r := range records(t, pc.Bytes) {
			values = append(values, string(r.Value))
		}
		h.p.Ack(pc, 0, -1)
	}
	if diff := cmp.Diff(keys(0, 4), all); diff != "" {
		t.Fatal("split pieces (-want +got):", diff)
	}
	if values[2] != "value-2" {
		t.Fatalf("piece value %q, want the sent value-2", values[2])
	}
}

func records(t *testing.T, b []byte) []wire.Record {
	t.Helper()
	bs, err := wire.DecodeRecordBatches(b, wire.DecodeOptions{})
	if err != nil || len(bs) != 1 {
		t.Fatalf("decode: %d batches, %v", len(bs), err)
	}
	return bs[0].Records
}
