package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// The retry classes as protocol.md §8.2 lists them, typed independently of
// wire's table.
var (
	classRM = []int16{3, 5, 6, 9, 13, 56, 72, 74, 80, 83, 84, 100, 103}
	classR  = []int16{2, 7, 14, 15, 16, 19, 20, 41, 51, 70, 71, 75, 78, 88, 89, 106, 122, 123, 133}
)

func expectedAction(code int16) Action {
	for _, c := range classRM {
		if c == code {
			return RetryRefreshMetadata
		}
	}
	for _, c := range classR {
		if c == code {
			return Retry
		}
	}
	if code == 129 {
		return Rebootstrap
	}
	return Fail
}

func TestClassifyEveryKnownCode(t *testing.T) {
	known := wire.KnownErrors()
	if len(known) != 137 {
		t.Fatalf("wire.KnownErrors() has %d codes; want 137", len(known))
	}
	for _, e := range known {
		want := expectedAction(e.Code)
		for _, err := range []error{e, fmt.Errorf("conn: broker 1: %w", e), errors.Join(errors.New("x"), e)} {
			if got := Classify(err); got != want {
				t.Errorf("Classify(%v) = %v; want %v", err, got, want)
			}
		}
	}
}

func TestClassifyUnknownCodeFails(t *testing.T) {
	for _, code := range []int16{137, 500, -2, 32767, -32768} {
		if got := Classify(wire.ErrorForCode(code)); got != Fail {
			t.Errorf("Classify(code %d) = %v; want Fail", code, got)
		}
	}
}

// timeoutErr is a net.Error that a connection layer could define.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "conn: read timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// connClosedError is a typed connection-closed error of the kind
// kafka/conn is asked to define: it wraps net.ErrClosed.
type connClosedError struct{ broker int32 }

func (e *connClosedError) Error() string {
	return fmt.Sprintf("conn: connection to broker %d closed", e.broker)
}
func (e *connClosedError) Unwrap() error { return net.ErrClosed }

func dialTimeoutError(t *testing.T) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback listener: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	var d net.Dialer
	_, err = d.DialContext(ctx, "tcp", addr)
	if err == nil {
		t.Fatal("dial with an expired context succeeded")
	}
	return err
}

func TestClassifyNonBrokerErrors(t *testing.T) {
	opReset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	ctxDeadlineDial := dialTimeoutError(t)
	tests := []struct {
		name string
		give error
		want Action
	}{
		{"nil", nil, Fail},
		{"io.EOF", io.EOF, RetryRefreshMetadata},
		{"wrapped io.EOF", fmt.Errorf("conn: reading response: %w", io.EOF), RetryRefreshMetadata},
		{"io.ErrUnexpectedEOF", io.ErrUnexpectedEOF, RetryRefreshMetadata},
		{"ECONNRESET in OpError", opReset, RetryRefreshMetadata},
		{"bare ECONNRESET", syscall.ECONNRESET, RetryRefreshMetadata},
		{"ECONNREFUSED", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), RetryRefreshMetadata},
		{"EPIPE", syscall.EPIPE, RetryRefreshMetadata},
		{"net.ErrClosed", net.ErrClosed, RetryRefreshMetadata},
		{"typed conn closed", fmt.Errorf("kafka: %w", &connClosedError{broker: 2}), RetryRefreshMetadata},
		{"socket deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), RetryRefreshMetadata},
		{"custom net.Error", timeoutErr{}, RetryRefreshMetadata},
		{"DNS error", &net.DNSError{Err: "no such host", Name: "kafka-0", IsNotFound: true}, RetryRefreshMetadata},
		{"dial deadline (matches context.DeadlineExceeded too)", ctxDeadlineDial, RetryRefreshMetadata},
		{"context.Canceled", context.Canceled, Fail},
		{"wrapped context.Canceled", fmt.Errorf("produce: %w", context.Canceled), Fail},
		{"canceled beats a broker code", errors.Join(context.Canceled, wire.ErrNotLeaderOrFollower), Fail},
		{"canceled beats a network error", errors.Join(context.Canceled, io.EOF), Fail},
		{"context.DeadlineExceeded", context.DeadlineExceeded, Fail},
		{"wrapped DeadlineExceeded", fmt.Errorf("produce: %w", context.DeadlineExceeded), Fail},
		{"DeadlineExceeded beside a net error", errors.Join(context.DeadlineExceeded, opReset), RetryRefreshMetadata},
		{"broker code beats network", errors.Join(io.EOF, wire.ErrTopicAuthorizationFailed), Fail},
		{"decode error", &wire.DecodeError{Field: "ProduceResponse.Topics", Offset: 12, Err: wire.ErrTruncated}, RetryRefreshMetadata},
		{"plain error", errors.New("kafka: client closed"), Fail},
		{"REQUEST_TIMED_OUT", wire.ErrRequestTimedOut, Retry},
		{"NETWORK_EXCEPTION", wire.ErrNetworkException, RetryRefreshMetadata},
		{"REBOOTSTRAP_REQUIRED", wire.ErrRebootstrapRequired, Rebootstrap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.give); got != tt.want {
				t.Errorf("Classify(%v) = %v; want %v", tt.give, got, tt.want)
			}
		})
	}
}

func TestIsNetwork(t *testing.T) {
	for _, err := range []error{nil, context.Canceled, context.DeadlineExceeded, fmt.Errorf("x: %w", context.DeadlineExceeded),
		errors.New("x"), wire.ErrNetworkException} {
		if IsNetwork(err) {
			t.Errorf("IsNetwork(%v) = true; want false", err)
		}
	}
	for _, err := range []error{io.EOF, net.ErrClosed, timeoutErr{}, &connClosedError{}, dialTimeoutError(t)} {
		if !IsNetwork(err) {
			t.Errorf("IsNetwork(%v) = false; want true", err)
		}
	}
}

func TestActionString(t *testing.T) {
	want := map[Action]string{Fail: "Fail", Retry: "Retry", RetryRefreshMetadata: "RetryRefreshMetadata", Rebootstrap: "Rebootstrap", 9: "Action(9)"}
	for a, s := range want {
		if a.String() != s {
			t.Errorf("Action(%d).String() = %q; want %q", a, a.String(), s)
		}
	}
	var zero Action
	if zero != Fail {
		t.Error("zero Action is not Fail")
	}
}

func BenchmarkClassifyBrokerError(b *testing.B) {
	err := fmt.Errorf("conn: %w", wire.ErrNotLeaderOrFollower)
	b.ReportAllocs()
	for b.Loop() {
		if Classify(err) != RetryRefreshMetadata {
			b.Fatal("wrong action")
		}
	}
}

type connDied struct{ timeout bool }

func (e connDied) Error() string   { return "conn: connection closed" }
func (e connDied) Retriable() bool { return true }
func (e connDied) Timeout() bool   { return e.timeout }

func TestClassifyTransportErrorsRetryWithRefresh(t *testing.T) {
	for _, err := range []error{connDied{}, connDied{timeout: true}, fmt.Errorf("produce: %w", connDied{})} {
		if got := Classify(err); got != RetryRefreshMetadata {
			t.Errorf("Classify(%v) = %v; want RetryRefreshMetadata", err, got)
		}
	}
}
