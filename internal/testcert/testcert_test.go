package testcert

import (
	"crypto/x509"
	"testing"
	"time"
)

func TestServerCertificateVerifies(t *testing.T) {
	p, err := New("t", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(p.CertDER)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"127.0.0.1", "localhost"} {
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: name, Roots: p.Roots()}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "127.0.0.2", Roots: p.Roots()}); err == nil {
		t.Error("verifies for 127.0.0.2")
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: x509.NewCertPool()}); err == nil {
		t.Error("verifies without the CA")
	}
	if c := p.Certificate(); len(c.Certificate) != 2 || c.PrivateKey != p.Key {
		t.Error("tls.Certificate is not the chain with the server key")
	}
}
