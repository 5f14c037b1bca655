package kafkatest

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// broker is one listener of the cluster and the connections it accepted.
// Its state (listener, connections, latency, stall) has its own lock so that
// fault injection on one broker never waits for request handling elsewhere.
type broker struct {
	c    *Cluster
	id   int32
	addr string // fixed for the broker's life, also across KillBroker/RestartBroker
	host string
	port int32

	mu      sync.Mutex
	ln      net.Listener // nil while killed
	conns   map[*conn]struct{}
	latency time.Duration
	stall   chan struct{} // non-nil while stalled; closed when unstalled
}

func newBroker(c *Cluster, id int32, ln net.Listener) *broker {
	b := &broker{c: c, id: id, ln: ln, addr: ln.Addr().String(), conns: make(map[*conn]struct{})}
	b.host, b.port = splitHostPort(b.addr)
	return b
}

// start runs the accept loop of the current listener.
func (b *broker) start() {
	b.mu.Lock()
	ln := b.ln
	b.mu.Unlock()
	if ln == nil {
		return
	}
	b.c.wg.Add(1)
	go b.accept(ln)
}

func (b *broker) accept(ln net.Listener) {
	defer b.c.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient accept error (out of file descriptors): back
			// off briefly rather than spin or give up on the broker.
			select {
			case <-b.c.closing:
				return
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		b.mu.Lock()
		if b.ln != ln || b.c.closed.Load() {
			b.mu.Unlock()
			nc.Close()
			continue
		}
		cn := newConn(b, nc)
		b.conns[cn] = struct{}{}
		// Add while this goroutine's own count is held, so it never races
		// with Close's Wait.
		b.c.wg.Add(2)
		b.mu.Unlock()
		go cn.readLoop()
		go cn.serveLoop()
	}
}

// shutdown closes the listener and every connection (Cluster.Close).
func (b *broker) shutdown() {
	b.mu.Lock()
	ln := b.ln
	b.ln = nil
	conns := b.takeConnsLocked()
	if b.stall != nil {
		close(b.stall)
		b.stall = nil
	}
	b.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, cn := range conns {
		cn.close()
	}
}

func (b *broker) takeConnsLocked() []*conn {
	out := make([]*conn, 0, len(b.conns))
	for cn := range b.conns {
		out = append(out, cn)
	}
	return out
}

func (b *broker) removeConn(cn *conn) {
	b.mu.Lock()
	delete(b.conns, cn)
	b.mu.Unlock()
}

func (b *broker) settings() (time.Duration, chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.latency, b.stall
}

// DropConnections closes every open connection of the broker, as a broker
// restart or a network failure would; the broker keeps accepting new ones.
// Requests the broker has read but not answered are lost (a Produce among
// them may or may not have been stored, depending on whether it was handled).
func (c *Cluster) DropConnections(broker int32) {
	b := c.broker(broker)
	if b == nil {
		return
	}
	b.mu.Lock()
	conns := b.takeConnsLocked()
	b.mu.Unlock()
	for _, cn := range conns {
		cn.close()
	}
}

// SetLatency delays every response of the broker by d, measured from when
// the request was read: pipelined requests each wait d, not d times their
// position. 0 removes the delay. Requests are handled (a Produce stored)
// before the delay, as if the response were slow on the network.
func (c *Cluster) SetLatency(broker int32, d time.Duration) {
	if b := c.broker(broker); b != nil {
		b.mu.Lock()
		b.latency = max(d, 0)
		b.mu.Unlock()
	}
}

// Stall makes the broker keep reading requests but neither handle nor
// answer them until Stall(broker, false): a hung broker, whose clients see
// request timeouts. Requests held while stalled are handled in order when
// the stall ends (unless their connection was closed meanwhile).
func (c *Cluster) Stall(broker int32, on bool) {
	b := c.broker(broker)
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case on && b.stall == nil && !c.closed.Load():
		b.stall = make(chan struct{})
	case !on && b.stall != nil:
		close(b.stall)
		b.stall = nil
	}
}

// KillBroker stops the broker: its listener closes (new connections are
// refused) and its connections drop. It stays in the metadata and keeps
// leading its partitions, as a crashed broker does until the controller
// notices; use MoveLeader to fail partitions over.
func (c *Cluster) KillBroker(id int32) error {
	b := c.broker(id)
	if b == nil {
		return fmt.Errorf("kafkatest: no broker %d", id)
	}
	b.mu.Lock()
	ln := b.ln
	b.ln = nil
	conns := b.takeConnsLocked()
	b.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, cn := range conns {
		cn.close()
	}
	return nil
}

// RestartBroker listens again on the killed broker's address. It fails if
// the broker is running, the cluster is closed, or the port was taken in
// the meantime.
func (c *Cluster) RestartBroker(id int32) error {
	b := c.broker(id)
	if b == nil {
		return fmt.Errorf("kafkatest: no broker %d", id)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.closed.Load() {
		return ErrClosed
	}
	if b.ln != nil {
		return fmt.Errorf("kafkatest: broker %d is running", id)
	}
	ln, err := c.listen(b.addr)
	if err != nil {
		return fmt.Errorf("kafkatest: restart broker %d: %w", id, err)
	}
	b.ln = ln
	// Add while holding b.mu after checking closed: Close sets closed
	// before it waits, and shutdown takes b.mu, so either we see closed or
	// shutdown sees this listener and closes it.
	c.wg.Add(1)
	go b.accept(ln)
	return nil
}
