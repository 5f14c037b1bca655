package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// produceProxy sits between every client and the real broker (the broker
// advertises the proxy's port, so clients never bypass it) and records every
// request it forwards (reqInfo): when, which API, and for Produce the shape
// of the request and the broker's round trip. It forwards whole frames, so
// it works for any client, Java included, and adds one copy per request to
// every client alike; the broker always gets a frame in one write, whatever
// segments the client sent it in.
type produceProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	reqs  []reqInfo // every request, in arrival order
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// reqInfo is one request the proxy forwarded.
type reqInfo struct {
	at      time.Time
	key     int16
	version int16
	size    int // frame bytes, size field included
	// reads is how many reads of the client's socket returned data since
	// the previous frame of the connection: about the segments (or
	// separate writes) the client sent this frame in; 0 when the frame came
	// in a read with the one before.
	reads int
	// Produce only: topic-partitions, record batches and records in the
	// request (from the batches' headers).
	parts, batches, records int
	rtt                     time.Duration // request forwarded to response read, 0 if none
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
		pend := &pending{at: map[int32]int{}}
		p.wg.Add(2)
		go func() { // broker -> client: frame by frame, timing responses
			defer p.wg.Done()
			p.responses(b, c, pend)
			c.Close()
			b.Close()
		}()
		go func() { // client -> broker: frame by frame
			defer p.wg.Done()
			p.frames(c, b, pend)
			c.Close()
			b.Close()
			p.mu.Lock()
			delete(p.conns, c)
			delete(p.conns, b)
			p.mu.Unlock()
		}()
	}
}

// pending maps one connection's outstanding correlation ids to their index
// in reqs (under produceProxy.mu).
type pending struct{ at map[int32]int }

// countingReader counts the reads that returned data.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.n++
	}
	return n, err
}

func readFrame(r io.Reader, buf []byte) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return buf, err
	}
	n := int(binary.BigEndian.Uint32(hdr[:]))
	if n < 4 || n > 256<<20 {
		return buf, fmt.Errorf("proxy: frame of %d bytes", n)
	}
	if cap(buf) < 4+n {
		buf = make([]byte, 4+n)
	}
	buf = buf[:4+n]
	copy(buf, hdr[:])
	_, err := io.ReadFull(r, buf[4:])
	return buf, err
}

func (p *produceProxy) frames(c, b net.Conn, pend *pending) {
	cr := &countingReader{r: c}
	r := bufio.NewReaderSize(cr, 64<<10)
	var buf []byte
	lastReads := 0
	for {
		var err error
		if buf, err = readFrame(r, buf); err != nil {
			return
		}
		ri := reqInfo{at: time.Now(), size: len(buf), reads: cr.n - lastReads}
		lastReads = cr.n
		var corr int32
		ri.key, ri.version, corr = int16(binary.BigEndian.Uint16(buf[4:])), int16(binary.BigEndian.Uint16(buf[6:])), int32(binary.BigEndian.Uint32(buf[8:]))
		if ri.key == wire.APIKeyProduce {
			ri.parts, ri.batches, ri.records = produceShape(buf[4:])
		}
		p.mu.Lock()
		pend.at[corr] = len(p.reqs)
		p.reqs = append(p.reqs, ri)
		p.mu.Unlock()
		if _, err := b.Write(buf); err != nil {
			return
		}
	}
}

func (p *produceProxy) responses(b, c net.Conn, pend *pending) {
	r := bufio.NewReaderSize(b, 64<<10)
	var buf []byte
	for {
		var err error
		if buf, err = readFrame(r, buf); err != nil {
			return
		}
		now := time.Now()
		corr := int32(binary.BigEndian.Uint32(buf[4:]))
		p.mu.Lock()
		if i, ok := pend.at[corr]; ok {
			delete(pend.at, corr)
			p.reqs[i].rtt = now.Sub(p.reqs[i].at)
		}
		p.mu.Unlock()
		if _, err := c.Write(buf); err != nil {
			return
		}
	}
}

// produceShape counts the topic-partitions, record batches and records of
// a Produce request (frame without its size field); zeros if it does not
// decode.
func produceShape(frame []byte) (parts, batches, records int) {
	rd := wire.NewReader(frame)
	_, version, _, _ := wire.ReadRequestHeader(rd)
	var req wire.ProduceRequest
	req.DecodeFrom(rd, version)
	if rd.Err() != nil {
		return 0, 0, 0
	}
	for _, t := range req.TopicData {
		for _, pd := range t.PartitionData {
			parts++
			for b := pd.Records; len(b) >= 61; {
				n := 12 + int(binary.BigEndian.Uint32(b[8:]))
				batches++
				records += int(binary.BigEndian.Uint32(b[57:]))
				if n > len(b) {
					break
				}
				b = b[n:]
			}
		}
	}
	return parts, batches, records
}

// mark returns how many requests were seen so far.
func (p *produceProxy) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.reqs)
}

// since returns the requests after mark m (round trips of requests still
// unanswered are 0).
func (p *produceProxy) since(m int) []reqInfo {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]reqInfo(nil), p.reqs[m:]...)
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
