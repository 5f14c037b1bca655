package conn

import (
	"encoding/binary"
	"sync"
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
// those frames are reused instead of regrown from 4 KiB each time.
const maxPooledFrame = 4 << 20

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func getFrame() *[]byte { return framePool.Get().(*[]byte) }

func putFrame(b *[]byte) {
	if cap(*b) > maxPooledFrame {
		return
	}
	*b = (*b)[:0]
	framePool.Put(b)
}
