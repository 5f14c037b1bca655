package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// RecordBatch is one decoded record batch v2.
type RecordBatch struct {
	BaseOffset           int64
	PartitionLeaderEpoch int32
	Attributes           int16
	LastOffsetDelta      int32
	// BaseTimestamp holds the delete horizon instead when HasDeleteHorizon.
	BaseTimestamp int64
	MaxTimestamp  int64
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	// NumRecords is the header's recordsCount; len(Records) equals it.
	NumRecords int32
	// Size is the batch's length in the input, header included.
	Size    int
	Records []Record
}

// Codec returns the batch's compression codec.
func (b *RecordBatch) Codec() Codec { return Codec(b.Attributes & attrCodecMask) }

// LogAppendTime reports whether timestamps were set by the broker; record
// timestamps then equal MaxTimestamp.
func (b *RecordBatch) LogAppendTime() bool { return b.Attributes&attrLogAppendTime != 0 }

// IsTransactional reports attribute bit 4.
func (b *RecordBatch) IsTransactional() bool { return b.Attributes&attrTransactional != 0 }

// IsControl reports a control batch (transaction markers and KRaft records):
// consumers must never hand its records to the application.
func (b *RecordBatch) IsControl() bool { return b.Attributes&attrControl != 0 }

// HasDeleteHorizon reports attribute bit 6 (set by compaction).
func (b *RecordBatch) HasDeleteHorizon() bool { return b.Attributes&attrDeleteHorizon != 0 }

// LastOffset returns the offset of the batch's last record (also for batches
// compaction has emptied).
func (b *RecordBatch) LastOffset() int64 { return b.BaseOffset + int64(b.LastOffsetDelta) }

// Record is one decoded record. Offset and Timestamp are absolute. Key, Value
// and header values alias the input (or the batch's decompression buffer);
// nil means null, non-nil empty means empty.
type Record struct {
	Offset    int64
	Timestamp int64
	Key       []byte
	Value     []byte
	Headers   []RecordHeader
}

// DecodeOptions tune DecodeRecordBatches; the zero value is the default.
type DecodeOptions struct {
	// MaxDecompressedBytes bounds the total bytes all compressed batches of
	// one call may decompress to; 0 means DefaultMaxDecompressedSize.
	// Exceeding it fails with ErrDecompressedTooLarge.
	MaxDecompressedBytes int
}

// DecodeRecordBatches decodes the concatenated batches of one RECORDS field,
// as a Fetch response or a Produce request carries them. A trailing batch cut
// short (brokers truncate fetch responses at the size limit) is dropped
// without error. Every batch's CRC is verified before anything else inside
// it is trusted.
//
// On error it returns the batches decoded before the bad one, and an error
// matching ErrCorruptBatch (*CorruptBatchError), ErrUnsupportedMagic
// (*UnsupportedMagicError, for magic 0 or 1) or ErrDecompressedTooLarge
// (*CompressionError).
func DecodeRecordBatches(b []byte, opts DecodeOptions) ([]RecordBatch, error) {
	budget := opts.MaxDecompressedBytes
	if budget <= 0 {
		budget = DefaultMaxDecompressedSize
	}
	var out []RecordBatch
	for pos := 0; len(b)-pos >= logOverhead; {
		rest := b[pos:]
		baseOffset := int64(binary.BigEndian.Uint64(rest))
		length := int64(int32(binary.BigEndian.Uint32(rest[batchLengthOffset:])))
		// 14 is the smallest legacy message (LegacyRecord.RECORD_OVERHEAD_V0);
		// below it, not even the magic can be read.
		if length < 14 {
			return out, &CorruptBatchError{Pos: pos, BaseOffset: baseOffset,
				Err: fmt.Errorf("batch length %d below minimum", length)}
		}
		if length > int64(len(rest)-logOverhead) {
			break // truncated trailing batch
		}
		batch := rest[:logOverhead+int(length)]
		if magic := int8(batch[magicOffset]); magic != 2 {
			return out, &UnsupportedMagicError{Pos: pos, BaseOffset: baseOffset, Magic: magic}
		}
		rb, used, err := decodeBatch(batch, budget)
		if err != nil {
			var ce *CompressionError
			if errors.As(err, &ce) && errors.Is(ce.Err, ErrDecompressedTooLarge) {
				return out, err
			}
			return out, &CorruptBatchError{Pos: pos, BaseOffset: baseOffset, Err: err}
		}
		budget -= used
		out = append(out, rb)
		pos += len(batch)
	}
	return out, nil
}

var (
	errShortBatch      = errors.New("batch length below the 61-byte v2 header")
	errNegativeCount   = errors.New("negative record count")
	errCountTooLarge   = errors.New("record count exceeds what the records section can hold")
	errTrailingRecords = errors.New("bytes remain after the declared records")
	errNullHeaderKey   = errors.New("null header key")
	errRecordLength    = errors.New("record length does not match its fields")
)

