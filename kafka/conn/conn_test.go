package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/gregorkafka/gregor/kafka/retry"
	"github.com/gregorkafka/gregor/kafka/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func dialFake(t testing.TB, b *fakeBroker, cfg *Config) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), b.Addr(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// tagged is a Metadata request carrying name as its only topic; the fake
// broker echoes it back, so a response can be matched to its request.
func tagged(name string) *wire.MetadataRequest {
	return &wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{{Name: &name}}}
}

func tagOf(resp wire.Response) string {
	m := resp.(*wire.MetadataResponse)
	if len(m.Topics) != 1 || m.Topics[0].Name == nil {
		return "?"
	}
	return *m.Topics[0].Name
}

// completions records done calls and checks each request completes once.
type completions struct {
	t    testing.TB
	mu   sync.Mutex
	got  map[string][]error
	tags []string
	all  sync.WaitGroup
}

func newCompletions(t testing.TB) *completions {
	return &completions{t: t, got: map[string][]error{}}
}

func (cs *completions) done(name string) func(wire.Response, error) {
	cs.all.Add(1)
	return func(resp wire.Response, err error) {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		if len(cs.got[name]) > 0 {
			cs.t.Errorf("request %s completed twice (second: %v)", name, err)
			return
		}
		if err == nil && resp != nil {
			if tag := tagOf(resp); tag != name {
				cs.t.Errorf("request %s got the response of %s", name, tag)
			}
		}
		cs.got[name] = append(cs.got[name], err)
		cs.tags = append(cs.tags, name)
		cs.all.Done()
	}
}

func (cs *completions) wait(t testing.TB) {
	t.Helper()
	ch := make(chan struct{})
	go func() { cs.all.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("requests never completed")
	}
}

func (cs *completions) errOf(name string) error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.got[name][0]
}

func TestDialNegotiatesVersions(t *testing.T) {
	b := newFakeBroker(t)
	c := dialFake(t, b, nil)
	for _, tt := range []struct {
		key  int16
		want int16
		ok   bool
	}{
		{wire.APIKeyMetadata, 13, true},
		{wire.APIKeyApiVersions, 4, true},
		{1, -1, false}, // Fetch: broker does not list it
	} {
		v, ok := c.Version(tt.key)
		if ok != tt.ok || (ok && v != tt.want) {
			t.Errorf("Version(%d) = %d, %v; want %d, %v", tt.key, v, ok, tt.want, tt.ok)
		}
	}
	if diff := cmp.Diff([]int16{4}, b.apiVersionsSeen); diff != "" {
		t.Errorf("ApiVersions versions sent (-want +got):\n%s", diff)
	}
	if err := c.Send(context.Background(), &wire.FetchRequest{}, 4, func(wire.Response, error) {}); !errors.Is(err, ErrUnsupportedAPI) {
		t.Errorf("Send(Fetch) = %v, want ErrUnsupportedAPI", err)
	}
}

func TestUnsupportedApiVersionsFallback(t *testing.T) {
	b := newFakeBroker(t)
	b.maxApiVersions = 2 // an older broker: answers v4 with a v0 UNSUPPORTED_VERSION body
	c := dialFake(t, b, nil)
	if diff := cmp.Diff([]int16{4, 2}, b.apiVersionsSeen); diff != "" {
		t.Errorf("ApiVersions versions sent (-want +got):\n%s", diff)
	}
	if v, ok := c.Version(wire.APIKeyMetadata); !ok || v != 13 {
		t.Errorf("Version(Metadata) = %d, %v; want 13, true", v, ok)
	}
	if _, err := c.Do(context.Background(), tagged("x")); err != nil {
		t.Errorf("Do after fallback: %v", err)
	}
}

