package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/sasl"
	"github.com/gregorkafka/gregor/kafkatest"
)

// TLS with SASL on top (a SASL_SSL listener): every connection is
// encrypted and authenticated, records go through; a client that does not
// trust the brokers' CA fails at once with ErrAuthentication.
func TestTLSWithSASL(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.NumBrokers(2), kafkatest.Topic("sec", 4), kafkatest.TLS(), kafkatest.SASL(map[string]string{"u": "p"}))
	c := newTestClient(t, kc, WithTLS(kc.TLSConfig()), WithSASL(sasl.ScramSHA512{User: "u", Pass: "p"}), WithLinger(time.Millisecond))
	produceBulk(t, c, "sec", 3000, nil)
	checkBulk(t, kc, "sec", 4, 3000)

	bad := newTestClient(t, kc, WithTLS(&tls.Config{MinVersion: tls.VersionTLS12}), WithSASL(sasl.ScramSHA512{User: "u", Pass: "p"}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := bad.ProduceSync(ctx, &Record{Topic: "sec", Value: []byte("v")})
	var ua x509.UnknownAuthorityError
	if !errors.Is(err, ErrAuthentication) || !errors.As(err, &ua) {
		t.Fatalf("untrusted CA: %v, want ErrAuthentication with x509.UnknownAuthorityError", err)
	}
}
