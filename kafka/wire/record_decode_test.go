package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantManyRecords is what goldenManyRecords decodes to, written out by hand.
func wantManyRecords(baseOffset int64) []Record {
	return []Record{
		{Offset: baseOffset, Timestamp: 1000, Key: []byte("a"), Value: []byte("hello")},
		{Offset: baseOffset + 1, Timestamp: 1300, Key: nil, Value: []byte("x"),
			Headers: []RecordHeader{{Key: "h1", Value: []byte("v1")}, {Key: "h2", Value: nil}}},
		{Offset: baseOffset + 2, Timestamp: 900, Key: []byte("k2"), Value: nil},
		{Offset: baseOffset + 3, Timestamp: 1000, Key: []byte{}, Value: []byte{},
			Headers: []RecordHeader{{Key: "", Value: []byte{}}}},
		{Offset: baseOffset + 4, Timestamp: 1000, Key: nil, Value: bytes.Repeat([]byte{'z'}, 200)},
	}
}

// cmpNil distinguishes nil from empty slices, which matters here: nil is a
// null key/value on the wire.
var cmpNil = cmp.Comparer(func(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) })

// withBaseOffset sets baseOffset (not covered by the CRC) in a sealed batch.
func withBaseOffset(b []byte, off int64) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint64(b, uint64(off))
	return b
}

// compressedGolden wraps payload (the records of goldenManyRecords,
// compressed by someone else) in a hand-written header with codec c.
func compressedGolden(t testing.TB, c Codec, payload []byte) []byte {
	hdr := goldenManyRecords(t)[:61]
	hdr[22] = byte(c)
	clear(hdr[8:12])
	clear(hdr[17:21])
	return sealGolden(t, append(hdr, payload...))
}

