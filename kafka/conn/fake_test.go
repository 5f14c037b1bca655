package conn

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// fakeBroker is a tiny in-test Kafka broker over loopback TCP: one
// goroutine per connection reads request frames in order and calls handle
// synchronously, so responses go out in request order, as Kafka's do.
// Tests replace handle to stall, misbehave or count.
type fakeBroker struct {
	t      testing.TB
	ln     net.Listener
	nodeID int32

	// maxApiVersions is the highest ApiVersions version it accepts; above
	// it, it answers UNSUPPORTED_VERSION with a v0 body (KIP-511).
	maxApiVersions int16

	handle   atomic.Pointer[func(fc *fakeConn, h reqHeader, body []byte)]
	metadata atomic.Pointer[func(req *wire.MetadataRequest) *wire.MetadataResponse]

	apiVersionsSeen []int16 // versions of ApiVersions requests, in order
	requests        atomic.Int64
	accepted        atomic.Int64
	mu              sync.Mutex
	conns           map[net.Conn]struct{}
	wg              sync.WaitGroup
}

type reqHeader struct {
	key, ver int16
	corr     int32
}

type fakeConn struct {
	b   *fakeBroker
	nc  net.Conn
	wmu sync.Mutex
}

func newFakeBroker(t testing.TB) *fakeBroker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &fakeBroker{t: t, ln: ln, nodeID: 1, maxApiVersions: 4, conns: map[net.Conn]struct{}{}}
	b.wg.Add(1)
	go b.acceptLoop()
	t.Cleanup(b.Close)
	return b
}

func (b *fakeBroker) Addr() string { return b.ln.Addr().String() }

func (b *fakeBroker) port() int32 { return int32(b.ln.Addr().(*net.TCPAddr).Port) }

func (b *fakeBroker) setHandler(h func(fc *fakeConn, h reqHeader, body []byte)) { b.handle.Store(&h) }

func (b *fakeBroker) setMetadata(f func(req *wire.MetadataRequest) *wire.MetadataResponse) {
	b.metadata.Store(&f)
}

// Close stops accepting, closes every connection and waits.
func (b *fakeBroker) Close() {
	b.ln.Close()
	b.DropConnections()
	b.wg.Wait()
}

func (b *fakeBroker) DropConnections() {
	b.mu.Lock()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
}

func (b *fakeBroker) acceptLoop() {
	defer b.wg.Done()
	for {
		nc, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.accepted.Add(1)
		b.mu.Lock()
		b.conns[nc] = struct{}{}
		b.mu.Unlock()
		b.wg.Add(1)
		go b.serve(&fakeConn{b: b, nc: nc})
	}
}

func (b *fakeBroker) serve(fc *fakeConn) {
	defer b.wg.Done()
	defer func() {
		fc.nc.Close()
		b.mu.Lock()
		delete(b.conns, fc.nc)
		b.mu.Unlock()
	}()
	for {
		var sz [4]byte
		if _, err := io.ReadFull(fc.nc, sz[:]); err != nil {
			return
		}
		frame := make([]byte, binary.BigEndian.Uint32(sz[:]))
		if _, err := io.ReadFull(fc.nc, frame); err != nil {
			return
		}
		r := wire.NewReader(frame)
		key, ver, corr, _ := wire.ReadRequestHeader(r)
		if r.Err() != nil {
			return
		}
		h := reqHeader{key, ver, corr}
		body := frame[r.Offset():]
		if key == wire.APIKeyApiVersions {
			b.mu.Lock()
			b.apiVersionsSeen = append(b.apiVersionsSeen, ver)
			b.mu.Unlock()
			fc.apiVersions(h)
			continue
		}
		b.requests.Add(1)
		if hp := b.handle.Load(); hp != nil {
			(*hp)(fc, h, body)
			continue
		}
		fc.defaultHandle(h, body)
	}
}

func (fc *fakeConn) apiVersions(h reqHeader) {
	if h.ver > fc.b.maxApiVersions {
		fc.reply(h, 0, &wire.ApiVersionsResponse{
			ErrorCode: wire.ErrUnsupportedVersion.Code,
			APIKeys:   []wire.ApiVersionsResponseAPIKey{{APIKey: 18, MinVersion: 0, MaxVersion: fc.b.maxApiVersions}},
		})
		return
	}
	fc.reply(h, h.ver, &wire.ApiVersionsResponse{
		FinalizedFeaturesEpoch: -1,
		APIKeys: []wire.ApiVersionsResponseAPIKey{
			{APIKey: 0, MinVersion: 0, MaxVersion: 12},
			{APIKey: 3, MinVersion: 0, MaxVersion: 13},
			{APIKey: 18, MinVersion: 0, MaxVersion: fc.b.maxApiVersions},
		},
	})
}

// defaultHandle answers Metadata: with b.metadata if set, else with this
// broker alone and every asked topic echoed back with one partition led by
// it (so tests can tag requests by topic name).
func (fc *fakeConn) defaultHandle(h reqHeader, body []byte) {
	if h.key != wire.APIKeyMetadata {
		fc.nc.Close()
		return
	}
	req := new(wire.MetadataRequest)
	req.DecodeFrom(wire.NewReader(body), h.ver)
	fc.reply(h, h.ver, fc.b.metadataResponse(req))
}

func (b *fakeBroker) metadataResponse(req *wire.MetadataRequest) *wire.MetadataResponse {
	if f := b.metadata.Load(); f != nil {
		return (*f)(req)
	}
	resp := &wire.MetadataResponse{
		Brokers:      []wire.MetadataResponseBroker{{NodeID: b.nodeID, Host: "127.0.0.1", Port: b.port()}},
		ControllerID: b.nodeID,
	}
	for _, t := range req.Topics {
		resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{
			Name:       t.Name,
			Partitions: []wire.MetadataResponsePartition{{LeaderID: b.nodeID, LeaderEpoch: 1, ReplicaNodes: []int32{b.nodeID}, IsrNodes: []int32{b.nodeID}}},
		})
	}
	return resp
}

func (fc *fakeConn) reply(h reqHeader, v int16, resp wire.Response) {
	fc.write(wire.AppendResponse(nil, resp, v, h.corr))
}

func (fc *fakeConn) write(b []byte) {
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	if _, err := fc.nc.Write(b); err != nil && !errors.Is(err, net.ErrClosed) {
		fc.b.t.Logf("fake broker write: %v", err)
	}
}
