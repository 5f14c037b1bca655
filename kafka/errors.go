package kafka

import (
	"errors"
	"fmt"
	"time"

	"github.com/gregorkafka/gregor/kafka/conn"
)

// Sentinel errors. Every error the Client returns or passes to a callback
// either is one of these, wraps one of them (use errors.Is), is one of the
// typed errors below (use errors.As), or wraps a broker error from
// kafka/wire (errors.Is(err, wire.ErrNotLeaderOrFollower), errors.As(err,
// new(*wire.Error))).
var (
	// ErrClosed: the Client was closed before the record could be delivered,
	// or Produce was called after Close.
	ErrClosed = errors.New("kafka: client closed")

	// ErrBufferFull: the producer buffer (WithMaxBufferedRecords,
	// WithMaxBufferedBytes) had no room and the Client runs in fail-fast
	// mode (WithBlockOnBufferFull(false)).
	ErrBufferFull = errors.New("kafka: producer buffer full")

	// ErrInvalidRecord: the record can never be produced as it is (nil
	// record, empty or invalid topic name, invalid header). Wrapped with
	// the reason.
	ErrInvalidRecord = errors.New("kafka: invalid record")

	// ErrNotSent is wrapped (together with the context's error) when a
	// record's context ended before the record was written to any broker:
	// the record was removed and will never be produced.
	ErrNotSent = errors.New("kafka: record not sent")

	// ErrOutcomeUnknown is wrapped (together with the context's error)
	// when ProduceSync's context ended after the record was written to a
	// broker: it may or may not be committed. The Client keeps delivering
	// it (idempotence keeps retries from duplicating it).
	ErrOutcomeUnknown = errors.New("kafka: record outcome unknown")
)

// ErrAuthentication: authentication with a broker failed: SASL (WithSASL:
// the broker refused the credentials, does not enable the mechanism, or
// could not prove it knows them, SCRAM) or TLS (WithTLS: the broker's
// certificate does not verify). Records that waited for that broker, or
// for metadata, fail with an error wrapping it at once: the same
// credentials or certificate would fail again. It is
// conn.ErrAuthentication.
var ErrAuthentication = conn.ErrAuthentication

// ErrCompressionUnsupported: the broker cannot accept the configured
// codec (zstd needs Produce v7, Kafka 2.1 or later). Records fail with an
// error wrapping it.
var ErrCompressionUnsupported = errors.New("kafka: compression codec not supported by the broker")

// ErrUnsupportedBroker: a broker cannot take this client's requests (it
// offers no Produce version with record batch v2, i.e. it predates Kafka
// 0.11). Records fail with an error wrapping it and
// wire.ErrUnsupportedVersion.
var ErrUnsupportedBroker = errors.New("kafka: broker version not supported")

var errZstdUnsupported = fmt.Errorf("%w: zstd needs Produce v7 (Kafka 2.1 or later)", ErrCompressionUnsupported)

// InvalidRecordError is a record the broker refused (Produce v8+, Kafka
// 2.4 or later, names the records at fault, KIP-467): a record without a
// key for a compacted topic (wire.ErrInvalidRecord), a timestamp outside
// the topic's allowed range (wire.ErrInvalidTimestamp), and the like. The
// broker appended nothing of the batch; the client sends its other records
// again, so only the records at fault fail. It matches ErrInvalidRecord
// and, through Err, the broker's error.
type InvalidRecordError struct {
	Topic     string
	Partition int32
	Message   string // the broker's reason for this record, if it gave one
	Err       error  // the broker's error for the partition (a *wire.Error)
}

