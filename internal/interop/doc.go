// Package interop holds test-only checks that gregor's wire format is the one
// real Apache Kafka speaks: record batches built by kafka/wire are produced to
// genuine brokers (internal/realkafka, every version Versions() lists), read
// back by Kafka's own Java console consumer, and fetched and decoded by
// wire.DecodeRecordBatches.
//
// The tests speak raw wire over a net.Conn (ApiVersions, negotiation, Metadata,
// InitProducerId, Produce, Fetch) instead of using kafka/conn or the producer,
// so a failure points at the bytes, not at connection or retry logic. The
// package has no non-test code.
package interop
