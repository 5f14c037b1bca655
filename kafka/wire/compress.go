package wire

import (
	"errors"
	"fmt"
	"io"
	"slices"
)

// Codec is a record batch compression codec, as stored in bits 0-2 of the
// batch attributes. The values are the protocol's ids.
type Codec int8

// The codecs Kafka defines. CodecZstd needs Produce v7+ on the broker (KIP-110);
// wire does not know the negotiated version, so the producer enforces that.
const (
	CodecNone   Codec = 0
	CodecGzip   Codec = 1
	CodecSnappy Codec = 2
	CodecLZ4    Codec = 3
	CodecZstd   Codec = 4
)

// String returns the codec's name as Kafka's compression.type spells it.
func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecGzip:
		return "gzip"
	case CodecSnappy:
		return "snappy"
	case CodecLZ4:
		return "lz4"
	case CodecZstd:
		return "zstd"
	}
	return fmt.Sprintf("codec(%d)", int8(c))
}

// DefaultMaxDecompressedSize is the decompression cap used when a caller
// passes 0: 256 MiB. A record batch cannot legitimately exceed the broker's
// message.max.bytes after decompression by much, and Java's default fetch
// sizes are far below this, so anything larger is treated as a bomb.
const DefaultMaxDecompressedSize = 256 << 20

var (
	// ErrUnknownCodec is the reason of a CompressionError for a codec id
	// outside 0-4.
	ErrUnknownCodec = errors.New("unknown compression codec")
	// ErrInvalidLevel is the reason of a CompressionError for a compression
	// level outside the codec's range.
	ErrInvalidLevel = errors.New("invalid compression level")
	// ErrDecompressedTooLarge is the reason of a CompressionError when the
	// output would exceed the caller's cap. Decompression stops at the cap
	// plus at most one codec block; it never allocates what the input claims.
	ErrDecompressedTooLarge = errors.New("decompressed size exceeds limit")
	// ErrCorruptCompressed is the reason of a CompressionError when the
	// payload is not a valid stream of its codec (the codec library's own
	// error, when it has one, is in CompressionError.Cause).
	ErrCorruptCompressed = errors.New("corrupt compressed data")
)

// CompressionError reports a failure to compress or decompress. Err is one of
// ErrUnknownCodec, ErrInvalidLevel, ErrDecompressedTooLarge or
// ErrCorruptCompressed, so callers branch with errors.Is; Cause carries the
// codec library's error for people, not for matching.
type CompressionError struct {
	Codec Codec
	Op    string // "compress" or "decompress"
	Err   error
	Cause error
}

func (e *CompressionError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("wire: %s %s: %v: %v", e.Codec, e.Op, e.Err, e.Cause)
	}
	return fmt.Sprintf("wire: %s %s: %v", e.Codec, e.Op, e.Err)
}

func (e *CompressionError) Unwrap() error { return e.Err }

func corruptCompressed(c Codec, cause error) error {
	return &CompressionError{Codec: c, Op: "decompress", Err: ErrCorruptCompressed, Cause: cause}
}

func tooLarge(c Codec, limit int) error {
	return &CompressionError{Codec: c, Op: "decompress", Err: ErrDecompressedTooLarge,
		Cause: fmt.Errorf("limit %d bytes", limit)}
}

// Compress appends the compressed form of src to dst, in the stream format
// Kafka's Java client writes for codec c (see the per-codec files), and
// returns the extended slice. level 0 means the codec's default; otherwise it
// has Java's range: gzip 1-9, lz4 1-17, zstd -131072..22; snappy has none.
// Codec state is pooled, so in steady state Compress allocates only when dst
// must grow.
func Compress(dst, src []byte, c Codec, level int) ([]byte, error) {
	switch c {
	case CodecNone:
		return append(dst, src...), nil
	case CodecGzip:
		return compressGzip(dst, src, level)
	case CodecSnappy:
		if level != 0 {
			return dst, &CompressionError{Codec: c, Op: "compress", Err: ErrInvalidLevel}
		}
		return compressSnappy(dst, src), nil
	case CodecLZ4:
		return compressLZ4(dst, src, level)
	case CodecZstd:
		return compressZstd(dst, src, level)
	}
	return dst, &CompressionError{Codec: c, Op: "compress", Err: ErrUnknownCodec}
}

// Decompress appends the decompressed form of src to dst and returns the
// extended slice. It accepts every stream a Kafka producer may legitimately
// send for c: any gzip member sequence, xerial-framed or raw-block snappy,
// any LZ4 frame (checksums, content size, dependent blocks), any zstd frame.
// At most limit bytes are appended (limit <= 0 means
// DefaultMaxDecompressedSize); more fails with ErrDecompressedTooLarge. On
// error the returned slice is dst with unspecified bytes beyond len(dst).
func Decompress(dst, src []byte, c Codec, limit int) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxDecompressedSize
	}
	if len(src) == 0 && c > CodecNone && c <= CodecZstd {
		// No codec's stream is empty (even an empty input compresses to a
		// header), and some libraries would read it as "no data".
		return dst, corruptCompressed(c, errEmptyStream)
	}
	switch c {
	case CodecNone:
		if len(src) > limit {
			return dst, tooLarge(c, limit)
		}
		return append(dst, src...), nil
	case CodecGzip:
		return decompressGzip(dst, src, limit)
	case CodecSnappy:
		return decompressSnappy(dst, src, limit)
	case CodecLZ4:
		return decompressLZ4(dst, src, limit)
	case CodecZstd:
		return decompressZstd(dst, src, limit)
	}
	return dst, &CompressionError{Codec: c, Op: "decompress", Err: ErrUnknownCodec}
}

var errEmptyStream = errors.New("empty stream")

// appendWriter is an io.Writer that appends to b; streaming compressors
// write into the caller's dst through it without an intermediate buffer.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// readLimited appends everything r yields to dst, growing dst geometrically
// from an initial guess, and fails once more than limit bytes arrive. Peak
// memory is therefore about twice the limit, whatever the input claims.
func readLimited(dst []byte, r io.Reader, c Codec, limit, hint int) ([]byte, error) {
	start := len(dst)
	if hint < 512 {
		hint = 512
	}
	if hint > limit+1 {
		hint = limit + 1
	}
	dst = slices.Grow(dst, hint)
	for empty := 0; ; {
		if len(dst) == cap(dst) {
			grow := cap(dst) - start
			if grow < 4096 {
				grow = 4096
			}
			if n := len(dst) - start; n+grow > limit+1 {
				grow = limit + 1 - n
			}
			dst = slices.Grow(dst, grow)
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if n == 0 && err == nil {
			if empty++; empty > 100 {
				return dst[:start], corruptCompressed(c, io.ErrNoProgress)
			}
		}
		if len(dst)-start > limit {
			return dst[:start], tooLarge(c, limit)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst[:start], corruptCompressed(c, err)
		}
	}
}
