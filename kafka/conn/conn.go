package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Conn is one broker connection. Dial connects and negotiates versions
// (ApiVersions first, with the UNSUPPORTED_VERSION fallback); Send queues
// pipelined requests that a writer goroutine coalesces into few writes and
// a reader goroutine answers in order. See the package comment for the
// goroutines and the lock.
//
// A Conn never reconnects: once Done is closed it is dead for good, and
// Cluster dials a new one.
type Conn struct {
	addr string
	cfg  Config
	nc   net.Conn
	log  *zap.Logger

	// gather is set when nc is a plain *net.TCPConn: large records blobs
	// are then written from the caller's memory with writev (gather.go).
	gather bool

	// versions and apiResp are written during Dial before the Conn is
	// returned, read-only after.
	versions *wire.Versions
	apiResp  *wire.ApiVersionsResponse
	clientID *string

	// frameHint is the last frame size per API key (see hintFor): a
	// pooled frame smaller than that is replaced by one of that size
	// before encoding, so a Produce frame is allocated once rather than
	// grown by doubling from a small pooled one.
	frameHint [72]atomic.Int32
	otherHint atomic.Int32 // keys beyond frameHint share this one

	slots      chan struct{} // pipelining semaphore, cap MaxInFlight
	wake       chan struct{} // 1-slot: queue is non-empty
	dead       chan struct{} // closed by kill
	writerDone chan struct{}
	wrote      chan struct{} // 1-slot: a segmented request was written
	graceTimer *time.Timer   // the reader's, for awaitWritten
	wg         sync.WaitGroup

	// mu guards the fields below; it is held only for slice and flag
	// updates, never across I/O or callbacks.
	mu      sync.Mutex
	corr    int32
	queue   []*request // accepted, not yet taken by the writer
	waiting []*request // expecting a response, in wire order
	writing bool       // a goroutine owns the socket's write side (io.go)
	closed  bool
	err     error
	onDead  func(*Conn) // Cluster hook, run by the reader as it exits
	// endTimer closes the connection when its SASL session ends (sasl.go).
	endTimer *time.Timer

	// retireAt is when the pool stops handing the connection out (unix
	// ns; 0: never): 85% into its SASL session's lifetime (sasl.go).
	retireAt atomic.Int64
}

// request is one Send in flight.
type request struct {
	key, ver int16
	corr     int32
	noResp   bool
	req      wire.Request
	frame    *frame
	done     func(wire.Response, error)
	deadline time.Time

	// segmented is set when the frame references the caller's memory;
	// written is set by the writer once such a frame is written, and the
	// reader completes the request only after that (awaitWritten).
	segmented bool
	written   atomic.Bool
}

// Dial connects to addr, performs the TLS handshake if cfg.TLS is set,
// and negotiates API versions, all within cfg.DialTimeout (and ctx). A
// nil cfg uses the defaults. Errors are *Error with Kind ErrDial.
func Dial(ctx context.Context, addr string, cfg *Config) (*Conn, error) {
	return dial(ctx, addr, cfg.withDefaults(), nil)
}

func dial(ctx context.Context, addr string, cfg Config, onDead func(*Conn)) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	fail := func(op string, err error) error {
		return &Error{Addr: addr, Op: op, Kind: ErrDial, Cause: err}
	}
	nc, err := cfg.Dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fail("dial", err)
	}
	if cfg.TLS != nil {
		tc := cfg.TLS
		if tc.ServerName == "" {
			tc = tc.Clone()
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr
			}
			tc.ServerName = host
		}
		tlsConn := tls.Client(nc, tc)
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			nc.Close()
			var cve *tls.CertificateVerificationError
			if errors.As(err, &cve) {
				err = fmt.Errorf("%w: %w", ErrAuthentication, err)
			}
			return nil, fail("tls", err)
		}
		nc = tlsConn
	}
	c := newConn(addr, nc, cfg)
	if err := c.handshake(ctx); err != nil {
		c.Close()
		return nil, fail("handshake", err)
	}
	if cfg.SASL != nil {
		if err := c.authenticate(ctx, cfg.SASL); err != nil {
			c.Close()
			return nil, fail("sasl", err)
		}
	}
	c.mu.Lock()
	c.onDead = onDead // the reader reads it under mu as it exits
	c.mu.Unlock()
	c.log.Debug("conn: connected", zap.String("addr", addr))
	return c, nil
}

