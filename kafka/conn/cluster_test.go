package conn

import (
	"context"
	"errors"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gregorkafka/gregor/kafka/wire"
)

func newTestCluster(t testing.TB, cfg ClusterConfig) *Cluster {
	t.Helper()
	c, err := NewCluster(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func closedAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestClusterBootstrapSkipsDeadSeeds(t *testing.T) {
	b := newFakeBroker(t)
	var snapshots atomic.Int64
	c := newTestCluster(t, ClusterConfig{
		Seeds:      []string{closedAddr(t), closedAddr(t), b.Addr()},
		OnMetadata: func(*Metadata) { snapshots.Add(1) },
	})
	if c.Metadata() != nil {
		t.Fatal("Metadata() before any fetch should be nil")
	}
	m, err := c.Refresh(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	want := map[int32]Broker{1: {ID: 1, Host: "127.0.0.1", Port: b.port()}}
	if diff := cmp.Diff(want, m.Brokers); diff != "" {
		t.Errorf("brokers (-want +got):\n%s", diff)
	}
	if m != c.Metadata() {
		t.Error("Refresh result is not the published snapshot")
	}
	waitFor(t, func() bool { return snapshots.Load() >= 1 }, "OnMetadata call")
}

func waitFor(t testing.TB, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClusterRefreshCoalesces(t *testing.T) {
	b := newFakeBroker(t)
	var metaReqs atomic.Int64
	var mu sync.Mutex
	var asked [][]string
	counting := func(req *wire.MetadataRequest) *wire.MetadataResponse {
		metaReqs.Add(1)
		mu.Lock()
		var names []string
		if req.Topics == nil {
			names = []string{"<all>"}
		}
		for _, tp := range req.Topics {
			names = append(names, *tp.Name)
		}
		sort.Strings(names)
		asked = append(asked, names)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		return &wire.MetadataResponse{Brokers: []wire.MetadataResponseBroker{{NodeID: 1, Host: "127.0.0.1", Port: b.port()}}, ControllerID: 1}
	}
	b.setMetadata(counting)
	c := newTestCluster(t, ClusterConfig{Seeds: []string{b.Addr()}, MetadataMinAge: 50 * time.Millisecond})
	c.AddTopics("b-topic", "a-topic")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Refresh(ctxT(t, 5*time.Second))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Refresh: %v", err)
		}
	}
	// AddTopics' own trigger plus the 20 Refresh calls: at most one request
	// in flight and one queued behind it.
	if n := metaReqs.Load(); n < 1 || n > 2 {
		t.Errorf("20 concurrent Refresh calls made %d metadata requests, want 1 or 2", n)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, names := range asked {
		if diff := cmp.Diff([]string{"a-topic", "b-topic"}, names); diff != "" {
			t.Errorf("requested topics (-want +got):\n%s", diff)
		}
	}
}

func TestClusterPeriodicRefresh(t *testing.T) {
	b := newFakeBroker(t)
	var snapshots atomic.Int64
	c := newTestCluster(t, ClusterConfig{
		Seeds: []string{b.Addr()}, MetadataMaxAge: 60 * time.Millisecond, MetadataMinAge: 10 * time.Millisecond,
		OnMetadata: func(*Metadata) { snapshots.Add(1) },
	})
	if _, err := c.Refresh(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return snapshots.Load() >= 4 }, "periodic refreshes")
}

func TestWaitTopicNeverAppears(t *testing.T) {
	b := newFakeBroker(t)
	b.setMetadata(func(req *wire.MetadataRequest) *wire.MetadataResponse {
		resp := &wire.MetadataResponse{Brokers: []wire.MetadataResponseBroker{{NodeID: 1, Host: "127.0.0.1", Port: b.port()}}}
		for _, tp := range req.Topics {
			resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{Name: tp.Name, ErrorCode: wire.ErrUnknownTopicOrPartition.Code})
		}
		return resp
	})
	c := newTestCluster(t, ClusterConfig{Seeds: []string{b.Addr()}, MetadataMinAge: 20 * time.Millisecond})
	start := time.Now()
	tm, err := c.WaitTopic(ctxT(t, 300*time.Millisecond), "ghost")
	if tm != nil {
		t.Fatalf("WaitTopic returned %+v", tm)
	}
	var te *TopicError
	if !errors.As(err, &te) || te.Topic != "ghost" || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("WaitTopic = %v, want a *TopicError naming ghost", err)
	}
	if !errors.Is(err, wire.ErrUnknownTopicOrPartition) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitTopic = %v, want UNKNOWN_TOPIC_OR_PARTITION and DeadlineExceeded", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("WaitTopic took %v with a 300ms ctx", el)
	}
	if n := b.requests.Load(); n < 2 || n > 20 {
		t.Errorf("%d metadata requests in 300ms; want a few (backoff), not a storm", n)
	}
}

