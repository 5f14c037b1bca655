package realkafka

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/internal/tcpproxy"
)

// Cluster is a running set of real Kafka brokers (KRaft, each node broker and
// controller, static quorum) on loopback ports, with fresh data directories.
//
// Lock story: each node's mu guards its process pointer; Cluster itself is
// immutable after Start except for closeOnce. Methods may be called from several
// goroutines, but Stop/Kill/Restart of the same node must not race each other.
type Cluster struct {
	opts      options
	version   string
	classpath string
	dir       string
	ownDir    bool
	clusterID string
	tls       *tlsMaterial // WithTLS; nil: no TLS listener
	nodes     []*node
	logf      func(format string, args ...any)
	formatted time.Duration
	ready     time.Duration
	closeOnce sync.Once
}

type node struct {
	id         int32
	cfg        brokerConfig
	dir        string
	configPath string
	logPath    string
	proxy      *tcpproxy.Proxy

	mu   sync.Mutex
	proc *process // nil while stopped
}

// errBindConflict marks a start that failed because a port picked as free was
// taken meanwhile; Start retries with new ports.
var errBindConflict = errors.New("realkafka: broker could not bind its port")

// StartCluster starts a cluster for a test and stops it (SIGKILL, every JVM) in
// t.Cleanup, also when the test fails, panics or times out. When the test failed,
// the cleanup logs the last 50 lines of every broker's log first.
//
// Skip policy: with GREGOR_SKIP_REAL_KAFKA=1, or when java/mvn are missing or the
// jars cannot be assembled, or under -short, the test is skipped with a message
// saying how to get real Kafka, unless CI=true or GREGOR_REAL_KAFKA=1, which turn
// the latter three into t.Fatal (CI must never silently skip).
func StartCluster(t testing.TB, opts ...Option) *Cluster {
	t.Helper()
	SkipIfUnavailable(t)
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	if o.dir == "" {
		opts = append(opts, WithDir(t.TempDir()))
	}
	start := time.Now()
	c, err := Start(opts...)
	if err != nil {
		if isUnavailable(err) && !Required() {
			t.Skip(err.Error())
		}
		t.Fatal(err)
	}
	c.logf = t.Logf
	t.Logf("realkafka: %d-node Kafka %s ready in %v (format %v) at %s",
		len(c.nodes), c.version, time.Since(start).Round(time.Millisecond), c.formatted.Round(time.Millisecond), c.Bootstrap())
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range c.nodes {
				t.Logf("realkafka: last lines of node %d log %s:\n%s", n.id, n.logPath, c.LogTail(n.id, 50))
			}
		}
		c.Close()
	})
	return c
}

// Required reports whether real Kafka is mandatory (CI=true or GREGOR_REAL_KAFKA=1).
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("GREGOR_REAL_KAFKA") == "1"
}

// SkipIfUnavailable skips t when real-Kafka tests are deliberately off
// (GREGOR_SKIP_REAL_KAFKA=1), or under -short unless Required.
func SkipIfUnavailable(t testing.TB) {
	t.Helper()
	if os.Getenv("GREGOR_SKIP_REAL_KAFKA") == "1" {
		t.Skip("realkafka: GREGOR_SKIP_REAL_KAFKA=1")
	}
	if testing.Short() && !Required() {
		t.Skip("realkafka: real Kafka brokers are not started under -short")
	}
}

// Start starts a cluster without a testing.TB (e.g. from TestMain); the caller
// must Close it. Errors of type *UnavailableError mean this machine cannot run real
// Kafka. Bind conflicts on the randomly picked ports are retried.
func Start(opts ...Option) (*Cluster, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	if o.nodes < 1 || o.nodes > 3 {
		return nil, fmt.Errorf("realkafka: %d nodes requested; 1 to 3 supported (three JVMs already fill two cores)", o.nodes)
	}
	if err := checkJava(); err != nil {
		return nil, err
	}
	cp, err := Ensure(o.version)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 {
		c, err := start(o, cp)
		if err == nil {
			return c, nil
		}
		lastErr = err
		if !errors.Is(err, errBindConflict) {
			break
		}
	}
	return nil, lastErr
}

