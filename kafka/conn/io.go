package conn

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// coalesceLimit is the most the writer copies into its write buffer before
// writing. Frames at least this large are written from their own buffer
// (after whatever was coalesced before them), so a big Produce request is
// never copied; small ones (metadata, small batches under load) share one
// write syscall.
const coalesceLimit = 64 << 10

// directWriteLimit bounds the frames Send writes from its caller's
// goroutine (writeDirect). The caller (a sender) must not wait on the
// socket: while a writer-goroutine write waits for the peer to read, the
// sender seals the next batch. So Send writes itself only a small frame
// on an idle connection: no response outstanding means the broker read
// everything sent before, the socket's send buffer is empty, and the
// write is one syscall that does not wait. Under load (requests in
// flight, big batches) everything goes through the writer, as before.
const directWriteLimit = 16 << 10

// The write side has one owner at a time, c.writing (under c.mu): either
// the writer goroutine with a batch taken from c.queue, or a Send that
// found the connection idle (not writing, queue empty, no response
// awaited) and writes its own frame (writeDirect). Correlation ids are
// assigned under c.mu in the same step that queues a frame or claims the
// write side, and a claim requires an empty queue, so frames reach the
// socket in correlation-id order either way.

// writeDirect writes r's frame from Send's goroutine, which claimed the
// write side. A ProduceSync round trip or a metadata request then costs
// no writer wake-up (a futex wake, 5-30 µs on a loaded machine). Only
// requests that expect a response come here (the reader completes them, a
// write error included: r is already in c.waiting), so done never runs
// inside Send. Frames queued meanwhile are handed to the writer.
func (c *Conn) writeDirect(r *request) {
	c.nc.SetWriteDeadline(time.Now().Add(c.cfg.RequestTimeout))
	err := c.write(r.frame.head)
	putFrame(r.frame)
	r.frame = nil
	if err != nil {
		c.kill(&Error{Addr: c.addr, Op: "write", Kind: ErrConnClosed, Cause: err})
	}
	c.releaseWrite()
}

// releaseWrite gives up the write side and hands what was queued
// meanwhile to the writer goroutine.
func (c *Conn) releaseWrite() {
	c.mu.Lock()
	c.writing = false
	more := len(c.queue) > 0
	c.mu.Unlock()
	if more {
		c.wakeWriter()
	}
}

// writeLoop owns the socket's write side while it writes. It takes
// everything queued since its last write (one lock acquisition per batch,
// not per request) and writes it with as few writes as coalesceLimit
// allows (frameWriter). A segmented request ends a write: it is marked
// written as soon as its bytes are, so the reader, which must not complete
// it before (awaitWritten), never waits for the requests behind it.
func (c *Conn) writeLoop() {
	defer c.wg.Done()
	defer close(c.writerDone)
	var spare []*request
	w := newFrameWriter(c.nc)
	for {
		select {
		case <-c.wake:
		case <-c.dead:
			return
		}
		c.mu.Lock()
		if c.writing || len(c.queue) == 0 {
			// A direct write is under way: it wakes us when it is done
			// if anything was queued meanwhile.
			c.mu.Unlock()
			continue
		}
		batch := c.queue
		c.queue = spare[:0]
		c.writing = true
		c.mu.Unlock()

		c.nc.SetWriteDeadline(time.Now().Add(c.cfg.RequestTimeout))
		var err error
		for _, r := range batch {
			if err = w.add(r.frame); err != nil {
				break
			}
			if r.segmented {
				if err = w.flush(); err != nil {
					break
				}
				r.written.Store(true)
				c.notifyWritten()
			}
		}
		if err == nil {
			err = w.flush()
		} else {
			w.flush() // drops the references; the socket is broken anyway
		}
		if err != nil {
			c.kill(&Error{Addr: c.addr, Op: "write", Kind: ErrConnClosed, Cause: err})
		}
		// Requests that expect a response are completed by the reader
		// (they are in c.waiting); the writer completes the silent ones.
		for i, r := range batch {
			putFrame(r.frame)
			r.frame = nil
			if r.noResp {
				if err != nil {
					c.complete(r, nil, c.Err())
				} else {
					c.complete(r, nil, nil)
				}
			}
			batch[i] = nil
		}
		spare = batch[:0]
		if err != nil {
			return
		}
		c.releaseWrite()
	}
}

func (c *Conn) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := c.nc.Write(b)
	return err
}

// readLoop owns the socket's read side and the completion of every request
// that expects a response, including the final sweep when the connection
// dies.
func (c *Conn) readLoop() {
	defer c.wg.Done()
	br := bufio.NewReaderSize(c.nc, 64<<10)
	for c.readOne(br) {
	}
	c.sweep()
}

