package wire

// This file holds the hand-written helpers the generated messages (zz_*.go)
// call. They pick the classic or compact (flexible, KIP-482) encoding of a
// primitive so the generated code stays one line per field.

// apiInfo is one row of the generated apiTable.
type apiInfo struct {
	name      string
	min, max  int16 // versions the codec implements
	clientMin int16 // lowest version the client sends
	flexFrom  int16 // first flexible version, -1 if none
}

func lookupAPI(key int16) *apiInfo {
	if key < 0 || int(key) >= len(apiTable) || apiTable[key].name == "" {
		return nil
	}
	return &apiTable[key]
}

// SupportedVersions returns the version range this package encodes and
// decodes for key (both directions), and false for an API it does not
// implement. The client may send fewer versions than this; see
// NegotiateVersions for the floors it applies.
func SupportedVersions(key int16) (min, max int16, ok bool) {
	a := lookupAPI(key)
	if a == nil {
		return 0, 0, false
	}
	return a.min, a.max, true
}

// IsFlexible reports whether version of key is a flexible version (compact
// encodings, tagged fields, request header v2, response header v1). Like
// Kafka's generated code it answers for versions above our maximum too, so a
// server can still parse the header of a request from a newer client (to
// answer an ApiVersions request it cannot decode, for instance). Unknown keys
// report false.
func IsFlexible(key, version int16) bool {
	a := lookupAPI(key)
	return a != nil && a.flexFrom >= 0 && version >= a.flexFrom
}

func pick(flex bool, ifFlex, ifPlain int) int {
	if flex {
		return ifFlex
	}
	return ifPlain
}

func nullableLen[T any](s []T) int {
	if s == nil {
		return -1
	}
	return len(s)
}

func appendStr(dst []byte, s string, flex bool) []byte {
	if flex {
		return AppendCompactString(dst, s)
	}
	return AppendString(dst, s)
}

func appendNullableStr(dst []byte, s *string, flex bool) []byte {
	if flex {
		return AppendCompactNullableString(dst, s)
	}
	return AppendNullableString(dst, s)
}

// appendStrPtr writes a *string field at a version where it is not
// nullable: nil is sent as the empty string.
func appendStrPtr(dst []byte, s *string, flex bool) []byte {
	if s == nil {
		return appendStr(dst, "", flex)
	}
	return appendStr(dst, *s, flex)
}

func appendBlob(dst []byte, b []byte, flex bool) []byte {
	if flex {
		return AppendCompactBytes(dst, b)
	}
	return AppendBytes(dst, b)
}

func appendNullableBlob(dst []byte, b []byte, flex bool) []byte {
	if flex {
		return AppendCompactNullableBytes(dst, b)
	}
	return AppendNullableBytes(dst, b)
}

// appendLen writes an array count; n < 0 writes null.
func appendLen(dst []byte, n int, flex bool) []byte {
	if flex {
		return AppendCompactArrayLen(dst, n)
	}
	return AppendArrayLen(dst, n)
}

// closeTag back-fills the size of a tagged field whose data was appended
// after the one byte reserved at dst[mark]. Sizes of 128 bytes or more need
// a longer uvarint, so the data is shifted right in place: encoding never
// needs a scratch buffer.
func closeTag(dst []byte, mark int) []byte {
	n := len(dst) - mark - 1
	if n < 0x80 {
		dst[mark] = byte(n)
		return dst
	}
	k := UvarintLen(uint32(n))
	var pad [4]byte
	dst = append(dst, pad[:k-1]...)
	copy(dst[mark+k:], dst[mark+1:mark+1+n])
	var tmp [5]byte
	copy(dst[mark:], AppendUvarint(tmp[:0], uint32(n)))
	return dst
}

func (r *Reader) str(flex bool) string {
	if flex {
		return r.CompactString()
	}
	return r.String()
}

func (r *Reader) nullableStr(flex bool) *string {
	if flex {
		return r.CompactNullableString()
	}
	return r.NullableString()
}

// strPtr reads a non-nullable string into a *string field.
func (r *Reader) strPtr(flex bool) *string {
	s := r.str(flex)
	if r.err != nil {
		return nil
	}
	return &s
}

func (r *Reader) blob(flex bool) []byte {
	if flex {
		return r.CompactBytes()
	}
	return r.Bytes()
}

func (r *Reader) nullableBlob(flex bool) []byte {
	if flex {
		return r.CompactNullableBytes()
	}
	return r.NullableBytes()
}

// count reads an array count bounded by the remaining input (each element
// takes at least minElemSize bytes). It returns -1 for null only when
// nullable; a null where the version forbids it is an ErrInvalidLength.
func (r *Reader) count(flex, nullable bool, minElemSize int) int {
	var n int
	if flex {
		n = r.CompactArrayLen(minElemSize)
	} else {
		n = r.ArrayLen(minElemSize)
	}
	if n < 0 && !nullable {
		r.Fail(ErrInvalidLength)
		return 0
	}
	return n
}

// tagCount reads the number of fields in a tagged-field section; each takes
// at least two bytes.
func (r *Reader) tagCount() int { return r.arrayLen(int64(r.Uvarint()), 2) }

// tagHeader reads one tagged field's tag and size; the size is checked
// against the remaining input.
func (r *Reader) tagHeader() (tag uint32, size int) {
	tag = r.Uvarint()
	size = r.length(int64(r.Uvarint()), false)
	return tag, size
}

// endTag checks that a known tagged field consumed exactly its size.
func (r *Reader) endTag(start, size int) {
	if r.err == nil && r.off-start != size {
		r.Fail(ErrInvalidLength)
	}
}
