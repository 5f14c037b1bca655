package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// Snappy: Java writes org.xerial.snappy.SnappyOutputStream's framing, a
// 16-byte header then length-prefixed raw snappy blocks of at most 32 KiB of
// input each; its reader treats a payload without that header as a single raw
// block. We write xerial, which every client accepts, and read both. Neither
// is the Google framing format (ff 06 00 00 "sNaPpY"), which Java rejects.

// xerialHeader is the magic "\x82SNAPPY\x00", version 1, min-compatible 1.
var xerialHeader = [16]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}

// xerialBlockSize is SnappyOutputStream's default block size.
const xerialBlockSize = 32 << 10

func compressSnappy(dst, src []byte) []byte {
	dst = append(dst, xerialHeader[:]...)
	for len(src) > 0 {
		chunk := src[:min(len(src), xerialBlockSize)]
		src = src[len(chunk):]
		max := s2.MaxEncodedLen(len(chunk))
		dst = slices.Grow(dst, 4+max)
		at := len(dst)
		enc := s2.EncodeSnappy(dst[at+4:at+4+max], chunk)
		binary.BigEndian.PutUint32(dst[at:at+4], uint32(len(enc)))
		dst = dst[:at+4+len(enc)]
	}
	return dst
}

var errXerialTruncated = errors.New("xerial snappy: truncated chunk")

func decompressSnappy(dst, src []byte, limit int) ([]byte, error) {
	start := len(dst)
	if len(src) < len(xerialHeader) || !bytes.Equal(src[:8], xerialHeader[:8]) {
		return snappyBlock(dst, src, start, limit)
	}
	src = src[len(xerialHeader):]
	var err error
	for len(src) > 0 {
		// SnappyInputStream accepts concatenated streams: a header may
		// follow the last chunk of the previous one.
		if len(src) >= len(xerialHeader) && bytes.Equal(src[:8], xerialHeader[:8]) {
			src = src[len(xerialHeader):]
			continue
		}
		if len(src) < 4 {
			return dst[:start], corruptCompressed(CodecSnappy, errXerialTruncated)
		}
		n := binary.BigEndian.Uint32(src)
		src = src[4:]
		if uint64(n) > uint64(len(src)) {
			return dst[:start], corruptCompressed(CodecSnappy, errXerialTruncated)
		}
		if dst, err = snappyBlock(dst, src[:n], start, limit); err != nil {
			return dst, err
		}
		src = src[n:]
	}
	return dst, nil
}

// snappyBlock appends one raw snappy block to dst after checking that the
// total output since start stays within limit; the block states its decoded
// length up front, so nothing is allocated for a bomb.
func snappyBlock(dst, block []byte, start, limit int) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return dst[:start], corruptCompressed(CodecSnappy, err)
	}
	if n > limit-(len(dst)-start) {
		return dst[:start], tooLarge(CodecSnappy, limit)
	}
	dst = slices.Grow(dst, n)
	at := len(dst)
	// snappy.Decode is s2's assembly decoder, about five times faster than
	// the strict one. It also accepts s2's repeat-offset copy, which no
	// snappy writer emits; being lenient there costs nothing.
	if _, err := snappy.Decode(dst[at:at+n], block); err != nil {
		return dst[:start], corruptCompressed(CodecSnappy, err)
	}
	return dst[:at+n], nil
}
