package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The golden batches below are written by hand from the byte layout of
// protocol.md §3 (DefaultRecordBatch / DefaultRecord), not by the encoder:
// each line is one field, "--" comments name it. The test computes the
// CRC-32C with its own Castagnoli table over bytes 21..end and patches it in,
// so the encoder is checked against the spec, not against itself.

// unhex parses hex digits, ignoring whitespace and "-- comments" up to the
// end of each line.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var sb strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		sb.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(sb.String())
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

var testCastagnoli = crc32.MakeTable(crc32.Castagnoli)

// sealGolden fills batchLength (bytes 8-11) and the CRC (17-20) of a
// hand-written batch whose placeholders are zero, checking the placeholders
// really are zero so a typo cannot hide.
func sealGolden(t testing.TB, b []byte) []byte {
	t.Helper()
	if !bytes.Equal(b[8:12], []byte{0, 0, 0, 0}) || !bytes.Equal(b[17:21], []byte{0, 0, 0, 0}) {
		t.Fatalf("golden batch placeholders not zero: % x", b[:21])
	}
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12))
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], testCastagnoli))
	return b
}

const goldenTs = 1700000000000 // 0x0000018bcfe56800

// goldenOneRecord: one record, key "k", value "v", plain producer.
func goldenOneRecord(t testing.TB) []byte {
	return sealGolden(t, unhex(t, `
		00 00 00 00 00 00 00 00  -- baseOffset 0
		00 00 00 00              -- batchLength (sealed)
		ff ff ff ff              -- partitionLeaderEpoch -1
		02                       -- magic
		00 00 00 00              -- crc (sealed)
		00 00                    -- attributes: none, CreateTime
		00 00 00 00              -- lastOffsetDelta 0
		00 00 01 8b cf e5 68 00  -- baseTimestamp
		00 00 01 8b cf e5 68 00  -- maxTimestamp
		ff ff ff ff ff ff ff ff  -- producerId -1
		ff ff                    -- producerEpoch -1
		ff ff ff ff              -- baseSequence -1
		00 00 00 01              -- recordsCount 1
		10                       -- record length 8 (zig-zag 16)
		00                       -- attributes
		00                       -- timestampDelta 0
		00                       -- offsetDelta 0
		02 6b                    -- key len 1, "k"
		02 76                    -- value len 1, "v"
		00                       -- headers 0
	`))
}

// goldenManyRecords: five records exercising null/empty keys and values,
// headers with null and empty values, positive and negative timestamp deltas
// (the maximum is not the last record), and a 2-byte varint length.
func goldenManyRecords(t testing.TB) []byte {
	b := unhex(t, `
		00 00 00 00 00 00 00 00  -- baseOffset
		00 00 00 00              -- batchLength (sealed)
		ff ff ff ff              -- partitionLeaderEpoch
		02                       -- magic
		00 00 00 00              -- crc (sealed)
		00 00                    -- attributes
		00 00 00 04              -- lastOffsetDelta 4
		00 00 00 00 00 00 03 e8  -- baseTimestamp 1000 (first record)
		00 00 00 00 00 00 05 14  -- maxTimestamp 1300
		ff ff ff ff ff ff ff ff  -- producerId
		ff ff                    -- producerEpoch
		ff ff ff ff              -- baseSequence
		00 00 00 05              -- recordsCount 5

		18                       -- r0 length 12
		00 00 00                 -- attributes, tsDelta 0, offsetDelta 0
		02 61                    -- key "a"
		0a 68 65 6c 6c 6f        -- value "hello"
		00                       -- no headers

		24                       -- r1 length 18
		00                       -- attributes
		d8 04                    -- tsDelta +300 (zig-zag 600)
		02                       -- offsetDelta 1
		01                       -- key null
		02 78                    -- value "x"
		04                       -- 2 headers
		04 68 31  04 76 31       -- "h1" = "v1"
		04 68 32  01             -- "h2" = null

		12                       -- r2 length 9
		00                       -- attributes
		c7 01                    -- tsDelta -100 (zig-zag 199)
		04                       -- offsetDelta 2
		04 6b 32                 -- key "k2"
		01                       -- value null (tombstone)
		00                       -- no headers

		10                       -- r3 length 8
		00 00 06                 -- attributes, tsDelta 0, offsetDelta 3
		00                       -- key empty
		00                       -- value empty
		02                       -- 1 header
		00 00                    -- "" = empty

		9e 03                    -- r4 length 207 (2-byte varint)
		00 00 08                 -- attributes, tsDelta 0, offsetDelta 4
		01                       -- key null
		90 03                    -- value length 200
	`)
	b = append(b, bytes.Repeat([]byte{'z'}, 200)...)
	b = append(b, 0x00) // no headers
	return sealGolden(t, b)
}