func newConn(addr string, nc net.Conn, cfg Config) *Conn {
	c := &Conn{
		addr:       addr,
		cfg:        cfg,
		nc:         nc,
		log:        cfg.Logger,
		slots:      make(chan struct{}, cfg.MaxInFlight),
		wake:       make(chan struct{}, 1),
		dead:       make(chan struct{}),
		writerDone: make(chan struct{}),
		wrote:      make(chan struct{}, 1),
		clientID:   &cfg.ClientID,
	}
	_, c.gather = nc.(*net.TCPConn)
	c.wg.Add(2)
	go c.writeLoop()
	go c.readLoop()
	return c
}

// Addr returns the address the connection was dialled to.
func (c *Conn) Addr() string { return c.addr }

// Version returns the highest version of the API both sides support
// (wire.NegotiateVersions: the client's floors applied), and false if they
// share none.
func (c *Conn) Version(key int16) (v int16, ok bool) {
	if c.versions == nil {
		return -1, false
	}
	return c.versions.Get(key)
}

// APIVersions returns the broker's ApiVersions response from the handshake
// (ranges and features, e.g. finalized transaction.version). Read only.
func (c *Conn) APIVersions() *wire.ApiVersionsResponse { return c.apiResp }

// InFlight returns the number of requests sent (or queued) and not yet
// completed.
func (c *Conn) InFlight() int { return len(c.slots) }

// Done returns a channel closed once the connection is dead.
func (c *Conn) Done() <-chan struct{} { return c.dead }

// Err returns why the connection died, nil while it is alive.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

var (
	errClosedByClient = errors.New("closed by client")
	errSessionEnded   = errors.New("sasl session lifetime ended (connections.max.reauth.ms)")
)

// Expiring reports whether the connection's SASL session (KIP-368) is near
// its end: it still completes what is in flight, but new requests belong
// on a fresh connection. Cluster.Conn then dials one and closes this one
// once it is idle.
func (c *Conn) Expiring() bool {
	t := c.retireAt.Load()
	return t != 0 && time.Now().UnixNano() >= t
}

// Usable reports whether new requests may go on the connection: it is
// open and not Expiring. Cluster.Conn hands out only usable connections;
// a caller that keeps one re-checks with Usable before each use.
func (c *Conn) Usable() bool {
	select {
	case <-c.dead:
		return false
	default:
		return !c.Expiring()
	}
}

// setLifetime arms the retirement (85% of the lifetime, where Java starts
// re-authenticating) and the close at the session's end: the broker would
// refuse any request after it.
func (c *Conn) setLifetime(start time.Time, life time.Duration) {
	c.retireAt.Store(start.Add(life / 20 * 17).UnixNano()) // 85%, without overflow
	c.mu.Lock()
	if !c.closed {
		c.endTimer = time.AfterFunc(time.Until(start.Add(life)), func() {
			// Closed on purpose, like Close: not a broker failure, so no
			// metadata refresh and no "connection died" log.
			c.kill(&Error{Addr: c.addr, Op: "sasl", Kind: ErrConnClosed, Cause: fmt.Errorf("%w: %w", errClosedByClient, errSessionEnded)})
		})
	}
	c.mu.Unlock()
}

// closeWhenIdle closes a retired connection once nothing is in flight, it
// died (its session ended), or stop is closed (the Cluster closes).
func (c *Conn) closeWhenIdle(stop <-chan struct{}) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for c.InFlight() > 0 {
		select {
		case <-c.dead:
		case <-stop:
		case <-t.C:
			continue
		}
		break
	}
	c.Close()
}

// Close kills the connection: requests in flight fail once with an error
// wrapping ErrConnClosed, and Close returns after both goroutines exited.
// Close must not be called from a done callback of the same Conn (the
// reader goroutine would wait for itself).
func (c *Conn) Close() error {
	c.kill(&Error{Addr: c.addr, Op: "close", Kind: ErrConnClosed, Cause: errClosedByClient})
	c.wg.Wait()
	return nil
}

// Send encodes req at version v and queues it behind the requests already
// sent on this connection. It blocks while MaxInFlight requests are
// outstanding; if ctx ends (or the connection dies) first it returns that
// error and nothing was written.
//
// When Send returns nil, done is called exactly once: from the reader
// goroutine with the response (or a decode error), or with an *Error if
// the connection dies first. A request whose NoResponder.ExpectsResponse()
// is false (Produce acks=0) is completed with (nil, nil) by the writer
// goroutine once written. done must be quick; it may call Send on this
// Conn only if it does not wait for a slot (the reader frees slots).
// When Send returns an error, done is never called.
//
// Lifetime: on a plain TCP connection, records blobs of a request (Produce
// batches) of at least 4 KiB are not copied: the connection writes them
// from req's memory. The blobs must therefore stay unchanged until done is
// called; req's other fields may change once Send returns. done is never
// called before the request's bytes are all written: a response that
// arrives earlier (a broker cannot answer what it has not read) kills the
// connection with ErrEarlyResponse, and on a dead connection requests are
// failed only after the writer stopped. When Send returns an error nothing
// is referenced any more.
func (c *Conn) Send(ctx context.Context, req wire.Request, v int16, done func(wire.Response, error)) error {
	if max, ok := c.Version(req.Key()); !ok || v > max || v < 0 {
		return fmt.Errorf("%w: %s v%d at %s (negotiated max %d)", ErrUnsupportedAPI, wire.APIName(req.Key()), v, c.addr, max)
	}
	return c.send(ctx, req, v, done, c.gather)
}

