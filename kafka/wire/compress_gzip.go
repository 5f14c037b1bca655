package wire

import (
	"bytes"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Gzip: Java writes one standard gzip member with JDK GZIPOutputStream and
// reads with GZIPInputStream, which also accepts concatenated members; so do
// we. klauspost's gzip is wire-compatible with compress/gzip and faster.

// gzipWriter pairs a pooled gzip.Writer with the appendWriter it writes
// through, so neither is allocated per batch.
type gzipWriter struct {
	w   *gzip.Writer
	out appendWriter
}

// gzipWriters holds one pool per level; index level+1 (level -1 is the
// Deflater default Java uses when compression.gzip.level is unset).
var gzipWriters [11]sync.Pool

func compressGzip(dst, src []byte, level int) ([]byte, error) {
	if level == 0 {
		level = gzip.DefaultCompression
	}
	if level < gzip.DefaultCompression || level > gzip.BestCompression {
		return dst, &CompressionError{Codec: CodecGzip, Op: "compress", Err: ErrInvalidLevel}
	}
	pool := &gzipWriters[level+1]
	gw, _ := pool.Get().(*gzipWriter)
	if gw == nil {
		gw = new(gzipWriter)
		w, err := gzip.NewWriterLevel(&gw.out, level)
		if err != nil { // unreachable: the level was checked
			return dst, &CompressionError{Codec: CodecGzip, Op: "compress", Err: ErrInvalidLevel, Cause: err}
		}
		gw.w = w
	}
	gw.out.b = dst
	gw.w.Reset(&gw.out)
	_, err := gw.w.Write(src)
	if err == nil {
		err = gw.w.Close()
	}
	dst = gw.out.b
	gw.out.b = nil
	pool.Put(gw)
	if err != nil { // unreachable: appendWriter never fails
		return dst, &CompressionError{Codec: CodecGzip, Op: "compress", Err: ErrCorruptCompressed, Cause: err}
	}
	return dst, nil
}

type gzipReader struct {
	r   gzip.Reader
	src bytes.Reader
}

var gzipReaders sync.Pool

func decompressGzip(dst, src []byte, limit int) ([]byte, error) {
	gr, _ := gzipReaders.Get().(*gzipReader)
	if gr == nil {
		gr = new(gzipReader)
	}
	defer gzipReaders.Put(gr)
	gr.src.Reset(src) // a bytes.Reader is an io.ByteReader: flate reads it without a bufio wrapper
	defer gr.src.Reset(nil)
	if err := gr.r.Reset(&gr.src); err != nil {
		return dst, corruptCompressed(CodecGzip, err)
	}
	// ISIZE (the last four bytes) is the usual size; it is only a hint,
	// readLimited clamps it to the limit.
	hint := 0
	if len(src) >= 18 {
		hint = int(uint32(src[len(src)-4]) | uint32(src[len(src)-3])<<8 | uint32(src[len(src)-2])<<16 | uint32(src[len(src)-1])<<24)
	}
	return readLimited(dst, &gr.r, CodecGzip, limit, hint)
}
