package kafka

import "encoding/binary"

// murmur2 is the 32-bit MurmurHash2 variant the Java client uses to place
// keyed records (Utils.murmur2; protocol.md §6.2): seed 0x9747b28c, blocks
// read little-endian, the tail folded in highest byte first, all arithmetic
// wrapping on 32 bits. It must agree with Java bit for bit: a key hashed
// differently lands on a different partition than Java producers (Kafka
// Streams, Connect, ksqlDB) put it, and per-key ordering across clients is
// lost silently.
func murmur2(b []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	h := seed ^ uint32(len(b))
	for len(b) >= 4 {
		k := binary.LittleEndian.Uint32(b)
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		b = b[4:]
	}
	switch len(b) {
	case 3:
		h ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(b[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// partitionForKey is Java's BuiltInPartitioner.partitionForKey:
// (murmur2(key) & 0x7fffffff) % numPartitions. Clearing the sign bit is
// Utils.toPositive, deliberately not abs: the two differ for every negative
// hash, and abs(MinInt32) stays negative. numPartitions counts all of the
// topic's partitions, available or not, so a key keeps its partition while
// a leader is down. A nil key is the caller's business (it means "no key");
// an empty key is hashed like any other.
//
// numPartitions <= 0 cannot route anything; it returns -1 instead of
// dividing by zero.
func partitionForKey(key []byte, numPartitions int) int32 {
	if numPartitions <= 0 {
		return -1
	}
	return int32(int(murmur2(key)&0x7fffffff) % numPartitions)
}
