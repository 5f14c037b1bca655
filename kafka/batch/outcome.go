package batch

import (
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// reported is the common start of every outcome: the batch left the wire.
// It returns false if the outcome no longer matters (the batch already
// failed by expiry or abort): then only the bookkeeping is done.
func (p *Partition[T]) reported(b *Batch[T]) bool {
	if b.state == stateInFlight || (b.abandoned && b.state == stateDone) {
		p.onWire--
	}
	if b.abandoned {
		b.abandoned = false // a second report must not decrement again
		return false
	}
	return b.state == stateInFlight
}

// Ack completes b successfully at baseOffset (-1 if the broker did not say,
// e.g. DUPLICATE_SEQUENCE_NUMBER) with the broker's append time (-1 for
// create time).
func (p *Partition[T]) Ack(b *Batch[T], baseOffset, logAppendTime int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg.Idempotent && b.ProducerID == p.pid && b.Epoch == p.epoch {
		if last := incrementSeq(b.BaseSeq, len(b.Items)-1); last > p.lastAcked {
			p.lastAcked = last
		}
	}
	if !p.reported(b) {
		return
	}
	b.BaseOffset, b.LogAppendTime, b.Err = baseOffset, logAppendTime, nil
	p.finish(b)
}

// Retry puts b back at the head of the deque, in sequence order among the
// other resends, to be drained again no earlier than retryAt (pass the
// zero time to skip the backoff, e.g. after a KIP-951 leader hint). err is
// kept as LastErr.
func (p *Partition[T]) Retry(b *Batch[T], retryAt time.Time, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.retry(b, retryAt, err)
}

func (p *Partition[T]) retry(b *Batch[T], retryAt time.Time, err error) {
	if !p.reported(b) {
		return
	}
	b.LastErr, b.retryAt, b.state = err, retryAt, stateSealed
	p.insertSealed(b)
}

// insertSealed inserts b into the deque after the sealed batches of lower
// ordinal and before everything else (Java's insertInSequenceOrder), so
// resends stay sorted even when their responses arrive out of order.
func (p *Partition[T]) insertSealed(b *Batch[T]) {
	i := 0
	for i < len(p.q) && p.q[i].state == stateSealed && p.q[i].ord < b.ord {
		i++
	}
	p.q = append(p.q, nil)
	copy(p.q[i+1:], p.q[i:])
	p.q[i] = b
	p.nq.Store(int32(len(p.q)))
}

// OutOfOrder handles OUT_OF_ORDER_SEQUENCE_NUMBER: usually an earlier
// batch failed and this one is simply resent after it; but if b is the
// very next sequence after the last acknowledged one, the broker lost
// state (a true gap) and the epoch must be bumped before resending.
func (p *Partition[T]) OutOfOrder(b *Batch[T], retryAt time.Time, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg.Idempotent && b.state == stateInFlight && b.ProducerID == p.pid && b.Epoch == p.epoch &&
		b.BaseSeq == incrementSeq(p.lastAcked, 1) {
		p.needBump = true
	}
	p.retry(b, retryAt, err)
}

// UnknownProducer handles UNKNOWN_PRODUCER_ID: the broker no longer knows
// the producer (its state was removed with the log head); the batch is
// resent after an epoch bump restarts the sequences.
func (p *Partition[T]) UnknownProducer(b *Batch[T], retryAt time.Time, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg.Idempotent && b.state == stateInFlight && b.ProducerID == p.pid && b.Epoch == p.epoch {
		p.needBump = true
	}
	p.retry(b, retryAt, err)
}

// Fail completes b with err. rejected tells whether the broker surely did
// not append it (a definite error response): the partition's sequence then
// has a gap and, when idempotent, the epoch is bumped before more batches
// go. Otherwise (retries exhausted on an unknown outcome) the partition's
// sequence becomes unresolved: no new batch goes until every batch on the
// wire has answered, then an epoch bump follows only if something was
// lost.
func (p *Partition[T]) Fail(b *Batch[T], err error, rejected bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reported(b) {
		return
	}
	if p.cfg.Idempotent && b.ProducerID == p.pid && b.Epoch == p.epoch {
		if rejected {
			p.needBump = true
		} else {
			p.unresolved = true
		}
	}
	b.Err = err
	p.finish(b)
}

// finish decides b's outcome and hands every batch whose predecessors are
// all decided to onDone, in order.
func (p *Partition[T]) finish(b *Batch[T]) {
	b.state = stateDone
	p.pending--
	for len(p.out) > 0 && p.out[0].state == stateDone {
		d := p.out[0]
		p.out[0] = nil
		p.out = p.out[1:]
		if !d.emitted {
			d.emitted = true
			p.onDone(d)
		}
	}
	if len(p.out) == 0 {
		p.out = p.out[:0:0]
	}
}

// Split handles MESSAGE_TOO_LARGE for a multi-record batch: its records
// are re-encoded into batches of at most half its size (and at most
// MaxBytes), which take its place in sequence order with contiguous
// sequences from its base sequence, the same producer state, creation time
// and attempt count (a split is not an attempt). It returns false for a
// single-record batch, which cannot be split: the caller fails it.
func (p *Partition[T]) Split(b *Batch[T], err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(b.Items) < 2 {
		return false
	}
	var recs []wire.Record
	if b.state == stateInFlight {
		var ok bool
		if recs, ok = sentRecords(b); !ok {
			return false
		}
	}
	if !p.reported(b) {
		return true
	}
	limit := min(p.cfg.MaxBytes, b.size/2)
	var pieces []*Batch[T]
	start, size := 0, 0
	flush := func(end int) {
		piece := &Batch[T]{
			Items: b.Items[start:end:end], Created: b.Created, ProducerID: b.ProducerID, Epoch: b.Epoch,
			BaseSeq: b.BaseSeq, Attempts: b.Attempts - 1, Sent: false, LastErr: err,
			BaseOffset: -1, LogAppendTime: -1, state: stateSealed, ord: b.ord + int64(start), urgent: b.urgent,
		}
		if p.cfg.Idempotent {
			piece.BaseSeq = incrementSeq(b.BaseSeq, start)
		}
		encodePiece(p, piece, recs[start:end])
		pieces = append(pieces, piece)
		start, size = end, 0
	}
	for i := range recs {
		r := &recs[i]
		n := wire.MaxRecordSize(r.Key, r.Value, r.Headers)
		if i > start && size+n > limit {
			flush(i)
		}
		size += n
	}
	flush(len(recs))
	p.replace(b, pieces)
	return true
}

// Bump moves the partition to a new producer state after a sequence gap
// (Drain returned NeedBump; nothing is on the wire): the queued resends
// get sequences from 0 under the new id and epoch, rewritten in their
// bytes. It returns false, changing nothing, while batches are on the wire.
func (p *Partition[T]) Bump(pid int64, epoch int16) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.onWire > 0 {
		return false
	}
	seq := int32(0)
	for _, b := range p.out {
		if b.state == stateDone {
			continue
		}
		if err := wire.SetProducerState(b.Bytes, pid, epoch, seq); err != nil {
			// Bytes we built are always valid; keep the old state if not,
			// and let the broker reject it rather than panic.
			continue
		}
		b.ProducerID, b.Epoch, b.BaseSeq = pid, epoch, seq
		seq = incrementSeq(seq, len(b.Items))
	}
	p.pid, p.epoch, p.nextSeq, p.lastAcked = pid, epoch, seq, -1
	p.needBump, p.unresolved = false, false
	return true
}

