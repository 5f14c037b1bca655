package kafkatest

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/kafka/wire"
)

func TestMoveLeader(t *testing.T) {
	c := New(t, NumBrokers(3), Topic("t", 1))
	old, nu := dial(t, c.Addrs()[0]), dial(t, c.Addrs()[2])
	if pr := old.produce(12, "t", 0, makeBatch(t, 1, plain())); pr.ErrorCode != 0 {
		t.Fatalf("before the move: error %d", pr.ErrorCode)
	}
	if err := c.MoveLeader("t", 0, 2); err != nil {
		t.Fatal(err)
	}
	if l, e, _ := c.Leader("t", 0); l != 2 || e != 1 {
		t.Fatalf("leader %d epoch %d, want 2 1", l, e)
	}
	resp := old.do(produceReq("t", 0, -1, makeBatch(t, 1, plain())), 12).(*wire.ProduceResponse)
	pr := resp.Responses[0].PartitionResponses[0]
	if pr.ErrorCode != 6 || pr.CurrentLeader == nil || *pr.CurrentLeader != (wire.ProduceResponseCurrentLeader{LeaderID: 2, LeaderEpoch: 1}) {
		t.Fatalf("old leader: %+v", pr)
	}
	if len(resp.NodeEndpoints) != 1 || resp.NodeEndpoints[0].NodeID != 2 {
		t.Fatalf("node endpoints %+v", resp.NodeEndpoints)
	}
	if pr := nu.produce(12, "t", 0, makeBatch(t, 1, plain())); pr.ErrorCode != 0 || pr.BaseOffset != 1 {
		t.Fatalf("new leader: %+v", pr)
	}
	md := nu.do(&wire.MetadataRequest{Topics: metaTopics("t")}, 12).(*wire.MetadataResponse)
	if p := md.Topics[0].Partitions[0]; p.LeaderID != 2 || p.LeaderEpoch != 1 || p.ReplicaNodes[0] != 0 {
		t.Fatalf("metadata after move: %+v", p)
	}
	bs, _ := c.Batches("t", 0)
	if bs[0].PartitionLeaderEpoch != 0 || bs[1].PartitionLeaderEpoch != 1 {
		t.Errorf("stored leader epochs %d %d, want 0 1", bs[0].PartitionLeaderEpoch, bs[1].PartitionLeaderEpoch)
	}
	if err := c.MoveLeader("t", 0, 9); err == nil {
		t.Error("move to a missing broker succeeded")
	}
	if err := c.MoveLeader("t", 3, 0); err == nil {
		t.Error("move of a missing partition succeeded")
	}
}

