package wire

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFinishMatchesBuild: Finish (in place) writes byte for byte what
// Build writes, takes the builder's buffer, and a builder handed a buffer
// back with ResetWith builds the same batch again.
func TestFinishMatchesBuild(t *testing.T) {
	vals := benchValues(300)
	params := BatchParams{Idempotent: true, ProducerID: 7, ProducerEpoch: 2, BaseSequence: 41}
	var b BatchBuilder
	fillBuilder(&b, vals)
	b.Append(5, []byte("key"), nil, benchHeaders)
	want, err := b.Build(nil, params)
	if err != nil {
		t.Fatal(err)
	}
	size := b.Size()
	got, err := b.Finish(params)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Finish differs from Build (-want +got):\n%s", diff)
	}
	if len(got) != size {
		t.Fatalf("Finish returned %d bytes, Size said %d", len(got), size)
	}
	if b.NumRecords() != 0 || b.Cap() != 0 || b.Records() != nil {
		t.Fatalf("builder after Finish: %d records, cap %d; want empty without a buffer", b.NumRecords(), b.Cap())
	}
	c := cap(got)
	b.ResetWith(got)
	fillBuilder(&b, vals[:10])
	if b.Cap() != c {
		t.Fatalf("ResetWith: cap %d, want the handed buffer's %d", b.Cap(), c)
	}
	again, err := b.Finish(BatchParams{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := DecodeRecordBatches(again, DecodeOptions{})
	if err != nil || len(recs) != 1 || len(recs[0].Records) != 10 {
		t.Fatalf("decode of a batch built in a reused buffer: %v, %+v", err, recs)
	}
}

// TestFinishErrors: Finish refuses what Build refuses, and compression,
// leaving the builder as it was.
func TestFinishErrors(t *testing.T) {
	var b BatchBuilder
	if _, err := b.Finish(BatchParams{}); !errors.Is(err, ErrEmptyBatch) {
		t.Fatalf("empty: %v, want ErrEmptyBatch", err)
	}
	b.Append(1, nil, []byte("v"), nil)
	size := b.Size()
	if _, err := b.Finish(BatchParams{Idempotent: true, ProducerID: -1}); !errors.Is(err, ErrInvalidProducerState) {
		t.Fatalf("bad producer state: %v, want ErrInvalidProducerState", err)
	}
	var ce *CompressionError
	if _, err := b.Finish(BatchParams{Codec: CodecLZ4}); !errors.As(err, &ce) {
		t.Fatalf("lz4: %v, want *CompressionError", err)
	}
	if b.Size() != size || b.NumRecords() != 1 {
		t.Fatalf("builder changed by failed Finish: size %d records %d", b.Size(), b.NumRecords())
	}
}

// BenchmarkFinish appends 1,000 records of 100 bytes and finishes the
// batch in place, handing the buffer back (the producer's steady state).
func BenchmarkFinish(b *testing.B) {
	vals := benchValues(1000)
	var bb BatchBuilder
	b.ReportAllocs()
	for b.Loop() {
		fillBuilder(&bb, vals)
		out, err := bb.Finish(BatchParams{})
		if err != nil {
			b.Fatal(err)
		}
		bb.ResetWith(out)
	}
}

// Grow sizes the buffer once for the records to come: appending that many
// bytes then never reallocates, and the records are the same as without.
func TestBatchBuilderGrow(t *testing.T) {
	var plain, grown BatchBuilder
	value := make([]byte, 100)
	n := plain.NextRecordSize(0, nil, value, nil) * 50
	grown.Grow(n + 50) // varint lengths grow with the offset delta
	c := grown.Cap()
	for i := 0; i < 50; i++ {
		plain.Append(int64(i), nil, value, nil)
		grown.Append(int64(i), nil, value, nil)
	}
	if grown.Cap() != c {
		t.Fatalf("cap changed from %d to %d after appending the %d bytes grown for", c, grown.Cap(), n)
	}
	if string(plain.Records()) != string(grown.Records()) {
		t.Fatal("Grow changed the encoded records")
	}
}
