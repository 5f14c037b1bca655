package kafka_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gregorkafka/gregor/internal/realkafka"
	"github.com/gregorkafka/gregor/kafka"
)

// Sizes of the real-Kafka reliability runs. The defaults keep CI within its
// budget (about 4 minutes with the race detector on 2 shared cores); the
// full run documented in docs/reliability.md is
//
//	GREGOR_RELIABILITY_FULL=1 go test -run TestReliabilityRealKafka -timeout 60m ./kafka/
//
// which produces at least 1,000,000 records per run and kills a leader (and
// cycles the network faults) 3 times. GREGOR_RELIABILITY_RECORDS and
// GREGOR_RELIABILITY_ROUNDS override either figure.
func reliabilitySizes(t *testing.T) (records, rounds int) {
	records, rounds = 100_000, 1
	if os.Getenv("GREGOR_RELIABILITY_FULL") != "" {
		records, rounds = 1_000_000, 3
	}
	return envInt(t, "GREGOR_RELIABILITY_RECORDS", records), envInt(t, "GREGOR_RELIABILITY_ROUNDS", rounds)
}

// ignoreHarness ignores the goroutines of the real-Kafka harness itself
// (the reaper of a broker JVM restarted during the test lives as long as
// the JVM): they are not the Client's.
var ignoreHarness = goleak.IgnoreAnyFunction("github.com/gregorkafka/gregor/internal/realkafka.launch.func1")

// TestReliabilityRealKafka runs the leader-kill and network-fault runs on
// one 3-node Kafka 4.4 cluster (RF 3, min.insync.replicas 2, a fault proxy
// in front of each broker), to pay the cluster start once.
func TestReliabilityRealKafka(t *testing.T) {
	if testing.Short() {
		t.Skip("real-Kafka reliability runs take minutes; not with -short")
	}
	leakOpts := []goleak.Option{goleak.IgnoreCurrent(), ignoreHarness}
	t.Cleanup(func() { goleak.VerifyNone(t, leakOpts...) }) // runs last: after the cluster stopped
	rk := realkafka.StartCluster(t, realkafka.WithNodes(3), realkafka.WithProxy(),
		realkafka.WithVersion(envString("GREGOR_RELIABILITY_KAFKA", realkafka.DefaultVersion)),
		realkafka.WithAutoCreateTopics(false))
	records, rounds := reliabilitySizes(t)
	t.Logf("Kafka %s, %d records minimum per run, %d rounds", rk.Version(), records, rounds)

	t.Run("LeaderKills", func(t *testing.T) {
		const topic, partitions = "rel-kills", 6
		createTopic(t, rk, topic, partitions)
		kills := &killChaos{rk: rk, topic: topic, partitions: partitions, kills: rounds, interval: 10 * time.Second}
		runReliability(t, rk, runConfig{
			topic: topic, partitions: partitions, minRecords: records,
			chaos: kills.run,
			// Defaults everywhere (acks=all, idempotence, 120 s delivery
			// timeout): the configuration users get.
		})
		kills.report(t)
	})

	t.Run("NetworkFaults", func(t *testing.T) {
		const topic, partitions = "rel-net", 6
		createTopic(t, rk, topic, partitions)
		const requestTimeout = 3 * time.Second
		net := &netChaos{rk: rk, rounds: rounds, requestTimeout: requestTimeout}
		runReliability(t, rk, runConfig{
			topic: topic, partitions: partitions, minRecords: records,
			chaos: net.run,
			opts: []kafka.Option{
				kafka.WithRequestTimeout(requestTimeout),
				kafka.WithDialTimeout(requestTimeout),
			},
			deliveryTimeout: 60 * time.Second,
		})
		net.report(t)
	})

	// A stall longer than the delivery timeout: records of the stalled
	// broker's partitions must fail, each with a typed error within the
	// delivery timeout; those reported as never sent must not be in the
	// log, and nothing acknowledged may be lost or duplicated.
	t.Run("DeliveryTimeout", func(t *testing.T) {
		const topic, partitions = "rel-timeout", 6
		createTopic(t, rk, topic, partitions)
		const requestTimeout, deliveryTimeout = 2 * time.Second, 8 * time.Second
		stall := &stallChaos{rk: rk, d: deliveryTimeout + 4*time.Second}
		led := runReliability(t, rk, runConfig{
			topic: topic, partitions: partitions, minRecords: records / 4,
			chaos: stall.run,
			opts: []kafka.Option{
				kafka.WithRequestTimeout(requestTimeout),
				kafka.WithDialTimeout(requestTimeout),
			},
			deliveryTimeout: deliveryTimeout,
		})
		t.Logf("node %d stalled for %v", stall.node, stall.d)
		if led.failed.Load() == 0 {
			t.Errorf("no record failed although node %d was stalled %v, past the %v delivery timeout", stall.node, stall.d, deliveryTimeout)
		}
	})
}

