package kafkatest

import (
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/kafka/wire"
)

func TestNewClusterAddrsAndClose(t *testing.T) {
	c, err := NewCluster(NumBrokers(3), Topic("a", 4))
	if err != nil {
		t.Fatal(err)
	}
	addrs := c.Addrs()
	if len(addrs) != 3 {
		t.Fatalf("Addrs() = %v, want 3", addrs)
	}
	for _, a := range addrs {
		rc := dial(t, a)
		rc.do(&wire.ApiVersionsRequest{}, 0)
	}
	// An idle open connection must not keep Close waiting.
	idle := dial(t, addrs[1])
	_ = idle
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addrs[0], time.Second); err == nil {
		t.Fatal("listener still accepting after Close")
	}
}

func TestOptionsValidate(t *testing.T) {
	for name, opt := range map[string]Option{
		"brokers":    NumBrokers(0),
		"topic":      Topic("", 1),
		"topicChars": Topic("a/b", 1),
		"partitions": Topic("a", 0),
		"default":    DefaultPartitions(0),
		"maxMessage": MaxMessageBytes(0),
		"maxRequest": MaxRequestBytes(1),
	} {
		if c, err := NewCluster(opt); err == nil {
			c.Close()
			t.Errorf("%s: NewCluster succeeded, want an error", name)
		}
	}
}

func TestPartitionLayout(t *testing.T) {
	c := New(t, NumBrokers(3), Topic("t", 5))
	for p := int32(0); p < 5; p++ {
		leader, epoch, err := c.Leader("t", p)
		if err != nil {
			t.Fatal(err)
		}
		if leader != p%3 || epoch != 0 {
			t.Errorf("partition %d: leader %d epoch %d, want %d 0", p, leader, epoch, p%3)
		}
	}
	if _, _, err := c.Leader("t", 5); err == nil {
		t.Error("Leader of a missing partition succeeded")
	}
	if diff := cmp.Diff([]string{"t"}, c.Topics()); diff != "" {
		t.Error(diff)
	}
	if err := c.CreateTopic("t", 1); err == nil {
		t.Error("CreateTopic of an existing topic succeeded")
	}
	if err := c.CreateTopic("u", 2); err != nil || c.Partitions("u") != 2 {
		t.Errorf("CreateTopic: %v, partitions %d", err, c.Partitions("u"))
	}
}

func TestAPIVersions(t *testing.T) {
	c := New(t)
	rc := dial(t, c.Addrs()[0])
	for v := int16(0); v <= 4; v++ {
		req := &wire.ApiVersionsRequest{ClientSoftwareName: "gregor", ClientSoftwareVersion: "0.1.0"}
		resp := rc.do(req, v).(*wire.ApiVersionsResponse)
		if resp.ErrorCode != 0 {
			t.Fatalf("v%d: error %d", v, resp.ErrorCode)
		}
		got := map[int16][2]int16{}
		for _, k := range resp.APIKeys {
			got[k.APIKey] = [2]int16{k.MinVersion, k.MaxVersion}
		}
		want := map[int16][2]int16{
			wire.APIKeyProduce: {3, 13}, wire.APIKeyFetch: {4, 17}, wire.APIKeyListOffsets: {1, 10},
			wire.APIKeyMetadata: {0, 13}, wire.APIKeyFindCoordinator: {0, 6}, wire.APIKeyApiVersions: {0, 4},
			wire.APIKeyCreateTopics: {2, 7}, wire.APIKeyInitProducerId: {0, 5},
			wire.APIKeySaslHandshake: {1, 1}, wire.APIKeySaslAuthenticate: {0, 2},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("v%d advertised versions (-want +got):\n%s", v, diff)
		}
	}
}

