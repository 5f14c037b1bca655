// Package testcert makes the TLS material of test brokers: a fresh CA and a
// server certificate it signs for 127.0.0.1 and localhost. kafkatest's TLS
// option serves it in-process; internal/realkafka writes it as PEM files
// for a real broker's SSL listener. One generator, so both stay alike.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Pair is a CA and a server certificate (ECDSA P-256) it signed.
type Pair struct {
	CA      *x509.Certificate
	CADER   []byte
	CertDER []byte // the server certificate
	Key     *ecdsa.PrivateKey
}

// New makes a Pair valid from an hour ago (clock skew between processes)
// for validity, named after name in the subjects.
func New(name string, validity time.Duration) (*Pair, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testcert: CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name + " test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	p := &Pair{}
	if p.CADER, err = x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey); err != nil {
		return nil, fmt.Errorf("testcert: CA certificate: %w", err)
	}
	if p.CA, err = x509.ParseCertificate(p.CADER); err != nil {
		return nil, fmt.Errorf("testcert: CA certificate: %w", err)
	}
	if p.Key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, fmt.Errorf("testcert: server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if p.CertDER, err = x509.CreateCertificate(rand.Reader, tmpl, p.CA, &p.Key.PublicKey, caKey); err != nil {
		return nil, fmt.Errorf("testcert: server certificate: %w", err)
	}
	return p, nil
}

// Certificate is the server's tls.Certificate, chain leaf first.
func (p *Pair) Certificate() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{p.CertDER, p.CADER}, PrivateKey: p.Key}
}

// Roots returns a new pool trusting the CA, and only it.
func (p *Pair) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.CA)
	return pool
}

// serial returns a random positive serial number below 2^127 + 1
// (crypto/rand does not fail since Go 1.24).
func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}
