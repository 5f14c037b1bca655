package kafkatest

import (
	"fmt"
	"time"
)

// An Option configures a Cluster at NewCluster.
type Option func(*config) error

// config is what the options set; NewCluster validates nothing twice.
type config struct {
	numBrokers        int
	topics            []topicSpec
	autoCreate        bool
	defaultPartitions int
	maxMessageBytes   int
	unknownPIDCode    int16
	reportDuplicates  bool
	maxRequestBytes   int
	clusterID         string
	maxFetchWait      time.Duration // caps Fetch MaxWaitMs; tests of the fuzz target lower it
	saslUsers         map[string]string
	saslLifetime      time.Duration
	tls               bool
}

type topicSpec struct {
	name       string
	partitions int
}

func defaultConfig() config {
	return config{
		numBrokers:        1,
		autoCreate:        true,
		defaultPartitions: 1,
		maxMessageBytes:   1048588,
		maxRequestBytes:   100 << 20,
		clusterID:         "kafkatest-cluster",
		maxFetchWait:      30 * time.Second,
	}
}

// NumBrokers sets how many brokers the cluster runs, each on its own
// loopback listener; the default is 1. Broker ids are 0 to n-1.
func NumBrokers(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("kafkatest: NumBrokers(%d) outside 1..64", n)
		}
		c.numBrokers = n
		return nil
	}
}

// Topic pre-creates a topic with the given number of partitions. It may be
// repeated; partition p of a topic is led by broker p % NumBrokers.
func Topic(name string, partitions int) Option {
	return func(c *config) error {
		if err := validTopic(name, partitions); err != nil {
			return err
		}
		c.topics = append(c.topics, topicSpec{name, partitions})
		return nil
	}
}

// AutoCreateTopics sets whether a Metadata request for an unknown topic
// creates it (with DefaultPartitions partitions), when the request allows
// it. The default is true, as in Kafka (auto.create.topics.enable); tests of
// "topic does not exist" paths turn it off.
func AutoCreateTopics(on bool) Option {
	return func(c *config) error { c.autoCreate = on; return nil }
}

// DefaultPartitions sets the partition count of auto-created topics and of
// CreateTopics requests that ask for the default (-1). The default is 1.
func DefaultPartitions(n int) Option {
	return func(c *config) error {
		if n < 1 || n > maxPartitions {
			return fmt.Errorf("kafkatest: DefaultPartitions(%d) outside 1..%d", n, maxPartitions)
		}
		c.defaultPartitions = n
		return nil
	}
}

// MaxMessageBytes sets the broker's message.max.bytes: a produced record
// batch larger than this is rejected with MESSAGE_TOO_LARGE. The default is
// Kafka's, 1048588.
func MaxMessageBytes(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("kafkatest: MaxMessageBytes(%d) must be positive", n)
		}
		c.maxMessageBytes = n
		return nil
	}
}

// MaxRequestBytes sets the broker's socket.request.max.bytes: a request frame
// larger than this makes the broker close the connection, as Kafka does. The
// default is Kafka's, 100 MiB.
func MaxRequestBytes(n int) Option {
	return func(c *config) error {
		if n < 64 {
			return fmt.Errorf("kafkatest: MaxRequestBytes(%d) below 64", n)
		}
		c.maxRequestBytes = n
		return nil
	}
}

// RejectUnknownProducerSequence makes the cluster stricter than Kafka 4.x
// about a producer id it has no state for on a partition. Kafka accepts such
// a producer's first batch at any sequence (since KIP-360 the broker assumes
// the state was lost to retention), so by default kafkatest does too. With
// code set to OUT_OF_ORDER_SEQUENCE_NUMBER (45) or UNKNOWN_PRODUCER_ID (59), a
// first batch whose base sequence is not 0 is rejected with that code, which
// is how older brokers (and transactions V2) behave; 0 restores the default.
func RejectUnknownProducerSequence(code int16) Option {
	return func(c *config) error { c.unknownPIDCode = code; return nil }
}

// ReportDuplicates makes the cluster answer a retried duplicate of one of a
// producer's last five batches with DUPLICATE_SEQUENCE_NUMBER (46) instead of
// what Kafka 4.x does, which is to acknowledge it again with the offset it
// was first stored at. Both leave the log unchanged; the option exists to
// test a client's handling of error 46.
func ReportDuplicates(on bool) Option {
	return func(c *config) error { c.reportDuplicates = on; return nil }
}

// ClusterID sets the cluster id reported in Metadata responses.
func ClusterID(id string) Option {
	return func(c *config) error { c.clusterID = id; return nil }
}

const maxPartitions = 10000

func validTopic(name string, partitions int) error {
	if name == "" || len(name) > 249 {
		return fmt.Errorf("kafkatest: invalid topic name %q", name)
	}
	for _, r := range name {
		if !legalTopicRune(r) {
			return fmt.Errorf("kafkatest: invalid topic name %q", name)
		}
	}
	if name == "." || name == ".." {
		return fmt.Errorf("kafkatest: invalid topic name %q", name)
	}
	if partitions < 1 || partitions > maxPartitions {
		return fmt.Errorf("kafkatest: topic %q: %d partitions outside 1..%d", name, partitions, maxPartitions)
	}
	return nil
}

// legalTopicRune reports whether r may appear in a topic name
// ([a-zA-Z0-9._-], Kafka's Topic.LEGAL_CHARS).
func legalTopicRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return r == '.' || r == '_' || r == '-'
}

// SASL makes every broker require SASL authentication (SaslHandshake v1 and
// SaslAuthenticate, after ApiVersions) with PLAIN, SCRAM-SHA-256 or
// SCRAM-SHA-512, for the given users (name -> password), as a Kafka
// SASL_PLAINTEXT listener does: a connection that sends any other request
// before authenticating is closed, and wrong credentials are answered with
// SASL_AUTHENTICATION_FAILED.
func SASL(users map[string]string) Option {
	return func(c *config) error {
		if len(users) == 0 {
			return fmt.Errorf("kafkatest: SASL needs at least one user")
		}
		c.saslUsers = make(map[string]string, len(users))
		for u, p := range users {
			c.saslUsers[u] = p
		}
		return nil
	}
}

// SASLSessionLifetime sets the session lifetime brokers announce in
// SaslAuthenticate v1+ (KIP-368, Kafka's connections.max.reauth.ms): a
// connection that sends a request after it is closed, as Kafka does.
func SASLSessionLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("kafkatest: SASLSessionLifetime(%v) must be positive", d)
		}
		c.saslLifetime = d
		return nil
	}
}

// TLS makes every broker speak TLS only, with a certificate for 127.0.0.1
// and localhost from a CA made for the cluster; Cluster.TLSConfig returns a
// client configuration that trusts it. Combine with SASL for a
// SASL_SSL-like listener.
func TLS() Option {
	return func(c *config) error {
		c.tls = true
		return nil
	}
}
