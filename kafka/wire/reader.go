package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrTruncated is the reason of a DecodeError when the input ended before a
// field did.
var ErrTruncated = errors.New("input truncated")

// ErrInvalidLength is the reason of a DecodeError when a length or count is
// negative where null is not allowed, overflows, or promises more data than
// the input can hold.
var ErrInvalidLength = errors.New("invalid length")

// ErrInvalidVarint is the reason of a DecodeError for a varint longer than
// its type allows.
var ErrInvalidVarint = errors.New("invalid varint")

// DecodeError reports where decoding failed. Err is one of ErrTruncated,
// ErrInvalidLength, ErrInvalidVarint or a decoder's own reason; errors.Is
// sees through to it.
type DecodeError struct {
	Field  string // the field being read, when the decoder named it
	Offset int    // byte offset into the decoded input
	Err    error
}

func (e *DecodeError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("wire: decoding %s at offset %d: %v", e.Field, e.Offset, e.Err)
	}
	return fmt.Sprintf("wire: decoding at offset %d: %v", e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Reader decodes primitives from a byte slice. Like bufio.Scanner it has a
// sticky error: after the first failure every getter returns a zero value and
// Err reports what went wrong, so a decoder reads straight through and checks
// once. Slices it returns alias the input (capacity clipped, so appends cannot
// overwrite it); strings are copies.
//
// A Reader never allocates more than its input can justify: array counts are
// checked against the bytes that remain before a caller sizes a slice.
type Reader struct {
	src   []byte
	off   int
	field string
	err   *DecodeError
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{src: b} }

// Reset points r at b, clearing any error, so one Reader can be reused.
func (r *Reader) Reset(b []byte) { *r = Reader{src: b} }

// Field names the field about to be read, for error messages. It costs one
// store; generated decoders call it before each field.
func (r *Reader) Field(name string) { r.field = name }

// Err returns the first error met, or nil. The result is a *DecodeError.
func (r *Reader) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// Ok reports whether no error has occurred so far.
func (r *Reader) Ok() bool { return r.err == nil }

// Offset returns how many bytes have been consumed.
func (r *Reader) Offset() int { return r.off }

// Remaining returns how many bytes are left.
func (r *Reader) Remaining() int { return len(r.src) - r.off }

// Fail records err as the reader's error if none is set yet. Decoders use it
// for semantic failures (an impossible value) so they surface like any other.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = &DecodeError{Field: r.field, Offset: r.off, Err: err}
		r.off = len(r.src)
	}
}

// take returns the next n bytes, or nil after recording ErrTruncated.
func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.src)-r.off {
		r.Fail(ErrTruncated)
		return nil
	}
	b := r.src[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// Int8 reads an INT8.
func (r *Reader) Int8() int8 {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return int8(b[0])
}

// Bool reads a BOOLEAN; any non-zero byte is true.
func (r *Reader) Bool() bool { return r.Int8() != 0 }

// Int16 reads a big-endian INT16.
func (r *Reader) Int16() int16 {
	b := r.take(2)
	if b == nil {
		return 0
	}
	return int16(binary.BigEndian.Uint16(b))
}

// Uint16 reads a big-endian UINT16.
func (r *Reader) Uint16() uint16 { return uint16(r.Int16()) }

// Int32 reads a big-endian INT32.
func (r *Reader) Int32() int32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Uint32 reads a big-endian UINT32.
func (r *Reader) Uint32() uint32 { return uint32(r.Int32()) }

// Int64 reads a big-endian INT64.
func (r *Reader) Int64() int64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// Float64 reads the raw bits of a FLOAT64.
func (r *Reader) Float64() uint64 { return uint64(r.Int64()) }

// UUID reads 16 bytes.
func (r *Reader) UUID() (u [16]byte) {
	copy(u[:], r.take(16))
	return u
}

// uvarint64 reads an unsigned varint of at most maxBytes bytes.
func (r *Reader) uvarint64(maxBytes int) uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for i := 0; i < maxBytes; i++ {
		if r.off >= len(r.src) {
			r.Fail(ErrTruncated)
			return 0
		}
		c := r.src[r.off]
		r.off++
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v
		}
	}
	r.Fail(ErrInvalidVarint)
	return 0
}

// Uvarint reads an UNSIGNED_VARINT (at most 5 bytes).
func (r *Reader) Uvarint() uint32 {
	v := r.uvarint64(5)
	if v > 0xFFFFFFFF {
		r.Fail(ErrInvalidVarint)
		return 0
	}
	return uint32(v)
}

// Varint reads a zig-zag VARINT.
func (r *Reader) Varint() int32 {
	u := r.Uvarint()
	return int32(u>>1) ^ -int32(u&1)
}

// Varlong reads a zig-zag VARLONG (at most 10 bytes).
func (r *Reader) Varlong() int64 {
	u := r.uvarint64(10)
	return int64(u>>1) ^ -int64(u&1)
}

