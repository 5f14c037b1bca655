package kafkatest

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// SASL (option SASL): a broker-side PLAIN and SCRAM-SHA-256/512
// implementation, enough to test a client's authentication, its handling
// of refused credentials and of session lifetimes (KIP-368). SaslHandshake
// (17) and SaslAuthenticate (36) live here together: they share the
// connection's authentication state.

func init() {
	register(wire.APIKeySaslHandshake, &api{min: 1, max: 1, serve: serveSaslHandshake})
	register(wire.APIKeySaslAuthenticate, &api{min: 0, max: 2, serve: serveSaslAuthenticate})
}

var saslMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// authState is one connection's SASL progress (used by its serving
// goroutine only).
type authState struct {
	mech    string    // chosen by SaslHandshake
	done    bool      // authenticated
	expires time.Time // session end, zero: none
	scram   *scramServer
}

// admits reports whether the connection may send a request of key: with
// SASL on, only the handshake APIs before authentication and until the
// session ends (Kafka closes the connection otherwise).
func (cn *conn) admits(key int16) bool {
	if cn.b.c.cfg.saslUsers == nil {
		return true
	}
	switch key {
	case wire.APIKeyApiVersions, wire.APIKeySaslHandshake, wire.APIKeySaslAuthenticate:
		return true
	}
	a := &cn.auth
	return a.done && (a.expires.IsZero() || time.Now().Before(a.expires))
}

func serveSaslHandshake(cn *conn, req *Request) (wire.Response, action) {
	body := req.Body.(*wire.SaslHandshakeRequest)
	if cn.b.c.cfg.saslUsers == nil {
		return &wire.SaslHandshakeResponse{ErrorCode: errIllegalSaslState}, actRespond
	}
	for _, m := range saslMechanisms {
		if m == body.Mechanism {
			cn.auth = authState{mech: m}
			return &wire.SaslHandshakeResponse{Mechanisms: saslMechanisms}, actRespond
		}
	}
	return &wire.SaslHandshakeResponse{ErrorCode: errUnsupportedSaslMechanism, Mechanisms: saslMechanisms}, actRespond
}

func serveSaslAuthenticate(cn *conn, req *Request) (wire.Response, action) {
	body := req.Body.(*wire.SaslAuthenticateRequest)
	c := cn.b.c
	a := &cn.auth
	fail := func(code int16, msg string) (wire.Response, action) {
		cn.auth = authState{}
		return &wire.SaslAuthenticateResponse{ErrorCode: code, ErrorMessage: &msg}, actRespond
	}
	if a.mech == "" || a.done {
		return fail(errIllegalSaslState, "SaslAuthenticate without a SaslHandshake")
	}
	var out []byte
	var ok, done bool
	switch a.mech {
	case "PLAIN":
		parts := strings.Split(string(body.AuthBytes), "\x00")
		ok = len(parts) == 3 && (parts[0] == "" || parts[0] == parts[1])
		if ok {
			pass, known := c.cfg.saslUsers[parts[1]]
			ok, done = known && hmac.Equal([]byte(pass), []byte(parts[2])), true
		}
	default:
		if a.scram == nil {
			h := sha256.New
			if a.mech == "SCRAM-SHA-512" {
				h = sha512.New
			}
			a.scram = &scramServer{h: h, users: c.cfg.saslUsers}
			out, ok = a.scram.first(string(body.AuthBytes))
		} else {
			out, ok = a.scram.final(string(body.AuthBytes))
			done = true
		}
	}
	if !ok {
		return fail(errSaslAuthenticationFailed, "Authentication failed: Invalid username or password")
	}
	resp := &wire.SaslAuthenticateResponse{AuthBytes: out}
	if done {
		a.done = true
		if life := c.cfg.saslLifetime; life > 0 {
			a.expires = time.Now().Add(life)
			resp.SessionLifetimeMs = life.Milliseconds()
		}
	}
	return resp, actRespond
}

// scramServer is the broker's side of one SCRAM exchange (RFC 5802).
// Credentials are derived from the password at each exchange: a test
// cluster has few users and connections.
type scramServer struct {
	h           func() hash.Hash
	users       map[string]string
	pass        string
	salt        []byte
	nonce       string
	clientFirst string // bare
	serverFirst string
}

const scramIterations = 4096

// first answers client-first "n,,n=<user>,r=<nonce>".
func (s *scramServer) first(msg string) ([]byte, bool) {
	bare, ok := strings.CutPrefix(msg, "n,,")
	if !ok {
		return nil, false
	}
	attrs := scramAttrs(bare)
	user := strings.NewReplacer("=2C", ",", "=3D", "=").Replace(attrs["n"])
	pass, known := s.users[user]
	if !known || attrs["r"] == "" {
		return nil, false
	}
	var rnd [18]byte
	_, _ = rand.Read(rnd[:])
	s.pass, s.clientFirst = pass, bare
	s.nonce = attrs["r"] + base64.RawURLEncoding.EncodeToString(rnd[:])
	s.salt = make([]byte, 16)
	_, _ = rand.Read(s.salt)
	s.serverFirst = "r=" + s.nonce + ",s=" + base64.StdEncoding.EncodeToString(s.salt) + ",i=4096"
	return []byte(s.serverFirst), true
}

// final checks client-final "c=biws,r=<nonce>,p=<proof>" and answers with
// the server signature.
func (s *scramServer) final(msg string) ([]byte, bool) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return nil, false
	}
	withoutProof := msg[:i]
	attrs := scramAttrs(withoutProof)
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil || attrs["c"] != "biws" || attrs["r"] != s.nonce {
		return nil, false
	}
	salted, err := pbkdf2.Key(s.h, s.pass, s.salt, scramIterations, s.h().Size())
	if err != nil || len(proof) != len(salted) {
		return nil, false
	}
	authMsg := s.clientFirst + "," + s.serverFirst + "," + withoutProof
	clientKey := scramMAC(s.h, salted, "Client Key")
	stored := s.h()
	stored.Write(clientKey)
	storedKey := stored.Sum(nil)
	sig := scramMAC(s.h, storedKey, authMsg)
	got := make([]byte, len(proof))
	for j := range proof {
		got[j] = proof[j] ^ sig[j]
	}
	check := s.h()
	check.Write(got)
	if !hmac.Equal(check.Sum(nil), storedKey) {
		return nil, false
	}
	serverSig := scramMAC(s.h, scramMAC(s.h, salted, "Server Key"), authMsg)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSig)), true
}

func scramMAC(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func scramAttrs(msg string) map[string]string {
	attrs := map[string]string{}
	for _, part := range strings.Split(msg, ",") {
		if k, v, ok := strings.Cut(part, "="); ok && len(k) == 1 {
			if _, dup := attrs[k]; !dup {
				attrs[k] = v
			}
		}
	}
	return attrs
}
