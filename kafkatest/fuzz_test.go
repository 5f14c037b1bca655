package kafkatest

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

func withMaxFetchWait(d time.Duration) Option {
	return func(c *config) error { c.maxFetchWait = d; return nil }
}

// seedFrames returns valid request frames (without the size prefix) for
// every API at a few versions, as the fuzzer's starting points.
func seedFrames(tb testing.TB) [][]byte {
	batch := makeBatch(tb, 2, idem(1, 0, 0))
	topic := "t"
	reqs := []struct {
		req wire.Request
		vs  []int16
	}{
		{&wire.ApiVersionsRequest{ClientSoftwareName: "a", ClientSoftwareVersion: "1"}, []int16{0, 3, 4, 9}},
		{&wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{{Name: &topic}}, AllowAutoTopicCreation: true}, []int16{0, 4, 9, 12, 13}},
		{produceReq("t", 0, -1, batch), []int16{3, 7, 9, 10, 12}},
		{produceReq("t", 0, 0, batch), []int16{9}},
		{&wire.ProduceRequest{Acks: 1, TopicData: []wire.ProduceRequestTopic{{PartitionData: []wire.ProduceRequestPartition{{Records: batch}}}}}, []int16{13}},
		{&wire.FetchRequest{MaxWaitMs: 500, MinBytes: 1, MaxBytes: 1 << 20, SessionEpoch: -1, Topics: []wire.FetchRequestTopic{{Topic: "t",
			Partitions: []wire.FetchRequestPartition{{PartitionMaxBytes: 1 << 20, CurrentLeaderEpoch: -1}}}}}, []int16{4, 11, 12, 13, 17}},
		{&wire.ListOffsetsRequest{ReplicaID: -1, Topics: []wire.ListOffsetsRequestTopic{{Name: "t",
			Partitions: []wire.ListOffsetsRequestPartition{{Timestamp: -3}}}}}, []int16{1, 4, 7, 10}},
		{&wire.CreateTopicsRequest{Topics: []wire.CreateTopicsRequestTopic{{Name: "new", NumPartitions: 2, ReplicationFactor: 1}}}, []int16{2, 5, 7}},
		{&wire.FindCoordinatorRequest{CoordinatorKey: "g", CoordinatorKeys: []string{"g"}}, []int16{0, 3, 4, 6}},
		{&wire.InitProducerIdRequest{TransactionTimeoutMs: 1000, ProducerID: -1, ProducerEpoch: -1}, []int16{0, 2, 5}},
	}
	var out [][]byte
	for _, r := range reqs {
		for _, v := range r.vs {
			f := wire.AppendRequest(nil, r.req, v, 7, &topic)
			out = append(out, f[4:])
		}
	}
	return out
}

// FuzzRequestFrame feeds arbitrary request frames to a broker's request
// path. Garbage must never crash the cluster, and every response it does
// send must decode as the response to that request.
func FuzzRequestFrame(f *testing.F) {
	for _, s := range seedFrames(f) {
		f.Add(s)
	}
	c, err := NewCluster(NumBrokers(2), Topic("t", 2), withMaxFetchWait(0))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	cn := newConn(c.brokers[0], nil)
	f.Fuzz(func(t *testing.T, frame []byte) {
		// Start each input from the same state, so inputs that create
		// thousands of partitions do not slow down every later one.
		c.mu.Lock()
		c.topics, c.topicsByID, c.txns, c.faults = map[string]*topic{}, map[[16]byte]*topic{}, map[string]*txnProducer{}, faultState{}
		c.createTopicLocked("t", 2)
		c.mu.Unlock()
		out, act := cn.handle(frame)
		if act != actRespond {
			return
		}
		key := int16(binary.BigEndian.Uint16(frame))
		version := int16(binary.BigEndian.Uint16(frame[2:]))
		if lo, hi, _ := versions(key); version < lo || version > hi {
			version = 0 // the ApiVersions UNSUPPORTED_VERSION answer
		}
		if int(binary.BigEndian.Uint32(out)) != len(out)-4 {
			t.Fatalf("frame size %d for %d bytes", binary.BigEndian.Uint32(out), len(out)-4)
		}
		r := wire.NewReader(out[4:])
		corr := wire.ReadResponseHeader(r, key, version)
		if corr != int32(binary.BigEndian.Uint32(frame[4:])) {
			t.Fatalf("correlation id %d", corr)
		}
		resp := wire.NewResponse(key)
		resp.DecodeFrom(r, version)
		if err := r.Complete(); err != nil {
			t.Fatalf("%s v%d response does not decode: %v", wire.APIName(key), version, err)
		}
	})
}

func TestSeedFramesAreAnswered(t *testing.T) {
	c := New(t, NumBrokers(2), Topic("t", 2), withMaxFetchWait(0))
	cn := newConn(c.brokers[0], nil)
	silent := 0
	for i, s := range seedFrames(t) {
		_, act := cn.handle(s)
		switch act {
		case actClose:
			t.Errorf("seed %d (key %d v%d) closed the connection", i, binary.BigEndian.Uint16(s), binary.BigEndian.Uint16(s[2:]))
		case actSilent:
			silent++
		}
	}
	if silent != 1 {
		t.Errorf("%d silent answers, want 1 (the acks=0 produce)", silent)
	}
}
