package tcpproxy

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// server is a loopback TCP server for tests. handle runs once per connection.
type server struct {
	ln net.Listener
	wg sync.WaitGroup
	mu sync.Mutex
	cs []net.Conn
}

func startServer(t *testing.T, handle func(net.Conn)) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.cs = append(s.cs, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.cs {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *server) addr() string { return s.ln.Addr().String() }

// echo copies everything back and half-closes when the client does.
func echo(c net.Conn) {
	_, _ = io.Copy(c, c)
	_ = c.(*net.TCPConn).CloseWrite()
}

func newProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return p
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// roundTrip writes msg and reads len(msg) bytes back.
func roundTrip(t *testing.T, c net.Conn, msg []byte) []byte {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	return got
}

// expectReset asserts the connection fails (reset or EOF) within a second, without data.
func expectReset(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("Read() = %d, %v; want a reset or EOF", n, err)
	}
}

// expectRejected asserts a new connection to addr is reset: either the dial itself
// fails (on loopback the RST can beat connect's completion) or the first read does.
func expectRejected(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	expectReset(t, c)
}

func TestForwardsBothWaysWithHalfClose(t *testing.T) {
	srv := startServer(t, echo)
	p := newProxy(t, srv.addr())
	c := dial(t, p.Addr())

	want := make([]byte, 1<<20) // larger than the queue so back-pressure is exercised
	_, _ = rand.Read(want)
	var got []byte
	done := make(chan error, 1)
	go func() {
		var err error
		got, err = io.ReadAll(c)
		done <- err
	}()
	if _, err := c.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("echo through proxy did not finish")
	}
	if !bytes.Equal(want, got) {
		t.Fatalf("echo mismatch: sent %d bytes, got %d", len(want), len(got))
	}
	accepted, rejected, _ := p.Stats()
	if diff := cmp.Diff([2]int{1, 0}, [2]int{accepted, rejected}); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestCutAllResetsOpenConnections(t *testing.T) {
	srv := startServer(t, echo)
	p := newProxy(t, srv.addr())
	c1, c2 := dial(t, p.Addr()), dial(t, p.Addr())
	roundTrip(t, c1, []byte("a"))
	roundTrip(t, c2, []byte("b"))

	p.CutAll()
	expectReset(t, c1)
	expectReset(t, c2)

	c3 := dial(t, p.Addr())
	if got := roundTrip(t, c3, []byte("after")); string(got) != "after" {
		t.Fatalf("after CutAll: got %q", got)
	}
}

func TestStallHoldsBytesUntilResumed(t *testing.T) {
	srv := startServer(t, echo)
	p := newProxy(t, srv.addr())
	c := dial(t, p.Addr())
	roundTrip(t, c, []byte("warm"))

	p.Stall(true)
	if _, err := c.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 4)
	if n, err := c.Read(buf); n != 0 || err == nil {
		t.Fatalf("while stalled: Read() = %d, %v; want a timeout", n, err)
	}
	_, _, open := p.Stats()
	if open != 1 {
		t.Fatalf("stall closed the connection: open = %d", open)
	}

	p.Stall(false)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("after resume: %v", err)
	}
	if string(buf) != "held" {
		t.Fatalf("after resume: got %q, want %q", buf, "held")
	}
}

func TestLatencyDelaysEachDirection(t *testing.T) {
	srv := startServer(t, echo)
	p := newProxy(t, srv.addr())
	c := dial(t, p.Addr())
	roundTrip(t, c, []byte("warm"))

	const d = 100 * time.Millisecond
	p.SetLatency(d)
	start := time.Now()
	roundTrip(t, c, []byte("slow"))
	if took := time.Since(start); took < 2*d {
		t.Errorf("round trip with latency %v took %v; want >= %v", d, took, 2*d)
	}

	p.SetLatency(0)
	start = time.Now()
	roundTrip(t, c, []byte("fast"))
	if took := time.Since(start); took > d {
		t.Errorf("round trip after SetLatency(0) took %v; want < %v", took, d)
	}
}

func TestBandwidthLimitsThroughput(t *testing.T) {
	var received atomic.Int64
	srv := startServer(t, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		received.Add(n)
	})
	p := newProxy(t, srv.addr())
	p.SetBandwidth(100 << 10) // 100 KiB/s
	c := dial(t, p.Addr())

	start := time.Now()
	if _, err := c.Write(make([]byte, 50<<10)); err != nil {
		t.Fatal(err)
	}
	_ = c.CloseWrite()
	deadline := time.Now().Add(5 * time.Second)
	for received.Load() < 50<<10 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	if got := received.Load(); got != 50<<10 {
		t.Fatalf("received %d bytes, want %d", got, 50<<10)
	}
	// 50 KiB at 100 KiB/s is 500 ms. The floor is the real check; the ceiling is
	// loose because a loaded 2-core CI host can stall any goroutine for a while.
	if took < 400*time.Millisecond || took > 5*time.Second {
		t.Errorf("50 KiB at 100 KiB/s took %v; want about 500ms", took)
	}
}

