package conn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/internal/testcert"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// tlsFront terminates TLS on its own listener and relays the plaintext to
// the fake broker, so the connection under test speaks Kafka inside TLS.
type tlsFront struct {
	ln net.Listener
	wg sync.WaitGroup
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting its CA.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	pair, err := testcert.New("gregor conn", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return pair.Certificate(), pair.Roots()
}

func newTLSFront(t *testing.T, cert tls.Certificate, backend string) *tlsFront {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	f := &tlsFront{ln: ln}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer c.Close()
				b, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer b.Close()
				done := make(chan struct{})
				go func() { _, _ = io.Copy(b, c); b.Close(); close(done) }()
				_, _ = io.Copy(c, b)
				c.Close()
				<-done
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); f.wg.Wait() })
	return f
}

func TestDialTLS(t *testing.T) {
	b := newFakeBroker(t)
	cert, pool := selfSigned(t)
	front := newTLSFront(t, cert, b.Addr())
	addr := front.ln.Addr().String()

	c, err := Dial(context.Background(), addr, &Config{TLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatalf("Dial over TLS: %v", err)
	}
	defer c.Close()
	resp, err := c.Do(context.Background(), tagged("over-tls"))
	if err != nil {
		t.Fatalf("Metadata over TLS: %v", err)
	}
	md, ok := resp.(*wire.MetadataResponse)
	if !ok || len(md.Topics) != 1 || md.Topics[0].Name == nil || *md.Topics[0].Name != "over-tls" {
		t.Fatalf("Metadata over TLS answered %+v", resp)
	}

	// A client that does not trust the broker's certificate fails to dial
	// with an error that says so, and never speaks Kafka in the clear.
	before := b.requests.Load()
	_, err = Dial(context.Background(), addr, &Config{TLS: &tls.Config{MinVersion: tls.VersionTLS12}, DialTimeout: 5 * time.Second})
	var unknownAuthority x509.UnknownAuthorityError
	if err == nil || !errors.As(err, &unknownAuthority) {
		t.Fatalf("Dial with an untrusted certificate = %v; want an x509.UnknownAuthorityError", err)
	}
	var ce *Error
	if !errors.Is(err, ErrAuthentication) || !errors.As(err, &ce) || ce.Retriable() {
		t.Fatalf("Dial with an untrusted certificate = %v; want a non-retriable ErrAuthentication (it fails again)", err)
	}
	if got := b.requests.Load(); got != before {
		t.Errorf("the broker saw %d requests from the client that failed the handshake; want 0", got-before)
	}
}
