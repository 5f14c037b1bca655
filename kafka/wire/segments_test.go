package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// randomBlob returns nil, an empty blob, or n random bytes with n spread
// over small and large sizes (some below, some above any segMin tested).
func randomBlob(rng *rand.Rand) []byte {
	switch rng.IntN(8) {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	sizes := []int{1, 7, 63, 64, 65, 200, 1000, 4095, 4096, 4097, 20000, 70000}
	b := make([]byte, sizes[rng.IntN(len(sizes))]+8)
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rng.Uint64())
	}
	return b[:len(b)-8]
}

func randomProduce(rng *rand.Rand) *ProduceRequest {
	req := &ProduceRequest{Acks: int16(rng.IntN(3) - 1), TimeoutMs: rng.Int32()}
	if rng.IntN(2) == 0 {
		id := "txn-" + strconv.Itoa(rng.IntN(100))
		req.TransactionalID = &id
	}
	for t := range rng.IntN(4) {
		topic := ProduceRequestTopic{Name: "topic-" + strconv.Itoa(t)}
		topic.TopicID[0] = byte(t + 1)
		for p := range rng.IntN(5) {
			topic.PartitionData = append(topic.PartitionData, ProduceRequestPartition{Index: int32(p), Records: randomBlob(rng)})
		}
		req.TopicData = append(req.TopicData, topic)
	}
	return req
}

func randomFetchResponse(rng *rand.Rand) *FetchResponse {
	resp := &FetchResponse{ThrottleTimeMs: rng.Int32(), SessionID: rng.Int32()}
	for t := range rng.IntN(3) {
		topic := FetchResponseTopic{Topic: "t" + strconv.Itoa(t)}
		for p := range rng.IntN(4) {
			part := FetchResponsePartition{PartitionIndex: int32(p), HighWatermark: rng.Int64(), Records: randomBlob(rng)}
			if rng.IntN(2) == 0 {
				part.AbortedTransactions = []FetchResponseAbortedTransaction{{ProducerID: 7, FirstOffset: 9}}
			}
			if rng.IntN(3) == 0 {
				// A tagged field after the hole: closeTag shifts only
				// bytes after its mark, never a recorded offset.
				part.SnapshotID = &FetchResponseSnapshotID{EndOffset: 1, Epoch: 2}
			}
			topic.Partitions = append(topic.Partitions, part)
		}
		resp.Responses = append(resp.Responses, topic)
	}
	return resp
}

// checkSegments checks one segmented frame against the copied one: the
// segments are in order within the head, each aliases a blob of the
// message, every blob of at least segMin bytes is a segment, and the head
// with the segments spliced in is the copied frame.
func checkSegments(t *testing.T, name string, prefix, head []byte, segs []Segment, want []byte, segMin int, blobs [][]byte) {
	t.Helper()
	if !bytes.Equal(head[:len(prefix)], prefix) {
		t.Fatalf("%s: the bytes before the frame changed", name)
	}
	got := Splice(nil, head, segs)[len(prefix):]
	// bytes.Equal first: cmp is slow on large slices and only explains.
	if !bytes.Equal(want, got) {
		t.Fatalf("%s: spliced frame differs from the copied one (-want +got):\n%s", name, cmp.Diff(want, got))
	}
	if size := int(binary.BigEndian.Uint32(head[len(prefix):])); size != len(want)-4 {
		t.Fatalf("%s: size field %d, want %d", name, size, len(want)-4)
	}
	wantSegs := 0
	for _, b := range blobs {
		if len(b) >= max(segMin, 1) {
			wantSegs++
		}
	}
	if len(segs) != wantSegs {
		t.Fatalf("%s: %d segments, want %d (segMin %d)", name, len(segs), wantSegs, segMin)
	}
	prev := len(prefix)
	for i, s := range segs {
		if s.At < prev || s.At > len(head) {
			t.Fatalf("%s: segment %d at %d, outside [%d, %d]", name, i, s.At, prev, len(head))
		}
		prev = s.At
		if !aliasesOne(s.Data, blobs) {
			t.Fatalf("%s: segment %d (%d bytes) is a copy, not the message's blob", name, i, len(s.Data))
		}
	}
	if SegmentsLen(segs)+len(head)-len(prefix) != len(want) {
		t.Fatalf("%s: head %d + segments %d != frame %d", name, len(head)-len(prefix), SegmentsLen(segs), len(want))
	}
}

func aliasesOne(b []byte, blobs [][]byte) bool {
	for _, x := range blobs {
		if len(x) == len(b) && len(b) > 0 && unsafe.SliceData(x) == unsafe.SliceData(b) {
			return true
		}
	}
	return false
}

