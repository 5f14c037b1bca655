package kafkatest

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/kafka/wire"
)

func TestProduceStoresAndAssignsOffsets(t *testing.T) {
	c := New(t, Topic("t", 2))
	rc := dial(t, c.Addrs()[0])
	for i, v := range []int16{3, 7, 9, 12} {
		pr := rc.produce(v, "t", 0, makeBatch(t, 3, plain()))
		want := wire.ProduceResponsePartition{Index: 0, BaseOffset: int64(3 * i), LogAppendTimeMs: -1, LogStartOffset: 0}
		if v < 5 {
			want.LogStartOffset = -1 // absent before v5: decoded as the default
		}
		if diff := cmp.Diff(want, pr); diff != "" {
			t.Fatalf("v%d:\n%s", v, diff)
		}
	}
	recs, err := c.Records("t", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 12 {
		t.Fatalf("%d records stored, want 12", len(recs))
	}
	for i, r := range recs {
		if r.Offset != int64(i) || string(r.Value) != "v"+itoa(i%3) || string(r.Key) != "k"+itoa(i%3) {
			t.Fatalf("record %d: %+v", i, r)
		}
		if r.ProducerID != -1 || r.Sequence != -1 {
			t.Fatalf("record %d has producer state %d/%d", i, r.ProducerID, r.Sequence)
		}
		if r.Timestamp.UnixMilli() != 1700000000000+int64(i%3) {
			t.Fatalf("record %d timestamp %v", i, r.Timestamp)
		}
	}
	if hw, _ := c.HighWatermark("t", 0); hw != 12 {
		t.Errorf("high watermark %d, want 12", hw)
	}
	if hw, _ := c.HighWatermark("t", 1); hw != 0 {
		t.Errorf("partition 1 high watermark %d, want 0", hw)
	}
	bs, err := c.Batches("t", 0)
	if err != nil || len(bs) != 4 || bs[2].BaseOffset != 6 || bs[2].PartitionLeaderEpoch != 0 {
		t.Fatalf("batches: %v %+v", err, bs)
	}
}

func TestProduceHeaders(t *testing.T) {
	c := New(t, Topic("t", 1))
	var b wire.BatchBuilder
	hdrs := []wire.RecordHeader{{Key: "h1", Value: []byte("x")}, {Key: "h2", Value: nil}}
	b.Append(42, nil, []byte("val"), hdrs)
	b.Append(43, []byte("key"), nil, nil)
	raw, err := b.Build(nil, wire.BatchParams{Codec: wire.CodecLZ4})
	if err != nil {
		t.Fatal(err)
	}
	if pr := dial(t, c.Addrs()[0]).produce(9, "t", 0, raw); pr.ErrorCode != 0 {
		t.Fatalf("error %d", pr.ErrorCode)
	}
	recs, _ := c.Records("t", 0)
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if recs[0].Key != nil || string(recs[0].Value) != "val" || recs[0].Timestamp.UnixMilli() != 42 {
		t.Errorf("record 0: %+v", recs[0])
	}
	if diff := cmp.Diff(hdrs, recs[0].Headers); diff != "" {
		t.Errorf("headers:\n%s", diff)
	}
	if string(recs[1].Key) != "key" || recs[1].Value != nil {
		t.Errorf("record 1 (tombstone): %+v", recs[1])
	}
}

func TestProduceCodecs(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	for _, codec := range []wire.Codec{wire.CodecNone, wire.CodecGzip, wire.CodecSnappy, wire.CodecLZ4, wire.CodecZstd} {
		o := plain()
		o.codec = codec
		if pr := rc.produce(9, "t", 0, makeBatch(t, 5, o)); pr.ErrorCode != 0 {
			t.Fatalf("%v: error %d", codec, pr.ErrorCode)
		}
	}
	bs, _ := c.Batches("t", 0)
	for i, b := range bs {
		if b.Codec() != wire.Codec(i) || len(b.Records) != 5 {
			t.Errorf("batch %d: codec %v, %d records", i, b.Codec(), len(b.Records))
		}
	}
}

func TestProduceValidation(t *testing.T) {
	c := New(t, Topic("t", 1), MaxMessageBytes(500))
	rc := dial(t, c.Addrs()[0])
	good := makeBatch(t, 2, plain())

	badCRC := append([]byte(nil), good...)
	badCRC[len(badCRC)-1] ^= 0xff
	magic1 := append([]byte(nil), good...)
	magic1[16] = 1
	zstd := func() []byte { o := plain(); o.codec = wire.CodecZstd; return makeBatch(t, 2, o) }()
	short := append([]byte(nil), good...)
	binary.BigEndian.PutUint32(short[8:], uint32(len(good))) // claims more than there is
	control := append([]byte(nil), good...)
	control[22] |= 0x20
	binary.BigEndian.PutUint32(control[17:], wire.CRC32C(control[21:]))
	noSeq := append([]byte(nil), good...)
	binary.BigEndian.PutUint64(noSeq[43:], 7) // producer id without a sequence
	binary.BigEndian.PutUint32(noSeq[17:], wire.CRC32C(noSeq[21:]))
	big := make([]byte, 600)
	for i := range big {
		big[i] = byte(i)
	}
	var bb wire.BatchBuilder
	bb.Append(0, nil, big, nil)
	tooLarge, _ := bb.Build(nil, wire.BatchParams{})

	for _, tc := range []struct {
		name    string
		v       int16
		records []byte
		code    int16
	}{
		{"crc", 9, badCRC, 2},
		{"magic 1", 9, magic1, 87},
		{"two batches", 9, append(append([]byte(nil), good...), good...), 87},
		{"empty", 9, []byte{}, 87},
		{"null", 9, nil, 87},
		{"length beyond data", 9, short, 2},
		{"zstd before v7", 6, zstd, 76},
		{"control batch", 9, control, 87},
		{"producer id without sequence", 9, noSeq, 87},
		{"message.max.bytes", 9, tooLarge, 10},
	} {
		pr := rc.produce(tc.v, "t", 0, tc.records)
		if pr.ErrorCode != tc.code || pr.BaseOffset != -1 {
			t.Errorf("%s: error %d offset %d, want error %d offset -1", tc.name, pr.ErrorCode, pr.BaseOffset, tc.code)
		}
		if tc.v >= 8 && pr.ErrorMessage == nil {
			t.Errorf("%s: no error message at v%d", tc.name, tc.v)
		}
	}
	if recs, _ := c.Records("t", 0); len(recs) != 0 {
		t.Fatalf("%d records stored from invalid batches", len(recs))
	}
	if pr := rc.produce(7, "t", 0, zstd); pr.ErrorCode != 0 {
		t.Errorf("zstd at v7: error %d", pr.ErrorCode)
	}
}

func TestProduceUnknownTopicAndPartition(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	if pr := rc.produce(9, "nope", 0, makeBatch(t, 1, plain())); pr.ErrorCode != 3 {
		t.Errorf("unknown topic: error %d, want 3", pr.ErrorCode)
	}
	if pr := rc.produce(9, "t", 1, makeBatch(t, 1, plain())); pr.ErrorCode != 3 {
		t.Errorf("unknown partition: error %d, want 3", pr.ErrorCode)
	}
	if c.Partitions("nope") != 0 {
		t.Error("Produce auto-created a topic")
	}
}

func TestProduceByTopicID(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	md := rc.do(&wire.MetadataRequest{Topics: metaTopics("t")}, 12).(*wire.MetadataResponse)
	id := md.Topics[0].TopicID
	req := &wire.ProduceRequest{Acks: -1, TimeoutMs: 1000, TopicData: []wire.ProduceRequestTopic{
		{TopicID: id, PartitionData: []wire.ProduceRequestPartition{{Index: 0, Records: makeBatch(t, 2, plain())}}},
		{TopicID: [16]byte{9}, PartitionData: []wire.ProduceRequestPartition{{Index: 0, Records: makeBatch(t, 2, plain())}}},
	}}
	resp := rc.do(req, 13).(*wire.ProduceResponse)
	if resp.Responses[0].TopicID != id || resp.Responses[0].PartitionResponses[0].ErrorCode != 0 {
		t.Errorf("known id: %+v", resp.Responses[0])
	}
	if got := resp.Responses[1].PartitionResponses[0].ErrorCode; got != 100 {
		t.Errorf("unknown id: error %d, want UNKNOWN_TOPIC_ID (100)", got)
	}
}

func TestProduceMultiPartitionIndependent(t *testing.T) {
	c := New(t, Topic("a", 2), Topic("b", 1))
	rc := dial(t, c.Addrs()[0])
	bad := makeBatch(t, 1, plain())
	bad[len(bad)-1] ^= 1
	req := &wire.ProduceRequest{Acks: 1, TimeoutMs: 1000, TopicData: []wire.ProduceRequestTopic{
		{Name: "a", PartitionData: []wire.ProduceRequestPartition{
			{Index: 0, Records: makeBatch(t, 2, plain())}, {Index: 1, Records: bad}}},
		{Name: "b", PartitionData: []wire.ProduceRequestPartition{{Index: 0, Records: makeBatch(t, 3, plain())}}},
	}}
	resp := rc.do(req, 11).(*wire.ProduceResponse)
	got := []int16{resp.Responses[0].PartitionResponses[0].ErrorCode, resp.Responses[0].PartitionResponses[1].ErrorCode,
		resp.Responses[1].PartitionResponses[0].ErrorCode}
	if diff := cmp.Diff([]int16{0, 2, 0}, got); diff != "" {
		t.Fatal(diff)
	}
	if hw, _ := c.HighWatermark("b", 0); hw != 3 {
		t.Errorf("b/0 high watermark %d", hw)
	}
}

func TestProduceAcksZero(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	rc.send(produceReq("t", 0, 0, makeBatch(t, 2, plain())), 9)
	// No response: the next response on the connection is the next request's.
	id := rc.send(&wire.ApiVersionsRequest{}, 0)
	rc.recv(wire.APIKeyApiVersions, 0, id)
	if hw, _ := c.HighWatermark("t", 0); hw != 2 {
		t.Fatalf("acks=0 batch not stored: high watermark %d", hw)
	}
	// A failed acks=0 produce closes the connection, as Kafka does.
	rc.send(produceReq("nope", 0, 0, makeBatch(t, 2, plain())), 9)
	rc.expectClosed()
}

func TestProduceInvalidAcks(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	resp := rc.do(produceReq("t", 0, 2, makeBatch(t, 1, plain())), 9).(*wire.ProduceResponse)
	if got := resp.Responses[0].PartitionResponses[0].ErrorCode; got != 21 {
		t.Fatalf("acks=2: error %d, want INVALID_REQUIRED_ACKS (21)", got)
	}
}

func TestProduceNotLeader(t *testing.T) {
	c := New(t, NumBrokers(2), Topic("t", 1)) // partition 0 on broker 0
	rc := dial(t, c.Addrs()[1])
	h, p := splitHostPort(c.Addrs()[0])

	resp := rc.do(produceReq("t", 0, -1, makeBatch(t, 1, plain())), 10).(*wire.ProduceResponse)
	pr := resp.Responses[0].PartitionResponses[0]
	if pr.ErrorCode != 6 {
		t.Fatalf("error %d, want NOT_LEADER_OR_FOLLOWER", pr.ErrorCode)
	}
	if diff := cmp.Diff(&wire.ProduceResponseCurrentLeader{LeaderID: 0, LeaderEpoch: 0}, pr.CurrentLeader); diff != "" {
		t.Errorf("current leader:\n%s", diff)
	}
	want := []wire.ProduceResponseNodeEndpoint{{NodeID: 0, Host: h, Port: p}}
	if diff := cmp.Diff(want, resp.NodeEndpoints); diff != "" {
		t.Errorf("node endpoints:\n%s", diff)
	}
	// Before v10 there is no hint.
	resp = rc.do(produceReq("t", 0, -1, makeBatch(t, 1, plain())), 9).(*wire.ProduceResponse)
	if pr := resp.Responses[0].PartitionResponses[0]; pr.ErrorCode != 6 || pr.CurrentLeader != nil || resp.NodeEndpoints != nil {
		t.Errorf("v9: %+v %+v", pr, resp.NodeEndpoints)
	}
	if hw, _ := c.HighWatermark("t", 0); hw != 0 {
		t.Fatal("a follower stored a batch")
	}
}

func TestProduceLargeBatchRoundTrip(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	big := make([]byte, 900<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	var b wire.BatchBuilder
	b.Append(1, []byte("k"), big, nil)
	raw, err := b.Build(nil, wire.BatchParams{})
	if err != nil {
		t.Fatal(err)
	}
	if pr := rc.produce(9, "t", 0, raw); pr.ErrorCode != 0 {
		t.Fatalf("error %d", pr.ErrorCode)
	}
	recs := decodeFetched(t, rc.fetch(12, "t", 0, 0, 1<<20).Records)
	if len(recs) != 1 || string(recs[0].Value) != string(big) {
		t.Fatalf("fetched %d records", len(recs))
	}
}
