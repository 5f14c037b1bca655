package retry

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Action is what to do after a request failed. The zero value is Fail, so
// a forgotten case never retries forever.
type Action uint8

const (
	// Fail: another identical request cannot succeed (or the caller gave
	// up); report the error.
	Fail Action = iota
	// Retry the request after the policy's backoff; the cluster's layout is
	// not in question (e.g. NOT_ENOUGH_REPLICAS, COORDINATOR_LOAD_IN_PROGRESS).
	Retry
	// RetryRefreshMetadata: retry, but refresh metadata first (or at
	// once in the background) because the client's view of leaders or
	// topics is stale, or the connection failed and the broker may be gone.
	RetryRefreshMetadata
	// Rebootstrap: the cluster told the client its metadata is beyond
	// repair (REBOOTSTRAP_REQUIRED, KIP-1102); return to the bootstrap
	// servers, then retry.
	Rebootstrap
)

func (a Action) String() string {
	switch a {
	case Fail:
		return "Fail"
	case Retry:
		return "Retry"
	case RetryRefreshMetadata:
		return "RetryRefreshMetadata"
	case Rebootstrap:
		return "Rebootstrap"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// Classify maps any error a request can end with to an Action, checking in
// this order:
//
//  1. nil: Fail (there is nothing to retry; callers should not ask).
//  2. context.Canceled anywhere in the chain: Fail. Cancellation is
//     always deliberate.
//  3. A broker error (*wire.Error): REBOOTSTRAP_REQUIRED → Rebootstrap;
//     InvalidMetadata codes → RetryRefreshMetadata; other retriable codes →
//     Retry; everything else, unknown codes included → Fail. Exactly the
//     Java client's exception classes (protocol.md Appendix A).
//  4. A transport failure (IsNetwork), timeouts of dials, reads and writes
//     included: RetryRefreshMetadata, as Java does on every disconnect.
//  5. context.DeadlineExceeded not raised by a network operation: Fail. The
//     caller's deadline passed; retrying would outlive it.
//  6. A *wire.DecodeError: RetryRefreshMetadata. A response that does not
//     parse leaves the connection's byte stream untrustworthy; kafka/conn
//     closes it, and the request is retried like any transport failure
//     (bounded by the policy's deadline).
//  7. Anything else: Fail.
//
// Step 4 precedes step 5 because the net package reports its own timeouts
// (a Dialer's Timeout, a dial context's deadline) as errors that also match
// context.DeadlineExceeded: a broker that does not answer a connect is a
// retriable outage, not the caller giving up.
//
// Errors that mean the client itself is shutting down are not transport
// failures: the caller must check its own closed state first (a
// kafka.ErrClosed wraps none of the errors above, so it classifies Fail).
func Classify(err error) Action {
	if err == nil || errors.Is(err, context.Canceled) {
		return Fail
	}
	if we := asWireError(err); we != nil {
		switch {
		case errors.Is(we, wire.ErrRebootstrapRequired):
			return Rebootstrap
		case wire.IsInvalidMetadata(we):
			return RetryRefreshMetadata
		case wire.IsRetriable(we):
			return Retry
		}
		return Fail
	}
	if IsNetwork(err) || isTransport(err) {
		return RetryRefreshMetadata
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Fail
	}
	var de *wire.DecodeError
	if errors.As(err, &de) {
		return RetryRefreshMetadata
	}
	return Fail
}

// asWireError is errors.As for *wire.Error, without its allocation when err
// is one unwrapped.
func asWireError(err error) *wire.Error {
	if we, ok := err.(*wire.Error); ok { //nolint:errorlint // fast path; errors.As below handles wrapping
		return we
	}
	var we *wire.Error
	if errors.As(err, &we) {
		return we
	}
	return nil
}

// networkSentinels are the error values (in any chain) that mean the
// connection, not the request, failed.
var networkSentinels = []error{
	io.EOF,
	io.ErrUnexpectedEOF,
	net.ErrClosed,
	os.ErrDeadlineExceeded,
	syscall.ECONNRESET,
	syscall.ECONNREFUSED,
	syscall.ECONNABORTED,
	syscall.EPIPE,
	syscall.ETIMEDOUT,
	syscall.EHOSTUNREACH,
	syscall.ENETUNREACH,
	syscall.ENETDOWN,
}

// IsNetwork reports whether err means the connection failed rather than the
// request: the chain holds io.EOF, io.ErrUnexpectedEOF, net.ErrClosed,
// os.ErrDeadlineExceeded, a connection errno (ECONNRESET, ECONNREFUSED,
// ECONNABORTED, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ENETDOWN), or
// any net.Error (*net.OpError, *net.DNSError, ...) other than the context
// package's own DeadlineExceeded value, which also has the net.Error
// methods. Cancellation (context.Canceled) is never a network error.
//
// A connection layer reports a broken connection by returning, or wrapping,
// one of these: its own connection-closed error type should wrap
// net.ErrClosed or implement net.Error, so that this package recognises it
// without importing it.
func IsNetwork(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	for _, s := range networkSentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return hasNetError(err)
}

// hasNetError walks the whole error tree (errors.As stops at the first
// net.Error, which could be a wrapped context.DeadlineExceeded hiding a real
// network error in a sibling branch).
func hasNetError(err error) bool {
	for err != nil {
		//nolint:errorlint // this loop is the unwrapping: each node is checked itself
		if _, ok := err.(net.Error); ok && err != context.DeadlineExceeded {
			return true
		}
		switch u := err.(type) { //nolint:errorlint // walking the Unwrap tree by hand
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if hasNetError(e) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// retriabler is implemented by transport errors of kafka/conn (a dead
// connection, a request timeout): the request may or may not have reached
// the broker, and another attempt on a fresh connection may succeed. retry
// declares the interface itself so it needs no import of conn (which sits
// above it).
type retriabler interface{ Retriable() bool }

func isTransport(err error) bool {
	var r retriabler
	return errors.As(err, &r) && r.Retriable()
}
