package kafkatest

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// rawClient is a minimal wire-level Kafka client for the tests: it encodes
// requests with kafka/wire, writes them, and decodes responses. It does no
// negotiation; each call names its version.
type rawClient struct {
	t    testing.TB
	nc   net.Conn
	corr int32
}

func dial(t testing.TB, addr string) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawClient{t: t, nc: nc}
}

// send writes req at version v and returns its correlation id.
func (rc *rawClient) send(req wire.Request, v int16) int32 {
	rc.t.Helper()
	rc.corr++
	id := "kafkatest-test"
	frame := wire.AppendRequest(nil, req, v, rc.corr, &id)
	rc.writeRaw(frame)
	return rc.corr
}

func (rc *rawClient) writeRaw(b []byte) {
	rc.t.Helper()
	rc.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := rc.nc.Write(b); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// readFrame reads one response frame within d.
func (rc *rawClient) readFrame(d time.Duration) ([]byte, error) {
	rc.nc.SetReadDeadline(time.Now().Add(d))
	var size [4]byte
	if _, err := io.ReadFull(rc.nc, size[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(rc.nc, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// recv reads the response to a request of key at v and checks its
// correlation id.
func (rc *rawClient) recv(key, v int16, wantCorr int32) wire.Response {
	rc.t.Helper()
	buf, err := rc.readFrame(5 * time.Second)
	if err != nil {
		rc.t.Fatalf("read response to %s v%d: %v", wire.APIName(key), v, err)
	}
	r := wire.NewReader(buf)
	corr := wire.ReadResponseHeader(r, key, v)
	if corr != wantCorr {
		rc.t.Fatalf("correlation id %d, want %d", corr, wantCorr)
	}
	resp := wire.NewResponse(key)
	resp.DecodeFrom(r, v)
	if err := r.Complete(); err != nil {
		rc.t.Fatalf("decode %s v%d response: %v", wire.APIName(key), v, err)
	}
	return resp
}

// do sends req at v and returns the response.
func (rc *rawClient) do(req wire.Request, v int16) wire.Response {
	rc.t.Helper()
	return rc.recv(req.Key(), v, rc.send(req, v))
}

// expectClosed asserts the broker closes the connection (EOF or reset)
// without sending anything.
func (rc *rawClient) expectClosed() {
	rc.t.Helper()
	buf, err := rc.readFrame(5 * time.Second)
	if err == nil {
		rc.t.Fatalf("got a %d-byte frame, want the connection closed", len(buf))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		rc.t.Fatalf("connection still open after 5s")
	}
}

// expectSilence asserts nothing arrives within d.
func (rc *rawClient) expectSilence(d time.Duration) {
	rc.t.Helper()
	buf, err := rc.readFrame(d)
	if err == nil {
		rc.t.Fatalf("got a %d-byte frame, want silence", len(buf))
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		rc.t.Fatalf("connection failed (%v), want it open and silent", err)
	}
}

// batchOpts describe a test batch.
type batchOpts struct {
	codec    wire.Codec
	pid      int64 // < 0: not idempotent
	epoch    int16
	seq      int32
	baseTime int64
}

// makeBatch builds one batch of n records with values "v0".."vn-1" and keys
// "k0".."kn-1"; timestamps are baseTime+i.
func makeBatch(t testing.TB, n int, o batchOpts) []byte {
	t.Helper()
	var b wire.BatchBuilder
	for i := range n {
		b.Append(o.baseTime+int64(i), []byte("k"+itoa(i)), []byte("v"+itoa(i)), nil)
	}
	p := wire.BatchParams{Codec: o.codec}
	if o.pid >= 0 {
		p.Idempotent, p.ProducerID, p.ProducerEpoch, p.BaseSequence = true, o.pid, o.epoch, o.seq
	}
	out, err := b.Build(nil, p)
	if err != nil {
		t.Fatalf("build batch: %v", err)
	}
	return out
}

func plain() batchOpts { return batchOpts{pid: -1, baseTime: 1700000000000} }

func idem(pid int64, epoch int16, seq int32) batchOpts {
	return batchOpts{pid: pid, epoch: epoch, seq: seq, baseTime: 1700000000000}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// produceReq builds a Produce request with one batch for one partition.
func produceReq(topic string, partition int32, acks int16, records []byte) *wire.ProduceRequest {
	return &wire.ProduceRequest{Acks: acks, TimeoutMs: 5000, TopicData: []wire.ProduceRequestTopic{{
		Name: topic, PartitionData: []wire.ProduceRequestPartition{{Index: partition, Records: records}},
	}}}
}

// produce sends one batch at version v and returns the partition response.
func (rc *rawClient) produce(v int16, topic string, partition int32, records []byte) wire.ProduceResponsePartition {
	rc.t.Helper()
	resp := rc.do(produceReq(topic, partition, -1, records), v).(*wire.ProduceResponse)
	if len(resp.Responses) != 1 || len(resp.Responses[0].PartitionResponses) != 1 {
		rc.t.Fatalf("produce response shape: %+v", resp)
	}
	return resp.Responses[0].PartitionResponses[0]
}

// fetch fetches one partition from offset at version v with no waiting.
func (rc *rawClient) fetch(v int16, topic string, partition int32, offset int64, maxBytes int32) wire.FetchResponsePartition {
	rc.t.Helper()
	var id [16]byte
	if v >= 13 {
		id = rc.topicID(topic)
	}
	req := &wire.FetchRequest{ReplicaID: -1, MaxWaitMs: 0, MinBytes: 0, MaxBytes: 1 << 30, SessionEpoch: -1,
		Topics: []wire.FetchRequestTopic{{Topic: topic, TopicID: id, Partitions: []wire.FetchRequestPartition{{
			Partition: partition, CurrentLeaderEpoch: -1, FetchOffset: offset, LastFetchedEpoch: -1,
			LogStartOffset: -1, PartitionMaxBytes: maxBytes}}}}}
	resp := rc.do(req, v).(*wire.FetchResponse)
	if len(resp.Responses) != 1 || len(resp.Responses[0].Partitions) != 1 {
		rc.t.Fatalf("fetch response shape: %+v", resp)
	}
	return resp.Responses[0].Partitions[0]
}

func str(s string) *string { return &s }

// topicID looks the topic's id up with a Metadata request (v12), as a client
// does before Fetch v13+.
func (rc *rawClient) topicID(topic string) [16]byte {
	rc.t.Helper()
	md := rc.do(&wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{{Name: &topic}}}, 12).(*wire.MetadataResponse)
	return md.Topics[0].TopicID
}
