package kafka

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/conn"
	"github.com/gregorkafka/gregor/kafka/sasl"
)

// Option configures a Client. Options are applied in order; a later option
// overrides an earlier one of the same kind unless its doc says otherwise.
// Only this package can implement Option, so new options never break users.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Acks is how many replicas must have a record before the broker
// acknowledges it.
type Acks int16

const (
	// AcksAll waits for every in-sync replica (the default, and required by
	// idempotence). With the topic's min.insync.replicas ≥ 2 an acknowledged
	// record survives the loss of a broker.
	AcksAll Acks = -1
	// AcksLeader waits for the partition leader only: a leader crash right
	// after the ack can lose the record.
	AcksLeader Acks = 1
	// AcksNone does not wait at all: the broker sends no response, records
	// get offset -1, and errors on the broker side are never seen.
	AcksNone Acks = 0
)

func (a Acks) String() string {
	switch a {
	case AcksAll:
		return "all"
	case AcksLeader:
		return "leader"
	case AcksNone:
		return "none"
	}
	return fmt.Sprintf("Acks(%d)", int16(a))
}

// Compression is a record batch compression codec. The numeric values are
// Kafka's codec ids.
type Compression int8

const (
	CompressionNone   Compression = 0
	CompressionGzip   Compression = 1
	CompressionSnappy Compression = 2
	CompressionLZ4    Compression = 3
	// CompressionZstd needs brokers that accept Produce v7 (Kafka ≥ 2.1).
	CompressionZstd Compression = 4
)

func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gzip"
	case CompressionSnappy:
		return "snappy"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("Compression(%d)", int8(c))
}

// DialFunc dials a broker connection. It has the signature of
// (*net.Dialer).DialContext so a net.Dialer, a proxy dialer or a
// net.Pipe-based test dialer all fit.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// config is the Client's effective configuration. Zero values are filled by
// defaults() and checked by validate().
type config struct {
	brokers  []string
	clientID string

	linger          time.Duration
	lingerSet       bool
	batchMaxBytes   int
	batchMaxRecords int
	maxRequestBytes int
	maxInFlight     int
	maxInFlightSet  bool
	produceConns    int
	acks            Acks
	acksSet         bool
	idempotence     bool
	idempotenceSet  bool
	compression     Compression

	retryBackoff     time.Duration
	retryBackoffMax  time.Duration
	maxAttempts      int // 0 = unlimited, bounded by the delivery timeout
	deliveryTimeout  time.Duration
	requestTimeout   time.Duration
	dialTimeout      time.Duration
	metadataMaxAge   time.Duration
	unknownTopicWait time.Duration

	maxBufferedRecords int
	maxBufferedBytes   int64
	blockOnFull        bool

	partitioner Partitioner
	logger      *zap.Logger
	dial        DialFunc
	tls         *tls.Config
	sasl        sasl.Mechanism
}

// Defaults, and why:
//   - linger 0 with adaptive batching: a batch is sent as soon as its
//     broker's pipe is idle, and grows while requests are in flight; at
//     medium rates or with a slow broker a short, load-dependent gap keeps
//     tiny requests from flooding it (pacer.go), so nobody pays a fixed
//     linger tax at low rates (see docs/producer.md).
//   - 1 MiB batches and requests (Java's max.request.size); the broker's
//     message.max.bytes default is 1 MiB + 12.
//   - 5 in flight: the most idempotence allows (the broker remembers the
//     last 5 batches per producer and partition).
//   - acks=all with idempotence: the only setting where an acknowledged
//     record survives a broker loss without duplicates.
//   - Java's timeouts: 120 s delivery, 30 s request, 100 ms–1 s backoff.
//   - 32 MiB / 1M records of buffer (Java's buffer.memory): bursts are
//     absorbed, and more would only queue records behind a full pipe (5
//     requests in flight per broker) while the heap grows.
func defaultConfig() config {
	return config{
		clientID:           "gregor",
		batchMaxBytes:      1 << 20,
		maxRequestBytes:    1 << 20,
		maxInFlight:        5,
		produceConns:       defaultProduceConns,
		acks:               AcksAll,
		idempotence:        true,
		retryBackoff:       100 * time.Millisecond,
		retryBackoffMax:    time.Second,
		deliveryTimeout:    120 * time.Second,
		requestTimeout:     30 * time.Second,
		dialTimeout:        10 * time.Second,
		metadataMaxAge:     5 * time.Minute,
		unknownTopicWait:   10 * time.Second,
		maxBufferedRecords: 1 << 20,
		maxBufferedBytes:   32 << 20,
		blockOnFull:        true,
		partitioner:        DefaultPartitioner(),
		logger:             zap.NewNop(),
	}
}

