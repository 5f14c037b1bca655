package interop

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// The console consumer's output is parsed with separators no record contains,
// so keys, values and header values may hold any other byte (NUL, newline, tab,
// 0xff) and still be compared exactly. nullLiteral is what the formatter
// prints for a null key, value or header value; no fixture byte string equals it.
const (
	fieldSep    = "\x1f" // key.separator: between timestamp, offset, headers, key, value
	lineSep     = "\x1e" // line.separator: after each record
	headerSep   = "\x1d" // headers.separator: between headers
	nullLiteral = "(null)"
)

// idHeader is every record's first header: "<group>/<batch>/<index>", so a
// console-consumer line read over several topics names its topic: the group
// is the topic's codec, or versionsGroup.
const idHeader = "id"

// codecs are every codec Kafka defines, each produced to its own topic.
var codecs = []wire.Codec{wire.CodecNone, wire.CodecGzip, wire.CodecSnappy, wire.CodecLZ4, wire.CodecZstd}

func topicFor(c wire.Codec) string { return "interop-" + c.String() }

// testRecord is one record as the test writes it and expects it back.
type testRecord struct {
	TS      int64
	Key     []byte // nil = null key
	Value   []byte // nil = tombstone
	Headers []wire.RecordHeader
}

// testBatch is one record batch the test produces. When resendOf is set, the
// batch is the same bytes as an earlier one sent again (a retry the broker must
// recognise by its sequence and not append).
type testBatch struct {
	name       string
	records    []testRecord
	idempotent bool
	seq        int32
	// sameRecordsAs names an earlier batch whose built bytes this batch reuses
	// with only the producer state rewritten (wire.SetProducerState).
	sameRecordsAs string
	// duplicateOf names an earlier batch sent again byte for byte.
	duplicateOf string
}

// fixture returns the batches produced to one codec's topic, in order:
//
//	plain  6 records, not idempotent: tombstone, null key, empty key and value,
//	       null and empty header values, duplicate header keys, binary and
//	       UTF-8 bytes, a timestamp before the batch base (negative delta), and
//	       a 160 KiB value that spans several compression blocks
//	idem0  3 records, idempotent, sequence 0
//	idem1  3 records, idempotent, sequence 3
//	idem2  idem1's records again at sequence 6 (same bytes, new producer state)
//	dup1   idem1 resent unchanged: the broker must answer with idem1's offset
//
// Timestamps are distinct within every batch and across batches (idem2 repeats
// idem1 by design). base must be recent: 4.x rejects timestamps more than an
// hour in the future and the topic's retention must not drop the records.
func fixture(c wire.Codec, base int64) []testBatch {
	id := func(batch string, i int) wire.RecordHeader {
		return wire.RecordHeader{Key: idHeader, Value: fmt.Appendf(nil, "%s/%s/%d", c, batch, i)}
	}
	ts := func(batch, i int) int64 { return base + int64(batch)*100 + int64(i)*7 }

	plain := []testRecord{
		{TS: ts(0, 0), Key: []byte("key-0"), Value: []byte("value 0 of " + c.String()),
			Headers: []wire.RecordHeader{id("plain", 0), {Key: "h-null", Value: nil}, {Key: "h-empty", Value: []byte{}}, {Key: "h-text", Value: []byte("a:b,c")}}},
		{TS: ts(0, 1) + 1000, Key: []byte("ключ-ü-🗝"), Value: binaryValue(),
			Headers: []wire.RecordHeader{id("plain", 1), {Key: "bin", Value: []byte{0, 1, 0xfe, 0xff, '\n', '\t'}}}},
		{TS: ts(0, 0) - 50, Key: []byte("tombstone"), Value: nil,
			Headers: []wire.RecordHeader{id("plain", 2)}},
		{TS: ts(0, 3), Key: nil, Value: []byte("no key"),
			Headers: []wire.RecordHeader{id("plain", 3), {Key: "dup", Value: []byte("first")}, {Key: "dup", Value: []byte("second")}}},
		{TS: ts(0, 4), Key: []byte{}, Value: []byte{},
			Headers: []wire.RecordHeader{id("plain", 4)}},
		{TS: ts(0, 5), Key: []byte("big"), Value: bigValue(160 << 10),
			Headers: []wire.RecordHeader{id("plain", 5), {Key: "size", Value: []byte("163840")}}},
	}
	small := func(name string, batch int) []testRecord {
		out := make([]testRecord, 3)
		for i := range out {
			out[i] = testRecord{
				TS:      ts(batch, i),
				Key:     fmt.Appendf(nil, "%s-key-%d", name, i),
				Value:   fmt.Appendf(nil, "%s value %d, codec %s", name, i, c),
				Headers: []wire.RecordHeader{id(name, i), {Key: "n", Value: fmt.Appendf(nil, "%d", i)}},
			}
		}
		return out
	}
	idem1 := small("idem1", 2)
	return []testBatch{
		{name: "plain", records: plain},
		{name: "idem0", records: small("idem0", 1), idempotent: true, seq: 0},
		{name: "idem1", records: idem1, idempotent: true, seq: 3},
		{name: "idem2", records: idem1, idempotent: true, seq: 6, sameRecordsAs: "idem1"},
		{name: "dup1", records: idem1, idempotent: true, seq: 3, duplicateOf: "idem1"},
	}
}

// binaryValue holds every byte value except the three output separators.
func binaryValue() []byte {
	var b []byte
	for i := range 256 {
		if s := string(rune(i)); s == fieldSep || s == lineSep || s == headerSep {
			continue
		}
		b = append(b, byte(i))
	}
	return b
}

// bigValue is n bytes of compressible but not trivially repetitive text, so
// every codec emits several blocks (snappy-java frames 32 KiB of input per
// block, Kafka's LZ4 stream 64 KiB).
func bigValue(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "record %d of the big one; %s\n", i, strings.Repeat("xyz", i%17))
	}
	return b.Bytes()[:n]
}

// expectedLog returns the records the topic's log must hold, offset by offset:
// every batch except duplicates, in produce order.
func expectedLog(batches []testBatch) []testRecord {
	var out []testRecord
	for _, b := range batches {
		if b.duplicateOf == "" {
			out = append(out, b.records...)
		}
	}
	return out
}
