package conn

import (
	"errors"
	"net"
	"strings"
)

// Sentinels. Every error a Conn reports for a request is an *Error whose
// Kind is one of the first three; the others appear as its Cause (or, for
// WaitTopic and Conn, on their own).
var (
	// ErrConnClosed is the Kind of the error every request receives when
	// its connection dies (or is closed) before the response arrived.
	ErrConnClosed = errors.New("conn: connection closed")
	// ErrRequestTimeout is the Kind of the error the request that exceeded
	// Config.RequestTimeout receives. The connection is closed with it, as
	// the Java client does: after a lost response, the next one on the same
	// connection cannot be trusted to match.
	ErrRequestTimeout = errors.New("conn: request timed out")
	// ErrDial is the Kind of an error from Dial: TCP, TLS or the ApiVersions
	// handshake failed.
	ErrDial = errors.New("conn: dial failed")

	// ErrFrameSize is the Cause when a response announces a size that is
	// negative, too small to hold a header, or above MaxResponseSize.
	ErrFrameSize = errors.New("conn: response frame size out of range")
	// ErrCorrelation is the Cause when a response's correlation id is not
	// the one of the oldest outstanding request (or nothing is outstanding).
	ErrCorrelation = errors.New("conn: correlation id mismatch")
	// ErrEarlyResponse is the Cause when a response arrives for a request
	// the connection has not finished writing: a broker answers only what
	// it has read, so the peer is broken, and completing the request would
	// hand its caller back memory that is still being written from.
	ErrEarlyResponse = errors.New("conn: response before its request was written")
	// ErrHandshake is the Cause when the broker's ApiVersions answer is an
	// error or unusable.
	ErrHandshake = errors.New("conn: api versions handshake failed")
	// ErrAuthentication is the Cause when authentication failed: SASL (the
	// broker refused the credentials, SASL_AUTHENTICATION_FAILED with its
	// message; it does not enable the mechanism, UNSUPPORTED_SASL_MECHANISM
	// with the ones it does; the mechanism's exchange failed) or TLS (the
	// broker's certificate does not verify: *tls.CertificateVerificationError).
	// Unlike other dial failures it is not retriable: the same credentials
	// or certificate fail again (Java's AuthenticationException and
	// SslAuthenticationException).
	ErrAuthentication = errors.New("conn: authentication failed")
	// ErrUnsupportedAPI is returned by Do and Send when the broker does not
	// support the API (or the version asked for). It is not a connection
	// failure: nothing was sent and the connection stays up.
	ErrUnsupportedAPI = errors.New("conn: api not supported by broker")
	// ErrUnknownBroker is returned by Cluster.Conn for a broker id the
	// current metadata does not list. Refreshing metadata may fix it.
	ErrUnknownBroker = errors.New("conn: unknown broker id")
	// ErrClusterClosed is returned by Cluster methods after Close.
	ErrClusterClosed = errors.New("conn: cluster closed")
	// ErrNoBroker is the Cause when no broker (known or seed) could be
	// reached for a metadata request.
	ErrNoBroker = errors.New("conn: no broker reachable")
)

// Error is the error a Conn gives a request, and Dial a caller, when the
// transport failed. errors.Is matches both its Kind (ErrConnClosed,
// ErrRequestTimeout or ErrDial) and anything in its Cause chain (a
// net.Error, ErrFrameSize, a *wire.DecodeError, io.EOF, ...).
//
// Every Error is retriable: the request may or may not have reached the
// broker, and idempotent producers resend it safely. kafka/retry
// recognises the Retriable method and refreshes metadata, as Java does
// after NETWORK_EXCEPTION and REQUEST_TIMED_OUT.
type Error struct {
	Addr  string // broker address
	Op    string // "dial", "handshake", "read", "write", "request", "close"
	Kind  error  // ErrConnClosed, ErrRequestTimeout or ErrDial
	Cause error  // why; may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	b.WriteString(" (")
	b.WriteString(e.Op)
	b.WriteString(" ")
	b.WriteString(e.Addr)
	b.WriteString(")")
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the Kind and the Cause, so errors.Is sees both.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Retriable reports true, except for a failed authentication (SASL or the
// TLS certificate): a transport failure says nothing about whether a later
// attempt (on a new connection) will succeed, but rejected credentials
// are rejected again.
func (e *Error) Retriable() bool { return !errors.Is(e.Cause, ErrAuthentication) }

// Temporary reports true. It makes *Error a net.Error, which is how
// kafka/retry.IsNetwork recognises a transport failure without importing
// this package.
func (e *Error) Temporary() bool { return true }

// Timeout reports whether the failure was a timeout: the request timeout,
// or a network timeout while dialling, reading or writing.
func (e *Error) Timeout() bool {
	if e.Kind == ErrRequestTimeout { //nolint:errorlint // Kind holds one of our sentinels, never wrapped
		return true
	}
	var ne net.Error
	return errors.As(e.Cause, &ne) && ne.Timeout()
}

// TopicError is returned by Cluster.WaitTopic: it names the topic and wraps
// the broker error for it (wire.ErrUnknownTopicOrPartition when the topic
// never appeared) and, when the wait ended because ctx did, ctx's error.
type TopicError struct {
	Topic string
	Err   error // broker error for the topic
	Ctx   error // ctx.Err() if the caller's context ended, else nil
	// Refresh is the error of the last metadata refresh if it failed (no
	// broker reachable, refused credentials): often the real reason a
	// topic never appeared.
	Refresh error
}

func (e *TopicError) Error() string {
	s := "conn: topic " + e.Topic + ": " + e.Err.Error()
	if e.Ctx != nil {
		s += " (waited until: " + e.Ctx.Error() + ")"
	}
	if e.Refresh != nil {
		s += " (last metadata refresh: " + e.Refresh.Error() + ")"
	}
	return s
}

// Unwrap returns the broker error, the context error and the refresh
// error, those that are set.
func (e *TopicError) Unwrap() []error {
	errs := []error{e.Err}
	if e.Ctx != nil {
		errs = append(errs, e.Ctx)
	}
	if e.Refresh != nil {
		errs = append(errs, e.Refresh)
	}
	return errs
}
