package wire

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Record batch v2 layout (DefaultRecordBatch). Offsets into the 61-byte header.
const (
	// RecordBatchOverhead is the size of the batch header before the records.
	RecordBatchOverhead = 61
	// MinRecordSize is the encoded size of the smallest record: null key and
	// value, no headers, zero deltas (6 bytes of body and a 1-byte length).
	MinRecordSize = 7

	batchLengthOffset     = 8
	leaderEpochOffset     = 12
	magicOffset           = 16
	crcOffset             = 17
	attributesOffset      = 21
	lastOffsetDeltaOffset = 23
	baseTimestampOffset   = 27
	maxTimestampOffset    = 35
	producerIDOffset      = 43
	producerEpochOffset   = 51
	baseSequenceOffset    = 53
	recordsCountOffset    = 57

	// logOverhead is baseOffset + batchLength, the part batchLength excludes.
	logOverhead = 12

	attrCodecMask     = 0x07
	attrLogAppendTime = 0x08
	attrTransactional = 0x10
	attrControl       = 0x20
	attrDeleteHorizon = 0x40
)

// RecordHeader is one record header. Kafka forbids a null key; a nil Value is
// written as null (-1), an empty non-nil Value as empty.
type RecordHeader struct {
	Key   string
	Value []byte
}

// BatchParams are the parts of a batch decided when it is sent rather than
// when its records are appended: the producer assigns sequences at drain time,
// and the codec may fall back (zstd on an old broker).
type BatchParams struct {
	Codec Codec
	// Level is the compression level; 0 means the codec default (see Compress).
	Level int
	// Idempotent selects whether ProducerID, ProducerEpoch and BaseSequence
	// are written. When false, all three are written as -1 whatever they
	// hold, so the zero BatchParams is a plain, non-idempotent batch rather
	// than one claiming producer id 0.
	Idempotent    bool
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	// Transactional sets attribute bit 4; it requires Idempotent.
	Transactional bool
}

var errNotOneBatch = errors.New("not exactly one magic-2 batch")

var (
	// ErrEmptyBatch is returned by Build for a builder with no records:
	// producers never send empty batches.
	ErrEmptyBatch = errors.New("wire: record batch has no records")
	// ErrInvalidProducerState is returned by Build and SetProducerState for
	// a negative producer id, epoch or sequence on an idempotent batch, or a
	// transactional batch without producer state.
	ErrInvalidProducerState = errors.New("wire: invalid producer id, epoch or sequence")
)

// BatchBuilder builds one record batch v2 incrementally, the way the
// accumulator fills a partition's open batch: Append encodes each record
// straight into an internal buffer, Build adds the header (and compresses)
// when the batch is drained. A builder is reusable after Reset and keeps its
// buffer, so in steady state neither Append nor Build allocates.
//
// The zero value is an empty builder. It is not safe for concurrent use.
type BatchBuilder struct {
	// buf is RecordBatchOverhead bytes of room for the header followed by
	// the encoded records (uncompressed), so that an uncompressed batch
	// is finished in place (Finish) instead of copied. Empty until the
	// first Append.
	buf    []byte
	n      int32
	baseTs int64
	maxTs  int64
}

// minBuilderCap is the first buffer a builder allocates: small batches
// (low rates) stay small, and growth doubles from there.
const minBuilderCap = 4 << 10

// Reset empties b, keeping its buffer.
func (b *BatchBuilder) Reset() {
	b.buf = b.buf[:0]
	b.n = 0
	b.baseTs, b.maxTs = 0, 0
}

// Grow makes room for n more bytes of records without reallocating: a
// caller that expects a batch of about n bytes (the last one was) saves
// the doubling series from minBuilderCap, whose copies and garbage cost
// more than the records' own encoding at high rates.
func (b *BatchBuilder) Grow(n int) {
	if len(b.buf) == 0 {
		n += RecordBatchOverhead
	}
	if n > cap(b.buf)-len(b.buf) {
		// Exactly n: append's growth rounding would overshoot the
		// caller's estimate (a buffer sized for a full batch).
		nb := make([]byte, len(b.buf), len(b.buf)+n)
		copy(nb, b.buf)
		b.buf = nb
	}
}

