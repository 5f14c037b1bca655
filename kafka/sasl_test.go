package kafka

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/sasl"
	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

var saslUsers = map[string]string{"alice": "alice-secret", "b,o=b": "pässword"}

// Every mechanism authenticates every connection (control and both
// produce lanes, on two brokers) and records go through.
func TestSASLMechanisms(t *testing.T) {
	for _, m := range []sasl.Mechanism{
		sasl.Plain{User: "alice", Pass: "alice-secret"},
		sasl.ScramSHA256{User: "alice", Pass: "alice-secret"},
		sasl.ScramSHA512{User: "b,o=b", Pass: "pässword"},
	} {
		t.Run(m.Name(), func(t *testing.T) {
			kc := kafkatest.New(t, kafkatest.NumBrokers(2), kafkatest.Topic("auth", 4), kafkatest.SASL(saslUsers))
			c := newTestClient(t, kc, WithSASL(m), WithLinger(time.Millisecond))
			produceBulk(t, c, "auth", 2000, nil)
			checkBulk(t, kc, "auth", 4, 2000)
			// control + 2 lanes on each of 2 brokers
			if n := kc.RequestCount(wire.APIKeySaslHandshake); n < 5 {
				t.Fatalf("%d SASL handshakes, want every connection authenticated (at least 5)", n)
			}
		})
	}
}

// Refused credentials fail the record at once with ErrAuthentication, not
// at the delivery timeout, and say why.
func TestSASLRefusedCredentials(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("auth", 1), kafkatest.SASL(saslUsers))
	for _, m := range []sasl.Mechanism{
		sasl.Plain{User: "alice", Pass: "wrong"},
		sasl.ScramSHA256{User: "alice", Pass: "wrong"},
		sasl.ScramSHA512{User: "mallory", Pass: "x"},
	} {
		c := newTestClient(t, kc, WithSASL(m), WithDeliveryTimeout(5*time.Minute), WithUnknownTopicWait(5*time.Minute))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := c.ProduceSync(ctx, &Record{Topic: "auth", Value: []byte("v")})
		cancel()
		var dte *DeliveryTimeoutError
		if !errors.Is(err, ErrAuthentication) || errors.As(err, &dte) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: %v, want an error matching ErrAuthentication at once", m.Name(), err)
		}
		if !errors.Is(err, wire.ErrSASLAuthenticationFailed) {
			t.Fatalf("%s: %v, want the broker's SASL_AUTHENTICATION_FAILED in it", m.Name(), err)
		}
		c.Close()
	}
	// A mechanism the broker does not enable names the ones it does.
	c := newTestClient(t, kc, WithSASL(fakeMechanism{}))
	err := c.ProduceSync(context.Background(), &Record{Topic: "auth", Value: []byte("v")})
	if !errors.Is(err, ErrAuthentication) || !errors.Is(err, wire.ErrUnsupportedSASLMechanism) {
		t.Fatalf("unknown mechanism: %v", err)
	}
}

type fakeMechanism struct{ sasl.Plain }

func (fakeMechanism) Name() string { return "GSSAPI" }

// With a session lifetime (KIP-368) the broker closes a connection used
// after it; the client retires each connection at 85% of it and carries on
// on a fresh one, so a steady stream of records sees no error.
func TestSASLSessionLifetimeRetiresConnections(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("life", 2), kafkatest.SASL(saslUsers), kafkatest.SASLSessionLifetime(400*time.Millisecond))
	// One attempt: a request the broker refused for an ended session
	// (it closes the connection) would fail its record.
	c := newTestClient(t, kc, WithSASL(sasl.ScramSHA256{User: "alice", Pass: "alice-secret"}), WithMaxAttempts(1), WithIdempotence(false))
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Second)
	n := 0
	for time.Now().Before(deadline) {
		if err := c.ProduceSync(ctx, &Record{Topic: "life", Value: []byte("v")}); err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		n++
		time.Sleep(2 * time.Millisecond)
	}
	// 2 s of 400 ms sessions: each connection in use was replaced several times.
	if hs := kc.RequestCount(wire.APIKeySaslHandshake); hs < 6 {
		t.Fatalf("%d SASL handshakes in 2 s of 400 ms sessions, want the connections renewed", hs)
	}
	t.Logf("%d records, %d handshakes", n, kc.RequestCount(wire.APIKeySaslHandshake))
}
