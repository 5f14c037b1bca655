// Package kafka is gregor's public API: a Client that produces records to
// Apache Kafka, with the batching, pipelining, retries and idempotence a
// production producer needs, behind a small surface:
//
//	client, err := kafka.NewClient(kafka.WithBrokers("127.0.0.1:9092"))
//	...
//	client.Produce(ctx, &kafka.Record{Topic: "events", Value: v}, func(r *kafka.Record, err error) { ... })
//	err = client.ProduceSync(ctx, rec) // rec.Partition and rec.Offset are set on success
//	err = client.Flush(ctx)
//	err = client.Close()
//
// The Client holds the policy (partitioning, batching, retries, delivery
// timeout, callbacks); the mechanism lives below it in kafka/conn
// (connections, version negotiation, metadata), kafka/batch (per-partition
// accumulation), kafka/retry (backoff, error classification) and kafka/wire
// (bytes). docs/design.md tells how a record travels and which goroutine
// owns what.
package kafka