// length validates a decoded length n against what remains; -1 passes
// through as null when nullable.
func (r *Reader) length(n int64, nullable bool) int {
	if r.err != nil {
		return 0
	}
	if n == -1 && nullable {
		return -1
	}
	if n < 0 {
		r.Fail(ErrInvalidLength)
		return 0
	}
	if n > int64(len(r.src)-r.off) {
		r.Fail(ErrTruncated)
		return 0
	}
	return int(n)
}

// String reads a STRING.
func (r *Reader) String() string {
	n := r.length(int64(r.Int16()), false)
	return string(r.take(n))
}

// NullableString reads a NULLABLE_STRING; null is returned as nil.
func (r *Reader) NullableString() *string {
	n := r.length(int64(r.Int16()), true)
	if n < 0 || r.err != nil {
		return nil
	}
	s := string(r.take(n))
	return &s
}

// CompactString reads a COMPACT_STRING.
func (r *Reader) CompactString() string {
	n := r.length(int64(r.Uvarint())-1, false)
	return string(r.take(n))
}

// CompactNullableString reads a COMPACT_NULLABLE_STRING; null is returned as nil.
func (r *Reader) CompactNullableString() *string {
	n := r.length(int64(r.Uvarint())-1, true)
	if n < 0 || r.err != nil {
		return nil
	}
	s := string(r.take(n))
	return &s
}

// Bytes reads BYTES. The result aliases the input.
func (r *Reader) Bytes() []byte {
	n := r.length(int64(r.Int32()), false)
	if b := r.take(n); b != nil {
		return b
	}
	return []byte{}
}

// NullableBytes reads NULLABLE_BYTES (and RECORDS); null is returned as nil.
// The result aliases the input.
func (r *Reader) NullableBytes() []byte {
	n := r.length(int64(r.Int32()), true)
	if n < 0 {
		return nil
	}
	b := r.take(n)
	if b == nil && r.err == nil {
		return []byte{}
	}
	return b
}

// CompactBytes reads COMPACT_BYTES. The result aliases the input.
func (r *Reader) CompactBytes() []byte {
	n := r.length(int64(r.Uvarint())-1, false)
	if b := r.take(n); b != nil {
		return b
	}
	return []byte{}
}

// CompactNullableBytes reads COMPACT_NULLABLE_BYTES (and COMPACT_RECORDS);
// null is returned as nil. The result aliases the input.
func (r *Reader) CompactNullableBytes() []byte {
	n := r.length(int64(r.Uvarint())-1, true)
	if n < 0 {
		return nil
	}
	b := r.take(n)
	if b == nil && r.err == nil {
		return []byte{}
	}
	return b
}

// Raw reads n bytes as they are. The result aliases the input.
func (r *Reader) Raw(n int) []byte { return r.take(n) }

// arrayLen validates an element count: each element takes at least
// minElemSize bytes (≥ 1), so a count that the remaining input cannot hold is
// rejected before anyone allocates for it.
func (r *Reader) arrayLen(n int64, minElemSize int) int {
	if r.err != nil {
		return 0
	}
	if n == -1 {
		return -1
	}
	if minElemSize < 1 {
		minElemSize = 1
	}
	if n < 0 {
		r.Fail(ErrInvalidLength)
		return 0
	}
	if n > int64((len(r.src)-r.off)/minElemSize) {
		r.Fail(ErrInvalidLength)
		return 0
	}
	return int(n)
}

// ArrayLen reads an ARRAY count; -1 means null. minElemSize is the smallest
// encoding of one element, used to reject counts the input cannot hold.
func (r *Reader) ArrayLen(minElemSize int) int {
	return r.arrayLen(int64(r.Int32()), minElemSize)
}

// CompactArrayLen reads a COMPACT_ARRAY count; -1 means null.
func (r *Reader) CompactArrayLen(minElemSize int) int {
	return r.arrayLen(int64(r.Uvarint())-1, minElemSize)
}

// Tags reads a tagged-field section, calling fn for each field with the raw
// field bytes; fn may be nil, and unknown tags are simply skipped, as the
// protocol requires at every level.
func (r *Reader) Tags(fn func(tag uint32, data []byte)) {
	n := r.arrayLen(int64(r.Uvarint()), 2)
	for i := 0; i < n && r.err == nil; i++ {
		tag := r.Uvarint()
		size := r.length(int64(r.Uvarint()), false)
		data := r.take(size)
		if r.err == nil && fn != nil {
			fn(tag, data)
		}
	}
}

// SkipTags reads a tagged-field section and discards it.
func (r *Reader) SkipTags() { r.Tags(nil) }

// Complete returns r's error, or an ErrInvalidLength DecodeError if bytes
// remain unread. Use it where a message must consume its whole frame.
func (r *Reader) Complete() error {
	if r.err == nil && r.off != len(r.src) {
		r.field = "trailing bytes"
		r.Fail(ErrInvalidLength)
	}
	return r.Err()
}
