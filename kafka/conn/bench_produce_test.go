package conn

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// sinkBroker answers ApiVersions and acknowledges every Produce request
// without looking at its records: it reads through a reused buffer and
// writes a reused response, so the benchmark measures the client's cost
// (plus the loopback copies, the same whatever the client does).
func sinkBroker(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	fb := &fakeBroker{t: b, maxApiVersions: 4}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				serveSink(&fakeConn{b: fb, nc: nc})
			}()
		}
	}()
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, nc := range conns {
			nc.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func serveSink(fc *fakeConn) {
	br := bufio.NewReaderSize(fc.nc, 64<<10)
	resp := &wire.ProduceResponse{Responses: []wire.ProduceResponseTopic{{Name: "bench", PartitionResponses: []wire.ProduceResponsePartition{{}}}}}
	out := make([]byte, 0, 256)
	var hdr [12]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return
		}
		size := int(binary.BigEndian.Uint32(hdr[:]))
		h := reqHeader{int16(binary.BigEndian.Uint16(hdr[4:])), int16(binary.BigEndian.Uint16(hdr[6:])), int32(binary.BigEndian.Uint32(hdr[8:]))}
		if _, err := br.Discard(size - 8); err != nil {
			return
		}
		if h.key == wire.APIKeyApiVersions {
			fc.apiVersions(h)
			continue
		}
		out = wire.AppendResponse(out[:0], resp, h.ver, h.corr)
		if _, err := fc.nc.Write(out); err != nil {
			return
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProduce1MiB sends Produce requests of one 1 MiB batch, five in
// flight, to a broker that discards them (sinkBroker), on loopback. cpu-ns/op
// is the whole process's CPU time (client and sink) per request.
//
//	go test -run '^$' -bench Produce1MiB -benchtime 2000x -count 6 ./kafka/conn
func BenchmarkProduce1MiB(b *testing.B) {
	addr := sinkBroker(b)
	c, err := Dial(context.Background(), addr, &Config{MaxInFlight: 5})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	v, _ := c.Version(wire.APIKeyProduce)
	v = min(v, 12)
	req := &wire.ProduceRequest{Acks: 1, TimeoutMs: 30000, TopicData: []wire.ProduceRequestTopic{{Name: "bench", PartitionData: []wire.ProduceRequestPartition{
		{Index: 0, Records: make([]byte, 1<<20)},
	}}}}
	var wg sync.WaitGroup
	done := func(_ wire.Response, err error) {
		if err != nil {
			b.Error(err)
		}
		wg.Done()
	}
	ctx := context.Background()
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	wg.Add(b.N)
	for range b.N {
		if err := c.Send(ctx, req, v, done); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}
