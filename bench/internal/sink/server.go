package sink

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// Server is a running sink broker. Close stops it and waits for every
// connection goroutine.
type Server struct {
	ln       net.Listener
	host     string
	port     int32
	reg      *registry
	nextPID  atomic.Int64
	requests atomic.Int64
	produces atomic.Int64
	conns    atomic.Int64

	mu     sync.Mutex
	open   map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
	logf   func(format string, args ...any)
}

// Config configures a Server.
type Config struct {
	// Addr to listen on, e.g. "127.0.0.1:0" (the default).
	Addr string
	// Partitions per topic; default 8.
	Partitions int
	// Logf, if set, receives one line per unexpected event (a request the
	// sink does not answer, a malformed frame).
	Logf func(format string, args ...any)
}

// Start listens on cfg.Addr and serves until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Partitions == 0 {
		cfg.Partitions = 8
	}
	if cfg.Partitions < 1 || cfg.Partitions > 100000 {
		return nil, fmt.Errorf("sink: partitions %d out of range 1..100000", cfg.Partitions)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("sink: %w", err)
	}
	host, portStr, _ := net.SplitHostPort(ln.Addr().String())
	port, _ := strconv.Atoi(portStr)
	s := &Server{ln: ln, host: host, port: int32(port), reg: newRegistry(cfg.Partitions),
		open: map[net.Conn]struct{}{}, logf: cfg.Logf}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.nextPID.Store(1000)
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the address clients should bootstrap from.
func (s *Server) Addr() string { return s.ln.Addr().String() }

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.logf("sink: accept: %v", err)
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.open[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		s.conns.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
			s.mu.Lock()
			delete(s.open, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// Close stops listening, closes every connection and waits for their
// goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	err := s.ln.Close()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// Stats returns a snapshot of what was acknowledged so far.
func (s *Server) Stats() Stats {
	st := Stats{Requests: s.requests.Load(), ProduceRequests: s.produces.Load(),
		Connections: s.conns.Load(), Topics: map[string]TopicStats{}}
	for _, t := range s.reg.all() {
		st.Topics[t.name] = t.stats()
	}
	return st
}
