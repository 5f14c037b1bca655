package conn

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/kafka/sasl"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// authenticate runs SASL on a fresh connection (protocol.md §1.4: after
// ApiVersions, before anything else): SaslHandshake v1 names the
// mechanism, then SaslAuthenticate requests carry the mechanism's messages
// until it is done. Handshake v0 (raw tokens without Kafka framing,
// brokers before 1.0) is not spoken: such a broker is refused.
//
// A broker that sets connections.max.reauth.ms answers with a session
// lifetime (KIP-368); the connection then retires itself before the
// lifetime ends (expiring), so the pool dials a fresh, authenticated one
// instead of the broker closing it under requests in flight.
func (c *Conn) authenticate(ctx context.Context, m sasl.Mechanism) error {
	if v, ok := c.Version(wire.APIKeySaslHandshake); !ok || v < 1 {
		return fmt.Errorf("%w: the broker offers no SaslHandshake v1 (Kafka 1.0 or later needed)", ErrAuthentication)
	}
	av, ok := c.Version(wire.APIKeySaslAuthenticate)
	if !ok {
		return fmt.Errorf("%w: the broker offers no SaslAuthenticate", ErrAuthentication)
	}
	resp, err := c.roundTrip(ctx, &wire.SaslHandshakeRequest{Mechanism: m.Name()}, 1)
	if err != nil {
		return err
	}
	if hs := resp.(*wire.SaslHandshakeResponse); hs.ErrorCode != 0 {
		return fmt.Errorf("%w: %s: %w (the broker enables %s)", ErrAuthentication, m.Name(),
			wire.ErrorForCode(hs.ErrorCode), strings.Join(hs.Mechanisms, ", "))
	}
	sess, msg, err := m.Start(ctx, c.addr)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAuthentication, err)
	}
	started := time.Now()
	for {
		resp, err := c.roundTrip(ctx, &wire.SaslAuthenticateRequest{AuthBytes: msg}, min(av, 2))
		if err != nil {
			return err
		}
		ar := resp.(*wire.SaslAuthenticateResponse)
		if ar.ErrorCode != 0 {
			return fmt.Errorf("%w: %s: %w", ErrAuthentication, m.Name(), wire.ErrorWithMessage(ar.ErrorCode, ar.ErrorMessage))
		}
		done, next, err := sess.Next(ar.AuthBytes)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrAuthentication, err)
		}
		if done {
			// A lifetime beyond ~290 years would overflow a Duration:
			// it means "never" as much as 0 does.
			if ms := ar.SessionLifetimeMs; ms > 0 && ms < math.MaxInt64/int64(time.Millisecond) {
				c.setLifetime(started, time.Duration(ms)*time.Millisecond)
			}
			return nil
		}
		msg = next
	}
}