// decodeBatch decodes one complete magic-2 batch; it returns how many
// decompressed bytes it used from the budget.
func decodeBatch(batch []byte, budget int) (RecordBatch, int, error) {
	if len(batch) < RecordBatchOverhead {
		return RecordBatch{}, 0, errShortBatch
	}
	if want, got := binary.BigEndian.Uint32(batch[crcOffset:]), CRC32C(batch[attributesOffset:]); want != got {
		return RecordBatch{}, 0, fmt.Errorf("%w: stored %08x, computed %08x", ErrCRCMismatch, want, got)
	}
	be := binary.BigEndian
	rb := RecordBatch{
		BaseOffset:           int64(be.Uint64(batch)),
		PartitionLeaderEpoch: int32(be.Uint32(batch[leaderEpochOffset:])),
		Attributes:           int16(be.Uint16(batch[attributesOffset:])),
		LastOffsetDelta:      int32(be.Uint32(batch[lastOffsetDeltaOffset:])),
		BaseTimestamp:        int64(be.Uint64(batch[baseTimestampOffset:])),
		MaxTimestamp:         int64(be.Uint64(batch[maxTimestampOffset:])),
		ProducerID:           int64(be.Uint64(batch[producerIDOffset:])),
		ProducerEpoch:        int16(be.Uint16(batch[producerEpochOffset:])),
		BaseSequence:         int32(be.Uint32(batch[baseSequenceOffset:])),
		NumRecords:           int32(be.Uint32(batch[recordsCountOffset:])),
		Size:                 len(batch),
	}
	if rb.NumRecords < 0 {
		return rb, 0, errNegativeCount
	}
	body := batch[RecordBatchOverhead:]
	used := 0
	if c := rb.Codec(); c != CodecNone {
		// Decompress fails fast on empty records too; skip it when the count
		// says there is nothing to read, as Java does for compacted batches.
		if rb.NumRecords == 0 {
			return rb, 0, nil
		}
		var err error
		if body, err = Decompress(nil, body, c, budget); err != nil {
			return rb, 0, err
		}
		used = len(body)
	}
	if int64(rb.NumRecords) > int64(len(body)/MinRecordSize) {
		return rb, used, errCountTooLarge
	}
	if rb.NumRecords == 0 {
		if len(body) != 0 {
			return rb, used, errTrailingRecords
		}
		return rb, used, nil
	}
	rb.Records = make([]Record, rb.NumRecords)
	r := NewReader(body)
	for i := range rb.Records {
		decodeRecord(r, &rb, &rb.Records[i])
		if !r.Ok() {
			return rb, used, r.Err()
		}
	}
	if r.Remaining() != 0 {
		return rb, used, errTrailingRecords
	}
	return rb, used, nil
}

// decodeRecord reads one record; failures are left in r.
func decodeRecord(r *Reader, rb *RecordBatch, rec *Record) {
	r.Field("record length")
	n := r.Varint()
	if !r.Ok() {
		return
	}
	if n < 0 || int(n) > r.Remaining() {
		r.Fail(ErrInvalidLength)
		return
	}
	end := r.Offset() + int(n)
	r.Field("record attributes")
	r.Int8()
	r.Field("timestamp delta")
	tsDelta := r.Varlong()
	r.Field("offset delta")
	offDelta := r.Varint()
	r.Field("key")
	rec.Key = varBytes(r)
	r.Field("value")
	rec.Value = varBytes(r)
	r.Field("header count")
	nh := r.Varint()
	if !r.Ok() {
		return
	}
	// Each header takes at least two bytes (two varint lengths).
	if nh < 0 || int(nh) > (end-r.Offset())/2 {
		r.Fail(ErrInvalidLength)
		return
	}
	if nh > 0 {
		rec.Headers = make([]RecordHeader, nh)
		for i := range rec.Headers {
			r.Field("header key")
			kl := r.Varint()
			if kl < 0 && r.Ok() {
				r.Fail(errNullHeaderKey)
			}
			rec.Headers[i].Key = string(r.Raw(int(kl)))
			r.Field("header value")
			rec.Headers[i].Value = varBytes(r)
		}
	}
	if !r.Ok() {
		return
	}
	if r.Offset() != end {
		r.Field("record length")
		r.Fail(errRecordLength)
		return
	}
	rec.Offset = rb.BaseOffset + int64(offDelta)
	if rb.LogAppendTime() {
		rec.Timestamp = rb.MaxTimestamp
	} else {
		rec.Timestamp = rb.BaseTimestamp + tsDelta
	}
}

// varBytes reads a varint-length-prefixed nullable byte field (-1 = null).
func varBytes(r *Reader) []byte {
	n := r.Varint()
	if !r.Ok() {
		return nil
	}
	if n == -1 {
		return nil
	}
	if n < -1 {
		r.Fail(ErrInvalidLength)
		return nil
	}
	b := r.Raw(int(n))
	if b == nil && r.Ok() {
		return []byte{}
	}
	return b
}

// ControlRecordType is the type in a control record's key.
type ControlRecordType int16

// Control record types a consumer acts on; 2-6 are KRaft-internal and are
// ignored like any unknown type.
const (
	ControlAbort  ControlRecordType = 0
	ControlCommit ControlRecordType = 1
)

// ErrInvalidControlRecord is returned by ParseControlKey for a key that is
// not int16 version + int16 type.
var ErrInvalidControlRecord = errors.New("wire: invalid control record key")

// ParseControlKey reads the key of a control batch's record: int16 version
// (0), then int16 type. Later versions may append fields, which are ignored.
func ParseControlKey(key []byte) (ControlRecordType, error) {
	if len(key) < 4 || int16(binary.BigEndian.Uint16(key)) < 0 {
		return 0, ErrInvalidControlRecord
	}
	return ControlRecordType(int16(binary.BigEndian.Uint16(key[2:]))), nil
}
