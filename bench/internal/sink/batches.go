package sink

import (
	"encoding/binary"
	"errors"
)

// Offsets inside a v2 record batch (protocol.md §3).
const (
	batchLengthOffset  = 8  // int32: bytes after this field
	magicOffset        = 16 // int8: 2
	recordsCountOffset = 57 // int32
	batchOverhead      = 61 // header bytes of a v2 batch
	logOverhead        = 12 // baseOffset + batchLength
)

// ErrBadBatch is returned by CountRecords for a records field that is not
// a sequence of well-framed v2 batches.
var ErrBadBatch = errors.New("sink: malformed record batch")

// CountRecords walks the batches in a Produce partition's records field and
// returns the number of records and batches. It checks framing (lengths,
// magic 2, a non-negative count) but not CRCs: verifying every CRC would
// make the sink's cost depend on the bytes the client sends, which is what
// the benchmark measures on the client side.
func CountRecords(b []byte) (records, batches int64, err error) {
	for len(b) > 0 {
		if len(b) < batchOverhead {
			return records, batches, ErrBadBatch
		}
		n := int64(int32(binary.BigEndian.Uint32(b[batchLengthOffset:])))
		if n < batchOverhead-logOverhead || n > int64(len(b)-logOverhead) || b[magicOffset] != 2 {
			return records, batches, ErrBadBatch
		}
		c := int32(binary.BigEndian.Uint32(b[recordsCountOffset:]))
		if c < 0 {
			return records, batches, ErrBadBatch
		}
		records += int64(c)
		batches++
		b = b[logOverhead+n:]
	}
	return records, batches, nil
}
