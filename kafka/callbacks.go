package kafka

import (
	"errors"
	"math"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/kafka/batch"
)

// completion is one entry of a partition's callback queue: a completed
// batch, or one record completed alone (cancelled).
type completion struct {
	b   *batch.Batch[entry]
	e   entry
	err error
}

// cbQueue is a partition's callback queue. A runner goroutine is started
// when the queue becomes non-empty and exits when it is empty again, so
// idle partitions cost no goroutine, callbacks of one partition run one at
// a time in completion order, and a slow callback delays only its own
// partition.
type cbQueue struct {
	mu      sync.Mutex
	q       []completion
	spare   []completion
	running bool // a runner (goroutine, or an inliner that owes a drain) owns the queue

	// inliners counts goroutines inside a response's completion for this
	// partition (beginInline..endInline) that will drain the queue
	// themselves if it became theirs meanwhile; due tells that it did.
	inliners int
	due      bool
}

// enqueueBatch is the accumulator's OnDone hook (called under the
// partition's mutex, in sequence order): it queues the batch's callbacks.
func (c *Client) enqueueBatch(p *partition, b *batch.Batch[entry]) {
	c.push(p, completion{b: b})
}

// enqueueOne queues the callback of one record completed alone.
func (c *Client) enqueueOne(p *partition, e entry, err error) {
	c.push(p, completion{e: e, err: err})
}

func (c *Client) push(p *partition, cm completion) {
	q := &p.cbq
	q.mu.Lock()
	q.q = append(q.q, cm)
	start := !q.running
	q.running = true
	if start && q.inliners > 0 && cm.inlinable() {
		// The response's goroutine delivers it once the partition's
		// mutex is released (endInline): no callback goroutine.
		q.due, start = true, false
	}
	q.mu.Unlock()
	if start {
		c.wg.add()
		go c.runCallbacks(p)
	}
}

// inlineMaxRecords bounds the batches delivered on a response's goroutine
// (the connection's reader): each record costs a wake of its caller, and
// the reader's next response waits for them.
const inlineMaxRecords = 128

// inlinable reports whether a completion may be delivered on the
// goroutine that completed it (a connection's reader) instead of the
// partition's callback goroutine: a batch whose every record belongs to a
// ProduceSync caller. Delivering one is a send on a buffered channel that
// nobody else sends on (see deliver), so it never blocks and runs no user
// code; a user callback could block or call ProduceSync, and would stall
// the reader (or wait for itself), so any batch with one takes the
// callback goroutine, as do single cancelled records.
func (cm *completion) inlinable() bool {
	b := cm.b
	if b == nil || len(b.Items) > inlineMaxRecords {
		return false
	}
	for i := range b.Items {
		if p := b.Items[i].p; p == nil || p.sync == nil {
			return false
		}
	}
	return true
}

// beginInline announces that the calling goroutine is about to complete
// batches of p (Ack, Fail... under p's mutex) and will call endInline
// after, with p's mutex released. Between the two, a completion that
// finds p's queue idle and may be delivered inline is left to it.
func (c *Client) beginInline(p *partition) {
	q := &p.cbq
	q.mu.Lock()
	q.inliners++
	q.mu.Unlock()
}

// endInline ends beginInline and, if p's queue became this goroutine's to
// drain, delivers it: ProduceSync callers get their result without the
// hop through a callback goroutine. Order is kept: the queue has one
// runner at a time (running), and an inliner that meets a completion it
// may not deliver hands the rest of the queue, in order, to a callback
// goroutine.
func (c *Client) endInline(p *partition) {
	q := &p.cbq
	q.mu.Lock()
	q.inliners--
	due := q.due
	q.due = false
	q.mu.Unlock()
	if due {
		c.drainInline(p)
	}
}

// drainInline runs p's callback queue on the calling goroutine, which
// owns it (running), while its head is inlinable.
func (c *Client) drainInline(p *partition) {
	q := &p.cbq
	for {
		q.mu.Lock()
		if len(q.q) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		if !q.q[0].inlinable() {
			q.mu.Unlock()
			c.wg.add()
			go c.runCallbacks(p) // running stays set: ownership passes on
			return
		}
		cm := q.q[0]
		n := copy(q.q, q.q[1:])
		q.q[n] = completion{}
		q.q = q.q[:n]
		q.mu.Unlock()
		c.completeBatch(p, cm.b)
	}
}

// runCallbacks drains p's callback queue, then exits.
func (c *Client) runCallbacks(p *partition) {
	defer c.wg.done()
	q := &p.cbq
	for {
		q.mu.Lock()
		if len(q.q) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		work := q.q
		q.q, q.spare = q.spare[:0], nil
		q.mu.Unlock()
		for i := range work {
			cm := &work[i]
			if cm.b != nil {
				c.completeBatch(p, cm.b)
			} else {
				c.deliver(cm.e, cm.err)
				c.release(cm.e.gen, 1, 0) // its bytes were freed when it was cancelled
			}
			*cm = completion{}
		}
		q.mu.Lock()
		if q.spare == nil {
			q.spare = work[:0]
		}
		q.mu.Unlock()
	}
}

// completeBatch calls the callbacks of b's records, then releases their
// buffer room (so a slow callback keeps its records' room held).
func (c *Client) completeBatch(p *partition, b *batch.Batch[entry]) {
	err := c.batchError(b)
	var n, bytes [2]int64 // per flush generation
	// Stamped records of a batch mostly share their millisecond (the
	// clock ticks every millisecond under load): build each time.Time once.
	var lastTs int64 = math.MinInt64
	var lastTime time.Time
	for i := range b.Items {
		it := &b.Items[i]
		own, report := it.claim()
		if !own {
			continue // cancelled: its canceller reported and released it
		}
		n[it.gen]++
		bytes[it.gen] += int64(it.size)
		if !report {
			continue // abandoned by ProduceSync: the Record is the caller's again
		}
		if err == nil {
			r := it.rec
			r.Partition = p.id
			r.Offset = -1
			if b.BaseOffset >= 0 {
				r.Offset = b.BaseOffset + int64(i)
			}
			ts, set := it.ts, it.stamped
			if b.LogAppendTime >= 0 {
				ts, set = b.LogAppendTime, true
			}
			if set {
				if ts != lastTs {
					lastTs, lastTime = ts, time.UnixMilli(ts)
				}
				r.Timestamp = lastTime
			}
		}
		if b.ItemErrs != nil {
			c.deliver(*it, b.ItemErrs[i])
			continue
		}
		c.deliver(*it, err)
	}
	if err == nil && b.ItemErrs == nil {
		c.acked.Add(n[0] + n[1])
	}
	b.Release()
	for g := range n {
		if n[g] > 0 {
			c.release(uint8(g), n[g], bytes[g])
		}
	}
}

// batchError turns a batch's outcome into the records' error.
func (c *Client) batchError(b *batch.Batch[entry]) error {
	switch {
	case b.Err == nil:
		return nil
	case errors.Is(b.Err, batch.ErrExpired):
		return &DeliveryTimeoutError{Timeout: c.cfg.deliveryTimeout, Attempts: b.Attempts, Sent: b.Sent, Last: b.LastErr}
	}
	return b.Err
}

// deliver reports one record's outcome to its callback or ProduceSync
// waiter.
func (c *Client) deliver(e entry, err error) {
	if err != nil {
		c.failed.Add(1)
	}
	if p := e.p; p != nil {
		if p.stop != nil {
			p.stop()
		}
		if p.sync != nil {
			p.sync <- err // buffered; ProduceSync may have gone
			return
		}
	}
	if e.cb != nil {
		e.cb(e.rec, err)
	}
}
