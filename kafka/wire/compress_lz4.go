package wire

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/pierrec/lz4/v4"
)

// LZ4: Java writes one LZ4 frame with Kafka's Lz4BlockOutputStream and reads
// it with Lz4BlockInputStream, which rejects dependent blocks and any frame
// version other than 01. We frame the blocks ourselves (pierrec/lz4 supplies
// only the block compressor), so the header is exactly Java's:
//
//	04 22 4d 18  magic 0x184D2204, little-endian
//	60           FLG: version 01, independent blocks, no checksums, no size
//	40           BD: 64 KiB maximum block
//	82           HC: (xxh32(60 40, seed 0) >> 8) & 0xff
//
// then blocks of at most 64 KiB input, each a little-endian uint32 size (high
// bit set: stored uncompressed, as Java does when compression does not
// shrink the block) and the data, then a zero end mark. Framing ourselves
// also keeps Build allocation-free: pierrec's Writer manages its own buffers.
// Reading goes through pierrec's Reader, which accepts any valid frame.

var lz4FrameHeader = [7]byte{0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82}

const lz4BlockSize = 64 << 10

// lz4DefaultLevel is Java's compression.lz4.level default; at that level
// Java uses lz4-java's fast compressor, at any other its high compressor.
const lz4DefaultLevel = 9

var (
	lz4Fast sync.Pool // *lz4.Compressor
	lz4HC   sync.Pool // *lz4.CompressorHC
)

// lz4BlockCompressor is what the two pierrec compressors share.
type lz4BlockCompressor interface {
	CompressBlock(src, dst []byte) (int, error)
}

func compressLZ4(dst, src []byte, level int) ([]byte, error) {
	if level == 0 {
		level = lz4DefaultLevel
	}
	if level < 1 || level > 17 {
		return dst, &CompressionError{Codec: CodecLZ4, Op: "compress", Err: ErrInvalidLevel}
	}
	var c lz4BlockCompressor
	if level == lz4DefaultLevel {
		fc, _ := lz4Fast.Get().(*lz4.Compressor)
		if fc == nil {
			fc = new(lz4.Compressor)
		}
		defer lz4Fast.Put(fc)
		c = fc
	} else {
		hc, _ := lz4HC.Get().(*lz4.CompressorHC)
		if hc == nil {
			hc = new(lz4.CompressorHC)
		}
		defer lz4HC.Put(hc)
		// pierrec's HC levels are search depths 2^9 .. 2^17; lz4-java's
		// levels 1-17 map onto them, 9 and above sharing the deepest.
		hc.Level = lz4.CompressionLevel(1 << (8 + min(level, 9)))
		c = hc
	}
	dst = append(dst, lz4FrameHeader[:]...)
	for len(src) > 0 {
		block := src[:min(len(src), lz4BlockSize)]
		src = src[len(block):]
		bound := lz4.CompressBlockBound(len(block))
		dst = slices.Grow(dst, 4+bound)
		at := len(dst)
		n, err := c.CompressBlock(block, dst[at+4:at+4+bound])
		if err != nil || n <= 0 || n >= len(block) {
			binary.LittleEndian.PutUint32(dst[at:at+4], uint32(len(block))|0x80000000)
			dst = append(dst[:at+4], block...)
			continue
		}
		binary.LittleEndian.PutUint32(dst[at:at+4], uint32(n))
		dst = dst[:at+4+n]
	}
	return append(dst, 0, 0, 0, 0), nil
}

type lz4Reader struct {
	r   *lz4.Reader
	src bytes.Reader
}

var lz4Readers sync.Pool

func decompressLZ4(dst, src []byte, limit int) ([]byte, error) {
	lr, _ := lz4Readers.Get().(*lz4Reader)
	if lr == nil {
		lr = &lz4Reader{r: lz4.NewReader(nil)}
	}
	defer lz4Readers.Put(lr)
	lr.src.Reset(src)
	defer lr.src.Reset(nil)
	lr.r.Reset(&lr.src)
	defer lr.r.Reset(nil)
	return readLimited(dst, lr.r, CodecLZ4, limit, 4*len(src))
}