// validate reports contradictory options with a message that says what to
// change. It also settles defaults that depend on other options.
func (c *config) validate() error {
	if len(c.brokers) == 0 {
		return &ConfigError{"WithBrokers", "at least one seed broker address (host:port) is required"}
	}
	for _, b := range c.brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			return &ConfigError{"WithBrokers", fmt.Sprintf("%q is not host:port: %v", b, err)}
		}
	}
	switch c.acks {
	case AcksAll, AcksLeader, AcksNone:
	default:
		return &ConfigError{"WithAcks", fmt.Sprintf("%d is not one of AcksAll (-1), AcksLeader (1), AcksNone (0)", c.acks)}
	}
	if c.compression < CompressionNone || c.compression > CompressionZstd {
		return &ConfigError{"WithCompression", fmt.Sprintf("unknown codec %d", c.compression)}
	}
	if c.produceConns < 1 || c.produceConns > conn.MaxProduceLanes {
		return &ConfigError{"WithProduceConnections", fmt.Sprintf("%d: must be between 1 and %d", c.produceConns, conn.MaxProduceLanes)}
	}
	if c.maxInFlight < 1 {
		return &ConfigError{"WithMaxInFlight", fmt.Sprintf("%d: must be at least 1", c.maxInFlight)}
	}
	if c.idempotence {
		if c.acks != AcksAll {
			if c.idempotenceSet {
				return &ConfigError{"WithIdempotence", fmt.Sprintf("idempotence needs WithAcks(AcksAll), got WithAcks(%v): use AcksAll or WithIdempotence(false)", c.acks)}
			}
			// Idempotence was only on by default: the user asked for a weaker
			// acks, so idempotence goes, as in the Java client.
			c.idempotence = false
		}
	}
	if c.idempotence && c.maxInFlight > 5 {
		if c.idempotenceSet || c.maxInFlightSet {
			return &ConfigError{"WithMaxInFlight", fmt.Sprintf("%d requests in flight with idempotence: at most 5 keep ordering (the broker remembers 5 batches); lower it or use WithIdempotence(false)", c.maxInFlight)}
		}
	}
	if c.idempotence && c.maxAttempts == 1 {
		return &ConfigError{"WithMaxAttempts", "idempotence needs retries (max attempts > 1, or 0 for unlimited); use WithIdempotence(false) to disable retries"}
	}
	if c.batchMaxBytes < 1 {
		return &ConfigError{"WithBatchMaxBytes", fmt.Sprintf("%d: must be positive", c.batchMaxBytes)}
	}
	if c.maxRequestBytes < 1 {
		return &ConfigError{"WithMaxRequestBytes", fmt.Sprintf("%d: must be positive", c.maxRequestBytes)}
	}
	if c.batchMaxBytes > c.maxRequestBytes {
		return &ConfigError{"WithBatchMaxBytes", fmt.Sprintf("%d exceeds WithMaxRequestBytes(%d): a batch must fit in a request", c.batchMaxBytes, c.maxRequestBytes)}
	}
	if c.batchMaxRecords < 0 {
		return &ConfigError{"WithBatchMaxRecords", "must be ≥ 0 (0 = no record limit)"}
	}
	if c.linger < 0 {
		return &ConfigError{"WithLinger", "must be ≥ 0"}
	}
	if c.requestTimeout <= 0 {
		return &ConfigError{"WithRequestTimeout", "must be positive"}
	}
	if c.deliveryTimeout <= 0 {
		return &ConfigError{"WithDeliveryTimeout", "must be positive"}
	}
	if c.deliveryTimeout < c.linger+c.requestTimeout {
		return &ConfigError{"WithDeliveryTimeout", fmt.Sprintf("%v is shorter than linger (%v) + request timeout (%v): a record could time out before one attempt completes; raise it or lower the others", c.deliveryTimeout, c.linger, c.requestTimeout)}
	}
	if c.retryBackoff <= 0 || c.retryBackoffMax < c.retryBackoff {
		return &ConfigError{"WithRetryBackoff", fmt.Sprintf("initial %v and max %v: need 0 < initial ≤ max", c.retryBackoff, c.retryBackoffMax)}
	}
	if c.maxBufferedRecords < 1 {
		return &ConfigError{"WithMaxBufferedRecords", "must be ≥ 1"}
	}
	if c.maxBufferedBytes < int64(c.batchMaxBytes) {
		return &ConfigError{"WithMaxBufferedBytes", fmt.Sprintf("%d is smaller than one batch (WithBatchMaxBytes %d)", c.maxBufferedBytes, c.batchMaxBytes)}
	}
	if c.partitioner == nil {
		return &ConfigError{"WithPartitioner", "nil partitioner"}
	}
	if c.logger == nil {
		c.logger = zap.NewNop()
	}
	return nil
}