func TestPipeliningOrder(t *testing.T) {
	b := newFakeBroker(t)
	const inflight = 5
	// Answer nothing until `inflight` requests arrived: a client that waits
	// for each response before sending the next would deadlock here.
	var held []func()
	var hmu sync.Mutex
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) {
		req := new(wire.MetadataRequest)
		req.DecodeFrom(wire.NewReader(body), h.ver)
		resp := b.metadataResponse(req)
		hmu.Lock()
		held = append(held, func() { fc.reply(h, h.ver, resp) })
		if len(held) == inflight {
			for _, f := range held {
				f()
			}
			held = nil
		}
		hmu.Unlock()
	})
	c := dialFake(t, b, &Config{MaxInFlight: inflight})
	cs := newCompletions(t)
	var want []string
	for i := range 50 {
		name := "t" + strconv.Itoa(i)
		want = append(want, name)
		if err := c.Send(context.Background(), tagged(name), 12, cs.done(name)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	cs.wait(t)
	for _, name := range want {
		if err := cs.errOf(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if diff := cmp.Diff(want, cs.tags); diff != "" {
		t.Errorf("completion order (-want +got):\n%s", diff)
	}
	if n := c.InFlight(); n != 0 {
		t.Errorf("InFlight() = %d after all completed", n)
	}
}

func TestMaxInFlightBound(t *testing.T) {
	b := newFakeBroker(t)
	release := make(chan struct{})
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) {
		<-release
		fc.defaultHandle(h, body)
	})
	c := dialFake(t, b, &Config{MaxInFlight: 3})
	cs := newCompletions(t)
	for i := range 3 {
		if err := c.Send(context.Background(), tagged(strconv.Itoa(i)), 12, cs.done(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.InFlight(); n != 3 {
		t.Errorf("InFlight() = %d, want 3", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	called := false
	err := c.Send(ctx, tagged("blocked"), 12, func(wire.Response, error) { called = true })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("4th Send = %v, want DeadlineExceeded", err)
	}
	// The 4th Send blocks; it proceeds as soon as a slot frees.
	sent := make(chan error, 1)
	go func() { sent <- c.Send(context.Background(), tagged("3"), 12, cs.done("3")) }()
	select {
	case err := <-sent:
		t.Fatalf("Send returned %v while 3 requests were outstanding", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	cs.wait(t)
	if called {
		t.Error("done of the cancelled Send was called")
	}
	if got := b.requests.Load(); got != 4 {
		t.Errorf("broker saw %d requests, want 4 (the cancelled one must not be written)", got)
	}
}

// countingConn counts Write calls; while gate is set, the first Write
// after arm waits on it.
type countingConn struct {
	net.Conn
	writes atomic.Int64
	gate   chan struct{}
	armed  atomic.Bool
}

func (cc *countingConn) Write(p []byte) (int, error) {
	cc.writes.Add(1)
	if cc.armed.CompareAndSwap(true, false) {
		<-cc.gate
	}
	return cc.Conn.Write(p)
}

func TestCoalescedWrites(t *testing.T) {
	b := newFakeBroker(t)
	var cc *countingConn
	cfg := &Config{MaxInFlight: 20, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cc = &countingConn{Conn: nc, gate: make(chan struct{})}
		return cc, nil
	}}
	c := dialFake(t, b, cfg)
	before := cc.writes.Load()
	cc.armed.Store(true)
	cs := newCompletions(t)
	// The first request finds the write side idle and is written by its
	// own Send (writeDirect), which blocks in the socket; the next 15
	// queue up behind it and must go out in one write by the writer.
	first := make(chan error, 1)
	go func() { first <- c.Send(context.Background(), tagged("0"), 12, cs.done("0")) }()
	for cc.writes.Load() == before {
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < 16; i++ {
		if err := c.Send(context.Background(), tagged(strconv.Itoa(i)), 12, cs.done(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	close(cc.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	cs.wait(t)
	if got := cc.writes.Load() - before; got != 2 {
		t.Errorf("16 requests took %d writes, want 2 (1 + 15 coalesced)", got)
	}
	if got := b.requests.Load(); got != 16 {
		t.Errorf("broker parsed %d requests, want 16", got)
	}
}

func TestRequestTimeoutKillsConn(t *testing.T) {
	b := newFakeBroker(t)
	stall := make(chan struct{})
	defer close(stall)
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) { <-stall })
	c := dialFake(t, b, &Config{RequestTimeout: 100 * time.Millisecond})
	cs := newCompletions(t)
	start := time.Now()
	for _, n := range []string{"a", "b", "c"} {
		if err := c.Send(context.Background(), tagged(n), 12, cs.done(n)); err != nil {
			t.Fatal(err)
		}
	}
	cs.wait(t)
	if el := time.Since(start); el < 100*time.Millisecond || el > 2*time.Second {
		t.Errorf("timed out after %v, want ~100ms", el)
	}
	first := cs.errOf("a")
	if !errors.Is(first, ErrRequestTimeout) {
		t.Errorf("first request: %v, want ErrRequestTimeout", first)
	}
	var ce *Error
	if !errors.As(first, &ce) || !ce.Timeout() || !ce.Retriable() {
		t.Errorf("first request error %v: want *Error with Timeout() and Retriable()", first)
	}
	for _, n := range []string{"b", "c"} {
		err := cs.errOf(n)
		if !errors.Is(err, ErrConnClosed) || errors.Is(err, ErrRequestTimeout) {
			t.Errorf("request %s: %v, want ErrConnClosed (not ErrRequestTimeout)", n, err)
		}
		if a := retry.Classify(err); a != retry.RetryRefreshMetadata {
			t.Errorf("retry.Classify(%v) = %v, want RetryRefreshMetadata", err, a)
		}
	}
	select {
	case <-c.Done():
	default:
		t.Error("connection alive after a request timeout")
	}
	if err := c.Send(context.Background(), tagged("late"), 12, func(wire.Response, error) { t.Error("done called after failed Send") }); !errors.Is(err, ErrConnClosed) {
		t.Errorf("Send on dead conn = %v, want ErrConnClosed", err)
	}
}

func TestSendContextCancelled(t *testing.T) {
	b := newFakeBroker(t)
	stall := make(chan struct{})
	slow := make(chan struct{})
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) {
		req := new(wire.MetadataRequest)
		req.DecodeFrom(wire.NewReader(body), h.ver)
		if *req.Topics[0].Name == "slow" {
			<-slow
		} else {
			<-stall
		}
		fc.reply(h, h.ver, b.metadataResponse(req))
	})
	c := dialFake(t, b, nil)
	cs := newCompletions(t)
	for i := range 5 { // fill every slot
		if err := c.Send(context.Background(), tagged(strconv.Itoa(i)), 12, cs.done(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Send(ctx, tagged("x"), 12, func(wire.Response, error) { t.Error("done called") }); !errors.Is(err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer dcancel()
	if _, err := c.Do(dctx, tagged("y")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do waiting for a slot = %v, want DeadlineExceeded", err)
	}
	close(stall)
	cs.wait(t)
	if got := b.requests.Load(); got != 5 {
		t.Errorf("broker saw %d requests, want 5: cancelled sends must not be written", got)
	}

	// Do gives up on ctx after writing; the late response is discarded and
	// the next request still gets its own.
	dctx2, dcancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer dcancel2()
	if _, err := c.Do(dctx2, tagged("slow")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do(slow) = %v, want DeadlineExceeded", err)
	}
	close(slow)
	resp, err := c.Do(context.Background(), tagged("z"))
	if err != nil || tagOf(resp) != "z" {
		t.Errorf("Do(z) after cancellations = %v, %v", resp, err)
	}
}

func TestCorrelationMismatch(t *testing.T) {
	b := newFakeBroker(t)
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) {
		h.corr += 7
		fc.reply(h, h.ver, &wire.MetadataResponse{})
	})
	c := dialFake(t, b, nil)
	_, err := c.Do(context.Background(), tagged("a"))
	if !errors.Is(err, ErrCorrelation) || !errors.Is(err, ErrConnClosed) {
		t.Errorf("Do = %v, want ErrCorrelation wrapped in ErrConnClosed", err)
	}
	<-c.Done()
}

func TestBadResponses(t *testing.T) {
	for _, tt := range []struct {
		name string
		give func(h reqHeader) []byte
		want error
	}{
		{"negative size", func(h reqHeader) []byte { return []byte{0xff, 0xff, 0xff, 0xfe} }, ErrFrameSize},
		{"huge size", func(h reqHeader) []byte { return []byte{0x7f, 0xff, 0xff, 0xff} }, ErrFrameSize},
		{"size below header", func(h reqHeader) []byte { return []byte{0, 0, 0, 2, 0, 0} }, ErrFrameSize},
		{"garbage body", func(h reqHeader) []byte {
			f := wire.AppendInt32(nil, 4+1+8)
			f = wire.AppendInt32(f, h.corr)
			f = append(f, 0)                                     // header tags
			return append(f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff) // throttle, then a broker count far past the frame
		}, wire.ErrTruncated},
		{"truncated body", func(h reqHeader) []byte {
			f := wire.AppendInt32(nil, 4+1+2)
			f = wire.AppendInt32(f, h.corr)
			return append(f, 0, 0, 0)
		}, wire.ErrTruncated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBroker(t)
			// Answer (badly) once both requests are in, so both are in
			// flight when the connection dies.
			var first *reqHeader
			b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) {
				if first == nil {
					first = &h
					return
				}
				fc.write(tt.give(*first))
			})
			c := dialFake(t, b, nil)
			cs := newCompletions(t)
			for _, n := range []string{"a", "b"} {
				if err := c.Send(context.Background(), tagged(n), 12, cs.done(n)); err != nil {
					t.Fatal(err)
				}
			}
			cs.wait(t)
			if err := cs.errOf("a"); !errors.Is(err, tt.want) || !errors.Is(err, ErrConnClosed) {
				t.Errorf("first: %v, want %v and ErrConnClosed", err, tt.want)
			}
			var de *wire.DecodeError
			if !errors.Is(tt.want, ErrFrameSize) && !errors.As(cs.errOf("a"), &de) {
				t.Errorf("first: %v, want a *wire.DecodeError", cs.errOf("a"))
			}
			if err := cs.errOf("b"); !errors.Is(err, ErrConnClosed) {
				t.Errorf("second: %v, want ErrConnClosed", err)
			}
			<-c.Done()
		})
	}
}

func TestServerClosesMidResponse(t *testing.T) {
	b := newFakeBroker(t)
	var first *reqHeader
	n := 0
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) {
		if n++; n == 1 {
			first = &h
		}
		if n < 3 { // act once all three are in flight
			return
		}
		full := wire.AppendResponse(nil, b.metadataResponse(&wire.MetadataRequest{}), first.ver, first.corr)
		fc.write(full[:len(full)/2])
		fc.nc.(*net.TCPConn).CloseWrite() // FIN after half a frame

	})
	c := dialFake(t, b, nil)
	cs := newCompletions(t)
	for _, n := range []string{"a", "b", "c"} {
		if err := c.Send(context.Background(), tagged(n), 12, cs.done(n)); err != nil {
			t.Fatal(err)
		}
	}
	cs.wait(t)
	for _, n := range []string{"a", "b", "c"} {
		if err := cs.errOf(n); !errors.Is(err, ErrConnClosed) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %v, want ErrConnClosed wrapping io.ErrUnexpectedEOF", n, err)
		}
	}
	if err := c.Err(); !errors.Is(err, ErrConnClosed) {
		t.Errorf("Err() = %v", err)
	}
}

func TestCloseFailsInFlightOnce(t *testing.T) {
	b := newFakeBroker(t)
	stall := make(chan struct{})
	defer close(stall)
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) { <-stall })
	c := dialFake(t, b, nil)
	cs := newCompletions(t)
	for i := range 5 {
		n := strconv.Itoa(i)
		if err := c.Send(context.Background(), tagged(n), 12, cs.done(n)); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	cs.wait(t)
	for i := range 5 {
		if err := cs.errOf(strconv.Itoa(i)); !errors.Is(err, ErrConnClosed) {
			t.Errorf("%d: %v, want ErrConnClosed", i, err)
		}
	}
	if n := c.InFlight(); n != 0 {
		t.Errorf("InFlight() = %d after Close", n)
	}
}

// silent is a request the broker does not answer (like Produce acks=0).
type silent struct{ wire.MetadataRequest }

func (silent) ExpectsResponse() bool { return false }

func TestNoResponderCompletesWhenWritten(t *testing.T) {
	b := newFakeBroker(t)
	got := make(chan string, 10)
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) {
		req := new(wire.MetadataRequest)
		req.DecodeFrom(wire.NewReader(body), h.ver)
		got <- *req.Topics[0].Name
		if *req.Topics[0].Name != "quiet" {
			fc.reply(h, h.ver, b.metadataResponse(req))
		}
	})
	c := dialFake(t, b, nil)
	name := "quiet"
	resp, err := c.Do(context.Background(), &silent{wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{{Name: &name}}}})
	if resp != nil || err != nil {
		t.Fatalf("Do(silent) = %v, %v; want nil, nil", resp, err)
	}
	// A normal request after it is matched to its own response.
	resp, err = c.Do(context.Background(), tagged("loud"))
	if err != nil || tagOf(resp) != "loud" {
		t.Fatalf("Do(loud) = %v, %v", resp, err)
	}
	if a, b := <-got, <-got; a != "quiet" || b != "loud" {
		t.Errorf("broker saw %q, %q", a, b)
	}
}

func TestDialErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Dial(context.Background(), addr, nil)
	var ce *Error
	if !errors.As(err, &ce) || !errors.Is(err, ErrDial) || !ce.Retriable() {
		t.Errorf("Dial(closed port) = %v, want *Error wrapping ErrDial", err)
	}

	// A broker that accepts but never answers ApiVersions: bounded by DialTimeout.
	b := newFakeBroker(t)
	b.maxApiVersions = -1 // answers UNSUPPORTED_VERSION to everything...
	_, err = Dial(context.Background(), b.Addr(), &Config{DialTimeout: time.Second})
	if !errors.Is(err, ErrHandshake) || !errors.Is(err, wire.ErrUnsupportedVersion) {
		t.Errorf("Dial(rejecting broker) = %v, want ErrHandshake wrapping UNSUPPORTED_VERSION", err)
	}
}

func TestSanitizeSoftware(t *testing.T) {
	for _, tt := range []struct{ give, def, want string }{
		{"", "gregor", "gregor"},
		{"(devel)", "x", "devel"},
		{"v1.2.3+dirty", "x", "v1.2.3-dirty"},
		{"--", "gregor", "gregor"},
		{"", "", "unknown"},
	} {
		if got := sanitizeSoftware(tt.give, tt.def); got != tt.want {
			t.Errorf("sanitizeSoftware(%q, %q) = %q; want %q", tt.give, tt.def, got, tt.want)
		}
	}
}

