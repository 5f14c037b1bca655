package wire

import (
	"errors"
	"strconv"
)

// Error is a broker error code: what a response's ErrorCode field means.
// Every known code has one exported sentinel (ErrNotLeaderOrFollower, ...,
// see error_table.go) and ErrorForCode returns exactly that pointer, so
// callers branch with errors.Is(err, wire.ErrNotLeaderOrFollower) or
// errors.As(err, new(*wire.Error)), through any amount of %w wrapping.
//
// Retriable and InvalidMetadata copy the Java client's exception hierarchy
// (protocol.md Appendix A): Retriable means a later identical request may
// succeed (RetriableException); InvalidMetadata means it is retriable *and*
// the client's view of leaders or topics is stale, so metadata must be
// refreshed before retrying (InvalidMetadataException). Turning these into
// decisions is kafka/retry's job; wire only records the facts.
//
// The sentinels are package-level pointers, so Go cannot make them
// constant. Nothing depends on their fields staying put, though:
// ErrorForCode hands out pointers from an unexported table (reassigning an
// exported variable does not change what decoding returns), and
// IsRetriable, IsInvalidMetadata and Is read an unexported, never-written
// record of each sentinel's code and flags. Writing to a sentinel's fields
// can only change how it prints. Don't.
//
// Code outside wire may build an *Error itself (a code this table lacks, a
// test double); its flags then come from the table if the code is known,
// else from its own fields.
type Error struct {
	Code            int16
	Name            string // Java's Errors enum name, e.g. "NOT_LEADER_OR_FOLLOWER"
	Message         string // a one-sentence description, or the broker's own message
	Retriable       bool
	InvalidMetadata bool

	facts *errorFacts // nil unless e is a sentinel or a copy of one
}

// Error returns e.g. "kafka error 6 NOT_LEADER_OR_FOLLOWER: For requests
// intended only for the leader, ...". The prefix names the protocol, not a
// gregor package, because the text describes the broker's answer.
func (e *Error) Error() string {
	return "kafka error " + strconv.Itoa(int(e.Code)) + " " + e.Name + ": " + e.Message
}

// Is reports whether target is an *Error with the same code. Sentinels are
// matched by identity before Is is consulted; Is makes a copy carrying the
// broker's own message (WithMessage) match its sentinel too.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && t.code() == e.code()
}

// WithMessage returns a copy of e whose Message is msg, for responses that
// carry an error message next to the code (Produce v8+, CreateTopics, ...).
// The copy still matches e's sentinel with errors.Is. An empty msg returns e
// itself.
func (e *Error) WithMessage(msg string) *Error {
	if msg == "" {
		return e
	}
	c := *e
	c.Message = msg
	return &c
}

// ErrorForCode returns nil for code 0 (NONE), the sentinel for a known code,
// and for any other code a new *Error named "UNKNOWN_CODE_<n>" that is not
// retriable (as the Java client treats codes it does not know). It accepts
// every int16 and never panics.
func ErrorForCode(code int16) error {
	if e := knownError(code); e != nil {
		return e
	}
	if code == 0 {
		return nil
	}
	return &Error{
		Code:    code,
		Name:    "UNKNOWN_CODE_" + strconv.Itoa(int(code)),
		Message: "The broker returned an error code this client does not know.",
	}
}

// ErrorWithMessage is ErrorForCode with the broker's message for the code
// (the nullable ErrorMessage field next to it), when it sent one.
func ErrorWithMessage(code int16, msg *string) error {
	err := ErrorForCode(code)
	if we, ok := err.(*Error); ok && msg != nil { //nolint:errorlint // ErrorForCode returns *Error unwrapped
		return we.WithMessage(*msg)
	}
	return err
}

// KnownErrors returns every sentinel in code order (-1, 1, 2, ...). The slice
// is new on each call; the pointers are the sentinels themselves.
func KnownErrors() []*Error {
	out := make([]*Error, 0, len(errorsByCode)-1)
	for _, e := range errorsByCode {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// IsRetriable reports whether err is, or wraps, a broker error that the Java
// client would retry (including every InvalidMetadata code).
func IsRetriable(err error) bool {
	e := asError(err)
	return e != nil && e.flags()&errFlagRetriable != 0
}

// IsInvalidMetadata reports whether err is, or wraps, a broker error that
// means the client's metadata is stale and must be refreshed before a retry.
func IsInvalidMetadata(err error) bool {
	e := asError(err)
	return e != nil && e.flags()&errFlagInvalidMetadata != 0
}

// asError is errors.As for *Error with a fast path for an unwrapped one,
// which saves errors.As's allocation.
func asError(err error) *Error {
	if e, ok := err.(*Error); ok { //nolint:errorlint // fast path; errors.As below handles wrapping
		return e
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

type errFlags uint8

const (
	errFlagNone            errFlags = 0
	errFlagRetriable       errFlags = 1
	errFlagInvalidMetadata errFlags = 2
	errFlagRetriableMeta            = errFlagRetriable | errFlagInvalidMetadata
)

// errorFacts is the immutable truth about a known code, shared by its
// sentinel and every WithMessage copy. Nothing writes it after init, and
// being unexported, nothing outside wire can.
type errorFacts struct {
	code  int16
	flags errFlags
}

// minErrorCode is the lowest known code (UNKNOWN_SERVER_ERROR).
const minErrorCode = -1

func newKafkaError(code int16, name string, f errFlags, msg string) *Error {
	return &Error{
		Code:            code,
		Name:            name,
		Message:         msg,
		Retriable:       f&errFlagRetriable != 0,
		InvalidMetadata: f&errFlagInvalidMetadata != 0,
		facts:           &errorFacts{code: code, flags: f},
	}
}

// knownError returns the sentinel for code, or nil for 0 and unknown codes.
func knownError(code int16) *Error {
	i := int(code) - minErrorCode
	if i < 0 || i >= len(errorsByCode) {
		return nil
	}
	return errorsByCode[i]
}

// code is the table's code for sentinels and their copies, else e.Code.
func (e *Error) code() int16 {
	if e.facts != nil {
		return e.facts.code
	}
	return e.Code
}

// flags returns the table's flags for sentinels and their copies, else the
// flags of a caller-built *Error: its code's table entry if the code is
// known, otherwise its own fields. InvalidMetadata implies Retriable, as in
// Java.
func (e *Error) flags() errFlags {
	if e.facts != nil {
		return e.facts.flags
	}
	if k := knownError(e.Code); k != nil {
		return k.facts.flags
	}
	var f errFlags
	if e.Retriable {
		f |= errFlagRetriable
	}
	if e.InvalidMetadata {
		f |= errFlagRetriableMeta
	}
	return f
}