func TestFailNext(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	c.FailNext(wire.APIKeyMetadata, 2, 5)
	c.FailNext(wire.APIKeyMetadata, 1, 7)
	var codes []int16
	for range 4 {
		md := rc.do(&wire.MetadataRequest{Topics: metaTopics("t")}, 13).(*wire.MetadataResponse)
		codes = append(codes, md.Topics[0].ErrorCode)
		if md.Topics[0].ErrorCode != 0 && md.ErrorCode != md.Topics[0].ErrorCode {
			t.Errorf("v13 top-level error %d", md.ErrorCode)
		}
	}
	if diff := cmp.Diff([]int16{5, 5, 7, 0}, codes); diff != "" {
		t.Fatalf("metadata errors:\n%s", diff)
	}

	c.FailNext(wire.APIKeyInitProducerId, 1, 15)
	if r := rc.do(&wire.InitProducerIdRequest{TransactionTimeoutMs: 1}, 4).(*wire.InitProducerIdResponse); r.ErrorCode != 15 || r.ProducerID != -1 {
		t.Fatalf("init producer id: %+v", r)
	}
	c.FailNext(wire.APIKeyApiVersions, 1, 35)
	if r := rc.do(&wire.ApiVersionsRequest{}, 3).(*wire.ApiVersionsResponse); r.ErrorCode != 35 || len(r.APIKeys) != 0 {
		t.Fatalf("api versions: %+v", r)
	}
	c.FailNext(wire.APIKeyListOffsets, 1, 6)
	lo := rc.do(&wire.ListOffsetsRequest{ReplicaID: -1, Topics: []wire.ListOffsetsRequestTopic{{Name: "t",
		Partitions: []wire.ListOffsetsRequestPartition{{Timestamp: -1}}}}}, 7).(*wire.ListOffsetsResponse)
	if got := lo.Topics[0].Partitions[0].ErrorCode; got != 6 {
		t.Fatalf("list offsets: error %d", got)
	}
	c.FailNext(wire.APIKeyFetch, 1, 6)
	if fp := rc.fetch(12, "t", 0, 0, 100); fp.ErrorCode != 6 {
		t.Fatalf("fetch: error %d", fp.ErrorCode)
	}
	c.FailNext(wire.APIKeyFindCoordinator, 1, 15)
	if r := rc.do(&wire.FindCoordinatorRequest{CoordinatorKeys: []string{"g"}}, 4).(*wire.FindCoordinatorResponse); r.Coordinators[0].ErrorCode != 15 {
		t.Fatalf("find coordinator: %+v", r)
	}
	c.FailNext(wire.APIKeyCreateTopics, 1, 41)
	if r := rc.do(&wire.CreateTopicsRequest{Topics: []wire.CreateTopicsRequestTopic{{Name: "x", NumPartitions: 1, ReplicationFactor: 1}}}, 5).(*wire.CreateTopicsResponse); r.Topics[0].ErrorCode != 41 || c.Partitions("x") != 0 {
		t.Fatalf("create topics: %+v", r)
	}

	// Produce: every partition of the next request fails; nothing stored.
	c.FailNext(wire.APIKeyProduce, 1, 7)
	if pr := rc.produce(9, "t", 0, makeBatch(t, 1, plain())); pr.ErrorCode != 7 {
		t.Fatalf("produce: error %d", pr.ErrorCode)
	}
	if pr := rc.produce(9, "t", 0, makeBatch(t, 1, plain())); pr.ErrorCode != 0 || pr.BaseOffset != 0 {
		t.Fatalf("produce after the fault: %+v", pr)
	}
}

func TestFailNextProduce(t *testing.T) {
	c := New(t, Topic("t", 2))
	rc := dial(t, c.Addrs()[0])
	c.FailNextProduce("t", 1, 2, 6)
	req := &wire.ProduceRequest{Acks: -1, TimeoutMs: 1000, TopicData: []wire.ProduceRequestTopic{{Name: "t",
		PartitionData: []wire.ProduceRequestPartition{
			{Index: 0, Records: makeBatch(t, 1, idem(1, 0, 0))},
			{Index: 1, Records: makeBatch(t, 1, idem(1, 0, 0))}}}}}
	resp := rc.do(req, 9).(*wire.ProduceResponse)
	got := []int16{resp.Responses[0].PartitionResponses[0].ErrorCode, resp.Responses[0].PartitionResponses[1].ErrorCode}
	if diff := cmp.Diff([]int16{0, 6}, got); diff != "" {
		t.Fatal(diff)
	}
	// Partition 0 traffic does not consume partition 1's faults.
	rc.produce(9, "t", 0, makeBatch(t, 1, idem(1, 0, 1)))
	if pr := rc.produce(9, "t", 1, makeBatch(t, 1, idem(1, 0, 0))); pr.ErrorCode != 6 {
		t.Fatalf("second fault: error %d", pr.ErrorCode)
	}
	// The failed batches were not stored, so the retry at sequence 0 is new.
	if pr := rc.produce(9, "t", 1, makeBatch(t, 1, idem(1, 0, 0))); pr.ErrorCode != 0 || pr.BaseOffset != 0 {
		t.Fatalf("after the faults: %+v", pr)
	}
	c.FailNextProduce("t", 0, 5, 6)
	c.ClearFaults()
	if pr := rc.produce(9, "t", 0, makeBatch(t, 1, plain())); pr.ErrorCode != 0 {
		t.Fatalf("after ClearFaults: error %d", pr.ErrorCode)
	}
}