func TestWaitTopicAppearsLater(t *testing.T) {
	b := newFakeBroker(t)
	var calls atomic.Int64
	b.setMetadata(func(req *wire.MetadataRequest) *wire.MetadataResponse {
		resp := &wire.MetadataResponse{Brokers: []wire.MetadataResponseBroker{{NodeID: 1, Host: "127.0.0.1", Port: b.port()}}}
		n := calls.Add(1)
		for _, tp := range req.Topics {
			switch {
			case n < 3:
				resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{Name: tp.Name, ErrorCode: wire.ErrUnknownTopicOrPartition.Code})
			case n < 4:
				resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{Name: tp.Name, Partitions: []wire.MetadataResponsePartition{
					{PartitionIndex: 0, LeaderID: -1, ErrorCode: wire.ErrLeaderNotAvailable.Code},
				}})
			default:
				resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{Name: tp.Name, Partitions: []wire.MetadataResponsePartition{
					{PartitionIndex: 1, LeaderID: 1, LeaderEpoch: 3}, {PartitionIndex: 0, LeaderID: 1, LeaderEpoch: 2},
				}})
			}
		}
		return resp
	})
	c := newTestCluster(t, ClusterConfig{Seeds: []string{b.Addr()}, MetadataMinAge: 10 * time.Millisecond})
	tm, err := c.WaitTopic(ctxT(t, 5*time.Second), "late")
	if err != nil {
		t.Fatal(err)
	}
	want := &TopicMetadata{Name: "late", Partitions: []PartitionMetadata{
		{Partition: 0, Leader: 1, LeaderEpoch: 2},
		{Partition: 1, Leader: 1, LeaderEpoch: 3},
	}}
	if diff := cmp.Diff(want, tm); diff != "" {
		t.Errorf("WaitTopic (-want +got):\n%s", diff)
	}
}

func TestWaitTopicFatalError(t *testing.T) {
	b := newFakeBroker(t)
	b.setMetadata(func(req *wire.MetadataRequest) *wire.MetadataResponse {
		resp := &wire.MetadataResponse{Brokers: []wire.MetadataResponseBroker{{NodeID: 1, Host: "127.0.0.1", Port: b.port()}}}
		for _, tp := range req.Topics {
			resp.Topics = append(resp.Topics, wire.MetadataResponseTopic{Name: tp.Name, ErrorCode: wire.ErrTopicAuthorizationFailed.Code})
		}
		return resp
	})
	c := newTestCluster(t, ClusterConfig{Seeds: []string{b.Addr()}})
	_, err := c.WaitTopic(ctxT(t, 5*time.Second), "secret")
	if !errors.Is(err, wire.ErrTopicAuthorizationFailed) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitTopic = %v, want TOPIC_AUTHORIZATION_FAILED at once", err)
	}
}

// twoBrokerMeta answers with brokers 1 (b) and 2 (addr2) and topic "t"
// partition 0 led by leader at epoch.
func twoBrokerMeta(b *fakeBroker, addr2 string, leader, epoch *atomic.Int32) func(*wire.MetadataRequest) *wire.MetadataResponse {
	return func(req *wire.MetadataRequest) *wire.MetadataResponse {
		host, port := splitAddr(addr2)
		name := "t"
		return &wire.MetadataResponse{
			Brokers: []wire.MetadataResponseBroker{
				{NodeID: 1, Host: "127.0.0.1", Port: b.port()},
				{NodeID: 2, Host: host, Port: port},
			},
			Topics: []wire.MetadataResponseTopic{{Name: &name, Partitions: []wire.MetadataResponsePartition{
				{PartitionIndex: 0, LeaderID: leader.Load(), LeaderEpoch: epoch.Load()},
			}}},
		}
	}
}

func splitAddr(addr string) (string, int32) {
	tcp, _ := net.ResolveTCPAddr("tcp", addr)
	return tcp.IP.String(), int32(tcp.Port)
}

