package kafka

import (
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// Record is one Kafka record. The zero value of every field is valid:
//
//   - Topic must be set.
//   - Partition is only honoured when the Client runs with a partitioner that
//     respects it (see ManualPartitioner), because 0 is also the zero value:
//     with the default partitioner a record is routed by its key (murmur2, as
//     the Java client does) or, without a key, by the uniform sticky
//     partitioner (KIP-794). To pin a partition, use
//     WithPartitioner(kafka.ManualPartitioner()) and set Partition.
//   - A nil Key routes by the sticky partitioner; an empty non-nil Key is
//     hashed like any key (Java does the same).
//   - A nil Value is a tombstone.
//   - A zero Timestamp means "now", stamped when Produce accepts the record
//     (to the millisecond; while a Client takes tens of thousands of
//     records a second it reads a clock ticking every millisecond, so the
//     stamp may then lag by about a millisecond, more on a saturated CPU).
//
// After a successful delivery the Client sets Partition, Offset and (if it
// was zero) Timestamp. The Client owns the Record from Produce until its
// callback returns (or ProduceSync returns): do not modify it meanwhile.
type Record struct {
	Topic     string
	Partition int32
	Key       []byte
	Value     []byte
	Headers   []Header
	Timestamp time.Time
	// Offset is the record's offset in its partition once acknowledged;
	// -1 when the broker did not report one (acks=0, or a duplicate that the
	// broker recognised without its offset).
	Offset int64
}

// Header is a record header: a Key (valid UTF-8; keys need not be
// unique) and a Value (nil is written as null). It is the wire package's
// type, so headers go into batches without conversion.
type Header = wire.RecordHeader