// hintFor returns the frame size hint of an API key.
func (c *Conn) hintFor(key int16) *atomic.Int32 {
	if key >= 0 && int(key) < len(c.frameHint) {
		return &c.frameHint[key]
	}
	return &c.otherHint
}

// send queues req; with gather its large records blobs are referenced
// rather than copied (see Send's lifetime rule).
func (c *Conn) send(ctx context.Context, req wire.Request, v int16, done func(wire.Response, error), gather bool) error {
	select {
	case c.slots <- struct{}{}:
	default:
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.dead:
			return c.Err()
		}
	}
	noResp := false
	if nr, ok := req.(wire.NoResponder); ok && !nr.ExpectsResponse() {
		noResp = true
	}
	frame := getFrame()
	hint := c.hintFor(req.Key())
	if h := int(hint.Load()); cap(frame.head) < h {
		frame.head = make([]byte, 0, h+h/8)
	}
	c.encode(frame, req, v, gather)
	// The hint is the head's size: segments are not in the pooled buffer.
	hint.Store(int32(min(len(frame.head), maxPooledFrame)))
	r := &request{key: req.Key(), ver: v, noResp: noResp, req: req, frame: frame, done: done, segmented: len(frame.segs) > 0}

	c.mu.Lock()
	if c.closed {
		err := c.err
		c.mu.Unlock()
		putFrame(frame)
		<-c.slots
		return err
	}
	c.corr++
	r.corr = c.corr
	setCorrelation(frame.head, r.corr)
	r.deadline = time.Now().Add(c.cfg.RequestTimeout)
	// An idle connection (nothing being written, queued or awaiting a
	// response) takes the frame straight from this goroutine: no wake of
	// the writer goroutine on the latency path (io.go writeDirect says
	// why only then).
	direct := !noResp && !c.writing && len(c.queue) == 0 && len(c.waiting) == 0 && !r.segmented && len(frame.head) < directWriteLimit
	if direct {
		c.writing = true
	} else {
		c.queue = append(c.queue, r)
	}
	if !noResp {
		c.waiting = append(c.waiting, r)
		if len(c.waiting) == 1 {
			// The reader may be blocked with no deadline; arm it.
			c.nc.SetReadDeadline(r.deadline)
		}
	}
	c.mu.Unlock()
	if direct {
		c.writeDirect(r)
		return nil
	}
	c.wakeWriter()
	return nil
}

func (c *Conn) wakeWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Do sends req at the negotiated version and waits for the response or
// ctx. If ctx ends after the request was written, Do returns ctx's error
// and the response is discarded when it arrives. Do always copies req
// into its frame: it may return before the write, and then nothing of the
// caller's may still be read.
func (c *Conn) Do(ctx context.Context, req wire.Request) (wire.Response, error) {
	v, ok := c.Version(req.Key())
	if !ok {
		return nil, fmt.Errorf("%w: %s at %s", ErrUnsupportedAPI, wire.APIName(req.Key()), c.addr)
	}
	return c.roundTrip(ctx, req, v)
}

type result struct {
	resp wire.Response
	err  error
}

func (c *Conn) roundTrip(ctx context.Context, req wire.Request, v int16) (wire.Response, error) {
	ch := make(chan result, 1)
	if err := c.send(ctx, req, v, func(r wire.Response, err error) { ch <- result{r, err} }, false); err != nil {
		return nil, err
	}
	select {
	case res := <-ch:
		return res.resp, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// kill marks the connection dead with err (the first error wins) and
// closes the socket, which stops both goroutines. It never calls done
// callbacks itself: the reader does, as it exits.
func (c *Conn) kill(err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.err = err
	close(c.dead)
	if c.endTimer != nil {
		c.endTimer.Stop()
	}
	c.mu.Unlock()
	c.nc.Close()
	if !errors.Is(err, errClosedByClient) {
		c.log.Info("conn: connection died", zap.String("addr", c.addr), zap.Error(err))
	}
}

// complete hands r its result and frees its slot. The slot is freed first
// so a done that sends a follow-up request finds room.
func (c *Conn) complete(r *request, resp wire.Response, err error) {
	<-c.slots
	r.done(resp, err)
}
