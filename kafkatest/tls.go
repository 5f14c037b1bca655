package kafkatest

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"time"

	"github.com/gregorkafka/gregor/internal/testcert"
)

// tlsState is the cluster's TLS material (option TLS): the brokers'
// server configuration and the pool of the CA that signed them.
type tlsState struct {
	server *tls.Config
	roots  *x509.CertPool
}

// newTLSState makes a CA and a server certificate for 127.0.0.1 and
// localhost, valid for a day.
func newTLSState() (*tlsState, error) {
	pair, err := testcert.New("kafkatest", 24*time.Hour)
	if err != nil {
		return nil, err
	}
	return &tlsState{
		server: &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair.Certificate()}},
		roots:  pair.Roots(),
	}, nil
}

// listen opens a broker's listener on addr, TLS-wrapped with option TLS.
func (c *Cluster) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil || c.tls == nil {
		return ln, err
	}
	return tls.NewListener(ln, c.tls.server), nil
}

// TLSConfig returns a client TLS configuration trusting the cluster's CA
// (a new one each call), or nil if the cluster was not started with TLS.
func (c *Cluster) TLSConfig() *tls.Config {
	if c.tls == nil {
		return nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: c.tls.roots}
}
