package kafkatest

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// step is one idempotent produce and the answer Kafka 4.x gives it.
type step struct {
	name   string
	epoch  int16
	seq    int32
	n      int   // records
	code   int16 // expected error
	offset int64 // expected base offset (-1 on error)
}

func runSteps(t *testing.T, c *Cluster, pid int64, steps []step) {
	t.Helper()
	rc := dial(t, c.Addrs()[0])
	for _, s := range steps {
		pr := rc.produce(9, "t", 0, makeBatch(t, s.n, idem(pid, s.epoch, s.seq)))
		if pr.ErrorCode != s.code || pr.BaseOffset != s.offset {
			t.Fatalf("%s: error %d offset %d, want error %d offset %d", s.name, pr.ErrorCode, pr.BaseOffset, s.code, s.offset)
		}
	}
}

func TestIdempotentSequences(t *testing.T) {
	c := New(t, Topic("t", 1))
	runSteps(t, c, 1000, []step{
		{"first", 0, 0, 2, 0, 0},
		{"next", 0, 2, 3, 0, 2},
		{"retry of the last batch", 0, 2, 3, 0, 2},
		{"retry of the first batch", 0, 0, 2, 0, 0},
		{"gap", 0, 6, 1, 45, -1},
		{"overlap that is not a retry", 0, 4, 1, 45, -1},
		{"next after errors", 0, 5, 1, 0, 5},
		{"continues", 0, 6, 1, 0, 6},
	})
	recs, _ := c.Records("t", 0)
	if len(recs) != 7 {
		t.Fatalf("%d records stored, want 7 (duplicates must not be stored)", len(recs))
	}
	var seqs []int32
	for _, r := range recs {
		seqs = append(seqs, r.Sequence)
		if r.ProducerID != 1000 || r.ProducerEpoch != 0 {
			t.Fatalf("record %d: producer %d/%d", r.Offset, r.ProducerID, r.ProducerEpoch)
		}
	}
	if diff := cmp.Diff([]int32{0, 1, 2, 3, 4, 5, 6}, seqs); diff != "" {
		t.Errorf("stored sequences:\n%s", diff)
	}
}

func TestIdempotentOnlyLastFiveBatchesDeduplicated(t *testing.T) {
	c := New(t, Topic("t", 1))
	var steps []step
	for i := range 6 {
		steps = append(steps, step{"batch", 0, int32(i), 1, 0, int64(i)})
	}
	steps = append(steps,
		step{"retry of batch 1 (5th newest)", 0, 1, 1, 0, 1},
		step{"retry of batch 0 (forgotten)", 0, 0, 1, 45, -1},
	)
	runSteps(t, c, 7, steps)
}

func TestIdempotentEpochs(t *testing.T) {
	c := New(t, Topic("t", 1))
	runSteps(t, c, 5, []step{
		{"epoch 1", 1, 0, 2, 0, 0},
		{"epoch 0 is fenced", 0, 2, 1, 47, -1},
		{"epoch 2 must start at 0", 2, 2, 1, 45, -1},
		{"epoch 2 from 0", 2, 0, 1, 0, 2},
		{"epoch 1 is now fenced", 1, 2, 1, 47, -1},
		{"epoch 2 continues", 2, 1, 1, 0, 3},
	})
}

func TestIdempotentProducersArePerPartitionAndID(t *testing.T) {
	c := New(t, Topic("t", 2))
	rc := dial(t, c.Addrs()[0])
	for _, tc := range []struct {
		pid  int64
		p    int32
		seq  int32
		code int16
	}{
		{1, 0, 0, 0}, {2, 0, 0, 0}, {1, 1, 0, 0}, {1, 0, 1, 0}, {2, 0, 2, 45}, {1, 1, 1, 0},
	} {
		if pr := rc.produce(9, "t", tc.p, makeBatch(t, 1, idem(tc.pid, 0, tc.seq))); pr.ErrorCode != tc.code {
			t.Fatalf("pid %d partition %d seq %d: error %d, want %d", tc.pid, tc.p, tc.seq, pr.ErrorCode, tc.code)
		}
	}
}

func TestIdempotentUnknownProducer(t *testing.T) {
	// Kafka 4.x (KIP-360): no state for the producer id on the partition,
	// so any sequence is accepted and becomes the new state.
	c := New(t, Topic("t", 1))
	runSteps(t, c, 9, []step{
		{"unknown pid at seq 17", 3, 17, 2, 0, 0},
		{"continues at 19", 3, 19, 1, 0, 2},
		{"gap", 3, 30, 1, 45, -1},
	})
	for _, code := range []int16{45, 59} {
		c := New(t, Topic("t", 1), RejectUnknownProducerSequence(code))
		runSteps(t, c, 9, []step{
			{"unknown pid at seq 17", 0, 17, 1, code, -1},
			{"unknown pid at seq 0", 0, 0, 1, 0, 0},
		})
	}
}