func TestAPIVersionsUnsupportedVersion(t *testing.T) {
	c := New(t)
	rc := dial(t, c.Addrs()[0])
	// A v7 request from a future client: the body is unknown to us, the
	// header is v2 (ApiVersions is flexible from v3). Kafka answers with a
	// v0 response (header v0) carrying UNSUPPORTED_VERSION and its range.
	id := rc.send(&wire.ApiVersionsRequest{ClientSoftwareName: "x", ClientSoftwareVersion: "1"}, 7)
	resp := rc.recv(wire.APIKeyApiVersions, 0, id).(*wire.ApiVersionsResponse)
	want := &wire.ApiVersionsResponse{
		ErrorCode:              35,
		APIKeys:                []wire.ApiVersionsResponseAPIKey{{APIKey: 18, MinVersion: 0, MaxVersion: 4}},
		FinalizedFeaturesEpoch: -1,
	}
	if diff := cmp.Diff(want, resp); diff != "" {
		t.Fatal(diff)
	}
	// The connection stays usable.
	if r := rc.do(&wire.ApiVersionsRequest{}, 0).(*wire.ApiVersionsResponse); r.ErrorCode != 0 {
		t.Fatalf("retry at v0: error %d", r.ErrorCode)
	}
}

func TestAPIVersionsInvalidSoftwareName(t *testing.T) {
	c := New(t)
	rc := dial(t, c.Addrs()[0])
	resp := rc.do(&wire.ApiVersionsRequest{ClientSoftwareName: "bad name!", ClientSoftwareVersion: "1"}, 3).(*wire.ApiVersionsResponse)
	if resp.ErrorCode != 42 {
		t.Fatalf("error %d, want INVALID_REQUEST (42)", resp.ErrorCode)
	}
}

func TestUnsupportedRequestsCloseTheConnection(t *testing.T) {
	c := New(t)
	for name, frame := range map[string][]byte{
		// key 57 (UpdateFeatures) is not implemented.
		"unknown key": {0, 0, 0, 10, 0, 57, 0, 0, 0, 0, 0, 1, 0xff, 0xff},
		// Metadata v14 does not exist.
		"unknown version": {0, 0, 0, 10, 0, 3, 0, 14, 0, 0, 0, 1, 0xff, 0xff},
		// Produce v2 was removed by KIP-896.
		"removed version":  {0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff},
		"truncated header": {0, 0, 0, 3, 0, 3, 0},
		"negative size":    {0xff, 0xff, 0xff, 0xff},
		"oversized":        {0x7f, 0, 0, 0},
		// Metadata v1 with a topic count it does not carry.
		"truncated body": {0, 0, 0, 14, 0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 9},
	} {
		t.Run(name, func(t *testing.T) {
			rc := dial(t, c.Addrs()[0])
			rc.writeRaw(frame)
			rc.expectClosed()
		})
	}
	// The cluster still serves.
	dial(t, c.Addrs()[0]).do(&wire.ApiVersionsRequest{}, 0)
}

func TestMaxRequestBytes(t *testing.T) {
	c := New(t, MaxRequestBytes(100))
	rc := dial(t, c.Addrs()[0])
	rc.do(&wire.ApiVersionsRequest{}, 0)
	rc.send(produceReq("t", 0, -1, make([]byte, 200)), 9)
	rc.expectClosed()
}

func TestRequestCount(t *testing.T) {
	c := New(t)
	rc := dial(t, c.Addrs()[0])
	for range 3 {
		rc.do(&wire.ApiVersionsRequest{}, 0)
	}
	rc.do(&wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{}}, 1)
	if got := c.RequestCount(wire.APIKeyApiVersions); got != 3 {
		t.Errorf("ApiVersions count %d, want 3", got)
	}
	if got := c.RequestCount(wire.APIKeyMetadata); got != 1 {
		t.Errorf("Metadata count %d, want 1", got)
	}
	if got := c.RequestCount(wire.APIKeyProduce); got != 0 {
		t.Errorf("Produce count %d, want 0", got)
	}
	if got := c.RequestCount(-5); got != 0 {
		t.Errorf("count of key -5: %d", got)
	}
}

func BenchmarkNewCluster(b *testing.B) {
	for b.Loop() {
		c, err := NewCluster(NumBrokers(3), Topic("t", 3))
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