// Expire fails, with ErrExpired, the batches whose delivery timeout has
// passed: queued ones from the head until the first unexpired (Java's
// sweep), and those on the wire (their late responses are then only
// bookkeeping). An expired batch that held a sequence makes the
// partition's sequence unresolved. It returns how many batches expired.
func (p *Partition[T]) Expire(now time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for len(p.q) > 0 && now.Sub(p.q[0].Created) >= p.cfg.DeliveryTimeout {
		b := p.q[0]
		p.popHead()
		p.abort(b, ErrExpired)
		n++
	}
	var expired []*Batch[T]
	for _, b := range p.out {
		if b.state == stateInFlight && now.Sub(b.Created) >= p.cfg.DeliveryTimeout {
			expired = append(expired, b)
		}
	}
	for _, b := range expired { // finish reslices p.out: iterate a copy
		b.abandoned = true
		b.Err = ErrExpired
		if p.cfg.Idempotent {
			p.unresolved = true
		}
		p.finish(b)
		n++
	}
	return n
}

// abort fails a batch taken from the deque.
func (p *Partition[T]) abort(b *Batch[T], err error) {
	b.Err = err
	if b.state == stateSealed {
		if p.cfg.Idempotent {
			p.unresolved = true
		}
		p.finish(b)
		return
	}
	putBuilder(b.builder)
	b.builder = nil
	b.state, b.emitted = stateDone, true
	p.onDone(b)
}

// Abort fails every queued batch (resends and never-sent ones, the open
// one included) with err (ErrAborted if nil). Batches on the wire are left
// to their responses. It returns how many batches failed.
func (p *Partition[T]) Abort(err error) int {
	if err == nil {
		err = ErrAborted
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for len(p.q) > 0 {
		b := p.q[0]
		p.popHead()
		p.abort(b, err)
		n++
	}
	return n
}
