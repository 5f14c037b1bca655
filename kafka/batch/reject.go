package batch

import (
	"math"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Reject handles a batch the broker refused because of some of its records
// (Produce v8+ names them in RecordErrors, KIP-467: a keyless record for a
// compacted topic, a timestamp out of the topic's range). The broker
// appended nothing of b. The records at the indices of bad complete at once
// with their errors (a batch holding only them, with ItemErrs, takes b's
// place); the others are re-encoded from b's own bytes into a resend that
// follows it, with b's creation time and attempts, so records that did
// nothing wrong are not failed with their neighbours (Java fails them all).
//
// The resend is shorter than b, so the sequences after it no longer follow
// on: when idempotent the partition then needs an epoch bump, as after any
// rejected batch (Drain returns NeedBump once nothing is on the wire; Bump
// renumbers the resend and everything after it).
//
// It returns false, changing nothing, when bad names no record of b or b's
// bytes cannot be read back (the caller fails b whole).
func (p *Partition[T]) Reject(b *Batch[T], bad map[int]error) bool {
	n := 0
	for i := range bad {
		if i >= 0 && i < len(b.Items) {
			n++
		}
	}
	if n == 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var recs []wire.Record
	if n < len(b.Items) && b.state == stateInFlight {
		var ok bool
		if recs, ok = sentRecords(b); !ok {
			return false
		}
	}
	if !p.reported(b) {
		return true
	}
	if p.cfg.Idempotent && b.ProducerID == p.pid && b.Epoch == p.epoch {
		p.needBump = true
	}
	failed := &Batch[T]{
		Items: make([]T, 0, n), ItemErrs: make([]error, 0, n), Created: b.Created, ProducerID: b.ProducerID,
		Epoch: b.Epoch, BaseSeq: b.BaseSeq, Attempts: b.Attempts, Sent: b.Sent, LastErr: b.LastErr,
		BaseOffset: -1, LogAppendTime: -1, ord: b.ord, state: stateDone,
	}
	var good []T
	var goodRecs []wire.Record
	for i, it := range b.Items {
		if err, ok := bad[i]; ok {
			failed.Items = append(failed.Items, it)
			failed.ItemErrs = append(failed.ItemErrs, err)
			if failed.Err == nil {
				failed.Err = err
			}
			continue
		}
		good = append(good, it)
		goodRecs = append(goodRecs, recs[i])
	}
	pieces := []*Batch[T]{failed}
	if len(good) > 0 {
		resend := &Batch[T]{
			Items: good, Created: b.Created, ProducerID: b.ProducerID, Epoch: b.Epoch, BaseSeq: b.BaseSeq,
			Attempts: b.Attempts, Sent: b.Sent, LastErr: failed.Err, BaseOffset: -1, LogAppendTime: -1,
			state: stateSealed, ord: b.ord + 1, urgent: b.urgent,
		}
		encodePiece(p, resend, goodRecs)
		pieces = append(pieces, resend)
	}
	p.replace(b, pieces)
	return true
}

// sentRecords reads b's records back from its own bytes (decompressing
// them). Re-encoding a sent batch (Split, Reject) reads what was sent,
// never the callers' Records: a ProduceSync caller that stopped waiting
// owns its Record again and may be changing it.
func sentRecords[T Item](b *Batch[T]) ([]wire.Record, bool) {
	// Our own bytes: no hostile size to bound.
	batches, err := wire.DecodeRecordBatches(b.Bytes, wire.DecodeOptions{MaxDecompressedBytes: math.MaxInt32})
	if err != nil || len(batches) != 1 || len(batches[0].Records) != len(b.Items) {
		return nil, false
	}
	return batches[0].Records, true
}

// encodePiece encodes recs (a sent batch's records, from sentRecords) as
// piece's bytes under piece's producer state. A piece that cannot be built
// (cannot happen with a state that built once) is failed rather than lost.
func encodePiece[T Item](p *Partition[T], piece *Batch[T], recs []wire.Record) {
	size := 0
	for i := range recs {
		size += wire.MaxRecordSize(recs[i].Key, recs[i].Value, recs[i].Headers)
	}
	limit := max(p.cfg.MaxBytes, size)
	bb := getBuilder(min(size, limit), limit)
	for i := range recs {
		r := &recs[i]
		bb.Append(r.Timestamp, r.Key, r.Value, r.Headers)
	}
	piece.size = bb.Size() // before build: it may take bb's buffer
	bytes, out, err := build(bb, p.cfg, piece.ProducerID, piece.Epoch, piece.BaseSeq)
	putBuilder(bb)
	if err != nil {
		piece.Err, piece.state = err, stateDone
		return
	}
	piece.Bytes, piece.out = bytes, out
}

// replace puts pieces in b's place: in the outstanding list (their
// ordinals lie within b's range, so the order holds) and, for the sealed
// ones, in the queue as resends; the done ones are finished. b is done.
func (p *Partition[T]) replace(b *Batch[T], pieces []*Batch[T]) {
	i := 0
	for i < len(p.out) && p.out[i] != b {
		i++
	}
	var rest []*Batch[T]
	if i < len(p.out) {
		rest = append(rest, p.out[i+1:]...)
	}
	p.out = append(append(p.out[:i], pieces...), rest...)
	p.pending += len(pieces) - 1 // b was outstanding; every piece is
	b.state, b.emitted, b.Items = stateDone, true, nil
	for _, pc := range pieces {
		if pc.state == stateDone {
			p.finish(pc) // no longer outstanding
			continue
		}
		p.insertSealed(pc)
	}
}