func TestDecodeGolden(t *testing.T) {
	many := goldenManyRecords(t)
	records := many[61:]
	lz4CLI, _ := os.ReadFile("testdata/many-records.lz4")
	zstdCLI, _ := os.ReadFile("testdata/many-records.zst")
	gzipCLI, _ := os.ReadFile("testdata/many-records.gz")
	xerial := append([]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}, binary.BigEndian.AppendUint32(nil, uint32(len(snappyLiteral(records))))...)
	xerial = append(xerial, snappyLiteral(records)...)
	tests := []struct {
		name  string
		batch []byte
		codec Codec
	}{
		{"uncompressed", many, CodecNone},
		{"gzip (gzip tool)", compressedGolden(t, CodecGzip, gzipCLI), CodecGzip},
		{"snappy xerial (hand-built)", compressedGolden(t, CodecSnappy, xerial), CodecSnappy},
		{"snappy raw block (hand-built)", compressedGolden(t, CodecSnappy, snappyLiteral(records)), CodecSnappy},
		{"lz4 (lz4 tool, Java header)", compressedGolden(t, CodecLZ4, lz4CLI), CodecLZ4},
		{"zstd (zstd tool)", compressedGolden(t, CodecZstd, zstdCLI), CodecZstd},
		{"zstd raw frame (hand-built)", compressedGolden(t, CodecZstd, zstdRawFrame(records)), CodecZstd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeRecordBatches(withBaseOffset(tt.batch, 100), DecodeOptions{})
			if err != nil {
				t.Fatalf("DecodeRecordBatches() error = %v", err)
			}
			want := []RecordBatch{{
				BaseOffset: 100, PartitionLeaderEpoch: -1, Attributes: int16(tt.codec), LastOffsetDelta: 4,
				BaseTimestamp: 1000, MaxTimestamp: 1300, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1,
				NumRecords: 5, Size: len(tt.batch), Records: wantManyRecords(100),
			}}
			if diff := cmp.Diff(want, got, cmpNil); diff != "" {
				t.Errorf("DecodeRecordBatches() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeSeveralBatchesAndTruncation(t *testing.T) {
	one := withBaseOffset(goldenOneRecord(t), 10)
	many := withBaseOffset(goldenManyRecords(t), 11)
	txn := withBaseOffset(goldenIdempotent(t, true), 16)
	var b BatchBuilder
	appendManyRecords(&b)
	zstd, _ := b.Build(nil, BatchParams{Codec: CodecZstd})
	zstd = withBaseOffset(zstd, 17)
	all := bytes.Join([][]byte{one, many, txn, zstd}, nil)

	got, err := DecodeRecordBatches(all, DecodeOptions{})
	if err != nil {
		t.Fatalf("DecodeRecordBatches() error = %v", err)
	}
	var offsets []int64
	for _, rb := range got {
		for _, r := range rb.Records {
			offsets = append(offsets, r.Offset)
		}
	}
	want := []int64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}
	if diff := cmp.Diff(want, offsets); diff != "" {
		t.Fatalf("record offsets (-want +got):\n%s", diff)
	}
	if !got[2].IsTransactional() || got[2].ProducerID != 0x1234567890 || got[2].ProducerEpoch != 7 || got[2].BaseSequence != 42 {
		t.Errorf("transactional batch header decoded as %+v", got[2])
	}
	if got[3].Codec() != CodecZstd {
		t.Errorf("batch 3 codec = %v; want zstd", got[3].Codec())
	}

	// Cut the buffer anywhere inside the last batch: the complete batches
	// before it come back, without error.
	prefix := len(all) - len(zstd)
	for cut := prefix; cut < len(all); cut++ {
		got, err := DecodeRecordBatches(all[:cut], DecodeOptions{})
		if err != nil || len(got) != 3 {
			t.Fatalf("DecodeRecordBatches(cut at %d of %d) = %d batches, %v; want 3, nil", cut, len(all), len(got), err)
		}
	}
	if got, err := DecodeRecordBatches(nil, DecodeOptions{}); err != nil || len(got) != 0 {
		t.Errorf("DecodeRecordBatches(nil) = %v, %v", got, err)
	}
}

func TestDecodeCorrupt(t *testing.T) {
	good := goldenManyRecords(t)
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x40; return b }
	reseal := func(edit func([]byte) []byte) []byte {
		b := edit(bytes.Clone(good))
		clear(b[8:12])
		clear(b[17:21])
		return sealGolden(t, b)
	}
	tests := []struct {
		name   string
		give   []byte
		reason error // expected inside the CorruptBatchError; nil = any
	}{
		{"bad crc in records", flip(len(good) - 3), ErrCRCMismatch},
		{"bad crc in header", flip(30), ErrCRCMismatch},
		{"bad crc field", flip(18), ErrCRCMismatch},
		{"length below minimum", func() []byte { b := bytes.Clone(good); binary.BigEndian.PutUint32(b[8:], 13); return b }(), nil},
		{"v2 batch shorter than header", func() []byte {
			b := bytes.Clone(good[:40])
			binary.BigEndian.PutUint32(b[8:], 28)
			return b
		}(), errShortBatch},
		{"count too large", reseal(func(b []byte) []byte { binary.BigEndian.PutUint32(b[57:], 1000); return b }), errCountTooLarge},
		{"count too small", reseal(func(b []byte) []byte { binary.BigEndian.PutUint32(b[57:], 4); return b }), errTrailingRecords},
		{"negative count", reseal(func(b []byte) []byte { binary.BigEndian.PutUint32(b[57:], 0xffffffff); return b }), errNegativeCount},
		{"record length too long", reseal(func(b []byte) []byte { b[61] = 0x1a; return b }), nil},
		{"unknown codec", reseal(func(b []byte) []byte { b[22] = 6; return b }), ErrUnknownCodec},
		{"garbage lz4 payload", reseal(func(b []byte) []byte { b[22] = byte(CodecLZ4); return b }), ErrCorruptCompressed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := append(withBaseOffset(goldenOneRecord(t), 5), withBaseOffset(tt.give, 77)...)
			got, err := DecodeRecordBatches(input, DecodeOptions{})
			if !errors.Is(err, ErrCorruptBatch) {
				t.Fatalf("DecodeRecordBatches() error = %v; want ErrCorruptBatch", err)
			}
			var cbe *CorruptBatchError
			if !errors.As(err, &cbe) || cbe.Pos != len(goldenOneRecord(t)) || cbe.BaseOffset != 77 {
				t.Errorf("error = %#v; want *CorruptBatchError at the second batch", err)
			}
			if tt.reason != nil && !errors.Is(err, tt.reason) {
				t.Errorf("error = %v; want reason %v", err, tt.reason)
			}
			if len(got) != 1 || got[0].BaseOffset != 5 {
				t.Errorf("batches before the bad one: %d; want the first", len(got))
			}
		})
	}
}

