package conn

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// FuzzResponseStream feeds arbitrary bytes to a Conn as the broker's answer
// to one Metadata request: the request must complete exactly once, with a
// response or an *Error, and never panic.
func FuzzResponseStream(f *testing.F) {
	good := wire.AppendResponse(nil, &wire.MetadataResponse{
		Brokers: []wire.MetadataResponseBroker{{NodeID: 1, Host: "h", Port: 9}},
	}, 12, 1)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 4, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, stream []byte) {
		client, server := net.Pipe()
		cfg := (&Config{}).withDefaults()
		c := newConn("pipe", client, cfg)
		c.versions = wire.NegotiateVersions(&wire.ApiVersionsResponse{
			APIKeys: []wire.ApiVersionsResponseAPIKey{{APIKey: wire.APIKeyMetadata, MinVersion: 0, MaxVersion: 12}},
		})
		srvDone := make(chan struct{})
		go func() {
			defer close(srvDone)
			var sz [4]byte
			if _, err := io.ReadFull(server, sz[:]); err != nil {
				return
			}
			n := int(sz[0])<<24 | int(sz[1])<<16 | int(sz[2])<<8 | int(sz[3])
			if _, err := io.CopyN(io.Discard, server, int64(n)); err != nil {
				return
			}
			server.Write(stream)
			server.Close()
		}()
		calls := 0
		result := make(chan error, 2)
		if err := c.Send(context.Background(), tagged("x"), 12, func(r wire.Response, err error) {
			calls++
			result <- err
		}); err != nil {
			t.Fatal(err)
		}
		err := <-result
		c.Close()
		<-srvDone
		if calls != 1 {
			t.Fatalf("done called %d times", calls)
		}
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
	})
}