func appendManyRecords(b *BatchBuilder) {
	b.Append(1000, []byte("a"), []byte("hello"), nil)
	b.Append(1300, nil, []byte("x"), []RecordHeader{{Key: "h1", Value: []byte("v1")}, {Key: "h2"}})
	b.Append(900, []byte("k2"), nil, nil)
	b.Append(1000, []byte{}, []byte{}, []RecordHeader{{Key: "", Value: []byte{}}})
	b.Append(1000, nil, bytes.Repeat([]byte{'z'}, 200), nil)
}

// goldenIdempotent: one record with producer id 0x1234567890, epoch 7,
// base sequence 42.
func goldenIdempotent(t testing.TB, transactional bool) []byte {
	attrs := "00 00"
	if transactional {
		attrs = "00 10"
	}
	return sealGolden(t, unhex(t, `
		00 00 00 00 00 00 00 00
		00 00 00 00
		ff ff ff ff
		02
		00 00 00 00
		`+attrs+`                -- attributes (0x10 = transactional)
		00 00 00 00
		00 00 01 8b cf e5 68 00
		00 00 01 8b cf e5 68 00
		00 00 00 12 34 56 78 90  -- producerId
		00 07                    -- producerEpoch
		00 00 00 2a              -- baseSequence 42
		00 00 00 01
		0e                       -- record length 7
		00 00 00                 -- attributes, deltas
		01                       -- key null
		02 76                    -- value "v"
		00
	`))
}

func TestCRC32CKnownAnswer(t *testing.T) {
	// The CRC-32C check value from RFC 3720 / the Castagnoli catalogue.
	if got := CRC32C([]byte("123456789")); got != 0xe3069283 {
		t.Fatalf("CRC32C(123456789) = %08x; want e3069283", got)
	}
}

func TestBuildGolden(t *testing.T) {
	tests := []struct {
		name   string
		append func(*BatchBuilder)
		params BatchParams
		want   func(testing.TB) []byte
	}{
		{
			name:   "one record",
			append: func(b *BatchBuilder) { b.Append(goldenTs, []byte("k"), []byte("v"), nil) },
			want:   goldenOneRecord,
		},
		{
			name:   "many records",
			append: appendManyRecords,
			want:   goldenManyRecords,
		},
		{
			name:   "idempotent",
			append: func(b *BatchBuilder) { b.Append(goldenTs, nil, []byte("v"), nil) },
			params: BatchParams{Idempotent: true, ProducerID: 0x1234567890, ProducerEpoch: 7, BaseSequence: 42},
			want:   func(t testing.TB) []byte { return goldenIdempotent(t, false) },
		},
		{
			name:   "transactional",
			append: func(b *BatchBuilder) { b.Append(goldenTs, nil, []byte("v"), nil) },
			params: BatchParams{Idempotent: true, Transactional: true, ProducerID: 0x1234567890, ProducerEpoch: 7, BaseSequence: 42},
			want:   func(t testing.TB) []byte { return goldenIdempotent(t, true) },
		},
		{
			name:   "producer state ignored unless idempotent",
			append: func(b *BatchBuilder) { b.Append(goldenTs, []byte("k"), []byte("v"), nil) },
			params: BatchParams{ProducerID: 5, ProducerEpoch: 1, BaseSequence: 9},
			want:   goldenOneRecord,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b BatchBuilder
			tt.append(&b)
			want := tt.want(t)
			got, err := b.Build([]byte("prefix"), tt.params)
			if err != nil {
				t.Fatalf("Build() error = %v", err)
			}
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatalf("Build() did not append to dst")
			}
			got = got[len("prefix"):]
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Build() mismatch (-want +got):\n%s", diff)
			}
			if b.Size() != len(want) {
				t.Errorf("Size() = %d; want %d", b.Size(), len(want))
			}
			// Rebuilding from the same builder after Reset gives the same bytes.
			b.Reset()
			if b.NumRecords() != 0 || b.Size() != RecordBatchOverhead {
				t.Fatalf("after Reset: NumRecords %d Size %d", b.NumRecords(), b.Size())
			}
			tt.append(&b)
			again, _ := b.Build(nil, tt.params)
			if !bytes.Equal(again, want) {
				t.Errorf("Build() after Reset differs from golden")
			}
		})
	}
}

