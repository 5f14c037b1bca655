// Package tcpproxy is a loopback TCP proxy with fault injection, put in front of a
// real Kafka broker (internal/realkafka) or any TCP server so tests can break the
// network in the ways production does: reset every connection, stall traffic without
// closing, add latency, throttle bandwidth, refuse new connections, or cut a
// connection after a given number of bytes (so the cut lands in the middle of a
// request or response frame).
//
// Every fault setter is safe to call from any goroutine while traffic flows, and
// takes effect for open connections as well as new ones (except SetTarget, which
// only changes where new connections go). Close stops the listener, resets every
// open connection and waits for every goroutine the proxy started.
//
// Each accepted connection gets one goroutine that dials the target and, per
// direction, a reader goroutine (socket -> chunk queue) and a writer goroutine
// (queue -> socket) that applies the faults. Splitting read and write lets latency
// delay each chunk by the configured duration without also capping throughput.
package tcpproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// ErrClosed is returned by operations on a closed Proxy.
var ErrClosed = errors.New("tcpproxy: proxy closed")

// Proxy forwards TCP connections from a loopback listener to a target address.
//
// Lock story: mu guards the settings, the connection set and the counters. A
// connection reads the settings it needs under mu and never holds mu while doing
// I/O. Setting changes close and replace the changed channel so that writers parked
// on a stall or a delay re-read the settings at once.
type Proxy struct {
	ln     net.Listener
	ctx    context.Context // cancelled by Close; aborts dials in flight
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	target     string
	latency    time.Duration
	bandwidth  int64 // bytes per second per direction per connection; 0 = unlimited
	stalled    bool
	rejectNew  bool
	resetAfter int64  // bytes; 0 = off
	resetGen   uint64 // bumped by ResetAfterBytes so open connections restart their budget
	changed    chan struct{}
	conns      map[*conn]struct{}
	closed     bool
	accepted   int
	rejected   int
}

// New starts a proxy listening on a free port of 127.0.0.1 that forwards every
// accepted connection to target. The target need not be up yet: a connection whose
// dial fails is reset, which a client sees like a broker that is down.
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tcpproxy: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		ln:      ln,
		ctx:     ctx,
		cancel:  cancel,
		target:  target,
		changed: make(chan struct{}),
		conns:   make(map[*conn]struct{}),
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr returns the proxy's listening address, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target returns the address new connections are forwarded to.
func (p *Proxy) Target() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.target
}

// SetTarget changes where new connections are forwarded; open connections keep
// their current peer (use CutAll to move them).
func (p *Proxy) SetTarget(addr string) {
	p.mu.Lock()
	p.target = addr
	p.mu.Unlock()
}

// CutAll resets every open connection (both sides see a TCP RST). New connections
// are accepted as usual afterwards.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	open := make([]*conn, 0, len(p.conns))
	for c := range p.conns {
		open = append(open, c)
	}
	p.mu.Unlock()
	for _, c := range open {
		c.abort()
	}
}

// Stall stops (true) or resumes (false) forwarding in both directions on every
// connection without closing anything, like a network partition that drops packets
// silently. Bytes read meanwhile are queued (bounded) and delivered on resume.
func (p *Proxy) Stall(on bool) { p.update(func() { p.stalled = on }) }

// SetLatency delays every chunk of bytes by d in each direction (0 disables). The
// delay applies per chunk from the moment it was read, so throughput is not capped.
func (p *Proxy) SetLatency(d time.Duration) {
	if d < 0 {
		d = 0
	}
	p.update(func() { p.latency = d })
}

// SetBandwidth limits each direction of each connection to bytesPerSec
// (0 or less disables the limit).
func (p *Proxy) SetBandwidth(bytesPerSec int64) {
	if bytesPerSec < 0 {
		bytesPerSec = 0
	}
	p.update(func() { p.bandwidth = bytesPerSec })
}

// RejectNew makes the proxy reset (true) every newly accepted connection at once,
// or accept them normally again (false). Open connections are not touched.
func (p *Proxy) RejectNew(on bool) { p.update(func() { p.rejectNew = on }) }

// ResetAfterBytes resets each connection once it has forwarded n more bytes,
// counted over both directions from the moment of the call (for a connection
// opened later, from its start). The cut therefore lands at a byte position of the
// caller's choosing, typically mid-frame; pick n at random for a random point.
// n <= 0 disables it. Every connection that reaches the budget is reset, so a client
// that reconnects gets a fresh budget of n.
func (p *Proxy) ResetAfterBytes(n int64) {
	if n < 0 {
		n = 0
	}
	p.update(func() {
		p.resetAfter = n
		p.resetGen++
	})
}

// Stats reports connections accepted (including rejected ones), rejected because
// of RejectNew, and open now.
func (p *Proxy) Stats() (accepted, rejected, open int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted, p.rejected, len(p.conns)
}

// Close stops accepting, resets every open connection and waits until every
// goroutine of the proxy has returned. It is idempotent.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	err := p.ln.Close()
	p.CutAll()
	p.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("tcpproxy: close: %w", err)
	}
	return nil
}

// update applies a settings change and wakes every writer parked on the old settings.
func (p *Proxy) update(f func()) {
	p.mu.Lock()
	f()
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

// settings is a snapshot of what a writer needs to forward one chunk.
type settings struct {
	latency    time.Duration
	bandwidth  int64
	stalled    bool
	resetAfter int64
	resetGen   uint64
	changed    <-chan struct{}
}

func (p *Proxy) snapshot() settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return settings{
		latency:    p.latency,
		bandwidth:  p.bandwidth,
		stalled:    p.stalled,
		resetAfter: p.resetAfter,
		resetGen:   p.resetGen,
		changed:    p.changed,
	}
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		nc, err := p.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // listener closed
		}
		client := nc.(*net.TCPConn)
		p.mu.Lock()
		p.accepted++
		if p.closed || p.rejectNew {
			if !p.closed {
				p.rejected++
			}
			p.mu.Unlock()
			resetClose(client)
			continue
		}
		c := &conn{p: p, client: client, done: make(chan struct{}), budget: -1}
		p.conns[c] = struct{}{}
		target := p.target
		p.mu.Unlock()
		p.wg.Add(1)
		go c.run(target)
	}
}

func (p *Proxy) remove(c *conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// resetClose closes a TCP connection with SO_LINGER 0 so the peer gets an RST
// instead of an orderly FIN: what a crashed broker or a middlebox timeout looks like.
func resetClose(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}