func TestLoseNextResponseThenRetryIsDeduplicated(t *testing.T) {
	c := New(t, Topic("t", 1))
	c.LoseNextResponse(wire.APIKeyProduce, 1)
	rc := dial(t, c.Addrs()[0])
	batch := makeBatch(t, 3, idem(42, 0, 0))
	rc.send(produceReq("t", 0, -1, batch), 9)
	rc.expectClosed()
	if hw, _ := c.HighWatermark("t", 0); hw != 3 {
		t.Fatalf("high watermark %d: the batch must be stored before the response is lost", hw)
	}
	// The producer retries on a new connection: Kafka acknowledges the
	// duplicate with its original offset and stores nothing.
	rc = dial(t, c.Addrs()[0])
	if pr := rc.produce(9, "t", 0, batch); pr.ErrorCode != 0 || pr.BaseOffset != 0 {
		t.Fatalf("retry: %+v", pr)
	}
	if pr := rc.produce(9, "t", 0, makeBatch(t, 1, idem(42, 0, 3))); pr.ErrorCode != 0 || pr.BaseOffset != 3 {
		t.Fatalf("next: %+v", pr)
	}
	if recs, _ := c.Records("t", 0); len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
}

func TestLoseNextProduceResponse(t *testing.T) {
	c := New(t, Topic("t", 2))
	c.LoseNextProduceResponse("t", 1, 1)
	rc := dial(t, c.Addrs()[0])
	if pr := rc.produce(9, "t", 0, makeBatch(t, 1, plain())); pr.ErrorCode != 0 {
		t.Fatalf("other partition: error %d", pr.ErrorCode)
	}
	rc.send(produceReq("t", 1, -1, makeBatch(t, 1, plain())), 9)
	rc.expectClosed()
	if hw, _ := c.HighWatermark("t", 1); hw != 1 {
		t.Fatalf("high watermark %d, want 1", hw)
	}
	rc = dial(t, c.Addrs()[0])
	if pr := rc.produce(9, "t", 1, makeBatch(t, 1, plain())); pr.ErrorCode != 0 || pr.BaseOffset != 1 {
		t.Fatalf("after the loss: %+v", pr)
	}
}

func TestDropConnections(t *testing.T) {
	c := New(t, NumBrokers(2))
	a, b := dial(t, c.Addrs()[0]), dial(t, c.Addrs()[1])
	a.do(&wire.ApiVersionsRequest{}, 0)
	b.do(&wire.ApiVersionsRequest{}, 0)
	c.DropConnections(0)
	a.expectClosed()
	b.do(&wire.ApiVersionsRequest{}, 0) // the other broker is untouched
	dial(t, c.Addrs()[0]).do(&wire.ApiVersionsRequest{}, 0)
	c.DropConnections(7) // no such broker: nothing happens
}

func TestSetLatency(t *testing.T) {
	c := New(t)
	rc := dial(t, c.Addrs()[0])
	const d = 80 * time.Millisecond
	c.SetLatency(0, d)
	start := time.Now()
	// Three pipelined requests each wait d from their own arrival, so all
	// three arrive after about d, not 3d; only the lower bound is asserted.
	ids := []int32{rc.send(&wire.ApiVersionsRequest{}, 0), rc.send(&wire.ApiVersionsRequest{}, 0), rc.send(&wire.ApiVersionsRequest{}, 0)}
	for _, id := range ids {
		rc.recv(wire.APIKeyApiVersions, 0, id)
	}
	if el := time.Since(start); el < d {
		t.Fatalf("responses after %v, want at least %v", el, d)
	}
	c.SetLatency(0, 0)
	id := rc.send(&wire.ApiVersionsRequest{}, 0)
	rc.recv(wire.APIKeyApiVersions, 0, id)
}

