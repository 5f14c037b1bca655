package sasl

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

// The SCRAM-SHA-256 exchange of RFC 7677 section 3 (user "user", password
// "pencil"), with the RFC's client nonce.
func TestScramSHA256RFC7677(t *testing.T) {
	sess, first, err := startScram(sha256.New, "user", "pencil", "rOprNGfwEbeRWgbNEkqO")
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != "n,,n=user,r=rOprNGfwEbeRWgbNEkqO" {
		t.Fatalf("client-first %q", first)
	}
	done, final, err := sess.Next([]byte("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
	if err != nil || done {
		t.Fatal(done, err)
	}
	want := "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
	if string(final) != want {
		t.Fatalf("client-final\n got %s\nwant %s", final, want)
	}
	if done, _, err := sess.Next([]byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")); err != nil || !done {
		t.Fatalf("server-final: done %v, %v", done, err)
	}
}

func TestScramRejectsBadBrokers(t *testing.T) {
	const first = "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	cases := map[string]string{
		"foreign nonce":   "r=zzzXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		"same nonce":      "r=abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		"few iterations":  "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",
		"many iterations": "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=100000000",
		"bad salt":        "r=abcXYZ,s=!!,i=4096",
		"malformed":       "garbage",
		"extension":       "m=x,r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	}
	for name, serverFirst := range cases {
		sess, _, _ := startScram(sha256.New, "u", "p", "abc")
		if _, _, err := sess.Next([]byte(serverFirst)); !errors.Is(err, ErrAuthentication) {
			t.Errorf("%s: %v, want ErrAuthentication", name, err)
		}
	}
	for name, serverFinal := range map[string]string{
		"wrong signature": "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
		"error":           "e=invalid-proof",
		"not base64":      "v=***",
	} {
		sess, _, _ := startScram(sha256.New, "u", "p", "abc")
		if _, _, err := sess.Next([]byte(first)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := sess.Next([]byte(serverFinal)); !errors.Is(err, ErrAuthentication) {
			t.Errorf("%s: %v, want ErrAuthentication", name, err)
		}
	}
}

func TestScramEscapesUserNames(t *testing.T) {
	_, first, err := ScramSHA512{User: "a=b,c", Pass: "p"}.Start(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(first), "n,,n=a=3Db=2Cc,r=") {
		t.Fatalf("client-first %q", first)
	}
	if _, _, err := (ScramSHA256{}).Start(context.Background(), ""); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("empty user: %v", err)
	}
}

func TestPlain(t *testing.T) {
	sess, msg, err := Plain{User: "alice", Pass: "secret"}.Start(context.Background(), "")
	if err != nil || string(msg) != "\x00alice\x00secret" {
		t.Fatalf("%q, %v", msg, err)
	}
	if done, next, err := sess.Next(nil); !done || next != nil || err != nil {
		t.Fatal(done, next, err)
	}
	if _, _, err := (Plain{User: "a\x00b"}).Start(context.Background(), ""); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("NUL in user: %v", err)
	}
}
