package wire

// This file holds the request and response headers and the frame around
// them (protocol.md §1.1-1.2).
//
// A frame is an int32 size followed by that many bytes. Encoders reserve the
// four size bytes, append header and body, then back-fill the size, so a
// request is built in one pass into one reused buffer:
//
//	start := len(dst)
//	dst = append(dst, 0, 0, 0, 0)
//	dst = AppendRequestHeader(dst, req.Key(), v, corr, clientID)
//	dst = req.AppendTo(dst, v)
//	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
//
// AppendRequest and AppendResponse do exactly that.

// AppendRequestHeader appends a request header: v2 (with an empty tagged
// field section) when version of key is flexible, v1 otherwise. clientID is
// always an int16-length NULLABLE_STRING, even in v2, so that any broker can
// parse the header of an ApiVersions request it does not understand.
func AppendRequestHeader(dst []byte, key, version int16, correlationID int32, clientID *string) []byte {
	dst = AppendInt16(dst, key)
	dst = AppendInt16(dst, version)
	dst = AppendInt32(dst, correlationID)
	dst = AppendNullableString(dst, clientID)
	if IsFlexible(key, version) {
		dst = AppendEmptyTags(dst)
	}
	return dst
}

// ReadRequestHeader reads a request header, as a broker does. The tagged
// field section is read (and skipped) iff version of key is flexible; for a
// key this package does not implement the header is read as v1. Errors are
// recorded in r.
func ReadRequestHeader(r *Reader) (key, version int16, correlationID int32, clientID *string) {
	r.Field("RequestHeader.ApiKey")
	key = r.Int16()
	r.Field("RequestHeader.ApiVersion")
	version = r.Int16()
	r.Field("RequestHeader.CorrelationId")
	correlationID = r.Int32()
	r.Field("RequestHeader.ClientId")
	clientID = r.NullableString()
	if IsFlexible(key, version) {
		r.Field("RequestHeader tags")
		r.SkipTags()
	}
	return key, version, correlationID, clientID
}

// responseHeaderFlexible reports whether the response to key at version has
// header v1. ApiVersions is the exception: its response header is v0 at every
// version (KIP-511), because a client must be able to read the broker's
// answer before it knows which versions the broker speaks.
func responseHeaderFlexible(key, version int16) bool {
	return key != APIKeyApiVersions && IsFlexible(key, version)
}

// AppendResponseHeader appends a response header: v1 (correlation id and an
// empty tagged field section) when version of key is flexible, except for
// ApiVersions, whose response header is always v0.
func AppendResponseHeader(dst []byte, key, version int16, correlationID int32) []byte {
	dst = AppendInt32(dst, correlationID)
	if responseHeaderFlexible(key, version) {
		dst = AppendEmptyTags(dst)
	}
	return dst
}

// ReadResponseHeader reads the response header of a request sent with key
// and version and returns its correlation id; unknown tags are skipped.
func ReadResponseHeader(r *Reader, key, version int16) int32 {
	r.Field("ResponseHeader.CorrelationId")
	id := r.Int32()
	if responseHeaderFlexible(key, version) {
		r.Field("ResponseHeader tags")
		r.SkipTags()
	}
	return id
}

// AppendRequest appends a whole request frame: size, header, and req
// encoded at version. With enough capacity in dst it does not allocate.
func AppendRequest(dst []byte, req Request, version int16, correlationID int32, clientID *string) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = AppendRequestHeader(dst, req.Key(), version, correlationID, clientID)
	dst = req.AppendTo(dst, version)
	return backfillSize(dst, start)
}

// AppendResponse appends a whole response frame: size, header, and resp
// encoded at version. kafkatest uses it to answer requests.
func AppendResponse(dst []byte, resp Response, version int16, correlationID int32) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = AppendResponseHeader(dst, resp.Key(), version, correlationID)
	dst = resp.AppendTo(dst, version)
	return backfillSize(dst, start)
}

func backfillSize(dst []byte, start int) []byte {
	n := uint32(len(dst) - start - 4)
	dst[start] = byte(n >> 24)
	dst[start+1] = byte(n >> 16)
	dst[start+2] = byte(n >> 8)
	dst[start+3] = byte(n)
	return dst
}