func start(o options, cp string) (_ *Cluster, err error) {
	c := &Cluster{opts: o, version: o.version, classpath: cp, clusterID: newClusterID(), logf: func(string, ...any) {}}
	base := o.dir
	if base == "" {
		if base, err = os.MkdirTemp("", "gregor-kafka-"); err != nil {
			return nil, fmt.Errorf("realkafka: %w", err)
		}
		c.ownDir = true
		c.dir = base
	} else if c.dir, err = os.MkdirTemp(base, "cluster-"); err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	registerDir(c.dir)
	defer func() {
		if err != nil {
			tails := c.allTails(30)
			c.Close()
			err = fmt.Errorf("%w\n%s", err, tails)
		}
	}()

	users, err := saslUsers(o.saslUsers)
	if err != nil {
		return nil, err
	}
	perNode := 3              // client, internal, controller
	saslPort, tlsPort := 0, 0 // index of the node's SASL and TLS ports, 0: none
	if len(users) > 0 {
		saslPort = perNode
		perNode++
	}
	if o.tls {
		tlsPort = perNode
		perNode++
		if c.tls, err = newTLSMaterial(c.dir); err != nil {
			return nil, err
		}
	}
	ports, err := freePorts(perNode * o.nodes)
	if err != nil {
		return nil, err
	}
	var voters []string
	for i := range o.nodes {
		voters = append(voters, fmt.Sprintf("%d@127.0.0.1:%d", i+1, ports[perNode*i+2]))
	}
	rf, minISR := min(o.nodes, 3), 1
	if o.nodes > 1 {
		minISR = 2
	}
	for i := range o.nodes {
		n := &node{id: int32(i + 1), dir: filepath.Join(c.dir, fmt.Sprintf("node-%d", i+1))}
		n.configPath = filepath.Join(n.dir, "server.properties")
		n.logPath = filepath.Join(n.dir, "broker.log")
		n.cfg = brokerConfig{
			NodeID:         n.id,
			Voters:         strings.Join(voters, ","),
			ClientPort:     ports[perNode*i],
			AdvertisedPort: ports[perNode*i],
			InternalPort:   ports[perNode*i+1],
			ControllerPort: ports[perNode*i+2],
			DataDir:        filepath.Join(n.dir, "data"),
			AutoCreate:     o.autoCreate,
			RF:             rf,
			MinISR:         minISR,
			Kafka4:         is4x(o.version),
			FastFailover:   o.nodes > 1,
			Extra:          extraLines(o.props),
		}
		if saslPort > 0 {
			n.cfg.SASLPort, n.cfg.SASLUsers = ports[perNode*i+saslPort], users
		}
		if tlsPort > 0 {
			n.cfg.TLSPort, n.cfg.TLSKeystore = ports[perNode*i+tlsPort], c.tls.keystore
		}
		c.nodes = append(c.nodes, n)
		if o.proxy {
			if n.proxy, err = tcpproxy.New(n.directAddr()); err != nil {
				return nil, err
			}
			n.cfg.AdvertisedPort = portOf(n.proxy.Addr())
		}
		if err := os.MkdirAll(n.dir, 0o755); err != nil {
			return nil, fmt.Errorf("realkafka: %w", err)
		}
		if err := writeBrokerConfig(n.configPath, n.cfg); err != nil {
			return nil, err
		}
	}

	t0 := time.Now()
	if err := c.format(); err != nil {
		return nil, err
	}
	c.formatted = time.Since(t0)
	for _, n := range c.nodes {
		if err := c.startNode(n); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.startTimeout)
	defer cancel()
	if err := c.waitReady(ctx, c.NodeIDs()); err != nil {
		return nil, err
	}
	c.ready = time.Since(t0)
	return c, nil
}

// format runs StorageTool for every node in parallel (at most three JVMs).
func (c *Cluster) format() error {
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := []string{"format", "-t", c.clusterID, "-c", n.configPath}
			args = append(args, scramFormatArgs(n.cfg.SASLUsers)...)
			_, errs[i] = c.runJava(context.Background(), "kafka.tools.StorageTool", args...)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("realkafka: format node %d: %w", n.id, errs[i])
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (c *Cluster) startNode(n *node) error {
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		return fmt.Errorf("realkafka: %w", err)
	}
	f, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("realkafka: %w", err)
	}
	fmt.Fprintf(f, "=== realkafka: starting node %d (Kafka %s) at %s\n", n.id, c.version, time.Now().Format(time.RFC3339Nano))
	args := append([]string(nil), brokerJVM...)
	if !c.opts.fullJIT {
		args = append(args, quickJIT)
	}
	args = append(args, logConfigFlag(c.version), "-cp", c.classpath, "kafka.Kafka", n.configPath)
	cmd := exec.Command("java", args...)
	cmd.Dir = n.dir
	cmd.Stdout, cmd.Stderr = f, f
	p, err := launch(cmd, f)
	if err != nil {
		f.Close()
		return fmt.Errorf("realkafka: start node %d: %w", n.id, err)
	}
	n.mu.Lock()
	n.proc = p
	n.mu.Unlock()
	return nil
}

