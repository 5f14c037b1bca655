package wire

import (
	"errors"
	"testing"
)

func TestErrorWithMessage(t *testing.T) {
	msg := "Compacted topic cannot accept message without key"
	err := ErrorWithMessage(87, &msg)
	var we *Error
	if !errors.Is(err, ErrInvalidRecord) || !errors.As(err, &we) || we.Message != msg {
		t.Fatalf("%v", err)
	}
	if err := ErrorWithMessage(87, nil); err != ErrInvalidRecord { //nolint:errorlint // the sentinel itself
		t.Fatalf("no message: %v, want the sentinel", err)
	}
	if err := ErrorWithMessage(0, &msg); err != nil {
		t.Fatalf("code 0: %v", err)
	}
	if err := ErrorWithMessage(30000, &msg); !errors.As(err, &we) || we.Code != 30000 || we.Message != msg {
		t.Fatalf("unknown code: %v", err)
	}
}
