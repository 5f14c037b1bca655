package tcpproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

const (
	chunkSize  = 32 << 10
	queueDepth = 16 // chunks buffered per direction while stalled or delayed
	dialLimit  = 5 * time.Second
)

// chunk is one read from a socket, stamped with when it was read so latency is
// measured from arrival, not from when the writer got to it.
type chunk struct {
	data []byte
	at   time.Time
	eof  bool // the source half-closed; forward the FIN
}

// conn is one proxied connection. Its reset budget (ResetAfterBytes) is shared by
// both directions and guarded by mu; everything else is owned by its goroutines.
type conn struct {
	p      *Proxy
	client *net.TCPConn
	server *net.TCPConn // set by run before the pumps start; nil if the dial failed

	done      chan struct{} // closed by abort
	abortOnce sync.Once

	mu        sync.Mutex
	budgetGen uint64
	budget    int64 // remaining bytes before reset; < 0 = unlimited
}

// run dials the target, pumps both directions until they finish, and then closes
// both sockets. It is the only goroutine that removes c from the proxy.
func (c *conn) run(target string) {
	defer c.p.wg.Done()
	defer c.p.remove(c)

	d := net.Dialer{Timeout: dialLimit}
	nc, err := d.DialContext(c.p.ctx, "tcp", target)
	if err != nil {
		c.abort()
		return
	}
	c.mu.Lock()
	c.server = nc.(*net.TCPConn)
	c.mu.Unlock()
	select {
	case <-c.done: // CutAll or Close raced with the dial
		resetClose(c.server)
		return
	default:
	}

	var wg sync.WaitGroup
	wg.Add(4)
	up := make(chan chunk, queueDepth)
	down := make(chan chunk, queueDepth)
	go c.read(&wg, c.client, up)
	go c.write(&wg, c.server, up)
	go c.read(&wg, c.server, down)
	go c.write(&wg, c.client, down)
	wg.Wait()
	_ = c.client.Close()
	_ = c.server.Close()
}

// abort resets both sides. Safe to call many times and from any goroutine.
func (c *conn) abort() {
	c.abortOnce.Do(func() {
		close(c.done)
		resetClose(c.client)
		c.mu.Lock()
		s := c.server
		c.mu.Unlock()
		if s != nil {
			resetClose(s)
		}
	})
}

func (c *conn) aborted() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// read copies src into chunks until EOF (forwarded as a half-close) or an error
// (which resets the whole connection, as a real peer reset would).
func (c *conn) read(wg *sync.WaitGroup, src *net.TCPConn, out chan<- chunk) {
	defer wg.Done()
	defer close(out)
	for {
		buf := make([]byte, chunkSize)
		n, err := src.Read(buf)
		if n > 0 {
			select {
			case out <- chunk{data: buf[:n], at: time.Now()}:
			case <-c.done:
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				select {
				case out <- chunk{eof: true}:
				case <-c.done:
				}
			} else {
				c.abort()
			}
			return
		}
	}
}

// write forwards chunks to dst, applying stall, latency, bandwidth and the reset
// budget. It drains in until the reader closes it, so the reader never blocks forever.
func (c *conn) write(wg *sync.WaitGroup, dst *net.TCPConn, in <-chan chunk) {
	defer wg.Done()
	var nextAt time.Time // bandwidth pacing
	for ch := range in {
		if c.aborted() {
			continue
		}
		if ch.eof {
			_ = dst.CloseWrite()
			continue
		}
		data := ch.data
		for len(data) > 0 {
			s, ok := c.waitReady(ch.at)
			if !ok {
				break
			}
			n := len(data)
			if s.bandwidth > 0 {
				// Pace in slices of ~50 ms worth of bytes so a low limit stays smooth.
				if slice := int(s.bandwidth / 20); slice < n {
					n = max(slice, 1)
				}
				if !c.sleepUntil(nextAt, s.changed) {
					if c.aborted() {
						break
					}
					continue // settings changed while pacing: re-check them
				}
			}
			n, cut := c.spend(s, n)
			if n > 0 {
				if _, err := dst.Write(data[:n]); err != nil {
					c.abort()
					break
				}
			}
			if cut {
				c.abort()
				break
			}
			data = data[n:]
			if s.bandwidth > 0 {
				now := time.Now()
				if nextAt.Before(now) {
					nextAt = now
				}
				nextAt = nextAt.Add(time.Duration(int64(n) * int64(time.Second) / s.bandwidth))
			}
		}
	}
}

// waitReady blocks while the proxy is stalled or the chunk's latency has not yet
// elapsed, re-reading the settings whenever they change. It returns false once the
// connection is aborted.
func (c *conn) waitReady(readAt time.Time) (settings, bool) {
	for {
		s := c.p.snapshot()
		if c.aborted() {
			return s, false
		}
		if s.stalled {
			select {
			case <-s.changed:
				continue
			case <-c.done:
				return s, false
			}
		}
		if due := readAt.Add(s.latency); s.latency > 0 && time.Now().Before(due) {
			if !c.sleepUntil(due, s.changed) {
				if c.aborted() {
					return s, false
				}
			}
			continue // settings may have changed (e.g. a stall) while we slept
		}
		return s, true
	}
}

// sleepUntil waits until t, returning true when t was reached and false when the
// settings changed or the connection was aborted first.
func (c *conn) sleepUntil(t time.Time, changed <-chan struct{}) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-changed:
		return false
	case <-c.done:
		return false
	}
}

// spend takes up to want bytes from the connection's reset budget. It returns how
// many bytes may be written and whether the connection must be reset after them.
func (c *conn) spend(s settings, want int) (n int, cut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.budgetGen != s.resetGen {
		c.budgetGen = s.resetGen
		c.budget = -1
		if s.resetAfter > 0 {
			c.budget = s.resetAfter
		}
	}
	if c.budget < 0 {
		return want, false
	}
	n = want
	if int64(n) > c.budget {
		n = int(c.budget)
	}
	c.budget -= int64(n)
	return n, c.budget == 0
}