// waitReady polls every 100 ms until each node in ids answers ApiVersions and its
// Metadata lists every running node. A bare TCP connect is not enough: a broker
// binds its listeners before it is unfenced.
func (c *Cluster) waitReady(ctx context.Context, ids []int32) error {
	pending := map[int32]bool{}
	for _, id := range ids {
		pending[id] = true
	}
	var lastErr error
	for {
		for id := range pending {
			n := c.node(id)
			if p := n.process(); p == nil || p.exited() {
				err := fmt.Errorf("realkafka: node %d exited during startup", id)
				if strings.Contains(c.LogTail(id, 200), "Address already in use") {
					err = fmt.Errorf("%w: %w", errBindConflict, err)
				}
				return err
			}
			if lastErr = c.nodeReady(ctx, n); lastErr == nil {
				delete(pending, id)
			}
		}
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("realkafka: nodes %v not ready after %v: %w (last: %v)", keys(pending), c.opts.startTimeout, ctx.Err(), lastErr) //nolint:errorlint // lastErr may be nil; only ctx.Err() is the cause
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) nodeReady(ctx context.Context, n *node) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := RequestAPIVersions(ctx, n.directAddr()); err != nil {
		return err
	}
	md, err := RequestMetadata(ctx, n.directAddr())
	if err != nil {
		return err
	}
	for _, id := range c.RunningNodes() {
		if !md.HasBroker(id) {
			return fmt.Errorf("node %d metadata lacks broker %d", n.id, id)
		}
	}
	if addr := n.saslAddr(); addr != "" {
		// ApiVersions needs no authentication (KIP-43): proof the SASL listener
		// accepts and serves before a test dials it.
		if _, err := RequestAPIVersions(ctx, addr); err != nil {
			return fmt.Errorf("node %d SASL listener: %w", n.id, err)
		}
	}
	if n.tlsAddr() != "" {
		// A handshake with the cluster CA and ApiVersions over it: the TLS
		// listener loaded its keystore and serves.
		if err := c.tlsReady(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Close kills every JVM of the cluster (SIGKILL: tests need no graceful exit),
// waits for them, and closes the proxies. Idempotent.
func (c *Cluster) Close() {
	c.closeOnce.Do(func() {
		var wg sync.WaitGroup
		for _, n := range c.nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = c.Kill(n.id)
				if n.proxy != nil {
					_ = n.proxy.Close()
				}
			}()
		}
		wg.Wait()
		if c.ownDir {
			_ = os.RemoveAll(c.dir)
		}
	})
}

func (n *node) process() *process {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// directAddr is the broker's own client listener, bypassing any proxy. The harness
// uses it so its own checks are not hit by the faults a test injects.
func (n *node) directAddr() string { return fmt.Sprintf("127.0.0.1:%d", n.cfg.ClientPort) }

func (c *Cluster) node(id int32) *node {
	if id < 1 || int(id) > len(c.nodes) {
		return nil
	}
	return c.nodes[id-1]
}

func keys(m map[int32]bool) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// clusterDirs records every cluster directory this process created, so a test
// can prove afterwards that no JVM running from one of them survived.
var clusterDirs struct {
	mu   sync.Mutex
	dirs []string
}

func registerDir(dir string) {
	clusterDirs.mu.Lock()
	clusterDirs.dirs = append(clusterDirs.dirs, dir)
	clusterDirs.mu.Unlock()
}

func startedDirs() []string {
	clusterDirs.mu.Lock()
	defer clusterDirs.mu.Unlock()
	return append([]string(nil), clusterDirs.dirs...)
}

func portOf(addr string) int {
	var p int
	_, _ = fmt.Sscanf(addr[strings.LastIndexByte(addr, ':')+1:], "%d", &p)
	return p
}
