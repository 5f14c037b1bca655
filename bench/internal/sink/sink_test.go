package sink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func start(t *testing.T, partitions int) *Server {
	t.Helper()
	s, err := Start(Config{Partitions: partitions, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestFranzGoProducesAndCounts drives the sink with a real client
// (idempotent, pipelined) and checks that every acknowledged record was
// counted once, with per-partition offsets that start at 0 and never repeat.
func TestFranzGoProducesAndCounts(t *testing.T) {
	s := start(t, 4)
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.Addr()), kgo.DefaultProduceTopic("t1"),
		kgo.ProducerLinger(0), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const n = 2000
	var mu sync.Mutex
	seen := map[int32]map[int64]bool{}
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		cl.Produce(context.Background(), &kgo.Record{Value: []byte("hello")}, func(r *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[r.Partition] == nil {
				seen[r.Partition] = map[int64]bool{}
			}
			if seen[r.Partition][r.Offset] {
				t.Errorf("offset %d of partition %d acknowledged twice", r.Offset, r.Partition)
			}
			seen[r.Partition][r.Offset] = true
		})
	}
	wg.Wait()
	st := s.Stats().Topics["t1"]
	if st.Records != n {
		t.Fatalf("sink counted %d records, want %d", st.Records, n)
	}
	for p, offs := range seen {
		if int64(len(offs)) != st.Partitions[p] {
			t.Errorf("partition %d: client saw %d offsets, sink counted %d", p, len(offs), st.Partitions[p])
		}
		for o := range offs {
			if o < 0 || o >= st.Partitions[p] {
				t.Errorf("partition %d: offset %d outside [0,%d)", p, o, st.Partitions[p])
			}
		}
	}
}

func batch(t *testing.T, n int) []byte {
	t.Helper()
	var b wire.BatchBuilder
	for i := 0; i < n; i++ {
		b.Append(int64(i), nil, []byte("v"), nil)
	}
	out, err := b.Build(nil, wire.BatchParams{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCountRecords(t *testing.T) {
	two := append(batch(t, 3), batch(t, 5)...)
	recs, batches, err := CountRecords(two)
	if err != nil || recs != 8 || batches != 2 {
		t.Fatalf("CountRecords = %d, %d, %v; want 8, 2, nil", recs, batches, err)
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"truncated header", two[:40]},
		{"truncated body", two[:len(two)-1]},
		{"bad magic", func() []byte { b := batch(t, 1); b[magicOffset] = 1; return b }()},
		{"negative count", func() []byte {
			b := batch(t, 1)
			binary.BigEndian.PutUint32(b[recordsCountOffset:], 0xffffffff)
			return b
		}()},
		{"short length", func() []byte { b := batch(t, 1); binary.BigEndian.PutUint32(b[batchLengthOffset:], 3); return b }()},
	} {
		if _, _, err := CountRecords(tc.b); !errors.Is(err, ErrBadBatch) {
			t.Errorf("%s: err = %v, want ErrBadBatch", tc.name, err)
		}
	}
}

func FuzzCountRecords(f *testing.F) {
	var b wire.BatchBuilder
	b.Append(1, []byte("k"), []byte("v"), nil)
	one, _ := b.Build(nil, wire.BatchParams{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
	f.Add(one)
	f.Add(append(one, one...))
	f.Fuzz(func(t *testing.T, in []byte) {
		recs, batches, err := CountRecords(in)
		if err == nil && batches > 0 && int(batches)*batchOverhead > len(in) {
			t.Fatalf("%d batches from %d bytes", batches, len(in))
		}
		if recs < 0 {
			t.Fatalf("negative record count %d", recs)
		}
	})
}

// roundTrip sends one request frame and reads one response frame.
func roundTrip(t *testing.T, c net.Conn, req wire.Request, ver int16) (wire.Response, error) {
	t.Helper()
	if _, err := c.Write(wire.AppendRequest(nil, req, ver, 7, nil)); err != nil {
		return nil, err
	}
	var size [4]byte
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, size[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c, body); err != nil {
		return nil, err
	}
	r := wire.NewReader(body)
	if corr := wire.ReadResponseHeader(r, req.Key(), ver); corr != 7 {
		t.Fatalf("correlation id %d, want 7", corr)
	}
	resp := req.NewResponse()
	resp.DecodeFrom(r, ver)
	return resp, r.Complete()
}

func TestProtocolAnswers(t *testing.T) {
	s := start(t, 3)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	resp, err := roundTrip(t, c, &wire.ApiVersionsRequest{ClientSoftwareName: "x", ClientSoftwareVersion: "1"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if av := resp.(*wire.ApiVersionsResponse); av.ErrorCode != 0 || len(av.APIKeys) != len(advertised) {
		t.Fatalf("ApiVersions: %+v", av)
	}

	name := "md"
	resp, err = roundTrip(t, c, &wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{{Name: &name}}}, 12)
	if err != nil {
		t.Fatal(err)
	}
	md := resp.(*wire.MetadataResponse)
	if len(md.Topics) != 1 || len(md.Topics[0].Partitions) != 3 || md.Topics[0].TopicID != topicID("md") {
		t.Fatalf("Metadata topics: %+v", md.Topics)
	}

	// Produce v13 by topic ID, two batches to one partition and one to an
	// unknown partition.
	req := &wire.ProduceRequest{Acks: -1, TimeoutMs: 1000, TopicData: []wire.ProduceRequestTopic{{
		TopicID: topicID("md"),
		PartitionData: []wire.ProduceRequestPartition{
			{Index: 1, Records: append(batch(t, 2), batch(t, 3)...)},
			{Index: 9, Records: batch(t, 1)},
		},
	}}}
	for round, wantBase := range []int64{0, 5} {
		resp, err = roundTrip(t, c, req, 13)
		if err != nil {
			t.Fatal(err)
		}
		got := resp.(*wire.ProduceResponse).Responses[0].PartitionResponses
		want := []wire.ProduceResponsePartition{
			{Index: 1, BaseOffset: wantBase, LogAppendTimeMs: -1},
			{Index: 9, ErrorCode: errUnknownTopicOrPartition, BaseOffset: -1, LogAppendTimeMs: -1},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round %d produce response (-want +got):\n%s", round, diff)
		}
	}
	if diff := cmp.Diff(TopicStats{Records: 10, Batches: 4, Bytes: 2 * int64(len(req.TopicData[0].PartitionData[0].Records)),
		Partitions: []int64{0, 10, 0}}, s.Stats().Topics["md"]); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}

	// A newer ApiVersions than ours gets UNSUPPORTED_VERSION with our range.
	c2, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	frame := wire.AppendRequest(nil, &wire.ApiVersionsRequest{}, 4, 7, nil)
	binary.BigEndian.PutUint16(frame[6:], 9) // claim version 9
	c2.Write(frame)
	var size [4]byte
	io.ReadFull(c2, size[:])
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	io.ReadFull(c2, body)
	r := wire.NewReader(body)
	wire.ReadResponseHeader(r, wire.APIKeyApiVersions, 0)
	var av wire.ApiVersionsResponse
	av.DecodeFrom(r, 0)
	if av.ErrorCode != errUnsupportedVersion || len(av.APIKeys) != 1 || av.APIKeys[0].MaxVersion != 4 {
		t.Fatalf("ApiVersions v9: %+v (%v)", av, r.Err())
	}

	// A request the sink does not speak closes the connection.
	if _, err := roundTrip(t, c2, &wire.ListOffsetsRequest{}, 1); err == nil {
		t.Fatal("ListOffsets answered; want the connection closed")
	}
}

// TestCountRecordsCompressed checks that compressed batches are counted by
// their header's record count, without decompressing: the compression
// scenarios of benchall depend on it.
func TestCountRecordsCompressed(t *testing.T) {
	for _, codec := range []wire.Codec{wire.CodecLZ4, wire.CodecZstd} {
		var b wire.BatchBuilder
		for i := 0; i < 500; i++ {
			b.Append(int64(i), nil, []byte("a value that compresses well, a value that compresses well"), nil)
		}
		plainLen := b.Size()
		out, err := b.Build(nil, wire.BatchParams{Codec: codec, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) >= plainLen {
			t.Fatalf("codec %d: batch of %d bytes is not compressed (records alone take %d)", codec, len(out), plainLen)
		}
		recs, batches, err := CountRecords(append(out, batch(t, 7)...))
		if err != nil || recs != 507 || batches != 2 {
			t.Errorf("codec %d: CountRecords = %d, %d, %v; want 507, 2, nil", codec, recs, batches, err)
		}
	}
}

// TestFranzGoCompressedCounts runs a real client with each codec against
// the sink: every acknowledged record is counted once.
func TestFranzGoCompressedCounts(t *testing.T) {
	s := start(t, 4)
	for _, codec := range []kgo.CompressionCodec{kgo.Lz4Compression(), kgo.ZstdCompression()} {
		topic := "c" + fmt.Sprint(len(s.Stats().Topics))
		cl, err := kgo.NewClient(kgo.SeedBrokers(s.Addr()), kgo.DefaultProduceTopic(topic),
			kgo.ProducerLinger(time.Millisecond), kgo.ProducerBatchCompression(codec))
		if err != nil {
			t.Fatal(err)
		}
		const n = 5000
		var wg sync.WaitGroup
		wg.Add(n)
		for i := 0; i < n; i++ {
			cl.Produce(context.Background(), &kgo.Record{Value: []byte("compressible compressible compressible")}, func(_ *kgo.Record, err error) {
				defer wg.Done()
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		cl.Close()
		if st := s.Stats().Topics[topic]; st.Records != n {
			t.Errorf("%s: sink counted %d records, want %d", topic, st.Records, n)
		}
	}
}