// WithBrokers sets the seed brokers ("host:port") used to discover the
// cluster. Any of them may be down; one answering is enough. Repeated use
// is additive. Required.
func WithBrokers(addrs ...string) Option {
	return optionFunc(func(c *config) { c.brokers = append(c.brokers, addrs...) })
}

// WithClientID sets the client id sent with every request (broker logs and
// quotas use it). Default "gregor".
func WithClientID(id string) Option { return optionFunc(func(c *config) { c.clientID = id }) }

// WithLinger sets how long a non-full batch waits for more records (the
// classic fixed linger). Default 0, adaptive: a batch goes as soon as its
// broker's pipe is idle and grows on its own while requests are in flight;
// at medium rates, or when the broker answers slowly, a gap of at most
// 10 ms that grows with the load keeps it from getting a flood of tiny
// requests (docs/producer.md). A positive linger replaces that policy and
// trades latency for fewer, larger requests. ProduceSync and Flush cut it
// short.
func WithLinger(d time.Duration) Option {
	return optionFunc(func(c *config) { c.linger = d; c.lingerSet = true })
}

// WithBatchMaxBytes caps a batch's encoded size (before compression).
// Default 1 MiB; must not exceed WithMaxRequestBytes. A record larger than
// this is sent alone in its own batch, within WithMaxRequestBytes.
func WithBatchMaxBytes(n int) Option { return optionFunc(func(c *config) { c.batchMaxBytes = n }) }

// WithBatchMaxRecords caps the records in one batch. Default 0: no limit
// other than WithBatchMaxBytes.
func WithBatchMaxRecords(n int) Option { return optionFunc(func(c *config) { c.batchMaxRecords = n }) }

// WithMaxRequestBytes caps a Produce request's size (Java's
// max.request.size). Default 1 MiB. A record that cannot fit fails with
// *RecordTooLargeError before it is buffered.
func WithMaxRequestBytes(n int) Option { return optionFunc(func(c *config) { c.maxRequestBytes = n }) }

// WithMaxInFlight sets how many Produce requests may await a response on
// one broker connection. Default 5, the maximum with idempotence.
func WithMaxInFlight(n int) Option {
	return optionFunc(func(c *config) { c.maxInFlight = n; c.maxInFlightSet = true })
}

// WithProduceConnections sets how many connections to each broker carry
// Produce requests. Default 2. Each of a broker's partitions is pinned to
// one of them (the one with the fewest partitions when the partition is
// assigned), so a partition's batches stay in order; WithMaxInFlight
// applies to each connection.
//
// Why more than one: a broker handles one request per connection at a
// time (it reads the next only after answering the previous, to keep the
// responses in order), so everything sent on one connection is validated
// and written by one broker thread after the other. With two connections
// the broker works on two requests at once. 1 is what Java, librdkafka
// and franz-go do.
func WithProduceConnections(n int) Option {
	return optionFunc(func(c *config) { c.produceConns = n })
}

// WithAcks sets the acknowledgement level. Default AcksAll. Anything else
// conflicts with idempotence: NewClient fails if WithIdempotence(true) was
// given explicitly, and otherwise turns idempotence off.
func WithAcks(a Acks) Option {
	return optionFunc(func(c *config) { c.acks = a; c.acksSet = true })
}

// WithIdempotence turns the idempotent producer on or off. Default on: the
// broker discards duplicates from retries, and order is kept with up to 5
// requests in flight.
func WithIdempotence(on bool) Option {
	return optionFunc(func(c *config) { c.idempotence = on; c.idempotenceSet = true })
}

// WithCompression sets the batch codec. Default CompressionNone.
func WithCompression(codec Compression) Option {
	return optionFunc(func(c *config) { c.compression = codec })
}

