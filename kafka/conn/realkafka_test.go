package conn

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/gregorkafka/gregor/internal/realkafka"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// TestRealKafka runs the real-broker checks against one 3-node cluster (3
// JVMs, started once) to stay within the package's time budget. Order
// matters: the failover subtest kills a node.
func TestRealKafka(t *testing.T) {
	if testing.Short() {
		t.Skip("real Kafka: skipped under -short")
	}
	rk := realkafka.StartCluster(t, realkafka.WithNodes(3))
	total, _ := rk.StartupTime()
	t.Logf("3-node Kafka %s ready in %v", rk.Version(), total)

	t.Run("DeadFirstSeed", func(t *testing.T) {
		// A dead address first in the list (order is shuffled, so also run
		// a few times): bootstrap must still succeed quickly.
		for i := range 5 {
			c := newTestCluster(t, ClusterConfig{Seeds: append([]string{closedAddr(t)}, rk.Addrs()[0])})
			start := time.Now()
			m, err := c.Refresh(ctxT(t, 20*time.Second))
			if err != nil {
				t.Fatalf("Refresh %d: %v", i, err)
			}
			if len(m.Brokers) != 3 {
				t.Errorf("bootstrap saw %d brokers, want 3", len(m.Brokers))
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("bootstrap past a dead seed took %v", el)
			}
			c.Close()
		}
	})

	t.Run("RestartMidStream", func(t *testing.T) { testRestartMidStream(t, rk) })
	t.Run("LeaderFailover", func(t *testing.T) { testLeaderFailover(t, rk) })
}

func testRestartMidStream(t *testing.T, rk *realkafka.Cluster) {
	const node = 3
	c := newTestCluster(t, ClusterConfig{Seeds: rk.Addrs(), Conn: Config{MaxInFlight: 5, RequestTimeout: 10 * time.Second}})
	ctx := ctxT(t, 90*time.Second)
	if _, err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	cn, err := c.Conn(ctx, node, PurposeProduce)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := cn.Version(wire.APIKeyMetadata)

	// Keep 5 requests in flight while the broker restarts: every request
	// completes exactly once, with a response or a retriable conn error.
	var (
		mu        sync.Mutex
		ok, fails int
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	cs := newCompletions(t)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := "r" + itoa(i)
			done := cs.done(name)
			err := cn.Send(ctx, tagged(name), v1, func(r wire.Response, err error) {
				mu.Lock()
				if err == nil {
					ok++
				} else {
					fails++
					var ce *Error
					if !errors.As(err, &ce) || !ce.Retriable() {
						t.Errorf("in-flight request failed with %v, want a retriable *Error", err)
					}
				}
				mu.Unlock()
				done(r, nil) // tag check skipped for errors
			})
			if err != nil {
				cs.all.Done() // never sent: done will not be called
				if !errors.Is(err, ErrConnClosed) {
					t.Errorf("Send: %v", err)
				}
				return
			}
		}
	}()
	time.Sleep(200 * time.Millisecond)
	restart := time.Now()
	if err := rk.Restart(node); err != nil {
		t.Fatal(err)
	}
	t.Logf("node %d restarted in %v", node, time.Since(restart))
	close(stop)
	wg.Wait()
	cs.wait(t)
	mu.Lock()
	t.Logf("before the restart: %d responses; %d in-flight requests failed once", ok, fails)
	if ok == 0 || fails == 0 || fails > 5 {
		t.Errorf("ok=%d fails=%d: want responses, then 1..5 failures", ok, fails)
	}
	mu.Unlock()
	select {
	case <-cn.Done():
	default:
		t.Fatal("connection still alive after the broker restarted")
	}

	// The pool redials (after backoff) and negotiates versions afresh.
	cn2, err := c.Conn(ctx, node, PurposeProduce)
	if err != nil {
		t.Fatal(err)
	}
	if cn2 == cn {
		t.Fatal("pool returned the dead connection")
	}
	if cn2.APIVersions() == cn.APIVersions() || cn2.APIVersions() == nil {
		t.Error("versions not negotiated again on the new connection")
	}
	if v2, ok := cn2.Version(wire.APIKeyMetadata); !ok || v2 != v1 {
		t.Errorf("Metadata version after reconnect = %d, %v; want %d", v2, ok, v1)
	}
	if _, err := cn2.Do(ctx, tagged("after")); err != nil {
		t.Errorf("request on the new connection: %v", err)
	}
}

func testLeaderFailover(t *testing.T, rk *realkafka.Cluster) {
	const topic = "failover"
	if err := rk.CreateTopic(topic, 1, 3, nil); err != nil {
		t.Fatal(err)
	}
	c := newTestCluster(t, ClusterConfig{Seeds: rk.Addrs(), Conn: Config{Logger: zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))},
		OnMetadata: func(m *Metadata) {
			if tm := m.Topics[topic]; tm != nil && len(tm.Partitions) > 0 {
				t.Logf("snapshot: leader %d epoch %d err %v", tm.Partitions[0].Leader, tm.Partitions[0].LeaderEpoch, tm.Partitions[0].Err)
			}
		}})
	ctx := ctxT(t, 60*time.Second)
	tm, err := c.WaitTopic(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	old := tm.Partitions[0]
	// Hold a produce connection to the leader, as a producer would.
	if _, err := c.Conn(ctx, old.Leader, PurposeProduce); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if err := rk.Kill(old.Leader); err != nil {
		t.Fatal(err)
	}
	// Model the producer: its sends to the dead leader fail, and each
	// failure asks for a refresh (coalesced by MetadataMinAge).
	for {
		if p := c.Metadata().Topics[topic].Partitions[0]; p.Leader >= 0 && p.Leader != old.Leader {
			el := time.Since(killed)
			t.Logf("leader %d (epoch %d) killed; Metadata() named leader %d (epoch %d) after %v (MetadataMinAge %v)",
				old.Leader, old.LeaderEpoch, p.Leader, p.LeaderEpoch, el, DefaultMetadataMinAge)
			if p.LeaderEpoch <= old.LeaderEpoch {
				t.Errorf("new leader epoch %d not above %d", p.LeaderEpoch, old.LeaderEpoch)
			}
			// broker.session.timeout.ms is 3 s in the harness; the
			// controller may need a re-election (1 s) as well.
			if el > 10*time.Second {
				t.Errorf("failover took %v, want < 10s", el)
			}
			return
		}
		if ctx.Err() != nil {
			t.Fatal("no new leader within 60s")
		}
		if _, err := c.Conn(ctx, old.Leader, PurposeProduce); err != nil {
			c.RequestRefresh()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

var _ = context.Background
