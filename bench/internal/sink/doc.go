// Package sink is a Kafka broker that acknowledges Produce requests at once
// and keeps nothing but counts.
//
// Why: a producer benchmark against a real broker mostly measures the
// broker (log appends, fsync, replication, the JVM). To compare *client*
// cost — CPU, allocations and memory per record — every client must talk to
// a broker that costs next to nothing and costs the same for everyone. The
// sink answers ApiVersions, Metadata (every topic exists, with N partitions
// led by the sink itself), InitProducerId and Produce; FindCoordinator gets
// COORDINATOR_NOT_AVAILABLE and any other request closes the connection,
// as a real broker does for an API it does not speak.
//
// It is cheap on purpose: one goroutine per connection, one reused read
// buffer and one reused response buffer per connection, pipelined requests
// answered in order with one write per burst. It does not check CRCs or
// decompress; it reads each batch's length and its recordsCount field
// (byte 57 of a v2 batch) so a harness can verify that every acknowledged
// record arrived exactly once.
package sink