// WithRetryBackoff sets the exponential backoff between attempts of a
// batch: initial, doubling up to max, with ±20% jitter. Default 100 ms, 1 s
// (Java's retry.backoff.ms and retry.backoff.max.ms).
func WithRetryBackoff(initial, max time.Duration) Option {
	return optionFunc(func(c *config) { c.retryBackoff = initial; c.retryBackoffMax = max })
}

// WithMaxAttempts caps how many times a batch is sent. Default 0: no cap,
// retries stop at the delivery timeout. 1 disables retries (and so needs
// WithIdempotence(false)).
func WithMaxAttempts(n int) Option { return optionFunc(func(c *config) { c.maxAttempts = n }) }

// WithDeliveryTimeout bounds the time from Produce to the record's
// callback: a record not acknowledged by then fails with
// *DeliveryTimeoutError. Default 120 s; must be ≥ linger + request timeout.
func WithDeliveryTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.deliveryTimeout = d })
}

// WithRequestTimeout bounds the wait for one response; a request that
// times out closes its connection (its fate is unknown) and is retried.
// Default 30 s.
func WithRequestTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.requestTimeout = d })
}

// WithDialTimeout bounds connecting to a broker (TLS handshake and version
// negotiation included). Default 10 s.
func WithDialTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.dialTimeout = d })
}

// WithMetadataMaxAge sets how often cluster metadata is refreshed even
// without errors. Default 5 minutes. Leader errors refresh at once.
func WithMetadataMaxAge(d time.Duration) Option {
	return optionFunc(func(c *config) { c.metadataMaxAge = d })
}

// WithUnknownTopicWait bounds how long records wait for a topic missing
// from metadata to appear before they fail with *UnknownTopicError.
// Default 10 s.
func WithUnknownTopicWait(d time.Duration) Option {
	return optionFunc(func(c *config) { c.unknownTopicWait = d })
}

// WithMaxBufferedRecords bounds the records held by the Client (queued or
// in flight). Default 1,048,576. See WithBlockOnBufferFull.
func WithMaxBufferedRecords(n int) Option {
	return optionFunc(func(c *config) { c.maxBufferedRecords = n })
}

// WithMaxBufferedBytes bounds the memory the Client holds for records
// (queued, in flight, or awaiting their callback): each record counts its
// encoded size plus the key, value and header bytes it keeps alive and a
// fixed per-record overhead, so the bound tracks the real heap. Default
// 32 MiB. See WithBlockOnBufferFull.
func WithMaxBufferedBytes(n int64) Option {
	return optionFunc(func(c *config) { c.maxBufferedBytes = n })
}

// WithBlockOnBufferFull chooses what Produce does when the buffer is full:
// true (default) blocks until there is room or its ctx ends; false fails
// the record at once with ErrBufferFull.
func WithBlockOnBufferFull(block bool) Option {
	return optionFunc(func(c *config) { c.blockOnFull = block })
}

// WithPartitioner sets how records are assigned to partitions. Default
// DefaultPartitioner().
func WithPartitioner(p Partitioner) Option { return optionFunc(func(c *config) { c.partitioner = p }) }

// WithLogger sets the logger for connection, retry and metadata events.
// Nothing is logged per record. Default: no logging.
func WithLogger(l *zap.Logger) Option { return optionFunc(func(c *config) { c.logger = l }) }

// WithDialer sets how broker connections are dialled. Default a
// net.Dialer with WithDialTimeout.
func WithDialer(dial DialFunc) Option { return optionFunc(func(c *config) { c.dial = dial }) }

// WithSASL authenticates every connection with m: sasl.Plain,
// sasl.ScramSHA256 or sasl.ScramSHA512 (package kafka/sasl), or your own
// sasl.Mechanism. Rejected credentials fail the records waiting for that
// broker at once with an error matching ErrAuthentication (they would be
// rejected again), instead of retrying until the delivery timeout. Without
// WithTLS the credentials cross the network in the clear (PLAIN sends the
// password itself).
func WithSASL(m sasl.Mechanism) Option { return optionFunc(func(c *config) { c.sasl = m }) }

// WithTLS enables TLS to every broker with cfg (cloned per connection; if
// ServerName is empty the broker's host is used).
func WithTLS(cfg *tls.Config) Option { return optionFunc(func(c *config) { c.tls = cfg }) }
