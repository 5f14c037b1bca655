package kafkatest

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/gregorkafka/gregor/kafka/wire"
)

func metaTopics(names ...string) []wire.MetadataRequestTopic {
	out := []wire.MetadataRequestTopic{}
	for _, n := range names {
		out = append(out, wire.MetadataRequestTopic{Name: str(n)})
	}
	return out
}

func TestMetadataBrokersAndPartitions(t *testing.T) {
	c := New(t, NumBrokers(3), Topic("orders", 4), AutoCreateTopics(false))
	rc := dial(t, c.Addrs()[1])
	for _, v := range []int16{1, 7, 9, 12, 13} {
		resp := rc.do(&wire.MetadataRequest{Topics: metaTopics("orders")}, v).(*wire.MetadataResponse)
		var brokers []wire.MetadataResponseBroker
		for i, a := range c.Addrs() {
			h, p := splitHostPort(a)
			brokers = append(brokers, wire.MetadataResponseBroker{NodeID: int32(i), Host: h, Port: p})
		}
		if diff := cmp.Diff(brokers, resp.Brokers); diff != "" {
			t.Fatalf("v%d brokers:\n%s", v, diff)
		}
		if len(resp.Topics) != 1 {
			t.Fatalf("v%d: %d topics", v, len(resp.Topics))
		}
		tp := resp.Topics[0]
		if tp.ErrorCode != 0 || *tp.Name != "orders" || len(tp.Partitions) != 4 {
			t.Fatalf("v%d topic: %+v", v, tp)
		}
		if v >= 10 && tp.TopicID == ([16]byte{}) {
			t.Errorf("v%d: zero topic id", v)
		}
		wantEpoch := int32(0)
		if v < 7 {
			wantEpoch = -1 // not on the wire before v7: decoded as the default
		}
		want := wire.MetadataResponsePartition{PartitionIndex: 1, LeaderID: 1, LeaderEpoch: wantEpoch,
			ReplicaNodes: []int32{1, 2, 0}, IsrNodes: []int32{1, 2, 0}}
		if v >= 5 {
			want.OfflineReplicas = []int32{}
		}
		if diff := cmp.Diff(want, tp.Partitions[1], cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("v%d partition 1:\n%s", v, diff)
		}
		if v >= 2 && (resp.ClusterID == nil || *resp.ClusterID != "kafkatest-cluster") {
			t.Errorf("v%d cluster id %v", v, resp.ClusterID)
		}
	}
}

func TestMetadataUnknownTopic(t *testing.T) {
	c := New(t, AutoCreateTopics(false))
	rc := dial(t, c.Addrs()[0])
	resp := rc.do(&wire.MetadataRequest{Topics: metaTopics("nope"), AllowAutoTopicCreation: true}, 12).(*wire.MetadataResponse)
	want := []wire.MetadataResponseTopic{{ErrorCode: 3, Name: str("nope"), TopicAuthorizedOperations: math.MinInt32}}
	if diff := cmp.Diff(want, resp.Topics, cmpopts.EquateEmpty()); diff != "" {
		t.Fatal(diff)
	}
	if len(c.Topics()) != 0 {
		t.Fatalf("topic created with auto-creation off: %v", c.Topics())
	}
}

func TestMetadataAutoCreate(t *testing.T) {
	c := New(t, DefaultPartitions(3))
	rc := dial(t, c.Addrs()[0])
	// v4+ honours AllowAutoTopicCreation=false.
	resp := rc.do(&wire.MetadataRequest{Topics: metaTopics("a"), AllowAutoTopicCreation: false}, 9).(*wire.MetadataResponse)
	if resp.Topics[0].ErrorCode != 3 {
		t.Fatalf("no-create request: error %d, want 3", resp.Topics[0].ErrorCode)
	}
	resp = rc.do(&wire.MetadataRequest{Topics: metaTopics("a"), AllowAutoTopicCreation: true}, 9).(*wire.MetadataResponse)
	if tp := resp.Topics[0]; tp.ErrorCode != 0 || len(tp.Partitions) != 3 {
		t.Fatalf("auto-created topic: %+v", tp)
	}
	// v1-3 always allow creation.
	resp = rc.do(&wire.MetadataRequest{Topics: metaTopics("b")}, 1).(*wire.MetadataResponse)
	if resp.Topics[0].ErrorCode != 0 || c.Partitions("b") != 3 {
		t.Fatalf("v1 auto-create: %+v", resp.Topics[0])
	}
	// Invalid names are not created.
	resp = rc.do(&wire.MetadataRequest{Topics: metaTopics("bad/name"), AllowAutoTopicCreation: true}, 9).(*wire.MetadataResponse)
	if resp.Topics[0].ErrorCode != 17 {
		t.Fatalf("invalid name: error %d, want INVALID_TOPIC_EXCEPTION (17)", resp.Topics[0].ErrorCode)
	}
}

func TestMetadataAllTopicsAndNone(t *testing.T) {
	c := New(t, Topic("b", 1), Topic("a", 2))
	rc := dial(t, c.Addrs()[0])
	names := func(resp *wire.MetadataResponse) []string {
		var out []string
		for _, tp := range resp.Topics {
			out = append(out, *tp.Name)
		}
		return out
	}
	all := rc.do(&wire.MetadataRequest{Topics: nil}, 12).(*wire.MetadataResponse)
	if diff := cmp.Diff([]string{"a", "b"}, names(all)); diff != "" {
		t.Error(diff)
	}
	v0 := rc.do(&wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{}}, 0).(*wire.MetadataResponse)
	if diff := cmp.Diff([]string{"a", "b"}, names(v0)); diff != "" {
		t.Errorf("v0 empty list means all:\n%s", diff)
	}
	none := rc.do(&wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{}}, 12).(*wire.MetadataResponse)
	if len(none.Topics) != 0 || len(none.Brokers) != 1 {
		t.Errorf("empty list: %d topics, %d brokers", len(none.Topics), len(none.Brokers))
	}
}

func TestMetadataByTopicID(t *testing.T) {
	c := New(t, Topic("a", 2))
	rc := dial(t, c.Addrs()[0])
	byName := rc.do(&wire.MetadataRequest{Topics: metaTopics("a")}, 12).(*wire.MetadataResponse)
	id := byName.Topics[0].TopicID
	byID := rc.do(&wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{{TopicID: id}}}, 12).(*wire.MetadataResponse)
	if tp := byID.Topics[0]; tp.ErrorCode != 0 || tp.Name == nil || *tp.Name != "a" || tp.TopicID != id {
		t.Fatalf("by id: %+v", tp)
	}
	unknown := rc.do(&wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{{TopicID: [16]byte{1}}}}, 12).(*wire.MetadataResponse)
	if tp := unknown.Topics[0]; tp.ErrorCode != 100 || tp.Name != nil {
		t.Fatalf("unknown id: %+v", tp)
	}
}
