package interop

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// rawConn is the smallest client that can talk to a broker: one request at a
// time on one connection, versions negotiated once. It exists so these tests
// exercise kafka/wire against a real broker and nothing else.
type rawConn struct {
	t    testing.TB
	nc   net.Conn
	corr int32
	vs   *wire.Versions
	buf  []byte
}

var clientID = "gregor-interop"

// dialRaw connects to addr and negotiates versions with ApiVersions, retrying
// once at the broker's own ApiVersions version after UNSUPPORTED_VERSION
// (KIP-511), as a real client does.
func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c := &rawConn{t: t, nc: nc}
	t.Cleanup(func() { nc.Close() })

	_, maxV, _ := wire.SupportedVersions(wire.APIKeyApiVersions)
	req := &wire.ApiVersionsRequest{ClientSoftwareName: "gregor-interop", ClientSoftwareVersion: "0.0.1"}
	resp := new(wire.ApiVersionsResponse)
	if err := c.roundTrip(req, maxV, resp); err != nil {
		t.Fatalf("ApiVersions v%d: %v", maxV, err)
	}
	if err := wire.ErrorForCode(resp.ErrorCode); err != nil {
		v := wire.ApiVersionsRetryVersion(resp)
		resp = new(wire.ApiVersionsResponse)
		if err := c.roundTrip(req, v, resp); err != nil {
			t.Fatalf("ApiVersions v%d: %v", v, err)
		}
		if err := wire.ErrorForCode(resp.ErrorCode); err != nil {
			t.Fatalf("ApiVersions v%d: %v", v, err)
		}
	}
	c.vs = wire.NegotiateVersions(resp)
	return c
}

// version returns the negotiated version of key, failing the test if broker and
// client share none.
func (c *rawConn) version(key int16) int16 {
	c.t.Helper()
	v, err := c.vs.Require(key)
	if err != nil {
		c.t.Fatalf("negotiate %s: %v", wire.APIName(key), err)
	}
	return v
}

// roundTrip sends req at version v and decodes the answer into resp, which must
// consume the whole frame.
func (c *rawConn) roundTrip(req wire.Request, v int16, resp wire.Response) error {
	c.corr++
	c.buf = wire.AppendRequest(c.buf[:0], req, v, c.corr, &clientID)
	if err := c.nc.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return err
	}
	if _, err := c.nc.Write(c.buf); err != nil {
		return fmt.Errorf("write %s: %w", wire.APIName(req.Key()), err)
	}
	var size [4]byte
	if _, err := io.ReadFull(c.nc, size[:]); err != nil {
		return fmt.Errorf("read %s response size: %w", wire.APIName(req.Key()), err)
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 64<<20 {
		return fmt.Errorf("%s response of %d bytes", wire.APIName(req.Key()), n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.nc, body); err != nil {
		return fmt.Errorf("read %s response: %w", wire.APIName(req.Key()), err)
	}
	r := wire.NewReader(body)
	if got := wire.ReadResponseHeader(r, req.Key(), v); r.Ok() && got != c.corr {
		return fmt.Errorf("%s: correlation id %d, want %d", wire.APIName(req.Key()), got, c.corr)
	}
	resp.DecodeFrom(r, v)
	if err := r.Complete(); err != nil {
		return fmt.Errorf("decode %s v%d response: %w", wire.APIName(req.Key()), v, err)
	}
	return nil
}
