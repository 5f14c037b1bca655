// Package sasl holds the SASL mechanisms a connection can authenticate
// with after its ApiVersions exchange: PLAIN and SCRAM-SHA-256/512
// (RFC 5802, RFC 7677). A Mechanism only produces and checks the
// authentication messages; kafka/conn carries them in SaslHandshake v1
// and SaslAuthenticate requests, so the package knows nothing of Kafka's
// framing and is tested on the RFCs' own examples.
//
// Credentials travel in the clear over a connection without TLS; PLAIN
// sends the password itself. Use WithTLS with them outside a trusted
// network.
package sasl

import (
	"context"
	"errors"
)

// Mechanism is one SASL mechanism with its credentials. Implementations
// must be safe for concurrent use: every connection starts its own
// Session.
type Mechanism interface {
	// Name is the mechanism's name as the broker knows it (SaslHandshake):
	// "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512".
	Name() string
	// Start begins one authentication with the broker at addr and returns
	// its session and the client's first message.
	Start(ctx context.Context, addr string) (Session, []byte, error)
}

// Session is one authentication exchange.
type Session interface {
	// Next takes the broker's latest message and returns whether the
	// exchange is complete (the broker's last message checked) and, if
	// not, the client's next message.
	Next(challenge []byte) (done bool, response []byte, err error)
}

// ErrAuthentication is matched by every error of this package: the
// broker's messages do not follow the mechanism, or the broker failed to
// prove it knows the credentials (SCRAM's server signature).
var ErrAuthentication = errors.New("sasl: authentication failed")