// ResetWith empties b and makes it append into buf's array (from its
// start; buf's contents are overwritten). It hands a buffer that Finish
// gave away back to a builder once the batch it held is no longer needed.
func (b *BatchBuilder) ResetWith(buf []byte) {
	b.buf = buf[:0]
	b.n = 0
	b.baseTs, b.maxTs = 0, 0
}

// Exchange moves b's records into o's buffer and gives o b's old buffer,
// emptied: a builder outgrowing its buffer takes a pooled bigger one
// instead of allocating, and the old one goes back to the pool. o must be
// empty with room for b's bytes (o.Cap() >= b.Size()), or its buffer is
// reallocated.
func (b *BatchBuilder) Exchange(o *BatchBuilder) {
	nb := append(o.buf[:0], b.buf...)
	o.buf, b.buf = b.buf[:0], nb
	o.n, o.baseTs, o.maxTs = 0, 0, 0
}

// NumRecords returns how many records have been appended.
func (b *BatchBuilder) NumRecords() int { return int(b.n) }

// Size returns the uncompressed size of the batch Build would produce now,
// header included.
func (b *BatchBuilder) Size() int { return RecordBatchOverhead + len(b.Records()) }

// Cap returns the capacity of b's buffer (what pooling it retains).
func (b *BatchBuilder) Cap() int { return cap(b.buf) }

// Records returns the encoded records appended so far (the batch body before
// compression). It aliases b's buffer and is valid until the next Append or
// Reset.
func (b *BatchBuilder) Records() []byte {
	if len(b.buf) < RecordBatchOverhead {
		return nil
	}
	return b.buf[RecordBatchOverhead:]
}

// BaseTimestamp returns the first record's timestamp (0 when empty).
func (b *BatchBuilder) BaseTimestamp() int64 { return b.baseTs }

// MaxTimestamp returns the batch maxTimestamp as Java computes it: the
// largest record timestamp, but never below -1 (NO_TIMESTAMP).
func (b *BatchBuilder) MaxTimestamp() int64 { return b.maxTs }

// Append encodes one record at the next offset delta. ts is in Unix
// milliseconds; the first record's ts becomes the batch base timestamp and
// later records store their (possibly negative) delta to it. A nil key or
// value is written as null (-1): a nil value is a tombstone. It returns the
// number of bytes the record added, which is what RecordSize predicts.
//
// Lengths must fit the protocol's int32 fields; callers bound records by
// max.request.size long before that.
func (b *BatchBuilder) Append(ts int64, key, value []byte, headers []RecordHeader) int {
	if b.n == 0 {
		b.baseTs = ts
		b.maxTs = -1
	}
	if ts > b.maxTs {
		b.maxTs = ts
	}
	tsDelta := ts - b.baseTs
	tsZ := uint64(tsDelta<<1) ^ uint64(tsDelta>>63)
	offZ := zigzag32(b.n)
	body := 1 + uvarintLen(tsZ) + uvarintLen(offZ) + varBytesSize(key) + varBytesSize(value)
	if len(headers) == 0 {
		body++
	} else {
		body += headersSize(headers)
	}
	bodyZ := zigzag32(int32(body))
	total := uvarintLen(bodyZ) + body
	dst := b.buf
	if len(dst) == 0 {
		dst = append(dst, make([]byte, RecordBatchOverhead)...)
	}
	if need := len(dst) + total; need > cap(dst) {
		// Double (append's own growth is 1.25x for large slices, which
		// for a batch growing to a MiB means many copies and garbage).
		dst = slices.Grow(dst, max(need, 2*cap(dst), minBuilderCap)-len(dst))
	}
	// The size is known: write in place (one length check, no append
	// per field), the producer's per-record hot path. Varints below 128
	// (every field of a small record but the value's bytes) are one byte:
	// putUvarint stores those without binary.PutUvarint's loop.
	at := len(dst)
	dst = dst[:at+total]
	w := dst[at:]
	i := putUvarint(w, bodyZ)
	w[i] = 0 // attributes: unused, always 0
	i++
	i += putUvarint(w[i:], tsZ)
	i += putUvarint(w[i:], offZ)
	i += putVarBytes(w[i:], key)
	i += putVarBytes(w[i:], value)
	i += putUvarint(w[i:], zigzag32(int32(len(headers))))
	for j := range headers {
		h := &headers[j]
		i += putUvarint(w[i:], zigzag32(int32(len(h.Key))))
		i += copy(w[i:], h.Key)
		i += putVarBytes(w[i:], h.Value)
	}
	b.buf = dst
	b.n++
	return total
}