func TestAppendReturnsRecordSize(t *testing.T) {
	var b BatchBuilder
	type rec struct {
		ts         int64
		key, value []byte
		headers    []RecordHeader
	}
	recs := []rec{
		{1000, []byte("a"), []byte("hello"), nil},
		{1300, nil, []byte("x"), []RecordHeader{{Key: "h1", Value: []byte("v1")}, {Key: "h2"}}},
		{900, []byte("k2"), nil, nil},
		{1000 + 1<<40, nil, bytes.Repeat([]byte{1}, 70000), []RecordHeader{{Key: strings.Repeat("k", 300), Value: []byte{}}}},
	}
	for i, r := range recs {
		before := b.Size()
		next := b.NextRecordSize(r.ts, r.key, r.value, r.headers)
		upper := MaxRecordSize(r.key, r.value, r.headers)
		n := b.Append(r.ts, r.key, r.value, r.headers)
		if n != next || b.Size()-before != n {
			t.Errorf("record %d: Append() = %d, NextRecordSize() = %d, Size grew by %d", i, n, next, b.Size()-before)
		}
		if upper < n {
			t.Errorf("record %d: MaxRecordSize() = %d < actual %d", i, upper, n)
		}
	}
	if got := RecordSize(0, 0, nil, nil, nil); got != MinRecordSize {
		t.Errorf("RecordSize(empty) = %d; want %d", got, MinRecordSize)
	}
}

func TestBuildErrors(t *testing.T) {
	var b BatchBuilder
	if _, err := b.Build(nil, BatchParams{}); !errors.Is(err, ErrEmptyBatch) {
		t.Errorf("Build(empty) error = %v; want ErrEmptyBatch", err)
	}
	b.Append(1, nil, nil, nil)
	tests := []struct {
		name string
		give BatchParams
		want error
	}{
		{"transactional without producer", BatchParams{Transactional: true}, ErrInvalidProducerState},
		{"negative pid", BatchParams{Idempotent: true, ProducerID: -1}, ErrInvalidProducerState},
		{"negative sequence", BatchParams{Idempotent: true, BaseSequence: -1}, ErrInvalidProducerState},
		{"unknown codec", BatchParams{Codec: 5}, ErrUnknownCodec},
		{"bad gzip level", BatchParams{Codec: CodecGzip, Level: 10}, ErrInvalidLevel},
		{"bad lz4 level", BatchParams{Codec: CodecLZ4, Level: 18}, ErrInvalidLevel},
		{"snappy has no level", BatchParams{Codec: CodecSnappy, Level: 1}, ErrInvalidLevel},
	}
	for _, tt := range tests {
		dst := []byte("keep")
		got, err := b.Build(dst, tt.give)
		if !errorsIs(err, tt.want) {
			t.Errorf("%s: Build() error = %v; want %v", tt.name, err, tt.want)
		}
		if string(got) != "keep" {
			t.Errorf("%s: Build() returned %q; want dst unchanged", tt.name, got)
		}
	}
}

func TestSetProducerState(t *testing.T) {
	var b BatchBuilder
	b.Append(goldenTs, nil, []byte("v"), nil)
	batch, err := b.Build(nil, BatchParams{Idempotent: true, ProducerID: 1, ProducerEpoch: 1, BaseSequence: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := SetProducerState(batch, 0x1234567890, 7, 42); err != nil {
		t.Fatalf("SetProducerState() error = %v", err)
	}
	if diff := cmp.Diff(goldenIdempotent(t, false), batch); diff != "" {
		t.Errorf("SetProducerState() mismatch (-want +got):\n%s", diff)
	}
	// Transactional bit and compressed payloads survive the rewrite.
	batch, _ = b.Build(nil, BatchParams{Codec: CodecLZ4, Idempotent: true, Transactional: true, ProducerID: 1, ProducerEpoch: 1, BaseSequence: 1})
	if err := SetProducerState(batch, 9, 2, 100); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRecordBatches(batch, DecodeOptions{})
	if err != nil || len(got) != 1 {
		t.Fatalf("DecodeRecordBatches() = %v, %v", got, err)
	}
	if g := got[0]; g.ProducerID != 9 || g.ProducerEpoch != 2 || g.BaseSequence != 100 || !g.IsTransactional() || string(g.Records[0].Value) != "v" {
		t.Errorf("after SetProducerState: %+v", g)
	}
	for _, bad := range [][]byte{nil, batch[:60], append(batch[:len(batch):len(batch)], 0)} {
		if err := SetProducerState(bad, 1, 1, 1); !errorsIs(err, ErrCorruptBatch) {
			t.Errorf("SetProducerState(%d bytes) error = %v; want ErrCorruptBatch", len(bad), err)
		}
	}
	if err := SetProducerState(batch, 1, -1, 1); !errors.Is(err, ErrInvalidProducerState) {
		t.Errorf("SetProducerState(epoch -1) error = %v; want ErrInvalidProducerState", err)
	}
}
