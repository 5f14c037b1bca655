package kafka

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/internal/realkafka"
	"github.com/gregorkafka/gregor/kafka/sasl"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// Against real Kafka (every version the suite targets): PLAIN,
// SCRAM-SHA-256 and SCRAM-SHA-512 authenticate every connection the
// producer opens, records are stored and read back; a wrong password fails
// at once with ErrAuthentication and the broker's reason. With
// connections.max.reauth.ms the broker announces a session lifetime
// (KIP-368); the producer renews its connections before it ends, and with
// one attempt per record (no retry could hide a refused request) a steady
// stream of records sees no error.
func TestRealKafkaSASL(t *testing.T) {
	for _, v := range realkafka.Versions() {
		t.Run(v, func(t *testing.T) {
			users := map[string]string{"alice": "alice-secret", "bob": "bob-secret"}
			rk := realkafka.StartCluster(t, realkafka.WithVersion(v), realkafka.WithSASL(users),
				realkafka.WithBrokerProperties(map[string]string{"listener.name.sasl.connections.max.reauth.ms": "1500"}))
			if err := rk.CreateTopic("sasl", 3, 1, nil); err != nil {
				t.Fatal(err)
			}
			for _, m := range []sasl.Mechanism{
				sasl.Plain{User: "alice", Pass: "alice-secret"},
				sasl.ScramSHA256{User: "bob", Pass: "bob-secret"},
				sasl.ScramSHA512{User: "alice", Pass: "alice-secret"},
			} {
				c, err := NewClient(WithBrokers(rk.SASLAddrs()...), WithSASL(m), WithLinger(time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				produceBulk(t, c, "sasl", 3000, nil)
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
			got := fetchAll(t, rk.Addrs(), "sasl", 3)
			n := 0
			for _, recs := range got {
				n += len(recs)
			}
			if n != 9000 {
				t.Fatalf("read back %d records, want 9000", n)
			}

			for _, m := range []sasl.Mechanism{sasl.Plain{User: "alice", Pass: "nope"}, sasl.ScramSHA512{User: "bob", Pass: "nope"}} {
				c, err := NewClient(WithBrokers(rk.SASLAddrs()...), WithSASL(m))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				err = c.ProduceSync(ctx, &Record{Topic: "sasl", Value: []byte("x")})
				cancel()
				c.Close()
				if !errors.Is(err, ErrAuthentication) || !errors.Is(err, wire.ErrSASLAuthenticationFailed) {
					t.Fatalf("%s with a wrong password: %v, want ErrAuthentication (SASL_AUTHENTICATION_FAILED)", m.Name(), err)
				}
			}

			c, err := NewClient(WithBrokers(rk.SASLAddrs()...), WithSASL(sasl.ScramSHA256{User: "alice", Pass: "alice-secret"}),
				WithIdempotence(false), WithMaxAttempts(1))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			recs := 0
			for end := time.Now().Add(5 * time.Second); time.Now().Before(end); recs++ {
				if err := c.ProduceSync(ctx, &Record{Topic: "sasl", Value: []byte("steady")}); err != nil {
					t.Fatalf("record %d, across 1.5 s sessions: %v", recs, err)
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Logf("Kafka %s: 3 mechanisms x 3000 records read back; %d records over 5 s of 1.5 s SASL sessions, no error", rk.Version(), recs)
		})
	}
}
