package realkafka

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		helperHang()
		return
	}
	code := m.Run()
	// Cleanup proof: no JVM started by this binary may survive it.
	if left := leftoverJVMs(startedDirs()); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "realkafka: JVMs left running after the tests: %v\n", left)
		code = 1
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "realkafka: goroutines left after the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

func TestSingleNode(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			c := StartCluster(t, WithVersion(v))
			total, format := c.StartupTime()
			t.Logf("Kafka %s single node: ready %v after launch (format %v)", v, total.Round(time.Millisecond), format.Round(time.Millisecond))

			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			apis, err := RequestAPIVersions(ctx, c.Addrs()[0])
			if err != nil {
				t.Fatal(err)
			}
			if i := slices.IndexFunc(apis, func(a APIVersion) bool { return a.Key == apiMetadata }); i < 0 || apis[i].Min > 1 || apis[i].Max < 1 {
				t.Errorf("ApiVersions lacks Metadata v1: %v", apis)
			}
			md, err := RequestMetadata(ctx, c.Addrs()[0])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]Broker{{NodeID: 1, Host: "127.0.0.1", Port: int32(portOf(c.Addrs()[0]))}}, md.Brokers); diff != "" {
				t.Errorf("Metadata brokers mismatch (-want +got):\n%s", diff)
			}

			if err := c.CreateTopic("smoke", 2, 1, map[string]string{"retention.ms": "60000"}); err != nil {
				t.Fatal(err)
			}
			if l, err := c.Leader("smoke", 1); l != 1 || err != nil {
				t.Errorf("Leader(smoke, 1) = %d, %v; want 1, nil", l, err)
			}
			var be *BrokerError
			if err := c.CreateTopic("smoke", 2, 1, nil); !errors.As(err, &be) || be.Code != CodeTopicAlreadyExists {
				t.Errorf("second CreateTopic = %v; want BrokerError code %d", err, CodeTopicAlreadyExists)
			}

			// The Java tools run on the same classpath.
			toolCtx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
			defer cancel()
			out, err := c.RunTool(toolCtx, "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", c.Bootstrap(), "--list")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(strings.Fields(out), "smoke") {
				t.Errorf("TopicCommand --list = %q; want it to list smoke", out)
			}
			if !strings.Contains(c.LogTail(1, 50), "Kafka Server started") {
				t.Errorf("broker log lacks the KafkaRaftServer INFO line (logging backend missing?):\n%s", c.LogTail(1, 20))
			}
		})
	}
}

