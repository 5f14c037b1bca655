// Package kafkatest is an in-process Kafka cluster for tests: real brokers
// speaking the real protocol on loopback TCP, with an in-memory log, that
// starts in well under a millisecond and lets a test break things on purpose.
//
// Any Kafka client can talk to it (the package's own tests run franz-go
// against it), so a test exercises the same bytes, connections and error
// paths as production, without a JVM or a container.
//
// # Starting
//
//	c := kafkatest.New(t, kafkatest.NumBrokers(3), kafkatest.Topic("orders", 6))
//	client := newMyClient(c.Addrs()...) // the bootstrap list
//
// New fails the test if the cluster cannot start and closes it at cleanup;
// NewCluster and Close do the same by hand. Close closes every listener and
// connection and waits for every goroutine, so goleak stays quiet.
//
// Brokers have ids 0..n-1. Partition p of a topic is led by broker p % n
// with min(3, n) replicas, all in sync. Topics come from Topic options,
// CreateTopics requests, Cluster.CreateTopic, or auto-creation on Metadata
// (on by default, as in Kafka; AutoCreateTopics(false) for "unknown topic"
// tests).
//
// # What it implements
//
// ApiVersions, Metadata, Produce, Fetch, ListOffsets, CreateTopics,
// FindCoordinator, InitProducerId, SaslHandshake and SaslAuthenticate, at
// the version ranges of
// Cluster-advertised ApiVersions (the intersection of these handlers and
// kafka/wire). Produce validates like Kafka: one magic-2 batch per
// partition with a good CRC (INVALID_RECORD, CORRUPT_MESSAGE), zstd only
// from v7, message.max.bytes (MESSAGE_TOO_LARGE), leadership
// (NOT_LEADER_OR_FOLLOWER with KIP-951 hints from v10), and idempotence per
// producer id and partition exactly as Kafka 4.x does: an older epoch gets
// INVALID_PRODUCER_EPOCH, a new epoch must start at sequence 0, a retry of
// one of the last five batches is acknowledged again with its original
// offset and not stored twice, and a gap gets OUT_OF_ORDER_SEQUENCE_NUMBER.
// A producer id with no state on a partition may start at any sequence, as
// in Kafka since KIP-360; RejectUnknownProducerSequence and
// ReportDuplicates select the stricter answers older brokers gave.
// SetRecordCheck refuses chosen records as Kafka's log validator does
// (INVALID_RECORD with RecordErrors from v8).
//
// With the TLS option every broker speaks TLS only, with a certificate
// from a CA made for the cluster (Cluster.TLSConfig trusts it). With the
// SASL option every broker requires PLAIN or SCRAM-SHA-256/512
// from its users before any other request, like a SASL_PLAINTEXT
// listener; SASLSessionLifetime announces a KIP-368 session lifetime and
// closes connections used after it.
//
// Not implemented: consumer groups, transactions beyond InitProducerId,
// fetch sessions (declined, so clients send full fetches), replication,
// retention, quotas, TLS client certificates, SASL's GSSAPI and
// OAUTHBEARER. A request for an API the cluster does
// not implement closes the connection, as Kafka does.
//
// # Breaking things
//
// Every fault is safe to inject while clients run and applies to the next
// request handled:
//
//   - MoveLeader: leadership moves and the leader epoch bumps; the old
//     leader answers NOT_LEADER_OR_FOLLOWER with a hint.
//   - FailNext, FailNextProduce: the next requests (or one partition's next
//     produces) get an error code; failed batches are not stored.
//   - LoseNextResponse, LoseNextProduceResponse: the request is handled (the
//     batch stored) and then the connection closes instead of the answer:
//     the "written but never acknowledged" case idempotence exists for.
//   - DropConnections, KillBroker, RestartBroker: connections or whole
//     brokers go away.
//   - SetLatency, Stall: slow or hung brokers; a stalled broker reads
//     requests and answers nothing until released, so clients time out.
//   - Intercept, SetProduceHook: custom answers for anything else.
//
// # Looking inside
//
// Records and Batches return what a partition stores, decoded, with each
// record's producer id, epoch and sequence; HighWatermark, Leader, Topics
// and RequestCount answer the rest. Assert on them rather than on what the
// client reports: a client that says "delivered" about a record the cluster
// never stored, or stored twice, is exactly the bug these tests find.
package kafkatest
