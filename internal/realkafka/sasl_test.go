package realkafka

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// API keys and the error code the SASL test needs, beyond protocol.go's.
const (
	apiSaslHandshake    = 17
	apiSaslAuthenticate = 36

	codeSaslAuthenticationFailed int16 = 58
)

var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })

var testUsers = map[string]string{"alice": "alice-secret", "bob": "b0b-p@ss!"}

// TestSASLListener proves the WithSASL listener against real brokers with raw
// protocol on one connection, as a client would: ApiVersions, SaslHandshake v1
// (which must list all three mechanisms), SaslAuthenticate v1 with PLAIN, then
// Metadata, which must advertise SASL addresses. A wrong password must get error
// 58. SCRAM exchanges are the client's to test; the handshake listing them and
// StorageTool accepting --add-scram is what the harness promises.
func TestSASLListener(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			c := StartCluster(t, WithVersion(v), WithSASL(testUsers))
			addrs := c.SASLAddrs()
			if len(addrs) != 1 || addrs[0] == c.Addrs()[0] {
				t.Fatalf("SASLAddrs() = %v; want one address other than the PLAINTEXT %v", addrs, c.Addrs())
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()

			for user, pw := range testUsers {
				s := dialSession(ctx, t, addrs[0], nil)
				if _, err := decodeAPIVersions(s.call(t, apiAPIVersions, 0, nil)); err != nil {
					t.Fatalf("ApiVersions before auth: %v", err)
				}
				code, mechs := s.handshake(t, "PLAIN")
				if code != CodeNone {
					t.Fatalf("SaslHandshake(PLAIN) error code %d; want 0", code)
				}
				// The broker lists them in no fixed order.
				if diff := cmp.Diff(saslMechanisms, mechs, sortStrings); diff != "" {
					t.Errorf("enabled mechanisms mismatch (-want +got):\n%s", diff)
				}
				if code, msg := s.authenticate(t, "\x00"+user+"\x00"+pw); code != CodeNone {
					t.Fatalf("PLAIN %s: SaslAuthenticate error code %d (%s); want 0", user, code, msg)
				}
				md, err := decodeMetadata(s.call(t, apiMetadata, 1, binary.BigEndian.AppendUint32(nil, 0xffffffff)))
				if err != nil {
					t.Fatalf("Metadata after PLAIN %s: %v", user, err)
				}
				want := []Broker{{NodeID: 1, Host: "127.0.0.1", Port: int32(portOf(addrs[0]))}}
				if diff := cmp.Diff(want, md.Brokers); diff != "" {
					t.Errorf("Metadata on the SASL listener must advertise SASL addresses (-want +got):\n%s", diff)
				}
				s.close()
			}

			s := dialSession(ctx, t, addrs[0], nil)
			defer s.close()
			if code, _ := s.handshake(t, "PLAIN"); code != CodeNone {
				t.Fatalf("SaslHandshake(PLAIN) error code %d", code)
			}
			if code, msg := s.authenticate(t, "\x00alice\x00wrong"); code != codeSaslAuthenticationFailed {
				t.Errorf("PLAIN with a wrong password: error code %d (%s); want %d", code, msg, codeSaslAuthenticationFailed)
			}

			// The PLAINTEXT listener stays unauthenticated (the harness relies on
			// it), and there the SCRAM credentials formatted in can be listed.
			ps := dialSession(ctx, t, c.Addrs()[0], nil)
			defer ps.close()
			want := map[string][]string{}
			for user := range testUsers {
				want[user] = scramMechanisms
			}
			if diff := cmp.Diff(want, ps.scramCredentials(t), sortStrings); diff != "" {
				t.Errorf("SCRAM credentials in the metadata log mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSASLHandshakeRejectsUnknownMechanism(t *testing.T) {
	c := StartCluster(t, WithSASL(map[string]string{"alice": "alice-secret"}))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	s := dialSession(ctx, t, c.SASLAddrs()[0], nil)
	defer s.close()
	const codeUnsupportedSaslMechanism = 33
	code, mechs := s.handshake(t, "GSSAPI")
	if code != codeUnsupportedSaslMechanism || cmp.Diff(saslMechanisms, mechs, sortStrings) != "" {
		t.Errorf("SaslHandshake(GSSAPI) = %d, %v; want %d, %v", code, mechs, codeUnsupportedSaslMechanism, saslMechanisms)
	}
}

func TestSASLUsersValidation(t *testing.T) {
	good, err := saslUsers(map[string]string{"bob": "x", "alice.a_b-1": "p@ss!#$%^&*()~:;?/"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]SASLUser{{"alice.a_b-1", "p@ss!#$%^&*()~:;?/"}, {"bob", "x"}}, good); diff != "" {
		t.Errorf("saslUsers order mismatch (-want +got):\n%s", diff)
	}
	wantArgs := []string{
		"--add-scram", "SCRAM-SHA-256=[name=bob,password=x]",
		"--add-scram", "SCRAM-SHA-512=[name=bob,password=x]",
	}
	if diff := cmp.Diff(wantArgs, scramFormatArgs(good[1:])); diff != "" {
		t.Errorf("scramFormatArgs mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []map[string]string{
		{"": "x"}, {"a b": "x"}, {"a=b": "x"}, {"ü": "x"},
		{"a": ""}, {"a": "x y"}, {"a": `x"y`}, {"a": `x\y`}, {"a": "x,y"}, {"a": "x=y"}, {"a": "x]"}, {"a": "\x00"},
	} {
		if _, err := saslUsers(bad); err == nil {
			t.Errorf("saslUsers(%q) = nil error; want rejection", bad)
		}
	}
	var o options
	WithSASL(map[string]string{"a": "1"}).apply(&o)
	WithSASL(map[string]string{"b": "2"}).apply(&o)
	if diff := cmp.Diff(map[string]string{"a": "1", "b": "2"}, o.saslUsers); diff != "" {
		t.Errorf("repeated WithSASL mismatch (-want +got):\n%s", diff)
	}
}

// session is one broker connection carrying several requests, which SASL needs:
// authentication belongs to the connection. Requests use header v1, responses
// header v0 (every API here is non-flexible at the version used).
type session struct {
	nc net.Conn
	id int32
}

// dialSession opens a raw protocol session to addr, over TLS with cfg if it
// is not nil (the handshake completes within ctx).
func dialSession(ctx context.Context, t *testing.T, addr string, cfg *tls.Config) *session {
	t.Helper()
	var d interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	} = &net.Dialer{}
	if cfg != nil {
		d = &tls.Dialer{Config: cfg}
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	return &session{nc: nc}
}

func (s *session) close() { _ = s.nc.Close() }

func (s *session) call(t *testing.T, key, version int16, body []byte) []byte {
	t.Helper()
	resp, err := s.roundTrip(key, version, body)
	if err != nil {
		t.Fatalf("api %d v%d: %v", key, version, err)
	}
	return resp
}

func (s *session) roundTrip(key, version int16, body []byte) ([]byte, error) {
	s.id++
	req := make([]byte, 4, 64+len(body))
	req = binary.BigEndian.AppendUint16(req, uint16(key))
	req = binary.BigEndian.AppendUint16(req, uint16(version))
	req = binary.BigEndian.AppendUint32(req, uint32(s.id))
	req = appendString(req, clientID)
	req = append(req, body...)
	binary.BigEndian.PutUint32(req, uint32(len(req)-4))
	if _, err := s.nc.Write(req); err != nil {
		return nil, err
	}
	var hdr [8]byte
	if _, err := io.ReadFull(s.nc, hdr[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(hdr[:4]))
	if size < 4 || size > 1<<20 {
		return nil, fmt.Errorf("%w: frame size %d", ErrMalformed, size)
	}
	if got := int32(binary.BigEndian.Uint32(hdr[4:])); got != s.id {
		return nil, fmt.Errorf("%w: correlation id %d, want %d", ErrMalformed, got, s.id)
	}
	resp := make([]byte, size-4)
	_, err := io.ReadFull(s.nc, resp)
	return resp, err
}

// handshake sends SaslHandshake v1 (v0 is gone in 4.x, KIP-896) and returns the
// error code and the broker's enabled mechanisms.
func (s *session) handshake(t *testing.T, mechanism string) (int16, []string) {
	t.Helper()
	r := reader{b: s.call(t, apiSaslHandshake, 1, appendString(nil, mechanism))}
	code := r.int16()
	var mechs []string
	for n := r.arrayLen(2); n > 0 && r.err == nil; n-- {
		mechs = append(mechs, r.string())
	}
	if err := r.done("SaslHandshake"); err != nil {
		t.Fatal(err)
	}
	return code, mechs
}

// authenticate sends SaslAuthenticate v1 with authBytes and returns the error
// code and message. A token the broker answers by closing the connection without
// a response (as it may after a failure) reads as an error and fails t.
func (s *session) authenticate(t *testing.T, authBytes string) (int16, string) {
	t.Helper()
	body := binary.BigEndian.AppendUint32(nil, uint32(len(authBytes)))
	resp, err := s.roundTrip(apiSaslAuthenticate, 1, append(body, authBytes...))
	if err != nil {
		if errors.Is(err, io.EOF) {
			t.Fatalf("SaslAuthenticate: broker closed the connection without a response")
		}
		t.Fatalf("SaslAuthenticate: %v", err)
	}
	r := reader{b: resp}
	code, msg := r.int16(), r.nullableString()
	r.take(int(max(r.int32(), 0))) // auth_bytes
	r.take(8)                      // session_lifetime_ms (v1)
	if err := r.done("SaslAuthenticate"); err != nil {
		t.Fatal(err)
	}
	return code, strings.TrimSpace(msg)
}

// scramCredentials sends DescribeUserScramCredentials v0 (flexible: request
// header v2, response header v1) for all users and returns user -> mechanisms.
func (s *session) scramCredentials(t *testing.T) map[string][]string {
	t.Helper()
	const apiDescribeUserScramCredentials = 50
	// header tagged fields, users = null (all), body tagged fields
	r := reader{b: s.call(t, apiDescribeUserScramCredentials, 0, []byte{0, 0, 0})}
	uvarint := func() int {
		var v uint64
		for shift := 0; shift < 35 && r.err == nil; shift += 7 {
			b := uint8(r.int8())
			v |= uint64(b&0x7f) << shift
			if b < 0x80 {
				return int(v)
			}
		}
		if r.err == nil {
			r.err = fmt.Errorf("%w: bad uvarint", ErrMalformed)
		}
		return 0
	}
	compactString := func() string {
		n := uvarint() - 1
		if n < 0 {
			return ""
		}
		return string(r.take(n))
	}
	skipTags := func() {
		for n := uvarint(); n > 0 && r.err == nil; n-- {
			uvarint()
			r.take(uvarint())
		}
	}
	skipTags()             // response header
	r.int32()              // throttle_time_ms
	code := r.int16()      // error_code
	msg := compactString() // error_message
	if code != CodeNone {
		t.Fatalf("DescribeUserScramCredentials: error code %d (%s)", code, msg)
	}
	mechName := map[int8]string{1: "SCRAM-SHA-256", 2: "SCRAM-SHA-512"}
	out := map[string][]string{}
	for n := uvarint() - 1; n > 0 && r.err == nil; n-- {
		user := compactString()
		if code, msg := r.int16(), compactString(); code != CodeNone {
			t.Errorf("DescribeUserScramCredentials %s: error code %d (%s)", user, code, msg)
		}
		for m := uvarint() - 1; m > 0 && r.err == nil; m-- {
			mech, iterations := r.int8(), r.int32()
			if iterations < 4096 {
				t.Errorf("user %s %s: %d iterations; Kafka's minimum is 4096", user, mechName[mech], iterations)
			}
			out[user] = append(out[user], mechName[mech])
			skipTags()
		}
		sort.Strings(out[user])
		skipTags()
	}
	skipTags()
	if err := r.done("DescribeUserScramCredentials"); err != nil {
		t.Fatal(err)
	}
	return out
}
