package kafka

import (
	"context"
	"encoding/binary"
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

// Renewing a connection at its session's end must not reorder a
// partition's records: without idempotence nothing would put them back.
// With requests in flight on the expiring connection, the sender waits for
// them before sending on the fresh one (the broker handles two connections
// in parallel).
func TestSASLSessionRenewalKeepsOrder(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("order", 1), kafkatest.SASL(saslUsers), kafkatest.SASLSessionLifetime(300*time.Millisecond))
	kc.Intercept(func(r *kafkatest.Request) (wire.Response, error) {
		if r.Key == wire.APIKeyProduce {
			time.Sleep(3 * time.Millisecond) // requests stay in flight across the renewal
		}
		return nil, nil
	})
	c := newTestClient(t, kc, WithSASL(sasl.Plain{User: "alice", Pass: "alice-secret"}), WithAcks(AcksLeader),
		WithProduceConnections(1), WithLinger(time.Millisecond))
	res := newResults(0)
	n := 0
	for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); n++ {
		v := make([]byte, 8)
		binary.BigEndian.PutUint64(v, uint64(n))
		res.wg.Add(1)
		c.Produce(context.Background(), &Record{Topic: "order", Value: v}, res.cb)
		if n%50 == 49 {
			time.Sleep(time.Millisecond)
		}
	}
	res.wait(t, time.Minute)
	for r, err := range res.errs {
		if err != nil {
			t.Fatalf("record %x: %v", r.Value, err)
		}
	}
	recs, err := kc.Records("order", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("%d records stored, want %d", len(recs), n)
	}
	for i, r := range recs {
		if got := binary.BigEndian.Uint64(r.Value); got != uint64(i) {
			t.Fatalf("offset %d holds record %d: out of produce order", r.Offset, got)
		}
	}
	if hs := kc.RequestCount(wire.APIKeySaslHandshake); hs < 4 {
		t.Fatalf("%d handshakes: the sessions were not renewed", hs)
	}
}