func TestAppendRequestSegmentsMatchesAppendRequest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi, _ := SupportedVersions(APIKeyProduce)
	client := "gregor-test"
	for v := lo; v <= hi; v++ {
		for i := range 60 {
			req := randomProduce(rng)
			var blobs [][]byte
			for _, td := range req.TopicData {
				for _, pd := range td.PartitionData {
					blobs = append(blobs, pd.Records)
				}
			}
			segMin := []int{0, 1, 64, 4096, 1 << 20}[i%5]
			want := AppendRequest(nil, req, v, int32(i), &client)
			prefix := []byte("earlier frames")
			head, segs := AppendRequestSegments(append([]byte(nil), prefix...), req, v, int32(i), &client, []Segment{{At: -1}}, segMin)
			name := "Produce v" + strconv.Itoa(int(v)) + " #" + strconv.Itoa(i)
			if segs[0].At != -1 {
				t.Fatalf("%s: segments already in segs were changed", name)
			}
			checkSegments(t, name, prefix, head, segs[1:], want, segMin, blobs)
		}
	}
}

func TestAppendResponseSegmentsMatchesAppendResponse(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	lo, hi, _ := SupportedVersions(APIKeyFetch)
	for v := lo; v <= hi; v++ {
		for i := range 40 {
			resp := randomFetchResponse(rng)
			var blobs [][]byte
			for _, td := range resp.Responses {
				for _, pd := range td.Partitions {
					blobs = append(blobs, pd.Records)
				}
			}
			segMin := []int{1, 100, 5000, 1 << 20}[i%4]
			want := AppendResponse(nil, resp, v, int32(i))
			head, segs := AppendResponseSegments(nil, resp, v, int32(i), nil, segMin)
			checkSegments(t, "Fetch response v"+strconv.Itoa(int(v)), nil, head, segs, want, segMin, blobs)
		}
	}
}

// A message without records fields is encoded whole: no segments, the
// same bytes as AppendRequest.
func TestAppendRequestSegmentsWithoutRecords(t *testing.T) {
	name := "t"
	req := &MetadataRequest{Topics: []MetadataRequestTopic{{Name: &name}}}
	want := AppendRequest(nil, req, 12, 5, nil)
	head, segs := AppendRequestSegments(nil, req, 12, 5, nil, nil, 1)
	if len(segs) != 0 {
		t.Fatalf("got %d segments for a Metadata request", len(segs))
	}
	if diff := cmp.Diff(want, head); diff != "" {
		t.Fatal(diff)
	}
}

func TestAppendRequestSegmentsAllocs(t *testing.T) {
	rec := make([]byte, 1<<20)
	req := &ProduceRequest{Acks: -1, TopicData: []ProduceRequestTopic{{Name: "t", PartitionData: []ProduceRequestPartition{
		{Index: 0, Records: rec}, {Index: 1, Records: rec[:100]}, {Index: 2, Records: rec[:8192]},
	}}}}
	dst := make([]byte, 0, 4096)
	segs := make([]Segment, 0, 8)
	client := "c"
	var n int
	allocs := testing.AllocsPerRun(100, func() {
		var head []byte
		var s []Segment
		head, s = AppendRequestSegments(dst[:0], req, 11, 1, &client, segs[:0], 4096)
		n = len(head) + len(s)
	})
	if allocs != 0 {
		t.Fatalf("AppendRequestSegments allocates %.1f times per call", allocs)
	}
	if n == 0 || n > 300 {
		t.Fatalf("head+segments = %d, want a small head (the 100-byte blob inline)", n)
	}
}

// FuzzAppendSegments decodes any request or response (as the message fuzz
// targets do) and checks that its segmented encoding, with a segMin chosen
// by the input, splices to the copied encoding.
//
//	go test ./kafka/wire -run '^$' -fuzz FuzzAppendSegments -fuzztime 5m
func FuzzAppendSegments(f *testing.F) {
	keys := implementedKeys()
	index := map[int16]byte{}
	for i, k := range keys {
		index[k] = byte(i)
	}
	for _, c := range allGoldenCases {
		lo, hi, _ := SupportedVersions(c.key)
		for v := lo; v <= hi; v++ {
			in, _, golden := c.build(v)
			_, isReq := in.(Request)
			req := byte(0)
			if isReq {
				req = 1
			}
			f.Add(append([]byte{index[c.key], byte(v - lo), req, 3}, golden...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		key := keys[int(data[0])%len(keys)]
		lo, hi, _ := SupportedVersions(key)
		v := lo + int16(int(data[1])%int(hi-lo+1))
		isReq := data[2]&1 == 1
		segMin := int(data[3])
		m := newMessage(key, isReq)
		r := NewReader(data[4:])
		m.DecodeFrom(r, v)
		if err := r.Err(); err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			return
		}
		var want, head []byte
		var segs []Segment
		if isReq {
			want = AppendRequest(nil, m.(Request), v, 9, nil)
			head, segs = AppendRequestSegments(nil, m.(Request), v, 9, nil, nil, segMin)
		} else {
			want = AppendResponse(nil, m.(Response), v, 9)
			head, segs = AppendResponseSegments(nil, m.(Response), v, 9, nil, segMin)
		}
		if got := Splice(nil, head, segs); !bytes.Equal(want, got) {
			t.Fatalf("%s v%d segMin %d: spliced frame differs (-want +got):\n%s", APIName(key), v, segMin, cmp.Diff(want, got))
		}
	})
}