func TestStall(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	c.Stall(0, true)
	id1 := rc.send(produceReq("t", 0, -1, makeBatch(t, 1, plain())), 9)
	id2 := rc.send(&wire.ApiVersionsRequest{}, 0)
	rc.expectSilence(100 * time.Millisecond)
	if hw, _ := c.HighWatermark("t", 0); hw != 0 {
		t.Fatal("a stalled broker handled a produce")
	}
	if n := c.RequestCount(wire.APIKeyProduce); n != 0 {
		t.Fatalf("stalled requests counted as handled: %d", n)
	}
	c.Stall(0, false)
	resp := rc.recv(wire.APIKeyProduce, 9, id1).(*wire.ProduceResponse)
	if pr := resp.Responses[0].PartitionResponses[0]; pr.ErrorCode != 0 || pr.BaseOffset != 0 {
		t.Fatalf("after unstall: %+v", pr)
	}
	rc.recv(wire.APIKeyApiVersions, 0, id2)
}

func TestStallThenDropLosesHeldRequests(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	c.Stall(0, true)
	rc.send(produceReq("t", 0, -1, makeBatch(t, 1, plain())), 9)
	rc.expectSilence(50 * time.Millisecond)
	c.DropConnections(0)
	rc.expectClosed()
	c.Stall(0, false)
	dial(t, c.Addrs()[0]).do(&wire.ApiVersionsRequest{}, 0)
	if hw, _ := c.HighWatermark("t", 0); hw != 0 {
		t.Fatalf("a dropped held request was handled: high watermark %d", hw)
	}
}

func TestKillAndRestartBroker(t *testing.T) {
	c := New(t, NumBrokers(2))
	rc := dial(t, c.Addrs()[1])
	rc.do(&wire.ApiVersionsRequest{}, 0)
	if err := c.KillBroker(1); err != nil {
		t.Fatal(err)
	}
	rc.expectClosed()
	if nc, err := net.DialTimeout("tcp", c.Addrs()[1], time.Second); err == nil {
		nc.Close()
		t.Fatal("a killed broker accepted a connection")
	}
	md := dial(t, c.Addrs()[0]).do(&wire.MetadataRequest{}, 12).(*wire.MetadataResponse)
	if len(md.Brokers) != 2 {
		t.Fatalf("%d brokers in metadata, want 2 (a crashed broker stays listed)", len(md.Brokers))
	}
	if err := c.RestartBroker(0); err == nil {
		t.Fatal("restart of a running broker succeeded")
	}
	if err := c.RestartBroker(1); err != nil {
		t.Fatal(err)
	}
	dial(t, c.Addrs()[1]).do(&wire.ApiVersionsRequest{}, 0)
	if err := c.KillBroker(5); err == nil {
		t.Fatal("kill of a missing broker succeeded")
	}
}

func TestIntercept(t *testing.T) {
	c := New(t, Topic("t", 1))
	rc := dial(t, c.Addrs()[0])
	var mu sync.Mutex
	var seen []int16
	removeObserver := c.Intercept(func(req *Request) (wire.Response, error) {
		mu.Lock()
		seen = append(seen, req.Key)
		mu.Unlock()
		if req.Broker != 0 || req.ClientID == nil || *req.ClientID != "kafkatest-test" {
			t.Errorf("request %+v", req)
		}
		return nil, nil
	})
	removeAnswer := c.Intercept(func(req *Request) (wire.Response, error) {
		switch body := req.Body.(type) {
		case *wire.MetadataRequest:
			return &wire.MetadataResponse{ErrorCode: 129}, nil // REBOOTSTRAP_REQUIRED
		case *wire.ProduceRequest:
			if body.TopicData[0].Name == "closeme" {
				return nil, errors.New("close")
			}
		}
		return nil, nil
	})
	if md := rc.do(&wire.MetadataRequest{}, 13).(*wire.MetadataResponse); md.ErrorCode != 129 {
		t.Fatalf("intercepted metadata: %+v", md)
	}
	if pr := rc.produce(9, "t", 0, makeBatch(t, 1, plain())); pr.ErrorCode != 0 {
		t.Fatalf("passed-through produce: error %d", pr.ErrorCode)
	}
	rc.send(produceReq("closeme", 0, -1, makeBatch(t, 1, plain())), 9)
	rc.expectClosed()
	removeAnswer()
	removeObserver()
	rc = dial(t, c.Addrs()[0])
	if md := rc.do(&wire.MetadataRequest{}, 13).(*wire.MetadataResponse); md.ErrorCode != 0 || len(md.Topics) != 1 {
		t.Fatalf("after removal: %+v", md)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]int16{3, 0, 0}, seen); diff != "" {
		t.Errorf("observed keys:\n%s", diff)
	}
}