func (e *InvalidRecordError) Error() string {
	msg := fmt.Sprintf("kafka: produce to %s[%d]: the broker refused the record: %v", e.Topic, e.Partition, e.Err)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is makes errors.Is(err, ErrInvalidRecord) true.
func (e *InvalidRecordError) Is(target error) bool { return target == ErrInvalidRecord }

func (e *InvalidRecordError) Unwrap() error { return e.Err }

// RecordTooLargeError reports a record whose encoded size exceeds the
// limit that applies to it. It matches ErrRecordTooLarge with errors.Is.
type RecordTooLargeError struct {
	Size  int    // encoded size of the record batch holding only this record
	Limit int    // the limit exceeded
	What  string // which limit: "max request bytes", "buffer bytes", "broker max message bytes"
}

// ErrRecordTooLarge matches every *RecordTooLargeError.
var ErrRecordTooLarge = errors.New("kafka: record too large")

func (e *RecordTooLargeError) Error() string {
	if e.Limit <= 0 { // the broker's limit is not known to the client
		return fmt.Sprintf("kafka: record too large: a batch of %d bytes holding only this record exceeds the %s limit", e.Size, e.What)
	}
	return fmt.Sprintf("kafka: record too large: %d bytes exceeds the %s limit of %d", e.Size, e.What, e.Limit)
}

// Is makes errors.Is(err, ErrRecordTooLarge) true.
func (e *RecordTooLargeError) Is(target error) bool { return target == ErrRecordTooLarge }

// UnknownTopicError reports a topic that did not appear in the cluster's
// metadata within the Client's topic wait time (auto-creation off or
// failing). It matches ErrUnknownTopic.
type UnknownTopicError struct {
	Topic  string
	Waited time.Duration
	// Cause is why metadata could not be had, when it could not (no
	// broker reachable: the dial error); nil when brokers answered
	// without the topic.
	Cause error
}

// ErrUnknownTopic matches every *UnknownTopicError.
var ErrUnknownTopic = errors.New("kafka: unknown topic")

func (e *UnknownTopicError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("kafka: unknown topic %q (no metadata after %v: %v)", e.Topic, e.Waited, e.Cause)
	}
	return fmt.Sprintf("kafka: unknown topic %q (not in metadata after %v)", e.Topic, e.Waited)
}

// Unwrap returns Cause.
func (e *UnknownTopicError) Unwrap() error { return e.Cause }

// Is makes errors.Is(err, ErrUnknownTopic) true.
func (e *UnknownTopicError) Is(target error) bool { return target == ErrUnknownTopic }

// InvalidPartitionError reports a partition outside the topic's range.
// It matches ErrInvalidPartition.
type InvalidPartitionError struct {
	Topic      string
	Partition  int32
	Partitions int
}

// ErrInvalidPartition matches every *InvalidPartitionError.
var ErrInvalidPartition = errors.New("kafka: invalid partition")

func (e *InvalidPartitionError) Error() string {
	return fmt.Sprintf("kafka: invalid partition %d for topic %q with %d partitions", e.Partition, e.Topic, e.Partitions)
}

// Is makes errors.Is(err, ErrInvalidPartition) true.
func (e *InvalidPartitionError) Is(target error) bool { return target == ErrInvalidPartition }

// DeliveryTimeoutError reports a record that was not acknowledged within
// the delivery timeout. Last is the last error met (nil if the record
// never left the buffer). Sent tells whether any attempt reached a broker:
// if so the record may have been written. It matches ErrDeliveryTimeout,
// and errors.Is also sees Last.
type DeliveryTimeoutError struct {
	Timeout  time.Duration
	Attempts int
	Sent     bool
	Last     error
}

// ErrDeliveryTimeout matches every *DeliveryTimeoutError.
var ErrDeliveryTimeout = errors.New("kafka: delivery timeout")

func (e *DeliveryTimeoutError) Error() string {
	s := fmt.Sprintf("kafka: delivery timeout (WithDeliveryTimeout %v) exceeded after %d attempt(s)", e.Timeout, e.Attempts)
	if e.Last != nil {
		s += ", last error: " + e.Last.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrDeliveryTimeout) true.
func (e *DeliveryTimeoutError) Is(target error) bool { return target == ErrDeliveryTimeout }

// Unwrap returns the last error met.
func (e *DeliveryTimeoutError) Unwrap() error { return e.Last }

// ConfigError reports contradictory or invalid options given to NewClient.
// Its message says what to change. It matches ErrConfig.
type ConfigError struct {
	Option string // the option at fault, e.g. "WithMaxInFlight"
	Reason string
}

// ErrConfig matches every *ConfigError.
var ErrConfig = errors.New("kafka: invalid configuration")

func (e *ConfigError) Error() string {
	return "kafka: invalid configuration: " + e.Option + ": " + e.Reason
}

// Is makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }
