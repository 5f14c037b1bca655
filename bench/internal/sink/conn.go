package sink

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// maxFrame bounds one request; Kafka's socket.request.max.bytes is 100 MiB.
const maxFrame = 100 << 20

// Error codes the sink answers with.
const (
	errNone                    int16 = 0
	errCorruptMessage          int16 = 2
	errUnknownTopicOrPartition int16 = 3
	errCoordinatorNotAvailable int16 = 15
	errUnsupportedVersion      int16 = 35
	errUnknownTopicID          int16 = 100
)

// advertised is what the sink answers ApiVersions with: the APIs a producer
// needs, at the versions kafka/wire implements. Fetch is listed although the
// sink never answers it, because librdkafka infers message format v2 from
// Produce >= 3 *and* Fetch >= 4 and otherwise sends v0 message sets.
var advertised = func() []wire.ApiVersionsResponseAPIKey {
	var out []wire.ApiVersionsResponseAPIKey
	for _, k := range []int16{wire.APIKeyProduce, wire.APIKeyFetch, wire.APIKeyMetadata, wire.APIKeyFindCoordinator,
		wire.APIKeyApiVersions, wire.APIKeyInitProducerId} {
		lo, hi, _ := wire.SupportedVersions(k)
		out = append(out, wire.ApiVersionsResponseAPIKey{APIKey: k, MinVersion: lo, MaxVersion: hi})
	}
	return out
}()

// conn is one client connection's reusable state. Only its goroutine
// touches it.
type conn struct {
	s     *Server
	r     wire.Reader
	frame []byte
	out   []byte

	produceReq  wire.ProduceRequest
	produceResp wire.ProduceResponse
	parts       []wire.ProduceResponsePartition
	mdResp      wire.MetadataResponse
}

func (s *Server) serve(nc net.Conn) {
	c := &conn{s: s}
	br := bufio.NewReaderSize(nc, 256<<10)
	bw := bufio.NewWriterSize(nc, 64<<10)
	var size [4]byte
	for {
		if _, err := io.ReadFull(br, size[:]); err != nil {
			c.closed(err)
			return
		}
		n := int(int32(binary.BigEndian.Uint32(size[:])))
		if n < 8 || n > maxFrame {
			s.logf("sink: %s: bad frame size %d", nc.RemoteAddr(), n)
			return
		}
		if cap(c.frame) < n {
			c.frame = make([]byte, n)
		}
		c.frame = c.frame[:n]
		if _, err := io.ReadFull(br, c.frame); err != nil {
			c.closed(err)
			return
		}
		s.requests.Add(1)
		out, ok := c.handle()
		if !ok {
			bw.Flush()
			return
		}
		if len(out) > 0 {
			if _, err := bw.Write(out); err != nil {
				return
			}
		}
		// Pipelined requests already buffered are answered before the
		// write: one syscall per burst instead of one per request.
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return
			}
		}
	}
}

func (c *conn) closed(err error) {
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.ErrUnexpectedEOF) {
		c.s.logf("sink: read: %v", err)
	}
}

// handle decodes the request in c.frame and returns the response frame to
// send (empty for acks=0 produce); ok is false when the connection must be
// closed.
func (c *conn) handle() (out []byte, ok bool) {
	r := &c.r
	r.Reset(c.frame)
	key, ver, corr, _ := wire.ReadRequestHeader(r)
	if r.Err() != nil {
		c.s.logf("sink: bad request header: %v", r.Err())
		return nil, false
	}
	out = c.out[:0]
	defer func() { c.out = out[:0] }()
	if key == wire.APIKeyApiVersions {
		return c.apiVersions(out, ver, corr), true
	}
	if lo, hi, known := wire.SupportedVersions(key); !known || ver < lo || ver > hi || !isAdvertised(key) || key == wire.APIKeyFetch {
		c.s.logf("sink: closing connection on unanswered request key %d (%s) v%d", key, wire.APIName(key), ver)
		return nil, false
	}
	switch key {
	case wire.APIKeyProduce:
		return c.produce(out, ver, corr)
	case wire.APIKeyMetadata:
		return c.metadata(out, ver, corr)
	case wire.APIKeyInitProducerId:
		var req wire.InitProducerIdRequest
		if !c.decode(&req, ver) {
			return nil, false
		}
		resp := wire.InitProducerIdResponse{ProducerID: c.s.nextPID.Add(1)}
		return wire.AppendResponse(out, &resp, ver, corr), true
	case wire.APIKeyFindCoordinator:
		var req wire.FindCoordinatorRequest
		if !c.decode(&req, ver) {
			return nil, false
		}
		msg := "sink: no coordinators (produce-only broker)"
		resp := wire.FindCoordinatorResponse{ErrorCode: errCoordinatorNotAvailable, ErrorMessage: &msg, NodeID: -1}
		for _, k := range req.CoordinatorKeys {
			resp.Coordinators = append(resp.Coordinators, wire.FindCoordinatorResponseCoordinator{
				Key: k, NodeID: -1, ErrorCode: errCoordinatorNotAvailable, ErrorMessage: &msg})
		}
		return wire.AppendResponse(out, &resp, ver, corr), true
	}
	return nil, false
}

func isAdvertised(key int16) bool {
	for _, a := range advertised {
		if a.APIKey == key {
			return true
		}
	}
	return false
}

func (c *conn) decode(m wire.Message, ver int16) bool {
	m.DecodeFrom(&c.r, ver)
	if err := c.r.Err(); err != nil {
		c.s.logf("sink: decoding %s v%d: %v", wire.APIName(m.Key()), ver, err)
		return false
	}
	return true
}

// apiVersions answers at the client's version, or — for a version newer
// than ours — with UNSUPPORTED_VERSION and a v0 body naming our range, so
// the client retries lower (KIP-511).
func (c *conn) apiVersions(out []byte, ver int16, corr int32) []byte {
	_, hi, _ := wire.SupportedVersions(wire.APIKeyApiVersions)
	if ver > hi {
		resp := wire.ApiVersionsResponse{ErrorCode: errUnsupportedVersion,
			APIKeys: []wire.ApiVersionsResponseAPIKey{{APIKey: wire.APIKeyApiVersions, MaxVersion: hi}}}
		return wire.AppendResponse(out, &resp, 0, corr)
	}
	resp := wire.ApiVersionsResponse{APIKeys: advertised, FinalizedFeaturesEpoch: -1}
	return wire.AppendResponse(out, &resp, ver, corr)
}
