package conn

import (
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/sasl"
	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// A SASL session with a lifetime (KIP-368): the connection retires at 85%
// of it (the pool hands out a fresh one, and closes the old one once idle)
// and is closed at its end, before the broker would refuse a request.
func TestSASLSessionLifetime(t *testing.T) {
	const life = 400 * time.Millisecond
	kc := kafkatest.New(t, kafkatest.SASL(map[string]string{"u": "p"}), kafkatest.SASLSessionLifetime(life))
	cfg := Config{SASL: sasl.ScramSHA512{User: "u", Pass: "p"}}
	c := newTestCluster(t, ClusterConfig{Conn: cfg, Seeds: kc.Addrs()})
	ctx := ctxT(t, 10*time.Second)
	start := time.Now()
	first, err := c.AnyConn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Do(ctx, &wire.MetadataRequest{}); err != nil {
		t.Fatalf("authenticated connection: %v", err)
	}
	if first.Expiring() {
		t.Fatal("a fresh session is expiring")
	}
	time.Sleep(time.Until(start.Add(life * 9 / 10)))
	if !first.Expiring() {
		t.Fatal("not expiring at 90% of the session")
	}
	second, err := c.AnyConn(ctx)
	if err != nil || second == first {
		t.Fatalf("pool after retirement: %v (same connection: %v)", err, second == first)
	}
	select {
	case <-first.Done(): // idle: closed by the pool
	case <-time.After(life):
		t.Fatal("the retired idle connection was not closed")
	}
	if _, err := second.Do(ctx, &wire.MetadataRequest{}); err != nil {
		t.Fatalf("fresh connection: %v", err)
	}

	// A connection used outside the pool is closed at its session's end.
	cn, err := Dial(ctx, kc.Addrs()[0], &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	select {
	case <-cn.Done():
		if !errors.Is(cn.Err(), ErrConnClosed) || !errors.Is(cn.Err(), errSessionEnded) || !errors.Is(cn.Err(), errClosedByClient) {
			t.Fatalf("closed with %v, want the session's end, closed on purpose (no metadata refresh)", cn.Err())
		}
	case <-time.After(2 * life):
		t.Fatal("not closed at the session's end")
	}
}

// Refused credentials are an ErrDial *Error caused by ErrAuthentication,
// and not retriable (retry.Classify reads Retriable).
func TestSASLRefusedIsNotRetriable(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SASL(map[string]string{"u": "p"}))
	_, err := Dial(ctxT(t, 10*time.Second), kc.Addrs()[0], &Config{SASL: sasl.Plain{User: "u", Pass: "bad"}})
	var ce *Error
	if !errors.As(err, &ce) || !errors.Is(err, ErrDial) || !errors.Is(err, ErrAuthentication) || ce.Retriable() {
		t.Fatalf("%v: want a non-retriable dial *Error matching ErrAuthentication", err)
	}
	if !errors.Is(err, wire.ErrSASLAuthenticationFailed) {
		t.Fatalf("%v: want the broker's SASL_AUTHENTICATION_FAILED", err)
	}
	// Without SASL the broker closes the connection at the first request
	// that is not part of the handshake.
	cn, err := Dial(ctxT(t, 10*time.Second), kc.Addrs()[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	if _, err := cn.Do(ctxT(t, 10*time.Second), &wire.MetadataRequest{}); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("unauthenticated Metadata: %v, want the connection closed", err)
	}
}

// A session lifetime of years must not overflow into one that has already
// ended (a connection retired at once would be redialled on every use).
func TestSASLLongLifetimeDoesNotOverflow(t *testing.T) {
	kc := kafkatest.New(t)
	cn, err := Dial(ctxT(t, 10*time.Second), kc.Addrs()[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cn.Close()
	cn.setLifetime(time.Now(), 5*365*24*time.Hour)
	if cn.Expiring() {
		t.Fatal("a 5-year session is expiring at once")
	}
}
