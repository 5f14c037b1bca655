package wire

// Fuzz targets for everything that reads untrusted record bytes. The seeds
// (the golden batches, every codec's output, the reference-tool streams and
// small bombs) run in every `go test`. To fuzz one target for minutes:
//
//	go test ./kafka/wire -run '^$' -fuzz '^FuzzDecodeRecordBatches$' -fuzztime 5m
//	go test ./kafka/wire -run '^$' -fuzz '^FuzzDecompress$' -fuzztime 5m
//	go test ./kafka/wire -run '^$' -fuzz '^FuzzDecompressZstd$' -fuzztime 5m   (also Gzip, Snappy, LZ4)
//
// Allocation stays bounded because every call passes a 1 MiB decompression
// limit and record/header counts are checked against the bytes that remain
// before anything is sized from them.

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

const fuzzLimit = 1 << 20

func seedBatches(f *testing.F) {
	one, many := goldenOneRecord(f), goldenManyRecords(f)
	f.Add(one)
	f.Add(many)
	f.Add(goldenIdempotent(f, false))
	f.Add(goldenIdempotent(f, true))
	f.Add(append(bytes.Clone(one), many...))
	f.Add(append(bytes.Clone(many), one[:40]...)) // truncated trailer
	var b BatchBuilder
	appendManyRecords(&b)
	for _, c := range allCodecs[1:] {
		batch, _ := b.Build(nil, BatchParams{Codec: c, Idempotent: true, ProducerID: 1, BaseSequence: 2})
		f.Add(batch)
	}
	hdr := bytes.Clone(one[:61])
	hdr[22] = byte(CodecZstd)
	clear(hdr[8:12])
	clear(hdr[17:21])
	f.Add(sealGolden(f, append(hdr, zstdRLEBomb(16)...)))
}

func FuzzDecodeRecordBatches(f *testing.F) {
	seedBatches(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		batches, err := DecodeRecordBatches(data, DecodeOptions{MaxDecompressedBytes: fuzzLimit})
		if err != nil && !errors.Is(err, ErrCorruptBatch) && !errors.Is(err, ErrUnsupportedMagic) && !errors.Is(err, ErrDecompressedTooLarge) {
			t.Fatalf("untyped error: %v", err)
		}
		// Whatever decoded must survive a rebuild: same keys, values,
		// headers and timestamps.
		for _, rb := range batches {
			if len(rb.Records) != int(rb.NumRecords) {
				t.Fatalf("%d records; header says %d", len(rb.Records), rb.NumRecords)
			}
			if len(rb.Records) == 0 {
				continue
			}
			var b BatchBuilder
			for _, r := range rb.Records {
				b.Append(r.Timestamp, r.Key, r.Value, r.Headers)
			}
			out, err := b.Build(nil, BatchParams{Codec: rb.Codec()})
			if err != nil {
				t.Fatalf("Build() of decoded records: %v", err)
			}
			again, err := DecodeRecordBatches(out, DecodeOptions{})
			if err != nil || len(again) != 1 {
				t.Fatalf("decoding the rebuilt batch: %d batches, %v", len(again), err)
			}
			for i, r := range again[0].Records {
				o := rb.Records[i]
				if r.Timestamp != o.Timestamp || !sameBytes(r.Key, o.Key) || !sameBytes(r.Value, o.Value) || len(r.Headers) != len(o.Headers) {
					t.Fatalf("record %d changed in a rebuild: %+v -> %+v", i, o, r)
				}
				for j, h := range r.Headers {
					if h.Key != o.Headers[j].Key || !sameBytes(h.Value, o.Headers[j].Value) {
						t.Fatalf("record %d header %d changed in a rebuild", i, j)
					}
				}
			}
		}
	})
}

// sameBytes is bytes.Equal that also tells null from empty.
func sameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func seedCodec(f *testing.F, c Codec, prefix bool) {
	add := func(p []byte) {
		if prefix {
			p = append([]byte{byte(c)}, p...)
		}
		f.Add(p)
	}
	for _, in := range [][]byte{{}, []byte("x"), jsonCorpus(20), randomBytes(300, 9)} {
		out, _ := Compress(nil, in, c, 0)
		add(out)
	}
	switch c {
	case CodecSnappy:
		add(snappyLiteral([]byte("raw snappy block")))
	case CodecZstd:
		add(zstdRawFrame(jsonCorpus(3)))
		add(zstdRLEBomb(64))
	case CodecLZ4:
		for _, name := range []string{"corpus.lz4-dependent", "corpus.lz4-size-blockcrc"} {
			if b, err := os.ReadFile("testdata/" + name); err == nil {
				add(b[:min(len(b), 4096)])
			}
		}
	}
}

func fuzzDecompress(t *testing.T, c Codec, data []byte) {
	out, err := Decompress(nil, data, c, fuzzLimit)
	if err != nil {
		if !errors.Is(err, ErrCorruptCompressed) && !errors.Is(err, ErrDecompressedTooLarge) {
			t.Fatalf("%v: untyped error: %v", c, err)
		}
		return
	}
	if len(out) > fuzzLimit {
		t.Fatalf("%v: %d bytes out, limit %d", c, len(out), fuzzLimit)
	}
	comp, err := Compress(nil, out, c, 0)
	if err != nil {
		t.Fatalf("%v: Compress() = %v", c, err)
	}
	back, err := Decompress(nil, comp, c, fuzzLimit)
	if err != nil || !bytes.Equal(back, out) {
		t.Fatalf("%v: round trip of %d decompressed bytes failed: %v", c, len(out), err)
	}
}

// FuzzDecompress picks the codec from the first byte.
func FuzzDecompress(f *testing.F) {
	for _, c := range allCodecs[1:] {
		seedCodec(f, c, true)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		fuzzDecompress(t, Codec(data[0]%5), data[1:])
	})
}

func FuzzDecompressGzip(f *testing.F) {
	seedCodec(f, CodecGzip, false)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecompress(t, CodecGzip, data) })
}

func FuzzDecompressSnappy(f *testing.F) {
	seedCodec(f, CodecSnappy, false)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecompress(t, CodecSnappy, data) })
}

func FuzzDecompressLZ4(f *testing.F) {
	seedCodec(f, CodecLZ4, false)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecompress(t, CodecLZ4, data) })
}

func FuzzDecompressZstd(f *testing.F) {
	seedCodec(f, CodecZstd, false)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecompress(t, CodecZstd, data) })
}
