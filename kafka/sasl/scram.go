package sasl

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// ScramSHA256 is SCRAM-SHA-256 (RFC 7677): the password never crosses the
// wire; client and broker each prove they know it, and the broker's proof
// is checked (a broker that does not know the credentials fails the
// exchange). The broker needs SCRAM credentials for the user
// (kafka-storage format --add-scram, or kafka-configs).
type ScramSHA256 struct{ User, Pass string }

// ScramSHA512 is SCRAM-SHA-512, as ScramSHA256 with SHA-512.
type ScramSHA512 struct{ User, Pass string }

// Name implements Mechanism.
func (ScramSHA256) Name() string { return "SCRAM-SHA-256" }

// Name implements Mechanism.
func (ScramSHA512) Name() string { return "SCRAM-SHA-512" }

// Start implements Mechanism.
func (m ScramSHA256) Start(context.Context, string) (Session, []byte, error) {
	return startScram(sha256.New, m.User, m.Pass, "")
}

// Start implements Mechanism.
func (m ScramSHA512) Start(context.Context, string) (Session, []byte, error) {
	return startScram(sha512.New, m.User, m.Pass, "")
}

// Iteration bounds Kafka enforces on SCRAM credentials
// (ScramMechanism's minIterations and maxIterations). A broker asking for
// fewer weakens the exchange; more would only make the client spin.
const (
	scramMinIterations = 4096
	scramMaxIterations = 16384
)

type scramSession struct {
	h           func() hash.Hash
	pass        string
	nonce       string // the client's nonce
	clientFirst string // client-first-message-bare
	serverSig   []byte // expected server signature, once the final message is sent
}

// startScram builds the client-first message; nonce is for tests (empty:
// a random one).
func startScram(h func() hash.Hash, user, pass, nonce string) (Session, []byte, error) {
	if user == "" {
		return nil, nil, fmt.Errorf("%w: SCRAM needs a user name", ErrAuthentication)
	}
	if nonce == "" {
		var b [24]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand)
		nonce = base64.RawURLEncoding.EncodeToString(b[:])
	}
	s := &scramSession{h: h, pass: pass, nonce: nonce}
	s.clientFirst = "n=" + escapeSaslName(user) + ",r=" + nonce
	return s, []byte("n,," + s.clientFirst), nil
}

// escapeSaslName escapes ',' and '=' in a user name (RFC 5802 5.1).
func escapeSaslName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

// Next implements Session: the server-first message yields the
// client-final one; the server-final message is checked.
func (s *scramSession) Next(challenge []byte) (bool, []byte, error) {
	if s.serverSig == nil {
		msg, err := s.final(string(challenge))
		return false, msg, err
	}
	return true, nil, s.verify(string(challenge))
}

// final answers the server-first message: r=<nonce>,s=<salt>,i=<iterations>.
func (s *scramSession) final(serverFirst string) ([]byte, error) {
	attrs, err := scramAttrs(serverFirst)
	if err != nil {
		return nil, err
	}
	if _, ok := attrs['m']; ok {
		return nil, fmt.Errorf("%w: SCRAM: the broker requires an extension we do not know", ErrAuthentication)
	}
	nonce, salt64, iters := attrs['r'], attrs['s'], attrs['i']
	if len(nonce) <= len(s.nonce) || !strings.HasPrefix(nonce, s.nonce) {
		return nil, fmt.Errorf("%w: SCRAM: the broker's nonce does not extend ours", ErrAuthentication)
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil || len(salt) == 0 {
		return nil, fmt.Errorf("%w: SCRAM: bad salt %q", ErrAuthentication, salt64)
	}
	n, err := strconv.Atoi(iters)
	if err != nil || n < scramMinIterations || n > scramMaxIterations {
		return nil, fmt.Errorf("%w: SCRAM: iteration count %q outside [%d, %d]", ErrAuthentication, iters, scramMinIterations, scramMaxIterations)
	}
	salted, err := pbkdf2.Key(s.h, s.pass, salt, n, s.h().Size())
	if err != nil {
		return nil, fmt.Errorf("%w: SCRAM: %w", ErrAuthentication, err)
	}
	withoutProof := "c=biws,r=" + nonce // biws: base64 of the GS2 header "n,,"
	authMsg := s.clientFirst + "," + serverFirst + "," + withoutProof
	clientKey := s.mac(salted, "Client Key")
	hh := s.h()
	hh.Write(clientKey)
	storedKey := hh.Sum(nil)
	proof := s.mac(storedKey, authMsg)
	subtle.XORBytes(proof, proof, clientKey)
	s.serverSig = s.mac(s.mac(salted, "Server Key"), authMsg)
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// verify checks the server-final message: v=<server signature>, or e=<error>.
func (s *scramSession) verify(serverFinal string) error {
	attrs, err := scramAttrs(serverFinal)
	if err != nil {
		return err
	}
	if e, ok := attrs['e']; ok {
		return fmt.Errorf("%w: SCRAM: the broker says %q", ErrAuthentication, e)
	}
	sig, err := base64.StdEncoding.DecodeString(attrs['v'])
	if err != nil || !hmac.Equal(sig, s.serverSig) {
		return fmt.Errorf("%w: SCRAM: the broker's signature does not match: it does not know the credentials", ErrAuthentication)
	}
	return nil
}

func (s *scramSession) mac(key []byte, msg string) []byte {
	m := hmac.New(s.h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// scramAttrs parses "a=value,b=value" into a map by attribute letter.
func scramAttrs(msg string) (map[byte]string, error) {
	attrs := map[byte]string{}
	for _, part := range strings.Split(msg, ",") {
		if len(part) < 2 || part[1] != '=' {
			return nil, fmt.Errorf("%w: SCRAM: malformed message %q", ErrAuthentication, truncate(msg))
		}
		if _, dup := attrs[part[0]]; !dup {
			attrs[part[0]] = part[2:]
		}
	}
	return attrs, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
