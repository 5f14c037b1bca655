package realkafka

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/internal/tcpproxy"
)

// stopGrace is how long Stop waits for a controlled shutdown before SIGKILL; a node
// that has lost its quorum can otherwise hang in shutdown.
const stopGrace = 20 * time.Second

// Version returns the Kafka release the cluster runs.
func (c *Cluster) Version() string { return c.version }

// Dir returns the directory holding every node's config, data and log.
func (c *Cluster) Dir() string { return c.dir }

// Classpath returns the java classpath of this Kafka version ("<libs>/*").
func (c *Cluster) Classpath() string { return c.classpath }

// StartupTime returns how long Start took from formatting to every broker ready,
// and the part of it spent formatting storage.
func (c *Cluster) StartupTime() (total, format time.Duration) { return c.ready, c.formatted }

// Addrs returns the addresses clients should bootstrap from, one per node in node
// order: the proxy addresses WithProxy, else the brokers' own listeners. They are
// also what Metadata responses advertise.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = fmt.Sprintf("127.0.0.1:%d", n.cfg.AdvertisedPort)
	}
	return out
}

// Bootstrap returns Addrs joined with commas, as bootstrap.servers expects.
func (c *Cluster) Bootstrap() string { return strings.Join(c.Addrs(), ",") }

// NodeIDs returns every node ID (1..n), running or not.
func (c *Cluster) NodeIDs() []int32 {
	out := make([]int32, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.id
	}
	return out
}

// RunningNodes returns the IDs of nodes whose JVM is alive.
func (c *Cluster) RunningNodes() []int32 {
	var out []int32
	for _, n := range c.nodes {
		if p := n.process(); p != nil && !p.exited() {
			out = append(out, n.id)
		}
	}
	return out
}

// Proxy returns the proxy in front of node, or nil without WithProxy.
func (c *Cluster) Proxy(node int32) *tcpproxy.Proxy {
	if n := c.node(node); n != nil {
		return n.proxy
	}
	return nil
}

// DirectAddr returns node's own client listener, bypassing its proxy.
func (c *Cluster) DirectAddr(node int32) string {
	if n := c.node(node); n != nil {
		return n.directAddr()
	}
	return ""
}

// LogPath returns the file collecting node's stdout and stderr (all restarts).
func (c *Cluster) LogPath(node int32) string {
	if n := c.node(node); n != nil {
		return n.logPath
	}
	return ""
}

// LogTail returns the last lines of node's log.
func (c *Cluster) LogTail(node int32, lines int) string {
	n := c.node(node)
	if n == nil {
		return ""
	}
	b, err := os.ReadFile(n.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return tail(string(b), lines)
}

func (c *Cluster) allTails(lines int) string {
	var b strings.Builder
	for _, n := range c.nodes {
		fmt.Fprintf(&b, "--- node %d log (last %d lines) ---\n%s\n", n.id, lines, c.LogTail(n.id, lines))
	}
	return b.String()
}

// Kill sends SIGKILL to node and waits until it is gone: a crash, no controlled
// shutdown. Killing a stopped node is a no-op.
func (c *Cluster) Kill(node int32) error {
	n := c.node(node)
	if n == nil {
		return fmt.Errorf("realkafka: no node %d", node)
	}
	if p := n.process(); p != nil {
		p.kill()
	}
	n.mu.Lock()
	n.proc = nil
	n.mu.Unlock()
	return nil
}

// Stop sends SIGTERM to node (Kafka moves its leaderships away in a controlled
// shutdown) and escalates to SIGKILL after 20 s. Stopping a stopped node is a no-op.
func (c *Cluster) Stop(node int32) error {
	n := c.node(node)
	if n == nil {
		return fmt.Errorf("realkafka: no node %d", node)
	}
	p := n.process()
	if p == nil {
		return nil
	}
	clean := p.stop(stopGrace)
	n.mu.Lock()
	n.proc = nil
	n.mu.Unlock()
	if !clean {
		c.logf("realkafka: node %d ignored SIGTERM for %v; killed", node, stopGrace)
	}
	return nil
}

// Restart stops node if it runs (SIGTERM), starts it again on the same ports and
// data, and waits until it answers and lists every running node.
func (c *Cluster) Restart(node int32) error {
	n := c.node(node)
	if n == nil {
		return fmt.Errorf("realkafka: no node %d", node)
	}
	if err := c.Stop(node); err != nil {
		return err
	}
	if err := c.startNode(n); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.startTimeout)
	defer cancel()
	if err := c.waitReady(ctx, []int32{node}); err != nil {
		return fmt.Errorf("%w\n--- node %d log ---\n%s", err, node, c.LogTail(node, 40))
	}
	return nil
}

