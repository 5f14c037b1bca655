package realkafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestTLSListener proves the WithTLS listener against real brokers: a handshake
// trusting only TLSRootCAs and checking the name 127.0.0.1, ApiVersions and
// Metadata over it (Metadata must advertise the TLS addresses), and a handshake
// without the CA failing on the certificate. The cluster also runs WithSASL and
// WithProxy, to show the extra listeners coexist and TLS is not proxied.
func TestTLSListener(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			c := StartCluster(t, WithVersion(v), WithTLS(), WithSASL(testUsers), WithProxy())
			addrs := c.TLSAddrs()
			if len(addrs) != 1 {
				t.Fatalf("TLSAddrs() = %v; want one address", addrs)
			}
			others := []string{c.Addrs()[0], c.DirectAddr(1), c.SASLAddrs()[0]}
			if slices.Contains(others, addrs[0]) {
				t.Fatalf("TLS address %s shared with the proxy, PLAINTEXT or SASL listener %v", addrs[0], others)
			}
			if c.TLSRootCAs() == nil {
				t.Fatal("TLSRootCAs() = nil with WithTLS")
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()

			s := dialSession(ctx, t, addrs[0], &tls.Config{RootCAs: c.TLSRootCAs(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
			defer s.close()
			st := s.nc.(*tls.Conn).ConnectionState()
			t.Logf("Kafka %s TLS listener: %s, %s", v, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
			if !st.HandshakeComplete || len(st.PeerCertificates) == 0 {
				t.Fatalf("handshake state: complete %v, %d peer certificates", st.HandshakeComplete, len(st.PeerCertificates))
			}
			vers, err := decodeAPIVersions(s.call(t, apiAPIVersions, 0, nil))
			if err != nil {
				t.Fatalf("ApiVersions over TLS: %v", err)
			}
			if !slices.ContainsFunc(vers, func(a APIVersion) bool { return a.Key == apiMetadata && a.Min <= 1 && a.Max >= 1 }) {
				t.Fatalf("ApiVersions over TLS does not offer Metadata v1: %v", vers)
			}
			md, err := decodeMetadata(s.call(t, apiMetadata, 1, binary.BigEndian.AppendUint32(nil, 0xffffffff)))
			if err != nil {
				t.Fatalf("Metadata over TLS: %v", err)
			}
			want := []Broker{{NodeID: 1, Host: "127.0.0.1", Port: int32(portOf(addrs[0]))}}
			if diff := cmp.Diff(want, md.Brokers); diff != "" {
				t.Errorf("Metadata on the TLS listener must advertise TLS addresses (-want +got):\n%s", diff)
			}

			// Without the cluster CA (system roots only) the certificate is unknown.
			var d tls.Dialer
			d.Config = &tls.Config{ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
			nc, err := d.DialContext(ctx, "tcp", addrs[0])
			if err == nil {
				nc.Close()
				t.Fatal("TLS handshake without the cluster CA succeeded; want a certificate error")
			}
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) {
				t.Errorf("handshake without the CA: %v (%T); want x509.UnknownAuthorityError", err, err)
			}
			// The right CA but a name the certificate does not carry.
			d.Config = &tls.Config{RootCAs: c.TLSRootCAs(), ServerName: "kafka.example", MinVersion: tls.VersionTLS12}
			nc, err = d.DialContext(ctx, "tcp", addrs[0])
			if err == nil {
				nc.Close()
				t.Fatal("TLS handshake for name kafka.example succeeded; want a hostname error")
			}
			var badName x509.HostnameError
			if !errors.As(err, &badName) {
				t.Errorf("handshake for the wrong name: %v (%T); want x509.HostnameError", err, err)
			}
		})
	}
}

// TestTLSAbsentWithoutOption: a cluster without WithTLS reports no TLS listener.
// No broker needed: the accessors read only the cluster's own state.
func TestTLSAbsentWithoutOption(t *testing.T) {
	c := &Cluster{nodes: []*node{{id: 1, cfg: brokerConfig{ClientPort: 1}}}}
	if got := c.TLSAddrs(); got != nil {
		t.Errorf("TLSAddrs() = %v; want nil", got)
	}
	if got := c.TLSRootCAs(); got != nil {
		t.Error("TLSRootCAs() != nil without WithTLS")
	}
	if got := c.TLSCAFile(); got != "" {
		t.Errorf("TLSCAFile() = %q; want empty", got)
	}
}

// TestTLSMaterial checks the generated files without a broker: the keystore is one
// unencrypted PKCS#8 key followed by the leaf and the CA, the leaf verifies for
// 127.0.0.1 and localhost as a server under the CA file's certificate, and the
// key matches the leaf.
func TestTLSMaterial(t *testing.T) {
	m, err := newTLSMaterial(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ks, err := os.ReadFile(m.keystore)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	var blocks []*pem.Block
	for rest := ks; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		types = append(types, b.Type)
		blocks = append(blocks, b)
	}
	if diff := cmp.Diff([]string{"PRIVATE KEY", "CERTIFICATE", "CERTIFICATE"}, types); diff != "" {
		t.Fatalf("keystore PEM blocks mismatch (-want +got):\n%s", diff)
	}
	if _, err := x509.ParsePKCS8PrivateKey(blocks[0].Bytes); err != nil {
		t.Fatalf("keystore key is not plain PKCS#8: %v", err)
	}
	if _, err := tls.X509KeyPair(ks, ks); err != nil {
		t.Fatalf("keystore key does not match its leaf: %v", err)
	}
	if fi, err := os.Stat(m.keystore); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("keystore mode: %v, %v; want 0600", fi.Mode().Perm(), err)
	}

	caPEM, err := os.ReadFile(m.caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA file holds no certificate")
	}
	leaf, err := x509.ParseCertificate(blocks[1].Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"127.0.0.1", "localhost"} {
		opts := x509.VerifyOptions{DNSName: name, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if _, err := leaf.Verify(opts); err != nil {
			t.Errorf("leaf does not verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "127.0.0.2", Roots: roots}); err == nil {
		t.Error("leaf verifies for 127.0.0.2; want only 127.0.0.1 and localhost")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: x509.NewCertPool()}); err == nil {
		t.Error("leaf verifies with an empty root pool")
	}
}