func TestApplyLeaderHint(t *testing.T) {
	b := newFakeBroker(t)
	var leader, epoch atomic.Int32
	leader.Store(1)
	epoch.Store(5)
	b.setMetadata(twoBrokerMeta(b, "127.0.0.1:9", &leader, &epoch))
	var delivered atomic.Int64
	c := newTestCluster(t, ClusterConfig{Seeds: []string{b.Addr()}, MetadataMinAge: time.Millisecond,
		OnMetadata: func(*Metadata) { delivered.Add(1) }})
	c.AddTopics("t")
	if _, err := c.WaitTopic(ctxT(t, 5*time.Second), "t"); err != nil {
		t.Fatal(err)
	}
	before := c.Metadata()
	for _, tt := range []struct {
		name         string
		topic        string
		part, l, e   int32
		eps          []Broker
		want         bool
		wantL, wantE int32
	}{
		{"older epoch", "t", 0, 2, 4, nil, false, 1, 5},
		{"same epoch", "t", 0, 2, 5, nil, false, 1, 5},
		{"unknown node", "t", 0, 7, 6, nil, false, 1, 5},
		{"uncached topic", "u", 0, 2, 6, nil, false, 1, 5},
		{"uncached partition", "t", 3, 2, 6, nil, false, 1, 5},
		{"newer, cached node", "t", 0, 2, 6, nil, true, 2, 6},
		{"newer, node from endpoints", "t", 0, 8, 7, []Broker{{ID: 8, Host: "127.0.0.1", Port: 18}}, true, 8, 7},
	} {
		got := c.ApplyLeaderHint(tt.topic, tt.part, tt.l, tt.e, tt.eps)
		p := c.Metadata().Topics["t"].Partitions[0]
		if got != tt.want || p.Leader != tt.wantL || p.LeaderEpoch != tt.wantE {
			t.Errorf("%s: ApplyLeaderHint = %v, leader %d epoch %d; want %v, %d, %d", tt.name, got, p.Leader, p.LeaderEpoch, tt.want, tt.wantL, tt.wantE)
		}
	}
	if b8 := c.Metadata().Brokers[8]; b8.Port != 18 {
		t.Errorf("endpoint of node 8 not merged: %+v", b8)
	}
	if p := before.Topics["t"].Partitions[0]; p.Leader != 1 || p.LeaderEpoch != 5 {
		t.Errorf("old snapshot modified: %+v", p)
	}
	waitFor(t, func() bool { return delivered.Load() >= 3 }, "OnMetadata after hints")

	// A refresh answered by a broker that still believes in epoch 5 must not
	// move the leader back (node 8 is not in that answer, so the refresh
	// wins only if it names a newer-or-equal epoch; here it names 6 < 7 but
	// node 8 is unknown to it, so its view is taken).
	leader.Store(2)
	epoch.Store(6)
	c.ApplyLeaderHint("t", 0, 1, 9, nil) // cache: leader 1 (in the answer) at epoch 9
	if _, err := c.Refresh(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if p := c.Metadata().Topics["t"].Partitions[0]; p.Leader != 1 || p.LeaderEpoch != 9 {
		t.Errorf("stale refresh moved leader back: %+v", p)
	}
	epoch.Store(10)
	if _, err := c.Refresh(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if p := c.Metadata().Topics["t"].Partitions[0]; p.Leader != 2 || p.LeaderEpoch != 10 {
		t.Errorf("newer refresh not applied: %+v", p)
	}
}

func TestConnPool(t *testing.T) {
	b := newFakeBroker(t)
	var dials atomic.Int64
	cfg := Config{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	c := newTestCluster(t, ClusterConfig{Conn: cfg, Seeds: []string{b.Addr()}})
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	base := dials.Load() // the control connection used for metadata
	var wg sync.WaitGroup
	got := make([]*Conn, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cn, err := c.Conn(ctx, 1, PurposeProduce)
			if err != nil {
				t.Error(err)
			}
			got[i] = cn
		}()
	}
	wg.Wait()
	for _, cn := range got[1:] {
		if cn != got[0] {
			t.Fatal("concurrent Conn calls returned different connections")
		}
	}
	if n := dials.Load() - base; n != 1 {
		t.Errorf("10 concurrent Conn calls dialled %d times, want 1", n)
	}
	ctl, err := c.Conn(ctx, 1, PurposeControl)
	if err != nil {
		t.Fatal(err)
	}
	if ctl == got[0] {
		t.Error("control and produce share a connection")
	}
	// Produce lanes are connections of their own; lane 0 is PurposeProduce.
	lane1, err := c.Conn(ctx, 1, ProduceLane(1))
	if err != nil {
		t.Fatal(err)
	}
	if lane1 == got[0] || lane1 == ctl {
		t.Error("produce lane 1 shares a connection with lane 0 or control")
	}
	if again, _ := c.Conn(ctx, 1, ProduceLane(1)); again != lane1 {
		t.Error("produce lane 1 was dialled twice")
	}
	if lane0, _ := c.Conn(ctx, 1, ProduceLane(0)); lane0 != got[0] {
		t.Error("ProduceLane(0) is not PurposeProduce's connection")
	}
	for p, want := range map[Purpose]string{PurposeControl: "control", PurposeProduce: "produce", ProduceLane(3): "produce#3", ProduceLane(MaxProduceLanes + 1): "produce#1"} {
		if p.String() != want {
			t.Errorf("%d.String() = %q, want %q", p, p.String(), want)
		}
	}
	if _, err := c.Conn(ctx, 42, PurposeControl); !errors.Is(err, ErrUnknownBroker) {
		t.Errorf("Conn(42) = %v, want ErrUnknownBroker", err)
	}

	// A dead connection is replaced on the next call.
	b.DropConnections()
	<-got[0].Done()
	cn, err := c.Conn(ctx, 1, PurposeProduce)
	if err != nil || cn == got[0] {
		t.Fatalf("Conn after death = %v, %v; want a new connection", cn, err)
	}
	if _, err := cn.Do(ctx, tagged("x")); err != nil {
		t.Errorf("redialled conn: %v", err)
	}
}

func TestConnRedialBackoff(t *testing.T) {
	b := newFakeBroker(t)
	dead := closedAddr(t)
	var leader, epoch atomic.Int32
	b.setMetadata(twoBrokerMeta(b, dead, &leader, &epoch))
	var deadDials atomic.Int64
	cfg := Config{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == dead {
			deadDials.Add(1)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	c := newTestCluster(t, ClusterConfig{Conn: cfg, Seeds: []string{b.Addr()}})
	if _, err := c.Refresh(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	// Many callers hammering a dead broker for 400 ms: dials follow the
	// backoff (50, 100, 200 ms ... jittered), not the callers.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := ctxT(t, 400*time.Millisecond)
			for ctx.Err() == nil {
				if _, err := c.Conn(ctx, 2, PurposeProduce); err == nil {
					t.Error("Conn to a dead broker succeeded")
					return
				} else if !errors.Is(err, ErrDial) && ctx.Err() == nil {
					t.Errorf("Conn = %v, want ErrDial", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := deadDials.Load(); n < 2 || n > 6 {
		t.Errorf("%d dials to a dead broker in 400ms; want 2-6 with 50ms..1s backoff", n)
	}
}

func TestRebootstrapToSeeds(t *testing.T) {
	// The broker advertises an address nobody can reach (as after a
	// re-deployment); once its connection is gone, only the seed works.
	b := newFakeBroker(t)
	dead := closedAddr(t)
	b.setMetadata(func(req *wire.MetadataRequest) *wire.MetadataResponse {
		host, port := splitAddr(dead)
		return &wire.MetadataResponse{Brokers: []wire.MetadataResponseBroker{{NodeID: 1, Host: host, Port: port}}}
	})
	c := newTestCluster(t, ClusterConfig{Seeds: []string{b.Addr()}, MetadataMinAge: time.Millisecond})
	ctx := ctxT(t, 5*time.Second)
	if _, err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	b.DropConnections()
	for range 3 {
		if _, err := c.Refresh(ctx); err != nil {
			t.Fatalf("Refresh with every known broker down: %v", err)
		}
		b.DropConnections()
	}
}

func TestClusterCloseUnblocks(t *testing.T) {
	c, err := NewCluster(ClusterConfig{Seeds: []string{closedAddr(t)}})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.WaitTopic(context.Background(), "x")
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClusterClosed) {
			t.Errorf("WaitTopic after Close = %v, want ErrClusterClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitTopic did not return after Close")
	}
	if _, err := c.Refresh(context.Background()); !errors.Is(err, ErrClusterClosed) {
		t.Errorf("Refresh after Close = %v", err)
	}
}