func TestRejectNew(t *testing.T) {
	srv := startServer(t, echo)
	p := newProxy(t, srv.addr())
	open := dial(t, p.Addr())
	roundTrip(t, open, []byte("x"))

	p.RejectNew(true)
	expectRejected(t, p.Addr())
	if got := roundTrip(t, open, []byte("still")); string(got) != "still" {
		t.Fatalf("open connection after RejectNew: got %q", got)
	}

	p.RejectNew(false)
	if got := roundTrip(t, dial(t, p.Addr()), []byte("ok")); string(got) != "ok" {
		t.Fatalf("after RejectNew(false): got %q", got)
	}
	accepted, rejected, _ := p.Stats()
	if diff := cmp.Diff([2]int{3, 1}, [2]int{accepted, rejected}); diff != "" {
		t.Errorf("Stats() accepted/rejected mismatch (-want +got):\n%s", diff)
	}
}

func TestResetAfterBytesCutsAtExactPosition(t *testing.T) {
	got := make(chan int64, 4)
	srv := startServer(t, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		got <- n
	})
	p := newProxy(t, srv.addr())

	for _, n := range []int64{1, 7, 40000} {
		p.ResetAfterBytes(n)
		c := dial(t, p.Addr())
		_, _ = c.Write(make([]byte, 50000)) // may fail once the reset arrives
		select {
		case g := <-got:
			if g != n {
				t.Errorf("ResetAfterBytes(%d): server received %d bytes", n, g)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ResetAfterBytes(%d): server never saw the connection end", n)
		}
		expectReset(t, c)
	}

	p.ResetAfterBytes(0)
	echoSrv := startServer(t, echo)
	p.SetTarget(echoSrv.addr())
	if got := roundTrip(t, dial(t, p.Addr()), bytes.Repeat([]byte("z"), 1000)); len(got) != 1000 {
		t.Fatalf("after ResetAfterBytes(0): got %d bytes", len(got))
	}
}

func TestResetAfterBytesAppliesToOpenConnections(t *testing.T) {
	srv := startServer(t, echo)
	p := newProxy(t, srv.addr())
	c := dial(t, p.Addr())
	roundTrip(t, c, make([]byte, 100)) // 200 bytes forwarded before the budget exists

	p.ResetAfterBytes(10) // 5 up + 5 back still fit; the next write does not
	roundTrip(t, c, []byte("12345"))
	_, _ = c.Write([]byte("more"))
	expectReset(t, c)
}

func TestSetTargetMovesNewConnectionsOnly(t *testing.T) {
	prefix := func(p string) func(net.Conn) {
		return func(c net.Conn) {
			buf := make([]byte, 1)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
				if _, err := c.Write([]byte(p)); err != nil {
					return
				}
			}
		}
	}
	a, b := startServer(t, prefix("A")), startServer(t, prefix("B"))
	p := newProxy(t, a.addr())
	old := dial(t, p.Addr())
	if got := roundTrip(t, old, []byte("1")); string(got) != "A" {
		t.Fatalf("before SetTarget: got %q", got)
	}
	p.SetTarget(b.addr())
	if p.Target() != b.addr() {
		t.Fatalf("Target() = %q, want %q", p.Target(), b.addr())
	}
	if got := roundTrip(t, dial(t, p.Addr()), []byte("1")); string(got) != "B" {
		t.Errorf("new connection after SetTarget: got %q, want B", got)
	}
	if got := roundTrip(t, old, []byte("1")); string(got) != "A" {
		t.Errorf("old connection after SetTarget: got %q, want A", got)
	}
}

func TestDeadTargetResetsClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	p := newProxy(t, dead)
	expectRejected(t, p.Addr())
}

func TestCloseWithTrafficInFlight(t *testing.T) {
	srv := startServer(t, echo)
	p, err := New(srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	p.SetLatency(time.Hour) // writers parked on a long delay must still exit
	var wg sync.WaitGroup
	for range 4 {
		c := dial(t, p.Addr())
		_, _ = c.Write([]byte("parked"))
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = io.Copy(io.Discard, c)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	closed := make(chan error)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close() = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close() hung with traffic in flight")
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Fatalf("second Close() = %v", err)
	}
	if _, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		t.Fatal("proxy still accepts after Close")
	}
}

// TestFaultsWhileTrafficFlows toggles every fault from another goroutine during
// concurrent echo traffic; run with -race. Connections may die; the proxy must not
// deadlock, panic or leak.
func TestFaultsWhileTrafficFlows(t *testing.T) {
	srv := startServer(t, echo)
	p := newProxy(t, srv.addr())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := bytes.Repeat([]byte("k"), 4096)
			buf := make([]byte, len(msg))
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
				if err != nil {
					continue
				}
				_ = c.SetDeadline(time.Now().Add(200 * time.Millisecond))
				for range 10 {
					if _, err := c.Write(msg); err != nil {
						break
					}
					if _, err := io.ReadFull(c, buf); err != nil {
						break
					}
				}
				c.Close()
			}
		}()
	}
	faults := []func(){
		func() { p.Stall(true) }, func() { p.Stall(false) },
		func() { p.SetLatency(5 * time.Millisecond) }, func() { p.SetLatency(0) },
		func() { p.SetBandwidth(1 << 20) }, func() { p.SetBandwidth(0) },
		func() { p.RejectNew(true) }, func() { p.RejectNew(false) },
		func() { p.ResetAfterBytes(5000) }, func() { p.ResetAfterBytes(0) },
		p.CutAll,
	}
	for i := range 200 {
		faults[i%len(faults)]()
		time.Sleep(2 * time.Millisecond)
	}
	p.Stall(false)
	close(stop)
	wg.Wait()
}