func TestDecodeRecordLevelErrors(t *testing.T) {
	// One hand-written record per case, inside a valid, sealed batch.
	batch := func(count byte, rec string) []byte {
		return sealGolden(t, unhex(t, `
			00 00 00 00 00 00 00 00  00 00 00 00  ff ff ff ff  02  00 00 00 00
			00 00  00 00 00 00
			00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00
			ff ff ff ff ff ff ff ff  ff ff  ff ff ff ff
			00 00 00 `+string("0123456789abcdef"[count>>4])+string("0123456789abcdef"[count&15])+`
			`+rec))
	}
	tests := []struct {
		name string
		give []byte
		want error
	}{
		{"null header key", batch(1, "10 00 00 00 01 01 02 01 00 00 00 00"), errNullHeaderKey},
		{"negative header count", batch(1, "0e 00 00 00 01 01 01 00 00 00 00"), ErrInvalidLength},
		{"key length past record", batch(1, "0e 00 00 00 40 01 00 00 00 00 00"), nil},
		{"key length below -1", batch(1, "0e 00 00 00 03 01 00 00 00 00 00"), ErrInvalidLength},
		{"record length larger than fields", batch(1, "10 00 00 00 01 01 00 00 00"), errRecordLength},
		{"varint too long", batch(1, "0e 00 ff ff ff ff ff ff ff ff ff ff 01 01 00"), ErrInvalidVarint},
	}
	for _, tt := range tests {
		_, err := DecodeRecordBatches(tt.give, DecodeOptions{})
		if !errors.Is(err, ErrCorruptBatch) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: error = %v; want ErrCorruptBatch with %v", tt.name, err, tt.want)
		}
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: error %v does not carry a *DecodeError", tt.name, err)
		}
	}
}

func TestDecodeLegacyMagic(t *testing.T) {
	// Magic 0 and 1 messages (LegacyRecord) laid out by hand: offset, size,
	// crc, magic, attributes, [timestamp for v1], key -1, value "v".
	v0 := unhex(t, `00 00 00 00 00 00 00 03  00 00 00 0f  00 00 00 00  00  00  ff ff ff ff  00 00 00 01 76`)
	v1 := unhex(t, `00 00 00 00 00 00 00 04  00 00 00 17  00 00 00 00  01  00  00 00 01 8b cf e5 68 00  ff ff ff ff  00 00 00 01 76`)
	for _, tt := range []struct {
		give  []byte
		magic int8
	}{{v0, 0}, {v1, 1}} {
		got, err := DecodeRecordBatches(append(goldenOneRecord(t), tt.give...), DecodeOptions{})
		var ume *UnsupportedMagicError
		if !errors.Is(err, ErrUnsupportedMagic) || !errors.As(err, &ume) || ume.Magic != tt.magic {
			t.Errorf("magic %d: error = %v; want *UnsupportedMagicError", tt.magic, err)
		}
		if errors.Is(err, ErrCorruptBatch) {
			t.Errorf("magic %d: error %v should not claim corruption", tt.magic, err)
		}
		if len(got) != 1 {
			t.Errorf("magic %d: %d batches before the legacy one; want 1", tt.magic, len(got))
		}
	}
}

