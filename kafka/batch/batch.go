package batch

import (
	"errors"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Item is the accumulator's view of one record. The accumulator never
// looks inside the caller's record: it asks the Item for the fields to
// encode (only when a batch must be re-encoded: a record removed before
// sealing, or a split) and whether it may still be sent.
type Item interface {
	// Seal moves the item from queued to sealed and reports whether it
	// could: false means the caller cancelled it meanwhile (its context
	// ended), and the accumulator drops it without a completion. After a
	// successful Seal the item can no longer be cancelled.
	Seal() bool
	// Fields returns the record's content: timestamp (Unix ms), key, value
	// and headers, exactly as given to Append.
	Fields() (ts int64, key, value []byte, headers []wire.RecordHeader)
}

// ErrExpired is the Err of a batch failed by Expire (the delivery timeout
// passed). The policy layer turns it into its own typed error using the
// batch's Attempts, Sent and LastErr.
var ErrExpired = errors.New("batch: delivery timeout expired")

// ErrAborted is the Err of a batch failed by Abort when the caller passed
// no error of its own.
var ErrAborted = errors.New("batch: aborted")

// Config is a Partition's fixed configuration.
type Config struct {
	// MaxBytes closes a batch once its uncompressed size reaches it
	// (batch.size). A record that does not fit a non-empty batch starts a
	// new one; a record larger than MaxBytes gets a batch of its own.
	MaxBytes int
	// MaxRecords closes a batch at this many records; 0 means no limit.
	MaxRecords int
	// Linger is how long an unfilled batch may wait for more records. 0
	// means adaptive: any batch is ready whenever the caller drains (the
	// caller drains when its broker connection has a free slot).
	Linger time.Duration
	// DeliveryTimeout bounds a batch's life from its creation (Expire).
	DeliveryTimeout time.Duration
	// Codec compresses sealed batches.
	Codec wire.Codec
	// Idempotent writes producer id, epoch and sequences into batches and
	// enables the sequence bookkeeping (unresolved sequences, epoch bumps).
	Idempotent bool
	// MaxOutstanding bounds the batches of this partition sealed and not
	// yet completed (on the wire or waiting for a resend). The broker
	// remembers the last 5 batches per producer and partition, so an
	// idempotent producer must not exceed 5. 0 means no limit.
	MaxOutstanding int
}

type batchState uint8

const (
	stateOpen     batchState = iota // the deque's tail, accepting appends
	stateClosed                     // full, waiting for its first drain
	stateSealed                     // sequenced, waiting in the deque (resend or split piece)
	stateInFlight                   // drained, on the wire
	stateDone                       // outcome decided
)

// Batch is one record batch and its delivery state. The exported fields
// are written by the Partition under its mutex; read them only in the
// OnDone hook or after it (the batch is then immutable), or, for a batch
// Drain returned, Bytes and the producer state until its outcome is
// reported.
type Batch[T Item] struct {
	// Items are the batch's records in offset order. Before sealing it
	// may hold cancelled items; Drain removes them.
	Items []T
	// Created is when the first record was appended; the delivery timeout
	// counts from it, across retries and splits.
	Created time.Time

	// Bytes is the encoded batch (header, compressed records, CRC) once
	// sealed.
	Bytes []byte
	// ProducerID, Epoch and BaseSeq are the idempotent producer state
	// written into Bytes (-1 when not idempotent).
	ProducerID int64
	Epoch      int16
	BaseSeq    int32

	// Attempts counts drains (sends); a split keeps the count.
	Attempts int
	// Sent reports whether an attempt was drained (handed to the caller to
	// send): from then on the broker may have the batch.
	Sent bool
	// LastErr is the error of the last failed attempt.
	LastErr error

	// Outcome, set before OnDone: Err nil means acknowledged at
	// BaseOffset (-1 if unknown, e.g. a duplicate) with LogAppendTime (-1
	// unless the topic uses broker time).
	Err           error
	BaseOffset    int64
	LogAppendTime int64
	// ItemErrs, when set (Reject), holds each item's own error, which
	// overrides Err for it.
	ItemErrs []error

	state     batchState
	builder   *wire.BatchBuilder
	ord       int64 // position in the partition's record stream; never rewritten
	size      int   // uncompressed size when sealed (split needs it)
	urgent    bool
	retryAt   time.Time
	abandoned bool // failed (expired) while on the wire; its late response is bookkeeping only
	emitted   bool
	items     *box[T]    // pooled backing array of Items (nil for split pieces)
	out       *box[byte] // pooled buffer of a compressed batch's Bytes (nil: Bytes is a builder's buffer)
}

// NumRecords returns the number of records the batch holds (sealed:
// exactly those on the wire).
func (b *Batch[T]) NumRecords() int { return len(b.Items) }

// Urgent reports whether someone waits on the batch synchronously.
func (b *Batch[T]) Urgent() bool { return b.urgent }

// Size returns the batch's encoded size: len(Bytes) once sealed, the
// uncompressed estimate before.
func (b *Batch[T]) Size() int {
	if b.Bytes != nil {
		return len(b.Bytes)
	}
	if b.builder != nil {
		return b.builder.Size()
	}
	return 0
}

// maxPooledBuffer bounds the buffers kept for reuse.
const maxPooledBuffer = 4 << 20

// Release hands an acknowledged batch's buffer back for reuse by later
// batches of any partition (an uncompressed batch is built in its
// builder's buffer, so the buffer travels builder -> batch -> builder and
// steady-state appends neither allocate nor copy). Call it once, after the
// batch's records were delivered; Bytes is nil afterwards. It does nothing
// for a batch that failed: a failed batch may still be referenced by a
// request being written (an expired batch on the wire), while an
// acknowledged one was answered, so its request is long encoded.
func (b *Batch[T]) Release() {
	if b.Err != nil {
		return
	}
	if ib := b.items; ib != nil {
		// The items were delivered: clear them (they reference the
		// caller's records) and keep the array for a later batch, so
		// steady-state batches do not regrow it record by record.
		b.items = nil
		if cap(b.Items) <= maxPooledItems {
			clear(b.Items)
			ib.s = b.Items[:0]
			b.Items = nil
			putItems(ib)
		}
	}
	if b.Bytes == nil || cap(b.Bytes) > maxPooledBuffer {
		return
	}
	if out := b.out; out != nil {
		b.out = nil
		out.s = b.Bytes[:0]
		b.Bytes = nil
		outPool.Put(out)
		return
	}
	bb := new(wire.BatchBuilder)
	bb.ResetWith(b.Bytes)
	b.Bytes = nil
	putBuilder(bb)
}

// box carries a slice to and from a sync.Pool (a pointer, so Put does not
// allocate). A batch keeps the box it took and puts the same one back.
type box[T any] struct{ s []T }

// getBox returns a box from pool, or a new empty one. The pools are
// shared by every item type; a box of another type is dropped (only tests
// use more than one).
func getBox[T any](pool *sync.Pool) *box[T] {
	if b, ok := pool.Get().(*box[T]); ok {
		return b
	}
	return new(box[T])
}

var (
	// outPool recycles the buffers of compressed batches, apart from
	// the builders' (a compressed batch is a fraction of its records'
	// size: as a builder buffer it would only be regrown).
	outPool sync.Pool
)

// maxPooledItems bounds the item arrays kept for reuse.
const maxPooledItems = 1 << 16

// encode appends items to a fresh builder with room for size bytes of
// records.
func encode[T Item](items []T, size int) *wire.BatchBuilder {
	bb := getBuilder(size, size)
	for _, it := range items {
		ts, k, v, h := it.Fields()
		bb.Append(ts, k, v, h)
	}
	return bb
}

// build seals bb into bytes with the given producer state. Uncompressed
// batches are finished in bb's own buffer (no copy; bb is left empty; out
// is nil), compressed ones are built into the buffer of out, a box from
// outPool that the batch hands back in Release.
func build(bb *wire.BatchBuilder, cfg *Config, pid int64, epoch int16, seq int32) (bytes []byte, out *box[byte], err error) {
	params := wire.BatchParams{
		Codec:         cfg.Codec,
		Idempotent:    cfg.Idempotent,
		ProducerID:    pid,
		ProducerEpoch: epoch,
		BaseSequence:  seq,
	}
	if cfg.Codec == wire.CodecNone {
		bytes, err = bb.Finish(params)
		return bytes, nil, err
	}
	out = getBox[byte](&outPool)
	dst := out.s[:0]
	out.s = nil // the batch holds the buffer until Release
	if dst == nil {
		dst = make([]byte, 0, buildCap(bb, cfg.Codec))
	}
	bytes, err = bb.Build(dst, params)
	return bytes, out, err
}

// buildCap guesses the built size of a batch when no pooled buffer is at
// hand: exact without compression, a quarter of the input with it (records
// usually compress 2-10x; append grows the rest, and the buffer is pooled
// for the next compressed batch).
func buildCap(bb *wire.BatchBuilder, c wire.Codec) int {
	if c == wire.CodecNone {
		return bb.Size()
	}
	return wire.RecordBatchOverhead + len(bb.Records())/4 + 64
}
