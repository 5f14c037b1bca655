package kafkatest

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"time"
)

// conn is one client connection of a broker. Two goroutines serve it: the
// reader reads frames into a queue, and the server handles them in order and
// writes the responses. Splitting them is what lets a stalled broker keep
// reading (clients see their writes succeed and their requests time out, as
// with a hung broker), and lets latency delay each response from its own
// arrival instead of from the previous response.
type conn struct {
	b     *broker
	nc    net.Conn
	queue chan frame
	done  chan struct{}
	once  sync.Once
	wbuf  []byte
	// client is the peer's address: tests tell a client's connections
	// apart by it (Request.ClientAddr).
	client string
	auth   authState // SASL; the serving goroutine's
}

// frame is one request frame (without its size prefix) and when it was read.
type frame struct {
	buf []byte
	at  time.Time
}

// queueDepth bounds how many read-but-unanswered requests a connection
// holds; beyond it the reader stops reading and TCP pushes back.
const queueDepth = 64

func newConn(b *broker, nc net.Conn) *conn {
	cn := &conn{b: b, nc: nc, queue: make(chan frame, queueDepth), done: make(chan struct{})}
	if nc != nil { // nil in the fuzz tests, which call handle directly
		cn.client = nc.RemoteAddr().String()
	}
	return cn
}

// close closes the socket once; both goroutines then end.
func (cn *conn) close() {
	cn.once.Do(func() {
		close(cn.done)
		cn.nc.Close()
	})
}

func (cn *conn) readLoop() {
	defer cn.b.c.wg.Done()
	defer close(cn.queue)
	limit := cn.b.c.cfg.maxRequestBytes
	var size [4]byte
	for {
		if _, err := io.ReadFull(cn.nc, size[:]); err != nil {
			cn.close()
			return
		}
		n := int32(binary.BigEndian.Uint32(size[:]))
		if n < 0 || int(n) > limit {
			// Kafka closes the socket on a frame over
			// socket.request.max.bytes (or a negative size).
			cn.close()
			return
		}
		// Grow the buffer with the bytes that actually arrive, so a
		// hostile size prefix costs nothing until the data is sent.
		fb := bytes.NewBuffer(make([]byte, 0, min(int(n), 64<<10)))
		if _, err := io.CopyN(fb, cn.nc, int64(n)); err != nil {
			cn.close()
			return
		}
		buf := fb.Bytes()
		select {
		case cn.queue <- frame{buf: buf, at: time.Now()}:
		case <-cn.done:
			return
		}
	}
}

func (cn *conn) serveLoop() {
	defer cn.b.c.wg.Done()
	defer cn.b.removeConn(cn)
	defer cn.close()
	for f := range cn.queue {
		latency, stall := cn.b.settings()
		for stall != nil {
			select {
			case <-stall:
			case <-cn.done:
				return
			}
			latency, stall = cn.b.settings()
		}
		out, act := cn.handle(f.buf)
		if act == actClose {
			return
		}
		if act == actSilent {
			continue
		}
		if wait := time.Until(f.at.Add(latency)); latency > 0 && wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-cn.done:
				t.Stop()
				return
			}
		}
		if _, err := cn.nc.Write(out); err != nil {
			return
		}
	}
}