// TestThreeNodeFailover kills the leader of a partition with SIGKILL and measures
// how long a surviving broker takes to report a new leader, then restarts the
// victim and waits until it is back in the ISR. It does so several times, and once
// with SIGTERM (controlled shutdown) for comparison. The cluster runs behind
// proxies, which also shows proxy mode end to end, and WithSASL and WithTLS, to
// show that the SASL and TLS listeners advertise their own addresses, unproxied.
func TestThreeNodeFailover(t *testing.T) {
	c := StartCluster(t, WithNodes(3), WithProxy(), WithSASL(map[string]string{"alice": "alice-secret"}), WithTLS())
	total, format := c.StartupTime()
	t.Logf("3-node Kafka %s: ready %v after launch (format %v)", c.Version(), total.Round(time.Millisecond), format.Round(time.Millisecond))

	// Proxy mode: metadata fetched through a proxy advertises the proxies.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	md, err := RequestMetadata(ctx, c.Addrs()[1])
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, b := range md.Brokers {
		got = append(got, b.Addr())
	}
	for _, id := range c.NodeIDs() {
		want = append(want, c.Proxy(id).Addr())
		if c.Proxy(id).Addr() == c.DirectAddr(id) {
			t.Fatalf("node %d: proxy and broker share address %s", id, c.DirectAddr(id))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("brokers advertised through the proxy mismatch (-want +got):\n%s", diff)
	}
	// On a SASL listener only ApiVersions and the SASL requests come before
	// authentication: Metadata goes through an authenticated session.
	s := dialSession(ctx, t, c.SASLAddrs()[2], nil)
	if code, _ := s.handshake(t, "PLAIN"); code != CodeNone {
		t.Fatalf("SaslHandshake(PLAIN) on node 3: error code %d", code)
	}
	if code, msg := s.authenticate(t, "\x00alice\x00alice-secret"); code != CodeNone {
		t.Fatalf("PLAIN on node 3: error code %d (%s)", code, msg)
	}
	sasl, err := decodeMetadata(s.call(t, apiMetadata, 1, binary.BigEndian.AppendUint32(nil, 0xffffffff)))
	s.close()
	if err != nil {
		t.Fatal(err)
	}
	checkAdvertised(t, "SASL", sasl, c.SASLAddrs())
	ts := dialSession(ctx, t, c.TLSAddrs()[1], &tls.Config{RootCAs: c.TLSRootCAs(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	overTLS, err := decodeMetadata(ts.call(t, apiMetadata, 1, binary.BigEndian.AppendUint32(nil, 0xffffffff)))
	ts.close()
	if err != nil {
		t.Fatal(err)
	}
	checkAdvertised(t, "TLS", overTLS, c.TLSAddrs())
	if accepted, _, _ := c.Proxy(2).Stats(); accepted == 0 {
		t.Error("proxy of node 2 saw no connection")
	}

	const topic = "failover"
	if err := c.CreateTopic(topic, 3, 3, nil); err != nil {
		t.Fatal(err)
	}
	for round, how := range []string{"SIGKILL", "SIGKILL", "SIGKILL", "SIGTERM"} {
		old, err := c.Leader(topic, 0)
		if err != nil || old < 1 {
			t.Fatalf("round %d: Leader = %d, %v", round, old, err)
		}
		var survivor int32 = 1
		if old == 1 {
			survivor = 2
		}
		start := time.Now()
		if how == "SIGKILL" {
			err = c.Kill(old)
		} else {
			err = c.Stop(old)
		}
		if err != nil {
			t.Fatal(err)
		}
		newLeader, polls := waitNewLeader(t, c, survivor, topic, old, 30*time.Second)
		failover := time.Since(start)
		t.Logf("round %d (%s): leader %d -> %d seen by node %d after %v (%d metadata polls)",
			round+1, how, old, newLeader, survivor, failover.Round(time.Millisecond), polls)

		start = time.Now()
		if err := c.Restart(old); err != nil {
			t.Fatal(err)
		}
		restarted := time.Since(start)
		waitFullISR(t, c, topic, 3, 60*time.Second)
		t.Logf("round %d: node %d restarted in %v, back in every ISR after %v",
			round+1, old, restarted.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}
}

// waitNewLeader polls node's metadata every 100 ms until partition 0 of topic has
// a leader other than old.
func waitNewLeader(t *testing.T, c *Cluster, node int32, topic string, old int32, limit time.Duration) (int32, int) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for polls := 1; ; polls++ {
		if md, err := c.Metadata(node); err == nil {
			if l, err := leaderIn(md, topic, 0); err == nil && l >= 0 && l != old {
				return l, polls
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new leader for %s/0 after %v (old leader %d)", topic, limit, old)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFullISR waits until every running node reports every partition of topic
// with rf in-sync replicas.
func waitFullISR(t *testing.T, c *Cluster, topic string, rf int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := func() error {
			for _, id := range c.RunningNodes() {
				md, err := c.Metadata(id)
				if err != nil {
					return err
				}
				tm := md.Topic(topic)
				if tm == nil {
					return fmt.Errorf("node %d: no topic", id)
				}
				for _, p := range tm.Partitions {
					if len(p.ISR) != rf {
						return fmt.Errorf("node %d: partition %d isr %v", id, p.Index, p.ISR)
					}
				}
			}
			return nil
		}()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ISR of %s not full after %v: %v", topic, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkAdvertised checks that md, asked on the listener named, lists
// exactly the addresses want.
func checkAdvertised(t *testing.T, listener string, md *Metadata, want []string) {
	t.Helper()
	var got []string
	for _, b := range md.Brokers {
		got = append(got, b.Addr())
	}
	slices.Sort(got)
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), got); diff != "" {
		t.Errorf("brokers advertised on the %s listener mismatch (-want +got):\n%s", listener, diff)
	}
}
