package realkafka

import (
	"maps"
	"time"
)

// Option configures StartCluster and Start.
type Option interface{ apply(*options) }

type options struct {
	version      string
	nodes        int
	props        map[string]string
	proxy        bool
	autoCreate   bool
	fullJIT      bool
	startTimeout time.Duration
	dir          string
	saslUsers    map[string]string // WithSASL; nil: no SASL listener
	tls          bool              // WithTLS
}

func defaultOptions() options {
	return options{
		version:      DefaultVersion,
		nodes:        1,
		props:        map[string]string{},
		autoCreate:   true,
		startTimeout: 90 * time.Second,
	}
}

type versionOption string

func (o versionOption) apply(c *options) { c.version = ResolveVersion(string(o)) }

// WithVersion selects the Kafka release ("4.4.0" by default; "3.9.x" means
// Version39). Loop over Versions() to cover every version the suite targets.
func WithVersion(v string) Option { return versionOption(v) }

type nodesOption int

func (o nodesOption) apply(c *options) { c.nodes = int(o) }

// WithNodes sets the number of combined broker+controller nodes, 1 (default) to 3.
// With more than one node the replication factor defaults to 3 (or the node count),
// min.insync.replicas to 2, and the fast-failover settings of the template apply.
func WithNodes(n int) Option { return nodesOption(n) }

type propsOption map[string]string

func (o propsOption) apply(c *options) { maps.Copy(c.props, o) }

// WithBrokerProperties adds broker properties, applied to every node after the
// harness's own so they win. Repeated use is additive.
func WithBrokerProperties(props map[string]string) Option { return propsOption(maps.Clone(props)) }

type proxyOption bool

func (o proxyOption) apply(c *options) { c.proxy = bool(o) }

// WithProxy puts a tcpproxy.Proxy in front of every broker and makes the brokers
// advertise the proxy's port, so all client traffic (bootstrap and every
// connection metadata leads to) flows through a proxy the test can break.
// Replication and the controller quorum use their own listeners and bypass it.
func WithProxy() Option { return proxyOption(true) }

type autoCreateOption bool

func (o autoCreateOption) apply(c *options) { c.autoCreate = bool(o) }

// WithAutoCreateTopics sets auto.create.topics.enable (default true, as Kafka's).
func WithAutoCreateTopics(on bool) Option { return autoCreateOption(on) }

type fullJITOption bool

func (o fullJITOption) apply(c *options) { c.fullJIT = bool(o) }

// WithFullJIT runs the brokers with the C2 compiler. By default brokers stop at C1
// (-XX:TieredStopAtLevel=1), which starts them sooner but is slower under load:
// anything that measures throughput or latency must use this option.
func WithFullJIT() Option { return fullJITOption(true) }

type timeoutOption time.Duration

func (o timeoutOption) apply(c *options) { c.startTimeout = time.Duration(o) }

// WithStartTimeout bounds how long Start (and Restart) wait for brokers to be
// ready; default 90 s, generous for three JVMs on two cores.
func WithStartTimeout(d time.Duration) Option { return timeoutOption(d) }

type dirOption string

func (o dirOption) apply(c *options) { c.dir = string(o) }

// WithDir puts the cluster's configs, data and logs under dir instead of a new
// temporary directory (StartCluster uses t.TempDir()). The caller owns dir.
func WithDir(dir string) Option { return dirOption(dir) }
