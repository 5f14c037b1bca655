package kafkatest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/kafka/wire"
)

func decodeFetched(t *testing.T, records []byte) []wire.Record {
	t.Helper()
	bs, err := wire.DecodeRecordBatches(records, wire.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []wire.Record
	for _, b := range bs {
		out = append(out, b.Records...)
	}
	return out
}

func TestFetchReadsBackWhatWasProduced(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	for range 3 {
		rc.produce(9, "t", 0, makeBatch(t, 4, plain()))
	}
	for _, v := range []int16{4, 11, 12, 15} {
		fp := rc.fetch(v, "t", 0, 0, 1<<20)
		if fp.ErrorCode != 0 || fp.HighWatermark != 12 || fp.LastStableOffset != 12 {
			t.Fatalf("v%d: %+v", v, fp)
		}
		recs := decodeFetched(t, fp.Records)
		if len(recs) != 12 || recs[11].Offset != 11 || string(recs[5].Value) != "v1" {
			t.Fatalf("v%d: %d records", v, len(recs))
		}
	}
	// From the middle of a batch the whole batch comes back.
	recs := decodeFetched(t, rc.fetch(12, "t", 0, 6, 1<<20).Records)
	if len(recs) != 8 || recs[0].Offset != 4 {
		t.Fatalf("fetch from 6: %d records from %d", len(recs), recs[0].Offset)
	}
	// At the end: nothing, no error.
	if fp := rc.fetch(12, "t", 0, 12, 1<<20); fp.ErrorCode != 0 || len(fp.Records) != 0 {
		t.Fatalf("fetch at end: %+v", fp)
	}
	if fp := rc.fetch(12, "t", 0, 13, 1<<20); fp.ErrorCode != 1 {
		t.Fatalf("fetch past end: error %d, want OFFSET_OUT_OF_RANGE", fp.ErrorCode)
	}
	if fp := rc.fetch(12, "nope", 0, 0, 1<<20); fp.ErrorCode != 3 {
		t.Fatalf("unknown topic: error %d", fp.ErrorCode)
	}
}

func TestFetchMaxBytes(t *testing.T) {
	c := New(t, Topic("t", 2))
	rc := dial(t, c.Addrs()[0])
	one := makeBatch(t, 4, plain())
	for range 3 {
		rc.produce(9, "t", 0, one)
		rc.produce(9, "t", 1, one)
	}
	n := int32(len(one))
	if recs := decodeFetched(t, rc.fetch(12, "t", 0, 0, 2*n).Records); len(recs) != 8 {
		t.Errorf("partition max of two batches: %d records", len(recs))
	}
	// A first batch larger than the limit is still returned (KIP-74).
	if recs := decodeFetched(t, rc.fetch(12, "t", 0, 0, 1).Records); len(recs) != 4 {
		t.Errorf("partition max below one batch: %d records", len(recs))
	}
	// The response limit: the second partition gets nothing once the first
	// used it up.
	req := &wire.FetchRequest{ReplicaID: -1, MaxBytes: n + 1, SessionEpoch: -1, Topics: []wire.FetchRequestTopic{{Topic: "t",
		Partitions: []wire.FetchRequestPartition{
			{Partition: 0, CurrentLeaderEpoch: -1, PartitionMaxBytes: 1 << 20, LogStartOffset: -1, LastFetchedEpoch: -1},
			{Partition: 1, CurrentLeaderEpoch: -1, PartitionMaxBytes: 1 << 20, LogStartOffset: -1, LastFetchedEpoch: -1},
		}}}}
	resp := rc.do(req, 12).(*wire.FetchResponse)
	if a, b := len(resp.Responses[0].Partitions[0].Records), len(resp.Responses[0].Partitions[1].Records); a != int(n) || b != 0 {
		t.Errorf("response max: %d and %d bytes, want %d and 0", a, b, n)
	}
}

func TestFetchWaitsForData(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	req := &wire.FetchRequest{ReplicaID: -1, MaxWaitMs: 10000, MinBytes: 1, MaxBytes: 1 << 20, SessionEpoch: -1,
		Topics: []wire.FetchRequestTopic{{Topic: "t", Partitions: []wire.FetchRequestPartition{
			{Partition: 0, CurrentLeaderEpoch: -1, PartitionMaxBytes: 1 << 20, LogStartOffset: -1, LastFetchedEpoch: -1}}}}}
	id := rc.send(req, 12)
	rc.expectSilence(50 * time.Millisecond)
	dial(t, c.Addrs()[0]).produce(9, "t", 0, makeBatch(t, 2, plain()))
	resp := rc.recv(wire.APIKeyFetch, 12, id).(*wire.FetchResponse)
	if recs := decodeFetched(t, resp.Responses[0].Partitions[0].Records); len(recs) != 2 {
		t.Fatalf("woken fetch returned %d records", len(recs))
	}
	// With a short MaxWaitMs an empty fetch returns empty.
	req.MaxWaitMs = 20
	req.Topics[0].Partitions[0].FetchOffset = 2
	resp = rc.do(req, 12).(*wire.FetchResponse)
	if fp := resp.Responses[0].Partitions[0]; fp.ErrorCode != 0 || len(fp.Records) != 0 || fp.HighWatermark != 2 {
		t.Fatalf("empty fetch: %+v", fp)
	}
}

func TestFetchByTopicIDAndSessions(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	rc.produce(9, "t", 0, makeBatch(t, 3, plain()))
	md := rc.do(&wire.MetadataRequest{Topics: metaTopics("t")}, 12).(*wire.MetadataResponse)
	id := md.Topics[0].TopicID
	part := []wire.FetchRequestPartition{{Partition: 0, CurrentLeaderEpoch: 0, PartitionMaxBytes: 1 << 20, LogStartOffset: -1, LastFetchedEpoch: -1}}
	req := &wire.FetchRequest{ReplicaID: -1, MaxBytes: 1 << 20, SessionEpoch: 0, Topics: []wire.FetchRequestTopic{
		{TopicID: id, Partitions: part}, {TopicID: [16]byte{7}, Partitions: part}}}
	resp := rc.do(req, 13).(*wire.FetchResponse)
	if resp.SessionID != 0 || resp.ErrorCode != 0 {
		t.Fatalf("session %d error %d: sessions are declined", resp.SessionID, resp.ErrorCode)
	}
	if len(decodeFetched(t, resp.Responses[0].Partitions[0].Records)) != 3 || resp.Responses[0].TopicID != id {
		t.Fatalf("by id: %+v", resp.Responses[0])
	}
	if got := resp.Responses[1].Partitions[0].ErrorCode; got != 100 {
		t.Fatalf("unknown id: error %d", got)
	}
	req.SessionID, req.SessionEpoch = 5, 1
	if resp := rc.do(req, 13).(*wire.FetchResponse); resp.ErrorCode != 70 {
		t.Fatalf("incremental fetch: error %d, want FETCH_SESSION_ID_NOT_FOUND", resp.ErrorCode)
	}
}

func TestFetchLeadershipAndEpochs(t *testing.T) {
	c := New(t, NumBrokers(2), Topic("t", 1))
	if err := c.MoveLeader("t", 0, 1); err != nil {
		t.Fatal(err)
	}
	fetch := func(broker int, v int16, epoch int32) *wire.FetchResponse {
		rc := dial(t, c.Addrs()[broker])
		req := &wire.FetchRequest{ReplicaID: -1, MaxBytes: 1 << 20, SessionEpoch: -1, Topics: []wire.FetchRequestTopic{{Topic: "t",
			TopicID: rc.topicID("t"), Partitions: []wire.FetchRequestPartition{{Partition: 0, CurrentLeaderEpoch: epoch, PartitionMaxBytes: 1 << 20, LogStartOffset: -1, LastFetchedEpoch: -1}}}}}
		return rc.do(req, v).(*wire.FetchResponse)
	}
	resp := fetch(0, 16, -1)
	fp := resp.Responses[0].Partitions[0]
	if fp.ErrorCode != 6 || fp.CurrentLeader == nil || fp.CurrentLeader.LeaderID != 1 || fp.CurrentLeader.LeaderEpoch != 1 {
		t.Fatalf("old leader: %+v", fp)
	}
	h, p := splitHostPort(c.Addrs()[1])
	if diff := cmp.Diff([]wire.FetchResponseNodeEndpoint{{NodeID: 1, Host: h, Port: p}}, resp.NodeEndpoints); diff != "" {
		t.Errorf("node endpoints:\n%s", diff)
	}
	for _, tc := range []struct {
		epoch int32
		code  int16
	}{{0, 74}, {2, 75}, {1, 0}, {-1, 0}} {
		if got := fetch(1, 12, tc.epoch).Responses[0].Partitions[0].ErrorCode; got != tc.code {
			t.Errorf("current leader epoch %d: error %d, want %d", tc.epoch, got, tc.code)
		}
	}
}

func TestListOffsets(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	for i := range 3 {
		o := plain()
		o.baseTime = int64(1000 * (i + 1)) // records at 1000,1001 / 2000,2001 / 3000,3001
		rc.produce(9, "t", 0, makeBatch(t, 2, o))
	}
	list := func(v int16, ts int64) wire.ListOffsetsResponsePartition {
		req := &wire.ListOffsetsRequest{ReplicaID: -1, Topics: []wire.ListOffsetsRequestTopic{{Name: "t",
			Partitions: []wire.ListOffsetsRequestPartition{{PartitionIndex: 0, CurrentLeaderEpoch: -1, Timestamp: ts}}}}}
		return rc.do(req, v).(*wire.ListOffsetsResponse).Topics[0].Partitions[0]
	}
	for _, tc := range []struct {
		v      int16
		ts     int64
		offset int64
		time   int64
	}{
		{1, -1, 6, -1}, {1, -2, 0, -1}, {7, -1, 6, -1}, {7, -2, 0, -1}, {8, -4, 0, -1},
		{7, -3, 5, 3001},
		{4, 1500, 2, 2000}, {4, 2001, 3, 2001}, {4, 0, 0, 1000}, {4, 5000, -1, -1},
	} {
		got := list(tc.v, tc.ts)
		if got.ErrorCode != 0 || got.Offset != tc.offset || got.Timestamp != tc.time {
			t.Errorf("v%d ts %d: %+v, want offset %d ts %d", tc.v, tc.ts, got, tc.offset, tc.time)
		}
		if tc.v >= 4 && got.LeaderEpoch != 0 {
			t.Errorf("v%d: leader epoch %d", tc.v, got.LeaderEpoch)
		}
	}
	if got := list(4, -7); got.ErrorCode != 42 {
		t.Errorf("ts -7: error %d", got.ErrorCode)
	}
	req := &wire.ListOffsetsRequest{ReplicaID: -1, Topics: []wire.ListOffsetsRequestTopic{{Name: "nope",
		Partitions: []wire.ListOffsetsRequestPartition{{PartitionIndex: 0, Timestamp: -1}}}}}
	if got := rc.do(req, 5).(*wire.ListOffsetsResponse).Topics[0].Partitions[0].ErrorCode; got != 3 {
		t.Errorf("unknown topic: error %d", got)
	}
}

func TestListOffsetsNotLeaderAndFencing(t *testing.T) {
	c := New(t, NumBrokers(2), Topic("t", 2))
	rc := dial(t, c.Addrs()[0])
	req := &wire.ListOffsetsRequest{ReplicaID: -1, Topics: []wire.ListOffsetsRequestTopic{{Name: "t",
		Partitions: []wire.ListOffsetsRequestPartition{
			{PartitionIndex: 0, CurrentLeaderEpoch: -1, Timestamp: -1},
			{PartitionIndex: 1, CurrentLeaderEpoch: -1, Timestamp: -1},
		}}}}
	resp := rc.do(req, 9).(*wire.ListOffsetsResponse)
	if a, b := resp.Topics[0].Partitions[0].ErrorCode, resp.Topics[0].Partitions[1].ErrorCode; a != 0 || b != 6 {
		t.Fatalf("errors %d %d, want 0 6", a, b)
	}
	c.MoveLeader("t", 0, 0)
	req.Topics[0].Partitions = req.Topics[0].Partitions[:1]
	req.Topics[0].Partitions[0].CurrentLeaderEpoch = 0
	if got := rc.do(req, 9).(*wire.ListOffsetsResponse).Topics[0].Partitions[0].ErrorCode; got != 74 {
		t.Fatalf("stale epoch: error %d, want FENCED_LEADER_EPOCH", got)
	}
}

func TestCreateTopics(t *testing.T) {
	c := New(t, NumBrokers(3), Topic("exists", 1), DefaultPartitions(2))
	rc := dial(t, c.Addrs()[0])
	req := &wire.CreateTopicsRequest{TimeoutMs: 1000, Topics: []wire.CreateTopicsRequestTopic{
		{Name: "a", NumPartitions: 4, ReplicationFactor: 2},
		{Name: "b", NumPartitions: -1, ReplicationFactor: -1},
		{Name: "exists", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "zero", NumPartitions: 0, ReplicationFactor: 1},
		{Name: "rf", NumPartitions: 1, ReplicationFactor: 4},
		{Name: "bad/name", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "assigned", NumPartitions: -1, ReplicationFactor: -1, Assignments: []wire.CreateTopicsRequestAssignment{
			{PartitionIndex: 0, BrokerIDs: []int32{2, 0}}, {PartitionIndex: 1, BrokerIDs: []int32{1, 2}}}},
		{Name: "badassign", NumPartitions: -1, ReplicationFactor: -1, Assignments: []wire.CreateTopicsRequestAssignment{
			{PartitionIndex: 0, BrokerIDs: []int32{7}}}},
	}}
	resp := rc.do(req, 7).(*wire.CreateTopicsResponse)
	var codes []int16
	for _, tp := range resp.Topics {
		codes = append(codes, tp.ErrorCode)
	}
	if diff := cmp.Diff([]int16{0, 0, 36, 37, 38, 17, 0, 39}, codes); diff != "" {
		t.Fatalf("error codes:\n%s", diff)
	}
	if tp := resp.Topics[1]; tp.NumPartitions != 2 || tp.ReplicationFactor != 3 || tp.TopicID == ([16]byte{}) {
		t.Errorf("defaults: %+v", tp)
	}
	if c.Partitions("a") != 4 || c.Partitions("b") != 2 || c.Partitions("assigned") != 2 || c.Partitions("zero") != 0 {
		t.Errorf("topics: %v", c.Topics())
	}
	if l, _, _ := c.Leader("assigned", 0); l != 2 {
		t.Errorf("assigned partition 0 led by %d, want 2", l)
	}
	// ValidateOnly creates nothing.
	req = &wire.CreateTopicsRequest{ValidateOnly: true, Topics: []wire.CreateTopicsRequestTopic{{Name: "v", NumPartitions: 1, ReplicationFactor: 1}}}
	if resp := rc.do(req, 2).(*wire.CreateTopicsResponse); resp.Topics[0].ErrorCode != 0 || c.Partitions("v") != 0 {
		t.Errorf("validate only: %+v, partitions %d", resp.Topics[0], c.Partitions("v"))
	}
}

func TestFindCoordinator(t *testing.T) {
	c := New(t, NumBrokers(3))
	rc := dial(t, c.Addrs()[0])
	hosts := map[int32]string{}
	for i, a := range c.Addrs() {
		hosts[int32(i)] = a
	}
	v0 := rc.do(&wire.FindCoordinatorRequest{CoordinatorKey: "group-a"}, 0).(*wire.FindCoordinatorResponse)
	h, p := splitHostPort(hosts[v0.NodeID])
	if v0.ErrorCode != 0 || v0.Host != h || v0.Port != p {
		t.Fatalf("v0: %+v", v0)
	}
	v4 := rc.do(&wire.FindCoordinatorRequest{KeyType: 1, CoordinatorKeys: []string{"group-a", "tx", ""}}, 4).(*wire.FindCoordinatorResponse)
	if len(v4.Coordinators) != 3 || v4.Coordinators[0].NodeID != v0.NodeID || v4.Coordinators[1].ErrorCode != 0 || v4.Coordinators[2].ErrorCode != 42 {
		t.Fatalf("v4: %+v", v4.Coordinators)
	}
	if r := rc.do(&wire.FindCoordinatorRequest{KeyType: 9, CoordinatorKey: "g"}, 3).(*wire.FindCoordinatorResponse); r.ErrorCode != 42 {
		t.Fatalf("key type 9: error %d", r.ErrorCode)
	}
}