func TestProduceHook(t *testing.T) {
	c := New(t, Topic("t", 2))
	rc := dial(t, c.Addrs()[0])
	c.SetProduceHook(func(topic string, partition int32, b *wire.RecordBatch) int16 {
		if partition == 1 && string(b.Records[0].Value) == "v0" && b.NumRecords == 2 {
			return 87
		}
		return 0
	})
	if pr := rc.produce(9, "t", 1, makeBatch(t, 2, plain())); pr.ErrorCode != 87 {
		t.Fatalf("hooked: error %d", pr.ErrorCode)
	}
	if pr := rc.produce(9, "t", 0, makeBatch(t, 2, plain())); pr.ErrorCode != 0 {
		t.Fatalf("not hooked: error %d", pr.ErrorCode)
	}
	c.SetProduceHook(nil)
	if pr := rc.produce(9, "t", 1, makeBatch(t, 2, plain())); pr.ErrorCode != 0 || pr.BaseOffset != 0 {
		t.Fatalf("after removal: %+v", pr)
	}
}

// TestFaultsWhileClientsRun changes leadership, drops connections and
// toggles stalls and latency while several clients produce; run with -race.
// Every acknowledged batch must be stored exactly once.
func TestFaultsWhileClientsRun(t *testing.T) {
	c := New(t, NumBrokers(2), Topic("t", 2))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[int32]int{}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := int32(w % 2)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				leader, _, _ := c.Leader("t", p)
				nc, err := net.DialTimeout("tcp", c.Addrs()[leader], time.Second)
				if err != nil {
					continue
				}
				frame := wire.AppendRequest(nil, produceReq("t", p, -1, makeBatch(t, 1, plain())), 9, 1, nil)
				nc.SetDeadline(time.Now().Add(200 * time.Millisecond))
				if _, err := nc.Write(frame); err == nil {
					rc := &rawClient{t: t, nc: nc}
					if buf, err := rc.readFrame(200 * time.Millisecond); err == nil {
						r := wire.NewReader(buf)
						wire.ReadResponseHeader(r, 0, 9)
						var resp wire.ProduceResponse
						resp.DecodeFrom(r, 9)
						if r.Ok() && resp.Responses[0].PartitionResponses[0].ErrorCode == 0 {
							mu.Lock()
							acked[p]++
							mu.Unlock()
						}
					}
				}
				nc.Close()
			}
		}()
	}
	for i := range 30 {
		c.MoveLeader("t", int32(i%2), int32(i%3%2))
		c.DropConnections(int32(i % 2))
		c.Stall(int32(i%2), i%4 == 0)
		c.SetLatency(int32(i%2), time.Duration(i%3)*time.Millisecond)
		c.FailNextProduce("t", int32(i%2), 1, 7)
		time.Sleep(2 * time.Millisecond)
	}
	c.Stall(0, false)
	c.Stall(1, false)
	close(stop)
	wg.Wait()
	for p := int32(0); p < 2; p++ {
		hw, _ := c.HighWatermark("t", p)
		// Lost responses (stalls, drops) may leave stored-but-unacked
		// batches, never the reverse.
		if int(hw) < acked[p] {
			t.Errorf("partition %d: %d acknowledged, %d stored", p, acked[p], hw)
		}
		t.Logf("partition %d: %d acknowledged, %d stored", p, acked[p], hw)
	}
}
