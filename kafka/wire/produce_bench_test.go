package wire

import (
	"fmt"
	"testing"
)

// produceRequest8 is a Produce request with one topic and 8 partitions of
// 16 KiB batches, the shape the producer's drain builds.
func produceRequest8() *ProduceRequest {
	req := &ProduceRequest{Acks: -1, TimeoutMs: 30000}
	t := ProduceRequestTopic{Name: "bench-topic", TopicID: uuidOf(1)}
	for i := range 8 {
		t.PartitionData = append(t.PartitionData, ProduceRequestPartition{Index: int32(i), Records: make([]byte, 16<<10)})
	}
	req.TopicData = []ProduceRequestTopic{t}
	return req
}

// TestProduceEncodeNoAllocs guards the promise of the append-style encoders:
// with a buffer of sufficient capacity, framing and encoding a Produce
// request allocates nothing, at a classic and a flexible version.
func TestProduceEncodeNoAllocs(t *testing.T) {
	req := produceRequest8()
	id := "client"
	buf := make([]byte, 0, 256<<10)
	for _, v := range []int16{3, 8, 9, 11, 13} {
		allocs := testing.AllocsPerRun(50, func() {
			buf = AppendRequest(buf[:0], req, v, 1, &id)
		})
		if allocs != 0 {
			t.Errorf("v%d: %.1f allocs per encode, want 0", v, allocs)
		}
	}
}

func BenchmarkAppendProduceRequest(b *testing.B) {
	req := produceRequest8()
	id := "client"
	for _, v := range []int16{8, 11} {
		b.Run(fmt.Sprintf("v%d", v), func(b *testing.B) {
			buf := make([]byte, 0, 256<<10)
			buf = AppendRequest(buf[:0], req, v, 1, &id)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendRequest(buf[:0], req, v, 1, &id)
			}
		})
	}
}