// Metadata asks node (directly, bypassing its proxy) for metadata of all topics.
func (c *Cluster) Metadata(node int32) (*Metadata, error) {
	n := c.node(node)
	if n == nil {
		return nil, fmt.Errorf("realkafka: no node %d", node)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return RequestMetadata(ctx, n.directAddr())
}

// anyMetadata asks the running nodes in turn until one answers.
func (c *Cluster) anyMetadata() (*Metadata, int32, error) {
	err := fmt.Errorf("realkafka: no running node")
	for _, id := range c.RunningNodes() {
		var md *Metadata
		if md, err = c.Metadata(id); err == nil {
			return md, id, nil
		}
	}
	return nil, -1, err
}

// Leader returns the leader of topic/partition as seen by the first running node
// that answers, or -1 while the partition has no leader.
func (c *Cluster) Leader(topic string, partition int32) (nodeID int32, err error) {
	md, _, err := c.anyMetadata()
	if err != nil {
		return -1, err
	}
	return leaderIn(md, topic, partition)
}

func leaderIn(md *Metadata, topic string, partition int32) (int32, error) {
	t := md.Topic(topic)
	if t == nil {
		return -1, fmt.Errorf("realkafka: topic %q not in metadata", topic)
	}
	if t.ErrorCode != CodeNone {
		return -1, &BrokerError{API: "Metadata", Name: topic, Code: t.ErrorCode}
	}
	for _, p := range t.Partitions {
		if p.Index == partition {
			return p.Leader, nil
		}
	}
	return -1, fmt.Errorf("realkafka: topic %q has no partition %d", topic, partition)
}

// CreateTopic creates a topic through a CreateTopics request (forwarded to the
// active controller) and waits until every running broker reports a leader and a
// full ISR for every partition, so a client bootstrapping from any broker can use
// it at once. A topic that already exists is a *BrokerError with
// Code == CodeTopicAlreadyExists.
func (c *Cluster) CreateTopic(name string, partitions, rf int, configs map[string]string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	spec := TopicSpec{Name: name, Partitions: int32(partitions), ReplicationFactor: int16(rf), Configs: configs}
	err := fmt.Errorf("realkafka: no running node")
	var netErrs []error
	for _, id := range c.RunningNodes() {
		err = RequestCreateTopic(ctx, c.node(id).directAddr(), spec, 30*time.Second)
		var be *BrokerError
		if errors.As(err, &be) && be.Code == CodeTopicAlreadyExists && len(netErrs) > 0 {
			// An earlier attempt failed on the network after the controller had
			// already created the topic: that creation was ours.
			err = nil
		}
		if err == nil || errors.As(err, &be) || errors.Is(err, ErrMalformed) {
			break
		}
		netErrs = append(netErrs, fmt.Errorf("node %d: %w", id, err))
	}
	if err != nil {
		return errors.Join(append(netErrs, err)...)
	}
	for {
		if err = c.topicSettled(name, partitions, rf); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("realkafka: topic %q created but not settled: %w", name, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *Cluster) topicSettled(name string, partitions, rf int) error {
	for _, id := range c.RunningNodes() {
		md, err := c.Metadata(id)
		if err != nil {
			return err
		}
		t := md.Topic(name)
		if t == nil || t.ErrorCode != CodeNone || len(t.Partitions) != partitions {
			return fmt.Errorf("node %d does not list %d partitions of %q yet", id, partitions, name)
		}
		for _, p := range t.Partitions {
			if p.Leader < 0 || len(p.ISR) < min(rf, len(c.RunningNodes())) {
				return fmt.Errorf("node %d: %q partition %d leader %d isr %v", id, name, p.Index, p.Leader, p.ISR)
			}
		}
	}
	return nil
}