func TestIdempotentReportDuplicates(t *testing.T) {
	c := New(t, Topic("t", 1), ReportDuplicates(true))
	runSteps(t, c, 1, []step{
		{"first", 0, 0, 1, 0, 0},
		{"retry", 0, 0, 1, 46, -1},
		{"next", 0, 1, 1, 0, 1},
	})
}

func TestIdempotentSequenceWraps(t *testing.T) {
	c := New(t, Topic("t", 1))
	runSteps(t, c, 1, []step{
		{"ends at MaxInt32", 0, math.MaxInt32 - 1, 2, 0, 0},
		{"wraps to 0", 0, 0, 2, 0, 2},
		{"retry across the wrap", 0, math.MaxInt32 - 1, 2, 0, 0},
	})
	recs, _ := c.Records("t", 0)
	var seqs []int32
	for _, r := range recs {
		seqs = append(seqs, r.Sequence)
	}
	if diff := cmp.Diff([]int32{math.MaxInt32 - 1, math.MaxInt32, 0, 1}, seqs); diff != "" {
		t.Error(diff)
	}
}

func TestInitProducerID(t *testing.T) {
	c := New(t)
	rc := dial(t, c.Addrs()[0])
	init := func(v int16, req *wire.InitProducerIdRequest) *wire.InitProducerIdResponse {
		return rc.do(req, v).(*wire.InitProducerIdResponse)
	}
	idem := func(pid int64, epoch int16) *wire.InitProducerIdRequest {
		return &wire.InitProducerIdRequest{TransactionTimeoutMs: math.MaxInt32, ProducerID: pid, ProducerEpoch: epoch}
	}
	a := init(0, idem(-1, -1))
	b := init(4, idem(-1, -1))
	if a.ErrorCode != 0 || b.ErrorCode != 0 || a.ProducerID == b.ProducerID || a.ProducerEpoch != 0 || b.ProducerEpoch != 0 {
		t.Fatalf("idempotent ids: %+v %+v", a, b)
	}
	// Kafka gives an idempotent producer a fresh id even when it names its
	// current one (TransactionCoordinator "blindly accepts" null ids).
	if r := init(4, idem(b.ProducerID, 0)); r.ErrorCode != 0 || r.ProducerID == b.ProducerID || r.ProducerEpoch != 0 {
		t.Fatalf("idempotent re-init: %+v", r)
	}

	txn := func(id string, pid int64, epoch int16) *wire.InitProducerIdRequest {
		return &wire.InitProducerIdRequest{TransactionalID: &id, TransactionTimeoutMs: 60000, ProducerID: pid, ProducerEpoch: epoch}
	}
	t1 := init(4, txn("tx", -1, -1))
	t2 := init(4, txn("tx", -1, -1))
	if t1.ErrorCode != 0 || t2.ProducerID != t1.ProducerID || t2.ProducerEpoch != t1.ProducerEpoch+1 {
		t.Fatalf("transactional re-init must bump the epoch: %+v then %+v", t1, t2)
	}
	t3 := init(4, txn("tx", t2.ProducerID, t2.ProducerEpoch))
	if t3.ErrorCode != 0 || t3.ProducerID != t1.ProducerID || t3.ProducerEpoch != t2.ProducerEpoch+1 {
		t.Fatalf("bump with current id and epoch: %+v", t3)
	}
	if r := init(4, txn("tx", t2.ProducerID, t2.ProducerEpoch)); r.ErrorCode != 90 {
		t.Fatalf("stale epoch at v4: %+v, want PRODUCER_FENCED (90)", r)
	}
	if r := init(3, txn("tx", t1.ProducerID, 0)); r.ErrorCode != 47 {
		t.Fatalf("stale epoch at v3: %+v, want INVALID_PRODUCER_EPOCH (47)", r)
	}
	if r := init(4, txn("", -1, -1)); r.ErrorCode != 42 {
		t.Fatalf("empty transactional id: %+v", r)
	}
	bad := txn("tx2", -1, -1)
	bad.TransactionTimeoutMs = 0
	if r := init(4, bad); r.ErrorCode != 50 {
		t.Fatalf("zero transaction timeout: %+v", r)
	}
}
