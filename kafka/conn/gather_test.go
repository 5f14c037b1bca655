package conn

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// recordBatch builds one uncompressed batch of n records whose values are
// "<tag>-<i>" padded to size bytes.
func recordBatch(t testing.TB, tag string, n, size int) ([]byte, []string) {
	t.Helper()
	var bb wire.BatchBuilder
	var values []string
	for i := range n {
		v := fmt.Sprintf("%s-%d-", tag, i)
		for len(v) < size {
			v += "x"
		}
		values = append(values, v)
		bb.Append(1700000000000+int64(i), nil, []byte(v), nil)
	}
	b, err := bb.Build(nil, wire.BatchParams{})
	if err != nil {
		t.Fatal(err)
	}
	return b, values
}

// TestSegmentedProduceReachesKafkatest sends Produce requests whose large
// batches are segments (and small ones inline) to a kafkatest broker, which
// parses Produce fully: every batch must be stored and decode to the
// records sent.
func TestSegmentedProduceReachesKafkatest(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.NumBrokers(1), kafkatest.Topic("seg-a", 3), kafkatest.Topic("seg-b", 1))
	c, err := Dial(context.Background(), kc.Addrs()[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.gather {
		t.Fatal("a plain TCP connection does not gather")
	}
	type tp struct {
		topic     string
		partition int32
	}
	want := map[tp][]string{}
	req := &wire.ProduceRequest{Acks: -1, TimeoutMs: 5000}
	shapes := []struct {
		topic     string
		partition int32
		n, size   int
	}{
		{"seg-a", 0, 300, 1000}, // ~300 KiB: a segment
		{"seg-a", 1, 2, 10},     // tiny: inline
		{"seg-a", 2, 10, 600},   // ~6 KiB: a segment
		{"seg-b", 0, 1, 20000},  // one 20 KB record
	}
	for _, s := range shapes {
		batch, values := recordBatch(t, s.topic+strconv.Itoa(int(s.partition)), s.n, s.size)
		want[tp{s.topic, s.partition}] = values
		i := len(req.TopicData) - 1
		if i < 0 || req.TopicData[i].Name != s.topic {
			req.TopicData = append(req.TopicData, wire.ProduceRequestTopic{Name: s.topic})
			i++
		}
		req.TopicData[i].PartitionData = append(req.TopicData[i].PartitionData, wire.ProduceRequestPartition{Index: s.partition, Records: batch})
	}
	// The request Send encodes is segmented: three batches by reference.
	var f frame
	c.encode(&f, req, 12, true)
	if len(f.segs) != 3 {
		t.Fatalf("encoded with %d segments, want 3", len(f.segs))
	}

	// Classic and flexible versions; v13 names topics by ID, which this
	// request does not carry.
	versions := []int16{3, 8, 9, 12}
	for _, v := range versions {
		ch := make(chan result, 1)
		if err := c.Send(context.Background(), req, v, func(r wire.Response, err error) { ch <- result{r, err} }); err != nil {
			t.Fatal(err)
		}
		res := <-ch
		if res.err != nil {
			t.Fatalf("v%d: %v", v, res.err)
		}
		for _, tr := range res.resp.(*wire.ProduceResponse).Responses {
			for _, pr := range tr.PartitionResponses {
				if pr.ErrorCode != 0 {
					t.Fatalf("v%d: %s/%d: error %d", v, tr.Name, pr.Index, pr.ErrorCode)
				}
			}
		}
	}
	for key, values := range want {
		recs, err := kc.Records(key.topic, key.partition)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, string(r.Value))
		}
		var all []string
		for range versions {
			all = append(all, values...)
		}
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("%v: stored records differ (-want +got):\n%.2000s", key, diff)
		}
	}
}

