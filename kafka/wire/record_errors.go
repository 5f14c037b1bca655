package wire

import (
	"errors"
	"fmt"
)

var (
	// ErrCorruptBatch matches every *CorruptBatchError with errors.Is.
	ErrCorruptBatch = errors.New("wire: corrupt record batch")
	// ErrCRCMismatch is the reason of a CorruptBatchError whose stored
	// CRC-32C does not match its bytes.
	ErrCRCMismatch = errors.New("crc mismatch")
	// ErrUnsupportedMagic matches every *UnsupportedMagicError.
	ErrUnsupportedMagic = errors.New("wire: unsupported record batch magic")
)

// CorruptBatchError reports a record batch that cannot be trusted: an
// impossible length, a CRC mismatch, malformed records, or a compressed
// payload its codec cannot read. Err says which (ErrCRCMismatch, a
// *DecodeError, a *CompressionError, or a plain reason); errors.Is(err,
// ErrCorruptBatch) is true for all of them.
type CorruptBatchError struct {
	Pos        int   // byte offset of the batch in the decoded buffer
	BaseOffset int64 // the batch's baseOffset, or -1 if it could not be read
	Err        error
}

func (e *CorruptBatchError) Error() string {
	return fmt.Sprintf("wire: corrupt record batch at byte %d (base offset %d): %v", e.Pos, e.BaseOffset, e.Err)
}

func (e *CorruptBatchError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorruptBatch) true.
func (e *CorruptBatchError) Is(target error) bool { return target == ErrCorruptBatch }

// UnsupportedMagicError reports a batch whose magic byte is not 2: a pre-0.11
// message set (magic 0 or 1) or garbage. gregor reads only record batch v2.
type UnsupportedMagicError struct {
	Pos        int
	BaseOffset int64
	Magic      int8
}

func (e *UnsupportedMagicError) Error() string {
	return fmt.Sprintf("wire: unsupported record batch magic %d at byte %d (base offset %d)", e.Magic, e.Pos, e.BaseOffset)
}

// Is makes errors.Is(err, ErrUnsupportedMagic) true.
func (e *UnsupportedMagicError) Is(target error) bool { return target == ErrUnsupportedMagic }
