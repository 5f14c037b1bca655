package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// produceProxy sits between every client and the real broker (the broker
// advertises the proxy's port, so clients never bypass it) and records the
// time of each Produce request (API key 0) it forwards. It reads only the
// 4-byte size and the 2-byte API key of each frame, so it works for any
// client, Java included, and adds one copy per request to every client
// alike.
type produceProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	times []time.Time // one per Produce request, in arrival order
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func startProxy(target string) (*produceProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &produceProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

func (p *produceProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *produceProxy) addr() string { return p.ln.Addr().String() }

func (p *produceProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		b, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[b] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { // broker -> client: bytes as they come
			defer p.wg.Done()
			_, _ = io.Copy(c, b) // either side closing ends the pair
			c.Close()
			b.Close()
		}()
		go func() { // client -> broker: frame by frame
			defer p.wg.Done()
			p.frames(c, b)
			c.Close()
			b.Close()
			p.mu.Lock()
			delete(p.conns, c)
			delete(p.conns, b)
			p.mu.Unlock()
		}()
	}
}

func (p *produceProxy) frames(c, b net.Conn) {
	r := bufio.NewReaderSize(c, 64<<10)
	var buf []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(hdr[:]))
		if n < 2 || n > 256<<20 {
			return
		}
		if cap(buf) < 4+n {
			buf = make([]byte, 4+n)
		}
		buf = buf[:4+n]
		copy(buf, hdr[:])
		if _, err := io.ReadFull(r, buf[4:]); err != nil {
			return
		}
		if binary.BigEndian.Uint16(buf[4:6]) == 0 {
			p.mu.Lock()
			p.times = append(p.times, time.Now())
			p.mu.Unlock()
		}
		if _, err := b.Write(buf); err != nil {
			return
		}
	}
}

// mark returns how many Produce requests were seen so far.
func (p *produceProxy) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.times)
}

// since returns the times of the Produce requests after mark m.
func (p *produceProxy) since(m int) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.times[m:]...)
}

func (p *produceProxy) stop() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// cpuSampler samples a process's CPU time (utime+stime of /proc/<pid>/stat)
// every 20 ms, so the CPU spent in any window can be read afterwards.
type cpuSampler struct {
	pid  int
	quit chan struct{}
	done chan struct{}

	mu      sync.Mutex
	samples []cpuSample
}

type cpuSample struct {
	at  time.Time
	cpu time.Duration
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

func procCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 { // f[0] is field 3 (state); utime is field 14, stime 15
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * time.Second / clockTicks, true
}

func startCPUSampler(pid int) *cpuSampler {
	s := &cpuSampler{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if c, ok := procCPU(pid); ok {
				s.mu.Lock()
				s.samples = append(s.samples, cpuSample{time.Now(), c})
				s.mu.Unlock()
			}
			select {
			case <-t.C:
			case <-s.quit:
				return
			}
		}
	}()
	return s
}

func (s *cpuSampler) stop() { close(s.quit); <-s.done }

// between returns the CPU time spent from the last sample at or before
// from to the first sample at or after to.
func (s *cpuSampler) between(from, to time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var a, b *cpuSample
	for i := range s.samples {
		x := &s.samples[i]
		if !x.at.After(from) {
			a = x
		}
		if b == nil && !x.at.Before(to) {
			b = x
		}
	}
	if a == nil && len(s.samples) > 0 {
		a = &s.samples[0]
	}
	if b == nil && len(s.samples) > 0 {
		b = &s.samples[len(s.samples)-1]
	}
	if a == nil || b == nil {
		return 0
	}
	return b.cpu - a.cpu
}
