package batch

import (
	"bytes"
	"math"
	"testing"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// A compressed batch holds a buffer about its compressed size, not its
// records' size: the bytes stay pinned while the batch is in flight, and
// reserving the uncompressed size made a zstd producer's heap several
// times its buffer limit. The records still decode back exactly.
func TestCompressedBatchBufferIsCompressedSize(t *testing.T) {
	for _, codec := range []wire.Codec{wire.CodecGzip, wire.CodecSnappy, wire.CodecLZ4, wire.CodecZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			h := newHarness(t, Config{Codec: codec})
			value := bytes.Repeat([]byte("gregor "), 30)
			for i := 0; i < 2000; i++ {
				it := &item{ts: 1700000000000, value: value}
				h.p.Append(it, it.ts, nil, it.value, nil, h.now, false)
			}
			b, st := h.p.Drain(DrainParams{Now: h.now, MaxBytes: math.MaxInt, Flush: true})
			if st != Drained {
				t.Fatalf("Drain: %v", st)
			}
			if cap(b.Bytes) > b.size/2 {
				t.Fatalf("batch of %d uncompressed bytes holds a %d-byte buffer for %d bytes", b.size, cap(b.Bytes), len(b.Bytes))
			}
			got, err := wire.DecodeRecordBatches(b.Bytes, wire.DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, rb := range got {
				for _, r := range rb.Records {
					if !bytes.Equal(r.Value, value) {
						t.Fatalf("record %d: value %q", n, r.Value)
					}
					n++
				}
			}
			if n != 2000 {
				t.Fatalf("%d records decoded, want 2000", n)
			}
		})
	}
}
