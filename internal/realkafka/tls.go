package realkafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gregorkafka/gregor/internal/testcert"
)

// TLS support: WithTLS adds one more listener per node, named TLS, speaking SSL
// (server authentication only, ssl.client.auth=none). Like SASL it sits next to
// the three plain listeners, so the harness's own checks and replication never
// depend on TLS, and it is never proxied.
//
// Key material is made in Go at cluster start, fresh per cluster: an ECDSA P-256
// CA and a server certificate it signs, valid for IP 127.0.0.1 and DNS localhost.
// The broker reads them through Kafka's PEM keystore (KIP-651): one file holding
// the PKCS#8 private key and the certificate chain, ssl.keystore.type=PEM. The key
// is stored unencrypted and no ssl.key.password is set: for a PEM keystore Kafka
// then parses the key as plain PKCS#8, and a keystore password would be rejected
// outright. This needs no keytool and no JKS/PKCS12 password juggling, and the
// same properties work on 3.9 and 4.x.

// tlsValidity is how long the generated certificates are valid. Generous, so a
// cluster started from TestMain outlives any test run; the keys die with the
// cluster directory anyway.
const tlsValidity = 30 * 24 * time.Hour

type tlsOption struct{}

func (tlsOption) apply(c *options) { c.tls = true }

// WithTLS gives every node one more listener, TLS (security protocol SSL), on its
// own port (see TLSAddrs), with a certificate for 127.0.0.1 and localhost signed
// by a CA made for this cluster (see TLSRootCAs). Clients are not asked for
// certificates.
//
// The TLS listener is not proxied (WithProxy covers the PLAINTEXT listener only),
// combines with WithSASL, and Metadata asked on it advertises every broker's TLS
// address.
func WithTLS() Option { return tlsOption{} }

// TLSAddrs returns every node's TLS listener, in node order, or nil without
// WithTLS.
func (c *Cluster) TLSAddrs() []string {
	if c.tls == nil {
		return nil
	}
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.tlsAddr()
	}
	return out
}

// TLSRootCAs returns a pool trusting the cluster's CA, and only it, for a
// client's tls.Config.RootCAs; nil without WithTLS. Each call returns a new pool.
func (c *Cluster) TLSRootCAs() *x509.CertPool {
	if c.tls == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(c.tls.ca)
	return pool
}

// TLSCAFile returns the PEM file holding the cluster's CA certificate (for tools
// and CLIs that take a CA path), or "" without WithTLS.
func (c *Cluster) TLSCAFile() string {
	if c.tls == nil {
		return ""
	}
	return c.tls.caFile
}

// tlsAddr is node's TLS listener, "" without WithTLS.
func (n *node) tlsAddr() string {
	if n.cfg.TLSPort == 0 {
		return ""
	}
	return fmt.Sprintf("127.0.0.1:%d", n.cfg.TLSPort)
}

// tlsMaterial is a cluster's CA and where its PEM files are.
type tlsMaterial struct {
	ca       *x509.Certificate
	caFile   string // CA certificate
	keystore string // server private key (PKCS#8) + server certificate + CA certificate
}

// newTLSMaterial makes a CA and a server certificate for 127.0.0.1/localhost and
// writes them as PEM files into dir/tls. Every node shares the server key: one
// host, one name.
func newTLSMaterial(dir string) (*tlsMaterial, error) {
	dir = filepath.Join(dir, "tls")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	pair, err := testcert.New("gregor realkafka", tlsValidity)
	if err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(pair.Key)
	if err != nil {
		return nil, fmt.Errorf("realkafka: server key: %w", err)
	}

	m := &tlsMaterial{
		ca:       pair.CA,
		caFile:   filepath.Join(dir, "ca.pem"),
		keystore: filepath.Join(dir, "server-keystore.pem"),
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.CADER})
	// Kafka's PEM keystore wants the "PRIVATE KEY" (PKCS#8) block and the chain,
	// leaf first, in one file.
	ks := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	ks = append(ks, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.CertDER})...)
	ks = append(ks, caPEM...)
	if err := os.WriteFile(m.caFile, caPEM, 0o644); err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	if err := os.WriteFile(m.keystore, ks, 0o600); err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	return m, nil
}

// tlsConfig is how the harness dials TLS listeners: trusting the cluster CA only,
// checking the name 127.0.0.1.
func (c *Cluster) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: c.TLSRootCAs(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// tlsReady proves node's TLS listener completes a handshake with the cluster's
// certificate and serves ApiVersions over it.
func (c *Cluster) tlsReady(ctx context.Context, n *node) error {
	d := tls.Dialer{Config: c.tlsConfig()}
	nc, err := d.DialContext(ctx, "tcp", n.tlsAddr())
	if err != nil {
		return fmt.Errorf("node %d TLS listener: %w", n.id, err)
	}
	defer nc.Close()
	resp, err := exchangeOn(ctx, nc, apiAPIVersions, 0, nil)
	if err == nil {
		_, err = decodeAPIVersions(resp)
	}
	if err != nil {
		return fmt.Errorf("node %d TLS listener: %w", n.id, err)
	}
	return nil
}
