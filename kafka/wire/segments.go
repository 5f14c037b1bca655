package wire

// This file holds the scatter-gather encoding of frames. A Produce request
// is mostly record batches that are final before the request is built (the
// accumulator sealed them), so copying each into the frame only to hand the
// frame to write(2) costs a memmove per byte produced and a frame buffer as
// large as the request. AppendRequestSegments instead encodes everything
// but the large records blobs and says where each blob belongs; a
// connection writes the head and the blobs with one writev.

// Segment is a byte blob that belongs in a frame at offset At of the head
// it was recorded for: the bytes on the wire are head[:At], Data, then the
// head from At on (up to the next segment's At). Data is the caller's
// memory, referenced, not copied.
type Segment struct {
	At   int
	Data []byte
}

// segmentAppender is implemented by the generated messages that hold
// records fields (outside tagged fields).
type segmentAppender interface {
	appendSegments(dst []byte, version int16, segs []Segment, segMin int) ([]byte, []Segment)
}

// AppendRequestSegments appends a request frame as AppendRequest does,
// except that each records blob (Produce's Records) of at least segMin bytes
// is not copied: its length prefix is written and a Segment{At, Data} is
// appended to segs, At being the offset in the returned dst where the blob
// belongs. The frame's size field counts the segments, so the head with the
// segments spliced in (see Splice) is byte for byte what AppendRequest
// writes. Offsets are relative to the start of dst, so several frames may
// share one head buffer. Messages without records fields are encoded whole.
// segMin below 1 is taken as 1: empty and null blobs are always inline.
// With enough capacity in dst and segs it does not allocate.
func AppendRequestSegments(dst []byte, req Request, version int16, correlationID int32, clientID *string, segs []Segment, segMin int) ([]byte, []Segment) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = AppendRequestHeader(dst, req.Key(), version, correlationID, clientID)
	return appendBodySegments(dst, start, req, version, segs, segMin)
}

// AppendResponseSegments is AppendRequestSegments for a response (Fetch's
// Records): a broker, kafkatest for instance, can write record data it
// already holds without copying it.
func AppendResponseSegments(dst []byte, resp Response, version int16, correlationID int32, segs []Segment, segMin int) ([]byte, []Segment) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = AppendResponseHeader(dst, resp.Key(), version, correlationID)
	return appendBodySegments(dst, start, resp, version, segs, segMin)
}

func appendBodySegments(dst []byte, start int, m Message, version int16, segs []Segment, segMin int) ([]byte, []Segment) {
	sa, ok := m.(segmentAppender)
	if !ok {
		return backfillSize(m.AppendTo(dst, version), start), segs
	}
	first := len(segs)
	dst, segs = sa.appendSegments(dst, version, segs, max(segMin, 1))
	n := uint32(len(dst) - start - 4)
	for _, s := range segs[first:] {
		n += uint32(len(s.Data))
	}
	dst[start] = byte(n >> 24)
	dst[start+1] = byte(n >> 16)
	dst[start+2] = byte(n >> 8)
	dst[start+3] = byte(n)
	return dst, segs
}

// appendRecordsSeg writes a records field in appendSegs: the length prefix
// as appendBlob/appendNullableBlob would, then either the bytes (a blob
// shorter than segMin, or empty, or null) or a segment.
func appendRecordsSeg(dst, b []byte, flex, nullable bool, segs []Segment, segMin int) ([]byte, []Segment) {
	if len(b) < segMin || len(b) == 0 {
		if nullable {
			return appendNullableBlob(dst, b, flex), segs
		}
		return appendBlob(dst, b, flex), segs
	}
	if flex {
		dst = AppendUvarint(dst, uint32(len(b))+1)
	} else {
		dst = AppendInt32(dst, int32(len(b)))
	}
	return dst, append(segs, Segment{At: len(dst), Data: b})
}

// SegmentsLen returns the number of bytes segs add to their head.
func SegmentsLen(segs []Segment) int {
	n := 0
	for _, s := range segs {
		n += len(s.Data)
	}
	return n
}

// Splice appends head with segs spliced in at their offsets: the frame as
// it goes on the wire. segs must be in increasing At order, each At within
// head (as AppendRequestSegments records them).
func Splice(dst, head []byte, segs []Segment) []byte {
	prev := 0
	for _, s := range segs {
		dst = append(dst, head[prev:s.At]...)
		dst = append(dst, s.Data...)
		prev = s.At
	}
	return append(dst, head[prev:]...)
}
