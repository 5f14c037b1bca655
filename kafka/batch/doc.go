// Package batch is the producer's per-partition accumulator: it turns
// records into Kafka record batches and tracks each batch until its outcome
// is known. It is mechanism only. It has no goroutines, no clock of its own
// (callers pass the time) and no opinion on which broker errors are
// retriable; kafka (the policy layer) decides and calls Ack, Retry, Fail,
// Split, OutOfOrder or UnknownProducer.
//
// A Partition holds a deque: sealed batches waiting to be resent sit at the
// head in sequence order, never-sent batches behind them, and the tail is
// the open batch that Append encodes records into (straight into a
// wire.BatchBuilder, so a record is encoded once). Drain seals the head
// batch: it assigns the producer id, epoch and base sequence (fixed from
// then on, as the broker's duplicate detection requires), drops records
// whose caller gave up (Item.Seal) and builds the wire bytes.
//
// Ordering follows the Java producer (docs: protocol.md §7-§10): a resent
// batch goes out only when it is the lowest outstanding one of its
// partition, so while retrying a partition has a single request in flight;
// completed batches are handed to the OnDone hook in sequence order, so
// callbacks see offsets in order.
//
// Every exported method takes the partition's mutex; none calls out while
// holding it except the OnDone hook, which must be quick and must not call
// back into the Partition.
package batch