// readOne reads one response frame and completes the oldest request with
// it. It returns false once the connection is dead.
func (c *Conn) readOne(br *bufio.Reader) bool {
	var sz [4]byte
	if _, err := io.ReadFull(br, sz[:]); err != nil {
		c.readFailed(err)
		return false
	}
	size := int32(binary.BigEndian.Uint32(sz[:]))
	if size < 4 || size > MaxResponseSize {
		c.failHead(&Error{Addr: c.addr, Op: "read", Kind: ErrConnClosed,
			Cause: fmt.Errorf("%w: %d bytes", ErrFrameSize, size)})
		return false
	}
	frame := make([]byte, size)
	if _, err := io.ReadFull(br, frame); err != nil {
		c.readFailed(err)
		return false
	}

	c.mu.Lock()
	var r *request
	if len(c.waiting) > 0 && !c.closed {
		r = c.waiting[0]
		c.waiting[0] = nil
		c.waiting = c.waiting[1:]
		if len(c.waiting) > 0 {
			c.nc.SetReadDeadline(c.waiting[0].deadline)
		} else {
			c.waiting = nil // drop the consumed backing array
			c.nc.SetReadDeadline(time.Time{})
		}
	}
	c.mu.Unlock()
	if r == nil {
		c.kill(&Error{Addr: c.addr, Op: "read", Kind: ErrConnClosed,
			Cause: fmt.Errorf("%w: unsolicited response", ErrCorrelation)})
		return false
	}
	if r.segmented {
		if err := c.awaitWritten(r); err != nil {
			// r's memory may still be read: fail it only once the
			// writer stopped (kill closes the socket under it).
			c.kill(err)
			<-c.writerDone
			c.complete(r, nil, err)
			return false
		}
	}

	resp, err := c.decode(r, frame)
	if err != nil {
		// A response we cannot parse leaves the stream in an unknown
		// state: fail this request with the reason, the rest with
		// ErrConnClosed, and kill the connection.
		e := &Error{Addr: c.addr, Op: "read", Kind: ErrConnClosed, Cause: err}
		c.kill(e)
		c.complete(r, nil, e)
		return false
	}
	c.complete(r, resp, nil)
	return true
}

// decode checks the response header and decodes the body of r's response.
func (c *Conn) decode(r *request, frame []byte) (wire.Response, error) {
	rd := wire.NewReader(frame)
	corr := wire.ReadResponseHeader(rd, r.key, r.ver)
	if err := rd.Err(); err != nil {
		return nil, err
	}
	if corr != r.corr {
		return nil, fmt.Errorf("%w: got %d, want %d (%s v%d)", ErrCorrelation, corr, r.corr, wire.APIName(r.key), r.ver)
	}
	hdrLen := rd.Offset()
	resp := r.req.NewResponse()
	resp.DecodeFrom(rd, r.ver)
	if err := rd.Err(); err != nil {
		if r.key != wire.APIKeyApiVersions || r.ver == 0 {
			return nil, err
		}
		// A broker that does not support our ApiVersions version answers
		// with a v0 body (KIP-511); Java retries the parse at v0 as well.
		rd.Reset(frame[hdrLen:])
		resp = r.req.NewResponse()
		resp.DecodeFrom(rd, 0)
		if rd.Err() != nil {
			return nil, err
		}
	}
	return resp, nil
}

// readFailed kills the connection after a read error. A deadline error
// means the oldest request timed out: it alone gets ErrRequestTimeout.
func (c *Conn) readFailed(err error) {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.mu.Lock()
		var r *request
		if len(c.waiting) > 0 && !c.closed {
			r = c.waiting[0]
		}
		c.mu.Unlock()
		if r != nil {
			c.failHead(&Error{Addr: c.addr, Op: "request", Kind: ErrRequestTimeout,
				Cause: fmt.Errorf("no response to %s v%d (correlation id %d) within %v", wire.APIName(r.key), r.ver, r.corr, c.cfg.RequestTimeout)},
				fmt.Errorf("an earlier request (%s v%d) timed out after %v", wire.APIName(r.key), r.ver, c.cfg.RequestTimeout))
			return
		}
	}
	if errors.Is(err, net.ErrClosed) {
		c.kill(&Error{Addr: c.addr, Op: "read", Kind: ErrConnClosed, Cause: errClosedByClient})
		return
	}
	c.kill(&Error{Addr: c.addr, Op: "read", Kind: ErrConnClosed, Cause: err})
}

// failHead kills the connection and gives the oldest waiting request
// headErr; the others get the connection's error. If othersCause is nil
// they share headErr's cause.
func (c *Conn) failHead(headErr *Error, othersCause ...error) {
	cause := headErr.Cause
	if len(othersCause) > 0 {
		cause = othersCause[0]
	}
	c.mu.Lock()
	var r *request
	if len(c.waiting) > 0 && !c.closed {
		r = c.waiting[0]
		c.waiting = c.waiting[1:]
	}
	c.mu.Unlock()
	c.kill(&Error{Addr: c.addr, Op: headErr.Op, Kind: ErrConnClosed, Cause: cause})
	if r != nil {
		if r.segmented && !r.written.Load() {
			<-c.writerDone // see Send's lifetime rule
		}
		c.complete(r, nil, headErr)
	}
}

// sweep runs once, as the reader exits: it waits for the writer, then
// fails everything still outstanding with the connection's error. Each
// request is in exactly one of: completed, c.waiting (expects a response),
// or c.queue as a silent request the writer never took, so each is failed
// at most once.
func (c *Conn) sweep() {
	<-c.writerDone
	c.mu.Lock()
	waiting, queue, err, onDead := c.waiting, c.queue, c.err, c.onDead
	c.waiting, c.queue = nil, nil
	c.mu.Unlock()
	for _, r := range waiting {
		c.complete(r, nil, err)
	}
	for _, r := range queue {
		if r.frame != nil {
			putFrame(r.frame)
			r.frame = nil
		}
		if r.noResp {
			c.complete(r, nil, err)
		}
	}
	if onDead != nil {
		onDead(c)
	}
}
