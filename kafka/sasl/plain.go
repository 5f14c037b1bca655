package sasl

import (
	"context"
	"fmt"
	"strings"
)

// Plain is the PLAIN mechanism (RFC 4616): the user name and password are
// sent as they are, once. Zid is the optional authorization identity
// (empty: act as User; Kafka rejects any other value by default).
type Plain struct {
	User, Pass string
	Zid        string
}

// Name implements Mechanism.
func (Plain) Name() string { return "PLAIN" }

// Start implements Mechanism: the one message is zid NUL user NUL pass.
func (p Plain) Start(context.Context, string) (Session, []byte, error) {
	if p.User == "" || strings.ContainsRune(p.User+p.Pass+p.Zid, 0) {
		return nil, nil, fmt.Errorf("%w: PLAIN needs a user name, and no NUL in the user name, password or authorization id", ErrAuthentication)
	}
	msg := make([]byte, 0, len(p.Zid)+len(p.User)+len(p.Pass)+2)
	msg = append(msg, p.Zid...)
	msg = append(msg, 0)
	msg = append(msg, p.User...)
	msg = append(msg, 0)
	msg = append(msg, p.Pass...)
	return plainSession{}, msg, nil
}

type plainSession struct{}

// Next implements Session: the broker's (empty) answer ends the exchange;
// a refusal comes as SaslAuthenticate's error code, not here.
func (plainSession) Next([]byte) (bool, []byte, error) { return true, nil, nil }
