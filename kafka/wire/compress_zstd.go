package wire

import (
	"errors"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Zstd: Java (zstd-jni) writes one standard frame; any valid frame is
// accepted by the broker. Brokers only accept zstd batches on Produce v7+
// (KIP-110) and consumers need Fetch v10+; the producer enforces that, wire
// cannot know the version. Encoders and decoders are pooled: building one
// costs hundreds of kilobytes of tables.

const zstdWindow = 1 << 20

// zstdEncoders holds one pool per klauspost level (Fastest..Best, 1-4).
var zstdEncoders [5]sync.Pool

func compressZstd(dst, src []byte, level int) ([]byte, error) {
	if level == 0 {
		level = 3 // Java's compression.zstd.level default
	}
	if level < -131072 || level > 22 {
		return dst, &CompressionError{Codec: CodecZstd, Op: "compress", Err: ErrInvalidLevel}
	}
	kl := zstd.EncoderLevelFromZstd(level)
	pool := &zstdEncoders[kl]
	enc, _ := pool.Get().(*zstd.Encoder)
	if enc == nil {
		var err error
		// Concurrency 1: EncodeAll runs on the caller's goroutine and the
		// encoder owns no goroutines, so a pooled encoder can simply be
		// dropped by the GC. A 1 MiB window (the default batch size;
		// klauspost's default is 8 MiB) covers a whole default batch, so
		// the ratio is the same, and keeps each encoder's history small:
		// with the default the pooled encoders dominated the heap.
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(kl), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(zstdWindow))
		if err != nil {
			return dst, &CompressionError{Codec: CodecZstd, Op: "compress", Err: ErrInvalidLevel, Cause: err}
		}
	}
	dst = enc.EncodeAll(src, dst)
	pool.Put(enc)
	return dst, nil
}

// zstdDecoder remembers the limit its decoder was configured with, so the
// options are only rebuilt when a caller uses a different limit.
type zstdDecoder struct {
	d     *zstd.Decoder
	limit int
}

var zstdDecoders sync.Pool

func decompressZstd(dst, src []byte, limit int) ([]byte, error) {
	zd, _ := zstdDecoders.Get().(*zstdDecoder)
	if zd == nil {
		// DecodeAll with WithDecoderMaxMemory stops once the output passes
		// the limit (checked per block, at most 128 KiB later) and rejects
		// frames whose declared size or window exceeds it, so a bomb costs
		// at most the limit. Concurrency 1 keeps the decoder goroutine-free.
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(limit)))
		if err != nil {
			return dst, corruptCompressed(CodecZstd, err)
		}
		zd = &zstdDecoder{d: d, limit: limit}
	} else if zd.limit != limit {
		if err := zd.d.ResetWithOptions(nil, zstd.WithDecoderMaxMemory(uint64(limit))); err != nil {
			return dst, corruptCompressed(CodecZstd, err)
		}
		zd.limit = limit
	}
	defer zstdDecoders.Put(zd)
	start := len(dst)
	out, err := zd.d.DecodeAll(src, dst)
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
			return dst[:start], tooLarge(CodecZstd, limit)
		}
		return dst[:start], corruptCompressed(CodecZstd, err)
	}
	if len(out)-start > limit {
		return dst[:start], tooLarge(CodecZstd, limit)
	}
	return out, nil
}
