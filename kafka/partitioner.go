package kafka

// Partitioner chooses a record's partition. Implementations must be safe
// for concurrent use and fast: Partition runs on the caller's goroutine
// inside Produce.
type Partitioner interface {
	// Partition returns the record's partition in [0, numPartitions), or a
	// negative number to let the built-in uniform sticky partitioner
	// (KIP-794) choose. numPartitions counts every partition of the topic,
	// available or not, as the Java client does, so a key keeps its
	// partition while a leader is down.
	Partition(r *Record, numPartitions int) int32
}

// PartitionerFunc adapts a function to Partitioner.
type PartitionerFunc func(r *Record, numPartitions int) int32

// Partition calls f.
func (f PartitionerFunc) Partition(r *Record, numPartitions int) int32 { return f(r, numPartitions) }

// DefaultPartitioner routes keyed records by murmur2 of the key exactly as
// the Java client does (same key, same partition, whichever client wrote
// it; an empty non-nil key is hashed too) and keyless records through the
// uniform sticky partitioner. Record.Partition is ignored.
func DefaultPartitioner() Partitioner { return keyPartitioner{} }

type keyPartitioner struct{}

func (keyPartitioner) Partition(r *Record, n int) int32 {
	if r.Key == nil {
		return -1
	}
	return partitionForKey(r.Key, n)
}

// ManualPartitioner sends every record to its Record.Partition. A
// partition outside the topic's range fails the record with
// *InvalidPartitionError.
func ManualPartitioner() Partitioner { return manualPartitioner{} }

type manualPartitioner struct{}

func (manualPartitioner) Partition(r *Record, _ int) int32 {
	if r.Partition < 0 {
		// Negative would mean "sticky"; a manual partitioner never delegates.
		return invalidPartition
	}
	return r.Partition
}

// invalidPartition is out of every topic's range, so it fails validation
// instead of falling through to the sticky partitioner.
const invalidPartition = int32(1<<31 - 1)

// StickyPartitioner ignores keys and spreads all records with the uniform
// sticky partitioner (Java's partitioner.ignore.keys=true): best batching,
// no per-key ordering.
func StickyPartitioner() Partitioner { return PartitionerFunc(func(*Record, int) int32 { return -1 }) }
