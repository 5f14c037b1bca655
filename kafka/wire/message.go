package wire

// Message is a request or response body that can be encoded and decoded at
// any version of its API's supported range. Both directions are implemented
// for every message, because the client encodes requests and decodes
// responses while kafkatest, the in-process fake cluster, does the reverse.
type Message interface {
	// Key returns the API key (Produce 0, Metadata 3, ...).
	Key() int16
	// AppendTo appends the body encoded at version v.
	AppendTo(dst []byte, v int16) []byte
	// DecodeFrom decodes the body at version v. Failures are recorded in r
	// (see Reader.Err); the message is then partially filled.
	DecodeFrom(r *Reader, v int16)
}

// Request is a request body.
type Request interface {
	Message
	// NewResponse returns an empty response of the matching kind.
	NewResponse() Response
}

// Response is a response body.
type Response interface {
	Message
	// ThrottleMillis returns the broker's throttle time, 0 if the version has none.
	ThrottleMillis() int32
}

// NoResponder is implemented by requests that may expect no response: a
// Produce request with acks=0 is answered by silence, so a connection must
// not wait for it.
type NoResponder interface {
	ExpectsResponse() bool
}