// putUvarint is binary.PutUvarint with the one-byte case first.
func putUvarint(w []byte, v uint64) int {
	if v < 0x80 {
		w[0] = byte(v)
		return 1
	}
	return binary.PutUvarint(w, v)
}

// zigzag32 is VARINT's zig-zag mapping, widened for binary.PutUvarint.
func zigzag32(v int32) uint64 { return uint64(uint32(v<<1) ^ uint32(v>>31)) }

// putVarBytes writes a varint-length-prefixed nullable byte field.
func putVarBytes(w, p []byte) int {
	if p == nil {
		w[0] = 1 // zig-zag -1
		return 1
	}
	i := putUvarint(w, zigzag32(int32(len(p))))
	return i + copy(w[i:], p)
}

// NextRecordSize returns exactly how many bytes Append(ts, key, value,
// headers) would add now, so a caller can check batch.size or
// max.request.size before appending.
func (b *BatchBuilder) NextRecordSize(ts int64, key, value []byte, headers []RecordHeader) int {
	var delta int64
	if b.n > 0 {
		delta = ts - b.baseTs
	}
	return RecordSize(b.n, delta, key, value, headers)
}

// RecordSize returns the exact encoded size of one record (length prefix
// included) at the given offset and timestamp deltas.
func RecordSize(offsetDelta int32, timestampDelta int64, key, value []byte, headers []RecordHeader) int {
	body := recordBodySize(offsetDelta, timestampDelta, key, value, headers)
	return VarintLen(int32(body)) + body
}

// MaxRecordSize returns an upper bound on a record's encoded size whatever
// its position in a batch (largest varints for the deltas and the length), as
// Java's DefaultRecord.sizeInBytesUpperBound-style estimates; use it to size
// a new batch for a record that does not fit the open one.
func MaxRecordSize(key, value []byte, headers []RecordHeader) int {
	return 5 + 1 + 10 + 5 + varBytesSize(key) + varBytesSize(value) + headersSize(headers)
}

func recordBodySize(offsetDelta int32, tsDelta int64, key, value []byte, headers []RecordHeader) int {
	return 1 + VarlongLen(tsDelta) + VarintLen(offsetDelta) +
		varBytesSize(key) + varBytesSize(value) + headersSize(headers)
}

func headersSize(headers []RecordHeader) int {
	n := VarintLen(int32(len(headers)))
	for i := range headers {
		n += VarintLen(int32(len(headers[i].Key))) + len(headers[i].Key) + varBytesSize(headers[i].Value)
	}
	return n
}

// varBytesSize is the size of a varint-length-prefixed nullable byte field.
func varBytesSize(p []byte) int {
	if p == nil {
		return 1 // varint -1
	}
	return VarintLen(int32(len(p))) + len(p)
}

// Build appends the finished batch to dst: the 61-byte header, the records
// (compressed with p.Codec as one stream), and the CRC-32C over attributes to
// the end, byte for byte what Java's DefaultRecordBatch / MemoryRecordsBuilder
// write: baseOffset 0, partitionLeaderEpoch -1, magic 2, CreateTime. It does
// not change b, so a batch can be rebuilt (a different codec after a
// downgrade) from the same records. It allocates only when dst must grow.
func (b *BatchBuilder) Build(dst []byte, p BatchParams) ([]byte, error) {
	if b.n == 0 {
		return dst, ErrEmptyBatch
	}
	if p.Codec < CodecNone || p.Codec > CodecZstd {
		return dst, &CompressionError{Codec: p.Codec, Op: "compress", Err: ErrUnknownCodec}
	}
	start := len(dst)
	if p.Codec == CodecNone {
		dst = slices.Grow(dst, RecordBatchOverhead+len(b.Records()))
	} else {
		// Room for the header only: the compressed records are usually
		// far smaller than the input, and reserving the input's size made
		// every compressed batch hold (and pin, while in flight) a buffer
		// as large as its uncompressed records. Compress grows dst if
		// needed.
		dst = slices.Grow(dst, RecordBatchOverhead)
	}
	dst, err := b.appendHeader(dst, p)
	if err != nil {
		return dst, err
	}
	if dst, err = Compress(dst, b.Records(), p.Codec, p.Level); err != nil {
		return dst[:start], err
	}
	finishBatch(dst[start:])
	return dst, nil
}

