package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/internal/realkafka"
)

// Against real Kafka's SSL listener (every version the suite targets):
// records go over TLS and are read back; a client that does not trust the
// broker's certificate fails at once with ErrAuthentication naming the
// certificate error, not at the delivery timeout.
func TestRealKafkaTLS(t *testing.T) {
	for _, v := range realkafka.Versions() {
		t.Run(v, func(t *testing.T) {
			rk := realkafka.StartCluster(t, realkafka.WithVersion(v), realkafka.WithTLS())
			if err := rk.CreateTopic("tls", 3, 1, nil); err != nil {
				t.Fatal(err)
			}
			c, err := NewClient(WithBrokers(rk.TLSAddrs()...), WithTLS(&tls.Config{RootCAs: rk.TLSRootCAs(), MinVersion: tls.VersionTLS12}),
				WithCompression(CompressionLZ4))
			if err != nil {
				t.Fatal(err)
			}
			produceBulk(t, c, "tls", 5000, nil)
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			checkFetched(t, fetchAll(t, rk.Addrs(), "tls", 3), "tls", 5000)

			c, err = NewClient(WithBrokers(rk.TLSAddrs()...), WithTLS(&tls.Config{MinVersion: tls.VersionTLS12}))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err = c.ProduceSync(ctx, &Record{Topic: "tls", Value: []byte("x")})
			var ua x509.UnknownAuthorityError
			if !errors.Is(err, ErrAuthentication) || !errors.As(err, &ua) {
				t.Fatalf("untrusted broker certificate: %v, want ErrAuthentication with x509.UnknownAuthorityError", err)
			}
			t.Logf("Kafka %s: 5000 records over TLS read back; untrusted certificate: %v", rk.Version(), err)
		})
	}
}