func TestDecodeControlAndLogAppendTime(t *testing.T) {
	// A COMMIT marker as a transaction coordinator writes it: control +
	// transactional, key = version 0, type 1; value = version 0, epoch 5.
	marker := sealGolden(t, unhex(t, `
		00 00 00 00 00 00 00 2a  00 00 00 00  00 00 00 03  02  00 00 00 00
		00 30                    -- transactional | control
		00 00 00 00
		00 00 01 8b cf e5 68 00  00 00 01 8b cf e5 68 00
		00 00 00 00 00 00 00 09  00 01  ff ff ff ff
		00 00 00 01
		20 00 00 00              -- length 16, attributes, deltas
		08 00 00 00 01           -- key: version 0, type COMMIT
		0c 00 00 00 00 00 05     -- value: version 0, coordinator epoch 5
		00
	`))
	got, err := DecodeRecordBatches(marker, DecodeOptions{})
	if err != nil || len(got) != 1 {
		t.Fatalf("DecodeRecordBatches(marker) = %v, %v", got, err)
	}
	if !got[0].IsControl() || !got[0].IsTransactional() || got[0].PartitionLeaderEpoch != 3 {
		t.Errorf("marker batch flags: %+v", got[0])
	}
	if typ, err := ParseControlKey(got[0].Records[0].Key); err != nil || typ != ControlCommit {
		t.Errorf("ParseControlKey() = %v, %v; want ControlCommit", typ, err)
	}
	if _, err := ParseControlKey([]byte{0, 0, 1}); !errors.Is(err, ErrInvalidControlRecord) {
		t.Errorf("ParseControlKey(short) error = %v", err)
	}

	// LogAppendTime: every record's timestamp is the batch maxTimestamp.
	lat := bytes.Clone(goldenManyRecords(t))
	lat[22] |= 0x08
	clear(lat[8:12])
	clear(lat[17:21])
	got, err = DecodeRecordBatches(sealGolden(t, lat), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got[0].Records {
		if r.Timestamp != 1300 {
			t.Errorf("LogAppendTime record timestamp = %d; want maxTimestamp 1300", r.Timestamp)
		}
	}
}

func TestDecodeBombBatch(t *testing.T) {
	hdr := goldenOneRecord(t)[:61]
	hdr[22] = byte(CodecZstd)
	clear(hdr[8:12])
	clear(hdr[17:21])
	bomb := sealGolden(t, append(hdr, zstdRLEBomb(8192)...)) // 1 GiB of 'A'
	_, err := DecodeRecordBatches(bomb, DecodeOptions{MaxDecompressedBytes: 1 << 20})
	if !errors.Is(err, ErrDecompressedTooLarge) {
		t.Fatalf("DecodeRecordBatches(bomb) error = %v; want ErrDecompressedTooLarge", err)
	}
	if errors.Is(err, ErrCorruptBatch) {
		t.Errorf("a batch over the limit is not corrupt: %v", err)
	}

	// The limit is a budget for the whole call, not per batch.
	var b BatchBuilder
	b.Append(1, nil, make([]byte, 600<<10), nil)
	batch, _ := b.Build(nil, BatchParams{Codec: CodecLZ4})
	two := append(bytes.Clone(batch), batch...)
	if got, err := DecodeRecordBatches(two, DecodeOptions{MaxDecompressedBytes: 1 << 20}); !errors.Is(err, ErrDecompressedTooLarge) || len(got) != 1 {
		t.Errorf("two 600 KiB batches under a 1 MiB budget: %d batches, %v", len(got), err)
	}
}

// TestBuildDecodeRoundTrip builds the golden records with every codec and
// producer state and checks they decode to the same records.
func TestBuildDecodeRoundTrip(t *testing.T) {
	var b BatchBuilder
	appendManyRecords(&b)
	for _, c := range allCodecs {
		p := BatchParams{Codec: c, Idempotent: true, Transactional: c == CodecGzip, ProducerID: 3, ProducerEpoch: 4, BaseSequence: 5}
		batch, err := b.Build(nil, p)
		if err != nil {
			t.Fatalf("%v: Build() error = %v", c, err)
		}
		got, err := DecodeRecordBatches(batch, DecodeOptions{})
		if err != nil || len(got) != 1 {
			t.Fatalf("%v: DecodeRecordBatches() = %d batches, %v", c, len(got), err)
		}
		if diff := cmp.Diff(wantManyRecords(0), got[0].Records, cmpNil); diff != "" {
			t.Errorf("%v: records (-want +got):\n%s", c, diff)
		}
		g := got[0]
		if g.Codec() != c || g.IsTransactional() != p.Transactional || g.ProducerID != 3 || g.ProducerEpoch != 4 || g.BaseSequence != 5 || g.LastOffset() != 4 {
			t.Errorf("%v: header %+v", c, g)
		}
	}
}
