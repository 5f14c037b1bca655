package wire

import (
	"encoding/binary"
	"math/bits"
)

// This file holds the append-style encoders for the protocol's primitive types.
// Every encoder takes a destination slice and returns it extended, in the
// manner of strconv.AppendInt: callers keep one buffer per request and never
// allocate per field. Nothing here can fail; lengths that do not fit their
// wire type are the caller's bug and are documented per function.

// AppendInt8 appends v as one byte.
func AppendInt8(dst []byte, v int8) []byte { return append(dst, byte(v)) }

// AppendBool appends v as one byte, 1 for true.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendInt16 appends v big-endian.
func AppendInt16(dst []byte, v int16) []byte {
	return binary.BigEndian.AppendUint16(dst, uint16(v))
}

// AppendUint16 appends v big-endian.
func AppendUint16(dst []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(dst, v) }

// AppendInt32 appends v big-endian.
func AppendInt32(dst []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(v))
}

// AppendUint32 appends v big-endian.
func AppendUint32(dst []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(dst, v) }

// AppendInt64 appends v big-endian.
func AppendInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v))
}

// AppendFloat64 appends the IEEE 754 bits of v big-endian.
func AppendFloat64(dst []byte, bits uint64) []byte { return binary.BigEndian.AppendUint64(dst, bits) }

// AppendUvarint appends v as an unsigned base-128 varint (UNSIGNED_VARINT).
// Compact lengths and tags use it.
func AppendUvarint(dst []byte, v uint32) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// AppendVarint appends v zig-zag encoded (VARINT), as record fields use.
func AppendVarint(dst []byte, v int32) []byte {
	u := uint32(v<<1) ^ uint32(v>>31)
	return AppendUvarint(dst, u)
}

// AppendVarlong appends v zig-zag encoded (VARLONG).
func AppendVarlong(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

// VarintLen returns how many bytes AppendVarint writes for v. Record batch
// encoders use it to compute a record's length prefix before writing it.
func VarintLen(v int32) int { return uvarintLen(uint64(uint32(v<<1) ^ uint32(v>>31))) }

// VarlongLen returns how many bytes AppendVarlong writes for v.
func VarlongLen(v int64) int { return uvarintLen(uint64(v<<1) ^ uint64(v>>63)) }

// UvarintLen returns how many bytes AppendUvarint writes for v.
func UvarintLen(v uint32) int { return uvarintLen(uint64(v)) }

func uvarintLen(u uint64) int { return (bits.Len64(u|1) + 6) / 7 }

// AppendString appends s as STRING: an int16 length, then the bytes.
// s must be at most 32767 bytes long.
func AppendString(dst []byte, s string) []byte {
	dst = AppendInt16(dst, int16(len(s)))
	return append(dst, s...)
}

// AppendNullableString appends s as NULLABLE_STRING; nil is written as length -1.
func AppendNullableString(dst []byte, s *string) []byte {
	if s == nil {
		return AppendInt16(dst, -1)
	}
	return AppendString(dst, *s)
}

// AppendCompactString appends s as COMPACT_STRING: uvarint length+1, then the bytes.
func AppendCompactString(dst []byte, s string) []byte {
	dst = AppendUvarint(dst, uint32(len(s))+1)
	return append(dst, s...)
}

// AppendCompactNullableString appends s as COMPACT_NULLABLE_STRING; nil is written as 0.
func AppendCompactNullableString(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, 0)
	}
	return AppendCompactString(dst, *s)
}

// AppendBytes appends b as BYTES: an int32 length, then the bytes. A nil b is
// written as empty; use AppendNullableBytes where null is meaningful.
func AppendBytes(dst []byte, b []byte) []byte {
	dst = AppendInt32(dst, int32(len(b)))
	return append(dst, b...)
}

// AppendNullableBytes appends b as NULLABLE_BYTES (and RECORDS); nil is written as -1.
func AppendNullableBytes(dst []byte, b []byte) []byte {
	if b == nil {
		return AppendInt32(dst, -1)
	}
	return AppendBytes(dst, b)
}

// AppendCompactBytes appends b as COMPACT_BYTES: uvarint length+1, then the bytes.
func AppendCompactBytes(dst []byte, b []byte) []byte {
	dst = AppendUvarint(dst, uint32(len(b))+1)
	return append(dst, b...)
}

// AppendCompactNullableBytes appends b as COMPACT_NULLABLE_BYTES (and
// COMPACT_RECORDS); nil is written as 0.
func AppendCompactNullableBytes(dst []byte, b []byte) []byte {
	if b == nil {
		return append(dst, 0)
	}
	return AppendCompactBytes(dst, b)
}

// AppendArrayLen appends an ARRAY element count; n < 0 writes a null array.
func AppendArrayLen(dst []byte, n int) []byte {
	if n < 0 {
		return AppendInt32(dst, -1)
	}
	return AppendInt32(dst, int32(n))
}

// AppendCompactArrayLen appends a COMPACT_ARRAY element count (uvarint n+1);
// n < 0 writes a null array (0).
func AppendCompactArrayLen(dst []byte, n int) []byte {
	if n < 0 {
		return append(dst, 0)
	}
	return AppendUvarint(dst, uint32(n)+1)
}

// AppendUUID appends a 16-byte UUID as the protocol orders it: the most
// significant long first.
func AppendUUID(dst []byte, u [16]byte) []byte { return append(dst, u[:]...) }

// AppendEmptyTags appends an empty tagged-field section (a single 0 byte).
func AppendEmptyTags(dst []byte) []byte { return append(dst, 0) }

// AppendTag appends one tagged field: uvarint tag, uvarint size, then the
// bytes. Callers write the section's field count first with AppendUvarint and
// then the fields in ascending tag order.
func AppendTag(dst []byte, tag uint32, data []byte) []byte {
	dst = AppendUvarint(dst, tag)
	dst = AppendUvarint(dst, uint32(len(data)))
	return append(dst, data...)
}
