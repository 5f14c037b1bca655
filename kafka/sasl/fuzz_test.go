package sasl

import (
	"crypto/sha512"
	"errors"
	"testing"
)

// The broker's SCRAM messages are untrusted input: any bytes either
// continue the exchange or fail it with ErrAuthentication, never panic.
func FuzzScramServerMessages(f *testing.F) {
	f.Add([]byte("r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"), []byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
	f.Add([]byte("r=abc,,=,i=-1"), []byte("e=x"))
	f.Add([]byte(""), []byte(""))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		sess, _, err := startScram(sha512.New, "u", "p", "abc")
		if err != nil {
			t.Fatal(err)
		}
		done, msg, err := sess.Next(first)
		if err != nil {
			if !errors.Is(err, ErrAuthentication) {
				t.Fatalf("server-first: %v", err)
			}
			return
		}
		if done || len(msg) == 0 {
			t.Fatalf("server-first accepted but done=%v msg=%q", done, msg)
		}
		if done, _, err = sess.Next(final); err == nil && !done {
			t.Fatal("server-final neither failed nor completed")
		} else if err != nil && !errors.Is(err, ErrAuthentication) {
			t.Fatalf("server-final: %v", err)
		}
	})
}
