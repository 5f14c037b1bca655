package wire

import (
	"fmt"
	"runtime"
	"testing"
)

// benchValues returns n JSON-ish values of ~100 bytes (the lines of
// jsonCorpus without their newline).
func benchValues(n int) [][]byte {
	corpus := jsonCorpus(n)
	vals := make([][]byte, n)
	for i := range vals {
		vals[i] = corpus[i*100 : i*100+99]
	}
	return vals
}

var benchHeaders = []RecordHeader{{Key: "trace-id", Value: []byte("4bf92f3577b34da6")}}

func fillBuilder(b *BatchBuilder, vals [][]byte) {
	b.Reset()
	for i, v := range vals {
		b.Append(1700000000000+int64(i), nil, v, nil)
	}
}

// TestBuildZeroAllocs asserts the steady state of the producer's hot path:
// a reused builder, a reused output buffer, no allocation per record or per
// batch, for every codec.
func TestBuildZeroAllocs(t *testing.T) {
	if underRace {
		t.Skip("sync.Pool drops items under -race; allocation counts are checked without it")
	}
	vals := benchValues(1000)
	var b BatchBuilder
	for _, c := range allCodecs {
		dst := make([]byte, 0, 256<<10)
		op := func() {
			fillBuilder(&b, vals)
			b.Append(1, []byte("key"), vals[0], benchHeaders)
			if _, err := b.Build(dst[:0], BatchParams{Codec: c, Idempotent: true, ProducerID: 1}); err != nil {
				t.Fatal(err)
			}
		}
		// Warm up with the measured operation itself, on the one P that
		// AllocsPerRun measures on: a codec's pooled state (a zstd encoder
		// and the tables it builds lazily) warmed on another P is not the
		// one the measured calls get, and building it counts.
		prev := runtime.GOMAXPROCS(1)
		for range 3 {
			op()
		}
		allocs := testing.AllocsPerRun(10, op)
		runtime.GOMAXPROCS(prev)
		if allocs != 0 {
			t.Errorf("%v: append 1,001 records + Build: %v allocs/op; want 0", c, allocs)
		}
	}
	batch, _ := b.Build(nil, BatchParams{Idempotent: true, ProducerID: 1})
	if allocs := testing.AllocsPerRun(100, func() { SetProducerState(batch, 2, 3, 4) }); allocs != 0 {
		t.Errorf("SetProducerState: %v allocs/op; want 0", allocs)
	}
}

// BenchmarkBuildBatch encodes a 1,000-record batch of 100-byte values,
// appending every record and building (and compressing) the batch.
func BenchmarkBuildBatch(b *testing.B) {
	vals := benchValues(1000)
	for _, c := range allCodecs {
		b.Run(c.String(), func(b *testing.B) {
			var bb BatchBuilder
			dst := make([]byte, 0, 256<<10)
			b.ReportAllocs()
			b.SetBytes(int64(len(vals) * 99))
			var out []byte
			for b.Loop() {
				fillBuilder(&bb, vals)
				out, _ = bb.Build(dst[:0], BatchParams{Codec: c})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/record")
			b.ReportMetric(float64(len(out))/float64(bb.Size()), "ratio")
		})
	}
}

// BenchmarkAppend is the per-record cost alone (no Build), with a key and a
// header as many applications send.
func BenchmarkAppend(b *testing.B) {
	vals := benchValues(1000)
	var bb BatchBuilder
	fillBuilder(&bb, vals)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(vals) {
			bb.Reset()
			i = 0
		}
		bb.Append(int64(i), []byte("user-42"), vals[i], benchHeaders)
		i++
	}
}

func BenchmarkCRC32C(b *testing.B) {
	buf := randomBytes(1<<20, 5)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		CRC32C(buf)
	}
}

// BenchmarkCodec compresses and decompresses the records section of a
// 1,000-record JSON-ish batch (~100 KB).
func BenchmarkCodec(b *testing.B) {
	var bb BatchBuilder
	fillBuilder(&bb, benchValues(1000))
	records := bb.Records()
	for _, c := range allCodecs[1:] {
		comp, _ := Compress(nil, records, c, 0)
		b.Run(fmt.Sprintf("compress/%v", c), func(b *testing.B) {
			dst := make([]byte, 0, 2*len(records))
			b.SetBytes(int64(len(records)))
			b.ReportAllocs()
			for b.Loop() {
				Compress(dst[:0], records, c, 0)
			}
			b.ReportMetric(float64(len(comp))/float64(len(records)), "ratio")
		})
		b.Run(fmt.Sprintf("decompress/%v", c), func(b *testing.B) {
			dst := make([]byte, 0, 2*len(records))
			b.SetBytes(int64(len(records)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decompress(dst[:0], comp, c, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeRecordBatches decodes one 1,000-record batch per codec.
func BenchmarkDecodeRecordBatches(b *testing.B) {
	var bb BatchBuilder
	fillBuilder(&bb, benchValues(1000))
	for _, c := range allCodecs {
		batch, _ := bb.Build(nil, BatchParams{Codec: c})
		b.Run(c.String(), func(b *testing.B) {
			b.SetBytes(int64(bb.Size()))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeRecordBatches(batch, DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/record")
		})
	}
}

// BenchmarkAppendValueOnly is the producer benchmarks' record: no key, no
// headers, a 100-byte value.
func BenchmarkAppendValueOnly(b *testing.B) {
	val := make([]byte, 100)
	var bb BatchBuilder
	bb.Grow(1 << 20)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == 8000 {
			bb.Reset()
			i = 0
		}
		bb.Append(1700000000000, nil, val, nil)
		i++
	}
}