var _ = fmt.Sprintf

// gatedDial returns a Config whose connections count writes and, while
// armed, hold the next Write until gate is closed.
func gatedDial(maxInFlight int) (*Config, func() *countingConn) {
	var cc atomic.Pointer[countingConn]
	cfg := &Config{MaxInFlight: maxInFlight, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		x := &countingConn{Conn: nc, gate: make(chan struct{})}
		cc.Store(x)
		return x, nil
	}}
	return cfg, cc.Load
}

// TestDirectWriteWhenIdle: a small request on an idle connection is
// written by Send itself (Send is still in the blocked Write), a big one
// by the writer goroutine (Send returns while the Write is blocked).
func TestDirectWriteWhenIdle(t *testing.T) {
	for _, tt := range []struct {
		name       string
		topicBytes int
		direct     bool
	}{
		{"small frame", 10, true},
		{"frame over directWriteLimit", directWriteLimit, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newFakeBroker(t)
			cfg, cc := gatedDial(5)
			c := dialFake(t, b, cfg)
			before := cc().writes.Load()
			cc().armed.Store(true)
			cs := newCompletions(t)
			name := strings.Repeat("t", tt.topicBytes)
			sent := make(chan error, 1)
			go func() { sent <- c.Send(context.Background(), tagged(name), 12, cs.done(name)) }()
			for cc().writes.Load() == before {
				time.Sleep(time.Millisecond)
			}
			var returned bool
			select {
			case err := <-sent:
				returned = true
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(50 * time.Millisecond):
			}
			close(cc().gate)
			if !returned {
				if err := <-sent; err != nil {
					t.Fatal(err)
				}
			}
			cs.wait(t)
			if returned == tt.direct {
				t.Errorf("Send returned during its blocked write: %v, want %v (direct write: %v)", returned, !tt.direct, tt.direct)
			}
			if err := cs.errOf(name); err != nil {
				t.Errorf("request failed: %v", err)
			}
		})
	}
}

