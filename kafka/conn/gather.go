package conn

import (
	"fmt"
	"net"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Scatter-gather writes. A Produce request is mostly record batches that
// the accumulator sealed before the request was built and that nobody
// changes until the batch is answered. Copying them into the frame would
// cost a memmove per byte produced (about 2.5% of the producer's CPU at
// saturation) and a pooled frame as large as the request, written once and
// read once by write(2). On a plain TCP connection the frame is instead a
// small head plus segments that reference the batches
// (wire.AppendRequestSegments), and the writer hands both to one writev.
//
// The price is a lifetime rule (see Send): a request's segments are read
// until the writer has written them, so the request must not complete
// before that. The reader enforces it (awaitWritten).
//
// Only the writer goroutine writes segmented frames. A direct write
// (writeDirect) is not waited for by the reader's sweep, so a frame it
// writes must be the connection's own copy: segmented frames are at least
// directWriteLimit bytes (smaller ones are re-encoded whole), which never
// go direct.

// segmentMin is the smallest records blob sent as a segment. Below it a
// copy costs less than the two extra iovecs (the blob and the head after
// it) cost writev.
const segmentMin = 4 << 10

// defaultWriteGrace bounds how long the reader waits for the writer to
// finish a segmented request whose response already arrived (see
// awaitWritten). A broker answers only what it has read, so the writer's
// last writev for it has returned and only has to be scheduled; a second
// is far beyond that, and a broker that answers sooner is broken.
const defaultWriteGrace = time.Second

// encode fills f with req at version v (correlation id 0, patched under
// c.mu later). With gather (a plain TCP connection, and not Do) blobs of
// at least segmentMin bytes are segments, unless the whole frame is under
// directWriteLimit: then it is re-encoded whole, so that a segmented frame
// is never written directly.
func (c *Conn) encode(f *frame, req wire.Request, v int16, gather bool) {
	if gather {
		f.head, f.segs = wire.AppendRequestSegments(f.head[:0], req, v, 0, c.clientID, f.segs[:0], segmentMin)
		if len(f.segs) == 0 {
			return
		}
		if f.size() >= directWriteLimit {
			return
		}
		clear(f.segs)
		f.segs = f.segs[:0]
	}
	f.head = wire.AppendRequest(f.head[:0], req, v, 0, c.clientID)
}

// frameWriter gathers the writer goroutine's frames into writes: frames
// under coalesceLimit (and the heads of segmented frames) are copied into
// wbuf; larger frames and segments are referenced. flush writes everything
// gathered with one writev (net.Buffers; on a connection that is not a
// *net.TCPConn, one Write per buffer, which is why segments are used only
// on TCP).
type frameWriter struct {
	nc   net.Conn
	wbuf []byte // cap coalesceLimit; wbuf[:mark] is already in vec
	mark int
	vec  net.Buffers
	out  net.Buffers // WriteTo consumes its receiver; here it does not escape
}

func newFrameWriter(nc net.Conn) *frameWriter {
	return &frameWriter{nc: nc, wbuf: make([]byte, 0, coalesceLimit)}
}

// copyIn appends b to the write buffer, flushing first if it does not fit.
func (w *frameWriter) copyIn(b []byte) error {
	if len(w.wbuf)+len(b) > cap(w.wbuf) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	w.wbuf = append(w.wbuf, b...)
	return nil
}

// ref adds b to the next write without copying it. The bytes copied into
// wbuf before it go first; wbuf is only appended to (or flushed) after, so
// the slice of it in vec stays valid.
func (w *frameWriter) ref(b []byte) {
	if len(b) == 0 {
		return
	}
	if len(w.wbuf) > w.mark {
		w.vec = append(w.vec, w.wbuf[w.mark:])
		w.mark = len(w.wbuf)
	}
	w.vec = append(w.vec, b)
}

// add adds a frame: copied if small, referenced if large, and for a
// segmented frame its head pieces copied and its segments referenced.
func (w *frameWriter) add(f *frame) error {
	if len(f.segs) == 0 {
		if len(f.head) >= coalesceLimit {
			w.ref(f.head)
			return nil
		}
		return w.copyIn(f.head)
	}
	prev := 0
	for _, s := range f.segs {
		if err := w.copyIn(f.head[prev:s.At]); err != nil {
			return err
		}
		w.ref(s.Data)
		prev = s.At
	}
	return w.copyIn(f.head[prev:])
}

// flush writes what was gathered and drops the references to it.
func (w *frameWriter) flush() error {
	if len(w.wbuf) > w.mark {
		w.vec = append(w.vec, w.wbuf[w.mark:])
	}
	var err error
	if len(w.vec) > 0 {
		w.out = w.vec
		_, err = w.out.WriteTo(w.nc)
		w.out = nil
	}
	clear(w.vec) // not keeping callers' batches reachable
	w.vec = w.vec[:0]
	w.wbuf = w.wbuf[:0]
	w.mark = 0
	return err
}

// notifyWritten tells a reader waiting in awaitWritten that a segmented
// request was written.
func (c *Conn) notifyWritten() {
	select {
	case c.wrote <- struct{}{}:
	default:
	}
}

// awaitWritten is called by the reader with the response of segmented
// request r in hand. It returns nil once r is written (at once, unless the
// response beat the writer's bookkeeping), or the error to fail r with:
// the connection's, if the writer gave up before writing r, or
// ErrEarlyResponse if r is still not written after the write grace: the
// broker answered a request it cannot have read, and completing r would
// let its caller reuse bytes the writer still reads.
func (c *Conn) awaitWritten(r *request) error {
	if r.written.Load() {
		return nil
	}
	// The reader often gets here: on loopback the broker's answer can
	// arrive while the writer is still returning from its writev. The
	// timer is the reader's own and reused (Reset and Stop leave no stale
	// tick since Go 1.23), so waiting does not allocate.
	t := c.graceTimer
	if t == nil {
		t = time.NewTimer(c.cfg.writeGrace)
		c.graceTimer = t
	} else {
		t.Reset(c.cfg.writeGrace)
	}
	defer t.Stop()
	for {
		select {
		case <-c.wrote:
		case <-c.writerDone:
			if r.written.Load() {
				return nil
			}
			return c.Err()
		case <-t.C:
			if r.written.Load() {
				return nil
			}
			return &Error{Addr: c.addr, Op: "read", Kind: ErrConnClosed,
				Cause: fmt.Errorf("%w: %s v%d (correlation id %d)", ErrEarlyResponse, wire.APIName(r.key), r.ver, r.corr)}
		}
		if r.written.Load() {
			return nil
		}
	}
}