// produceBroker is a fake broker that answers every Produce request with
// success once it has read it whole (as Kafka does).
func produceBroker(t testing.TB) *fakeBroker {
	b := newFakeBroker(t)
	b.setHandler(func(fc *fakeConn, h reqHeader, body []byte) {
		if h.key != wire.APIKeyProduce {
			fc.defaultHandle(h, body)
			return
		}
		var req wire.ProduceRequest
		rd := wire.NewReader(body)
		req.DecodeFrom(rd, h.ver)
		if rd.Err() != nil {
			fc.nc.Close()
			return
		}
		if req.Acks == 0 {
			return
		}
		resp := &wire.ProduceResponse{}
		for _, td := range req.TopicData {
			rt := wire.ProduceResponseTopic{Name: td.Name}
			for _, pd := range td.PartitionData {
				// The first record batch byte after the base offset and
				// length is the leader epoch; echo the batch length as
				// the offset so the client can check it got its bytes.
				rt.PartitionResponses = append(rt.PartitionResponses, wire.ProduceResponsePartition{Index: pd.Index, BaseOffset: int64(len(pd.Records))})
			}
			resp.Responses = append(resp.Responses, rt)
		}
		fc.reply(h, h.ver, resp)
	})
	return b
}

// TestSegmentedPipelined keeps several segmented Produce requests in flight
// (and acks=0 ones among them): under -race the writer's marking and the
// reader's check race for real, and a legitimate fast response must never
// be taken for an early one.
func TestSegmentedPipelined(t *testing.T) {
	b := produceBroker(t)
	c := dialFake(t, b, &Config{MaxInFlight: 8})
	if !c.gather {
		t.Fatal("a plain TCP connection does not gather")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for i := range 400 {
		size := []int{100, 5000, 70000, 300000}[i%4]
		acks := int16(1)
		if i%7 == 0 {
			acks = 0
		}
		req := &wire.ProduceRequest{Acks: acks, TopicData: []wire.ProduceRequestTopic{{Name: "t", PartitionData: []wire.ProduceRequestPartition{
			{Index: 0, Records: make([]byte, size)}, {Index: 1, Records: make([]byte, size/2)},
		}}}}
		wg.Add(1)
		err := c.Send(context.Background(), req, 11, func(resp wire.Response, err error) {
			defer wg.Done()
			if err != nil {
				errs <- err
				return
			}
			if acks == 0 {
				return
			}
			got := resp.(*wire.ProduceResponse).Responses[0].PartitionResponses
			if got[0].BaseOffset != int64(size) || got[1].BaseOffset != int64(size/2) {
				errs <- fmt.Errorf("request %d: broker saw %d and %d bytes, want %d and %d", i, got[0].BaseOffset, got[1].BaseOffset, size, size/2)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("connection died: %v", err)
	}
}

// earlyBroker answers a Produce request as soon as it has read its header,
// then reads nothing more: a broken broker answering what it cannot have
// read. ApiVersions is answered normally.
func earlyBroker(t *testing.T) (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fb := &fakeBroker{t: t, maxApiVersions: 4}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.(*net.TCPConn).SetReadBuffer(4096)
		fc := &fakeConn{b: fb, nc: nc}
		for {
			var hdr [12]byte
			if _, err := io.ReadFull(nc, hdr[:]); err != nil {
				return
			}
			size := int(binary.BigEndian.Uint32(hdr[:]))
			h := reqHeader{int16(binary.BigEndian.Uint16(hdr[4:])), int16(binary.BigEndian.Uint16(hdr[6:])), int32(binary.BigEndian.Uint32(hdr[8:]))}
			if h.key != wire.APIKeyProduce {
				if _, err := io.CopyN(io.Discard, nc, int64(size-8)); err != nil {
					return
				}
				fc.apiVersions(h)
				continue
			}
			fc.reply(h, h.ver, &wire.ProduceResponse{Responses: []wire.ProduceResponseTopic{{Name: "t", PartitionResponses: []wire.ProduceResponsePartition{{}}}}})
			<-quit
			return
		}
	}()
	return ln.Addr().String(), func() {
		close(quit)
		ln.Close()
		wg.Wait()
	}
}

// TestEarlyResponseKillsConn: a response to a segmented request that is
// still being written must not complete it (its caller would reuse the
// batch the writer still reads): the connection dies with
// ErrEarlyResponse, and done runs only after the writer stopped.
func TestEarlyResponseKillsConn(t *testing.T) {
	addr, stop := earlyBroker(t)
	defer stop()
	cfg := &Config{writeGrace: 100 * time.Millisecond, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err == nil {
			nc.(*net.TCPConn).SetWriteBuffer(4096) // so that 16 MiB cannot all be buffered
		}
		return nc, err
	}}
	c, err := Dial(context.Background(), addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.gather {
		t.Fatal("a plain TCP connection does not gather")
	}
	req := &wire.ProduceRequest{Acks: -1, TopicData: []wire.ProduceRequestTopic{{Name: "t", PartitionData: []wire.ProduceRequestPartition{
		{Index: 0, Records: make([]byte, 16<<20)},
	}}}}
	type outcome struct {
		err          error
		writerExited bool
	}
	ch := make(chan outcome, 1)
	if err := c.Send(context.Background(), req, 11, func(_ wire.Response, err error) {
		exited := false
		select {
		case <-c.writerDone:
			exited = true
		default:
		}
		ch <- outcome{err, exited}
	}); err != nil {
		t.Fatal(err)
	}
	var got outcome
	select {
	case got = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("request never completed")
	}
	if !errors.Is(got.err, ErrEarlyResponse) || !errors.Is(got.err, ErrConnClosed) {
		t.Errorf("done got %v, want ErrEarlyResponse and ErrConnClosed", got.err)
	}
	if !got.writerExited {
		t.Error("done ran while the writer could still be writing the request")
	}
	if err := c.Err(); !errors.Is(err, ErrEarlyResponse) {
		t.Errorf("connection error %v, want ErrEarlyResponse", err)
	}
}

// TestDoNeverGathers: Do may return (ctx) before its request is written,
// so it must not leave the caller's memory referenced.
func TestDoNeverGathers(t *testing.T) {
	b := produceBroker(t)
	c := dialFake(t, b, nil)
	req := &wire.ProduceRequest{Acks: 1, TopicData: []wire.ProduceRequestTopic{{Name: "t", PartitionData: []wire.ProduceRequestPartition{
		{Index: 0, Records: make([]byte, 100000)},
	}}}}
	var f frame
	c.encode(&f, req, 11, false)
	if len(f.segs) != 0 || len(f.head) < 100000 {
		t.Fatalf("encode without gather: %d segments, head %d bytes", len(f.segs), len(f.head))
	}
	if _, err := c.Do(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}

// TestSmallSegmentedFrameIsCopied: a frame under directWriteLimit is
// encoded whole even when a blob reaches segmentMin, so that it can be
// written directly.
func TestSmallSegmentedFrameIsCopied(t *testing.T) {
	c := &Conn{clientID: new(string)}
	req := &wire.ProduceRequest{Acks: 1, TopicData: []wire.ProduceRequestTopic{{Name: "t", PartitionData: []wire.ProduceRequestPartition{
		{Index: 0, Records: make([]byte, segmentMin)},
	}}}}
	var f frame
	c.encode(&f, req, 11, true)
	if len(f.segs) != 0 {
		t.Fatalf("a %d-byte frame has %d segments", f.size(), len(f.segs))
	}
	req.TopicData[0].PartitionData[0].Records = make([]byte, directWriteLimit)
	c.encode(&f, req, 11, true)
	if len(f.segs) != 1 {
		t.Fatalf("a %d-byte frame has %d segments, want 1", f.size(), len(f.segs))
	}
	if diff := cmp.Diff(wire.AppendRequest(nil, req, 11, 0, c.clientID), wire.Splice(nil, f.head, f.segs)); diff != "" {
		t.Fatal(diff)
	}
}