// TestDirectAndQueuedWritesKeepOrder: many goroutines send concurrently,
// so requests find the connection busy (queued, written by the writer)
// and, now and then, idle (written directly). The reader checks every response's
// correlation id against the oldest request and completions check each
// response's tag, so a frame written out of correlation order fails the
// test. Coalescing shows that the queued path was taken.
func TestDirectAndQueuedWritesKeepOrder(t *testing.T) {
	b := newFakeBroker(t)
	cfg, cc := gatedDial(5)
	c := dialFake(t, b, cfg)
	before := cc().writes.Load()
	cs := newCompletions(t)
	var wg sync.WaitGroup
	const senders, each = 8, 200
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("%d-%d", g, i)
				if i%3 == 0 {
					// Now and then a big frame, which always goes through the writer.
					name += strings.Repeat("x", directWriteLimit)
				}
				if err := c.Send(context.Background(), tagged(name), 12, cs.done(name)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cs.wait(t)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if len(cs.got) != senders*each {
		t.Fatalf("%d requests completed, want %d", len(cs.got), senders*each)
	}
	for name, errs := range cs.got {
		if errs[0] != nil {
			t.Fatalf("request %.20s failed: %v", name, errs[0])
		}
	}
	writes := cc().writes.Load() - before
	if writes >= senders*each || writes == 0 {
		t.Errorf("%d writes for %d requests: want some coalesced (queued) and at least one", writes, senders*each)
	}
	if err := c.Err(); err != nil {
		t.Errorf("connection died: %v", err)
	}
}