// Finish returns the finished uncompressed batch, built in place in b's
// own buffer: the header is written into the room reserved before the
// records, so nothing is copied. The returned slice takes b's buffer: b
// is left empty (its next Append allocates; ResetWith hands a buffer
// back). Finish supports only CodecNone (compression needs a second
// buffer: use Build); its errors are Build's, and b is unchanged then.
func (b *BatchBuilder) Finish(p BatchParams) ([]byte, error) {
	if b.n == 0 {
		return nil, ErrEmptyBatch
	}
	if p.Codec != CodecNone {
		return nil, &CompressionError{Codec: p.Codec, Op: "compress", Err: errors.New("wire: Finish builds uncompressed batches only")}
	}
	if _, err := b.appendHeader(b.buf[:0], p); err != nil {
		return nil, err
	}
	batch := b.buf
	finishBatch(batch)
	b.buf = nil
	b.n = 0
	b.baseTs, b.maxTs = 0, 0
	return batch, nil
}

// finishBatch patches the batch length and the CRC of one built batch.
func finishBatch(batch []byte) {
	binary.BigEndian.PutUint32(batch[batchLengthOffset:], uint32(len(batch)-logOverhead))
	binary.BigEndian.PutUint32(batch[crcOffset:], CRC32C(batch[attributesOffset:]))
}

// appendHeader appends the 61-byte batch header (length and CRC zero,
// patched by finishBatch) after validating p's producer state.
func (b *BatchBuilder) appendHeader(dst []byte, p BatchParams) ([]byte, error) {
	attrs := int16(p.Codec) & attrCodecMask
	pid, epoch, seq := int64(-1), int16(-1), int32(-1)
	if p.Idempotent {
		if p.ProducerID < 0 || p.ProducerEpoch < 0 || p.BaseSequence < 0 {
			return dst, ErrInvalidProducerState
		}
		pid, epoch, seq = p.ProducerID, p.ProducerEpoch, p.BaseSequence
	}
	if p.Transactional {
		if !p.Idempotent {
			return dst, ErrInvalidProducerState
		}
		attrs |= attrTransactional
	}
	dst = AppendInt64(dst, 0)  // baseOffset: the broker assigns it
	dst = AppendInt32(dst, 0)  // batchLength, patched below
	dst = AppendInt32(dst, -1) // partitionLeaderEpoch: NO_PARTITION_LEADER_EPOCH
	dst = append(dst, 2)       // magic
	dst = AppendUint32(dst, 0) // crc, patched below
	dst = AppendInt16(dst, attrs)
	dst = AppendInt32(dst, b.n-1) // lastOffsetDelta
	dst = AppendInt64(dst, b.baseTs)
	dst = AppendInt64(dst, b.maxTs)
	dst = AppendInt64(dst, pid)
	dst = AppendInt16(dst, epoch)
	dst = AppendInt32(dst, seq)
	dst = AppendInt32(dst, b.n)
	return dst, nil
}

// SetProducerState rewrites the producer id, epoch and base sequence of one
// already-built batch in place and recomputes its CRC, as a retry after an
// epoch bump requires. The records are untouched (the CRC covers them but
// does not need them decompressed). batch must be exactly one magic-2 batch.
func SetProducerState(batch []byte, pid int64, epoch int16, seq int32) error {
	if len(batch) < RecordBatchOverhead || batch[magicOffset] != 2 ||
		int64(int32(binary.BigEndian.Uint32(batch[batchLengthOffset:])))+logOverhead != int64(len(batch)) {
		return &CorruptBatchError{BaseOffset: -1, Err: errNotOneBatch}
	}
	if pid < 0 || epoch < 0 || seq < 0 {
		return ErrInvalidProducerState
	}
	binary.BigEndian.PutUint64(batch[producerIDOffset:], uint64(pid))
	binary.BigEndian.PutUint16(batch[producerEpochOffset:], uint16(epoch))
	binary.BigEndian.PutUint32(batch[baseSequenceOffset:], uint32(seq))
	binary.BigEndian.PutUint32(batch[crcOffset:], CRC32C(batch[attributesOffset:]))
	return nil
}