// stallChaos stalls the client traffic of the leader of partition 0 for d.
type stallChaos struct {
	rk   *realkafka.Cluster
	d    time.Duration
	node int32
}

func (s *stallChaos) run(ctx context.Context, t *testing.T) error {
	select {
	case <-time.After(2 * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	node, err := s.rk.Leader("rel-timeout", 0)
	if err != nil {
		return err
	}
	s.node = node
	s.rk.Proxy(node).Stall(true)
	defer s.rk.Proxy(node).Stall(false)
	select {
	case <-time.After(s.d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func envString(name, def string) string {
	if s := os.Getenv(name); s != "" {
		return s
	}
	return def
}

func createTopic(t *testing.T, rk *realkafka.Cluster, topic string, partitions int) {
	t.Helper()
	if err := rk.CreateTopic(topic, partitions, 3, map[string]string{"min.insync.replicas": "2"}); err != nil {
		t.Fatal(err)
	}
}

type runConfig struct {
	topic      string
	partitions int
	minRecords int
	opts       []kafka.Option
	// deliveryTimeout is passed to the Client and bounds failure latency
	// (0: the default, 120 s).
	deliveryTimeout time.Duration
	// chaos runs while records are produced; production goes on until
	// chaos returned and minRecords were produced, at full speed for the
	// first 5×minRecords, then at about 20k records/s.
	chaos func(ctx context.Context, t *testing.T) error
}

const (
	relKeys      = 60  // distinct keys; per-key sequences are checked
	relValueSize = 100 // bytes per value
)

// runReliability produces numbered keyed records at full speed while the
// chaos function breaks things, waits for every callback, closes the
// Client, reads every partition back and checks the ledger against it.
func runReliability(t *testing.T, rk *realkafka.Cluster, cfg runConfig) *ledger {
	leakOpts := []goleak.Option{goleak.IgnoreCurrent(), ignoreHarness}
	defer goleak.VerifyNone(t, leakOpts...)

	deliveryTimeout := 120 * time.Second // the default
	if cfg.deliveryTimeout > 0 {
		deliveryTimeout = cfg.deliveryTimeout
	}
	events := newEventCounter()
	opts := append([]kafka.Option{kafka.WithBrokers(rk.Addrs()...), kafka.WithDeliveryTimeout(deliveryTimeout),
		kafka.WithLogger(events.logger())}, cfg.opts...)
	c, err := kafka.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	led := newLedger(deliveryTimeout)
	keys := make([][]byte, relKeys)
	for k := range keys {
		keys[k] = []byte(fmt.Sprintf("key-%03d", k))
	}
	seqs := make([]int64, relKeys)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var chaosDone atomic.Bool
	chaosErr := make(chan error, 1)
	go func() {
		err := cfg.chaos(ctx, t)
		chaosDone.Store(true)
		chaosErr <- err
	}()
	start := time.Now()
	// Beside the full-speed Produce loop, a few goroutines call ProduceSync
	// with short contexts, one key each: a context that ends must mean
	// "stop waiting" (ErrNotSent: never in the log; ErrOutcomeUnknown: in
	// the log at most once), and per-key order must hold regardless.
	stopSync := make(chan struct{})
	var syncWG sync.WaitGroup
	var syncIDs atomic.Int64
	syncers := 3
	if os.Getenv("GREGOR_RELIABILITY_SYNC") == "0" {
		syncers = 0
	}
	for g := range syncers {
		syncWG.Add(1)
		go func() {
			defer syncWG.Done()
			timeouts := []time.Duration{5 * time.Millisecond, 50 * time.Millisecond, 500 * time.Millisecond, time.Minute}
			key := relKeys + g
			kb := []byte(fmt.Sprintf("sync-%d", g))
			for seq := int64(1); ; seq++ {
				select {
				case <-stopSync:
					return
				default:
				}
				id := syncIDBase + syncIDs.Add(1)
				rec := &kafka.Record{Topic: cfg.topic, Key: kb, Value: encodeValue(make([]byte, 0, relValueSize), id, key, seq, relValueSize)}
				sctx, scancel := context.WithTimeout(ctx, timeouts[int(seq)%len(timeouts)])
				err := c.ProduceSync(sctx, rec)
				scancel()
				led.syncDone(id, rec, err)
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	fullSpeed := 5 * cfg.minRecords
	for i := 0; i < cfg.minRecords || !chaosDone.Load(); i++ {
		if i >= fullSpeed && i%100 == 0 {
			// Past 5× the minimum, keep traffic flowing through the rest of
			// the fault schedule at about 20k records/s instead of full
			// speed, so a long schedule does not pile up tens of millions
			// of records to read back.
			time.Sleep(5 * time.Millisecond)
		}
		id := led.issue()
		k := rng.IntN(relKeys)
		seqs[k]++
		c.Produce(context.Background(), &kafka.Record{
			Topic: cfg.topic,
			Key:   keys[k],
			Value: encodeValue(make([]byte, 0, relValueSize), id, k, seqs[k], relValueSize),
		}, led.callback)
	}
	produced := time.Since(start)
	close(stopSync)
	syncWG.Wait()
	if err := <-chaosErr; err != nil {
		t.Errorf("fault schedule: %v", err)
	}
	flushCtx, flushCancel := context.WithTimeout(ctx, deliveryTimeout+time.Minute)
	ferr := c.Flush(flushCtx)
	flushCancel()
	flushed := time.Since(start)
	if ferr != nil {
		t.Errorf("Flush: %v (callbacks pending beyond the delivery timeout)", ferr)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	n := led.produced.Load()
	t.Logf("produced %d records in %v (%.0f records/s), all callbacks after %v; longest ack latency %v, longest time without an ack %v, longest failure latency %v",
		n, produced.Round(time.Millisecond), float64(n)/produced.Seconds(), flushed.Round(time.Millisecond),
		time.Duration(led.maxAckNanos.Load()).Round(time.Millisecond), time.Duration(led.maxAckGap.Load()).Round(time.Millisecond),
		time.Duration(led.maxFailNanos.Load()).Round(time.Millisecond))
	if led.failed.Load() > 0 {
		t.Logf("failures by error:%s", led.failureSummary())
	}

	t.Logf("client events: %s", events)
	if events.count("kafka: retrying batch")+events.count("conn: connection died") == 0 {
		t.Errorf("the client saw no retry and no dead connection: the faults missed it")
	}

	readStart := time.Now()
	log, err := readBack(ctx, rk, cfg.topic, cfg.partitions)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	t.Logf("read back in %v", time.Since(readStart).Round(time.Millisecond))
	assertVerdict(t, led.check(log))
	return led
}

// killChaos SIGKILLs the leader of a partition, waits for a new leader,
// restarts the broker, waits until every partition is fully replicated
// again, and repeats every interval.
type killChaos struct {
	rk         *realkafka.Cluster
	topic      string
	partitions int
	kills      int
	interval   time.Duration

	log []string
}

func (k *killChaos) run(ctx context.Context, t *testing.T) error {
	next := time.Now().Add(3 * time.Second) // let the producer reach full speed
	for i := 0; i < k.kills; i++ {
		select {
		case <-time.After(time.Until(next)):
		case <-ctx.Done():
			return ctx.Err()
		}
		next = time.Now().Add(k.interval)
		p := int32(i % k.partitions)
		victim, err := k.rk.Leader(k.topic, p)
		if err != nil {
			return fmt.Errorf("kill %d: leader of partition %d: %w", i+1, p, err)
		}
		if victim < 0 {
			return fmt.Errorf("kill %d: partition %d has no leader", i+1, p)
		}
		t0 := time.Now()
		if err := k.rk.Kill(victim); err != nil {
			return err
		}
		var failover time.Duration
		for {
			l, err := k.rk.Leader(k.topic, p)
			if err == nil && l >= 0 && l != victim {
				failover = time.Since(t0)
				break
			}
			if time.Since(t0) > time.Minute {
				return fmt.Errorf("kill %d: no new leader for partition %d within a minute", i+1, p)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Second) // stay down a little past the election
		t1 := time.Now()
		if err := k.rk.Restart(victim); err != nil {
			return fmt.Errorf("kill %d: restart node %d: %w", i+1, victim, err)
		}
		restarted := time.Since(t1)
		if err := waitFullISR(ctx, k.rk, k.topic, 3, 2*time.Minute); err != nil {
			return fmt.Errorf("kill %d: %w", i+1, err)
		}
		k.log = append(k.log, fmt.Sprintf("kill %d: node %d (leader of partition %d): new leader after %v, restarted in %v, full ISR after %v",
			i+1, victim, p, failover.Round(10*time.Millisecond), restarted.Round(10*time.Millisecond), time.Since(t0).Round(10*time.Millisecond)))
	}
	return nil
}

func (k *killChaos) report(t *testing.T) {
	for _, l := range k.log {
		t.Log(l)
	}
	if len(k.log) < k.kills {
		t.Errorf("only %d of %d kills done", len(k.log), k.kills)
	}
}

// waitFullISR waits until every partition of topic has rf in-sync replicas.
func waitFullISR(ctx context.Context, rk *realkafka.Cluster, topic string, rf int, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		var why string
		running := rk.RunningNodes()
		if len(running) == 0 {
			return fmt.Errorf("no running node")
		}
		md, err := rk.Metadata(running[0])
		switch {
		case err != nil:
			why = err.Error()
		case md.Topic(topic) == nil:
			why = "topic missing"
		default:
			for _, p := range md.Topic(topic).Partitions {
				if len(p.ISR) < rf || p.Leader < 0 {
					why = fmt.Sprintf("partition %d leader %d isr %v", p.Index, p.Leader, p.ISR)
					break
				}
			}
		}
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ISR of %q not full after %v: %s", topic, d, why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// netChaos breaks the client connections through the proxies, in rounds of
// three phases: resets at random byte positions and random moments, a
// stall of one broker longer than the request timeout, and a slow link.
type netChaos struct {
	rk             *realkafka.Cluster
	rounds         int
	requestTimeout time.Duration

	log []string
}

func (n *netChaos) run(ctx context.Context, t *testing.T) error {
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	nodes := n.rk.NodeIDs()
	sleep := func(d time.Duration) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := sleep(2 * time.Second); err != nil {
		return err
	}
	for r := 1; r <= n.rounds; r++ {
		// Phase 1: resets. Each connection is cut after a random number of
		// bytes (so mid-frame), and now and then every connection of a
		// random broker is reset at once.
		resets := 0
		phaseEnd := time.Now().Add(5 * time.Second)
		for time.Now().Before(phaseEnd) {
			node := nodes[rng.IntN(len(nodes))]
			if rng.IntN(3) == 0 {
				n.rk.Proxy(node).CutAll()
			} else {
				n.rk.Proxy(node).ResetAfterBytes(int64(1 + rng.IntN(256<<10)))
			}
			resets++
			if err := sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond); err != nil {
				return err
			}
		}
		for _, node := range nodes {
			n.rk.Proxy(node).ResetAfterBytes(0)
		}
		// Phase 2: one broker's client traffic stalls for twice the request
		// timeout (replication does not go through the proxy: the broker
		// stays leader, its partitions wait).
		victim := nodes[rng.IntN(len(nodes))]
		n.rk.Proxy(victim).Stall(true)
		stall := 2 * n.requestTimeout
		err := sleep(stall)
		n.rk.Proxy(victim).Stall(false)
		if err != nil {
			return err
		}
		if err := sleep(time.Second); err != nil {
			return err
		}
		// Phase 3: a slow link to another broker: 30 ms latency each way
		// and 2 MB/s.
		slow := nodes[(slices.Index(nodes, victim)+1)%len(nodes)]
		n.rk.Proxy(slow).SetLatency(30 * time.Millisecond)
		n.rk.Proxy(slow).SetBandwidth(2 << 20)
		err = sleep(5 * time.Second)
		n.rk.Proxy(slow).SetLatency(0)
		n.rk.Proxy(slow).SetBandwidth(0)
		if err != nil {
			return err
		}
		n.log = append(n.log, fmt.Sprintf("round %d: %d resets/cuts over 5 s; node %d stalled %v; node %d slowed (30 ms, 2 MB/s) for 5 s",
			r, resets, victim, stall, slow))
		if err := sleep(time.Second); err != nil {
			return err
		}
	}
	return nil
}

func (n *netChaos) report(t *testing.T) {
	for _, l := range n.log {
		t.Log(l)
	}
	var stats []string
	for _, node := range n.rk.NodeIDs() {
		a, rej, open := n.rk.Proxy(node).Stats()
		stats = append(stats, fmt.Sprintf("node %d: %d accepted, %d rejected, %d open", node, a, rej, open))
	}
	sort.Strings(stats)
	t.Logf("proxy connections: %s", strings.Join(stats, "; "))
	if len(n.log) < n.rounds {
		t.Errorf("only %d of %d fault rounds done", len(n.log), n.rounds)
	}
}
