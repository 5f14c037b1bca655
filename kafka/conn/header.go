package conn

import (
	"encoding/binary"
	"sync"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// corrOffset is where the correlation id sits in a request frame (size
// int32, api_key int16, api_version int16). Send encodes the frame outside
// the connection's lock and patches the id in under it, so ids increase in
// wire order.
const corrOffset = 4 + 2 + 2

func setCorrelation(frame []byte, corr int32) {
	binary.BigEndian.PutUint32(frame[corrOffset:], uint32(corr))
}

// Frame buffers are pooled: a producer sends a request per batch per
// broker, and allocating each frame would make the garbage collector pay
// for every byte produced. Buffers that grew past maxPooledFrame are
// dropped rather than pinned in the pool; it is well above a full request
// at the default max request size (1 MiB of batches plus headers), so
// those frames are reused instead of regrown from 4 KiB each time. On a
// plain TCP connection a Produce frame's batches are segments (gather.go),
// and its pooled head is a few hundred bytes.
const maxPooledFrame = 4 << 20

// frame is one encoded request: head, with segs (blobs referenced, not
// copied; see wire.AppendRequestSegments) spliced in at their offsets.
type frame struct {
	head []byte
	segs []wire.Segment
}

// size returns the frame's length on the wire.
func (f *frame) size() int { return len(f.head) + wire.SegmentsLen(f.segs) }

var framePool = sync.Pool{New: func() any { return &frame{head: make([]byte, 0, 4096)} }}

func getFrame() *frame { return framePool.Get().(*frame) }

// putFrame returns f to the pool. Its segments are cleared first: a
// pooled frame must not keep a caller's record batches reachable.
func putFrame(f *frame) {
	clear(f.segs)
	f.segs = f.segs[:0]
	if cap(f.head) > maxPooledFrame {
		return
	}
	f.head = f.head[:0]
	framePool.Put(f)
}
