package kafka

import (
	"math/rand/v2"
	"testing"
)

// Expected hashes are test vectors published by other Kafka clients, never
// computed by this code:
//   - apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2;
//   - confluentinc/librdkafka src/rdmurmur2.c unittest_murmur2, whose table is
//     labelled java_murmur2_results (the same values appear in
//     segmentio/kafka-go balancer_test.go TestMurmur2).
func TestMurmur2JavaVectors(t *testing.T) {
	tests := []struct {
		give string
		want int32
	}{
		// Kafka UtilsTest.testMurmur2.
		{"21", -973932308},                                              // tail 2, no blocks
		{"foobar", -790332482},                                          // 1 block, tail 2
		{"a-little-bit-long-string", -985981536},                        // 6 blocks, no tail
		{"a-little-bit-longer-string", -1486304829},                     // tail 2
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971}, // 12 blocks
		{"abc", 479470107},                                              // tail 3, no blocks
		// librdkafka unittest_murmur2 (java_murmur2_results, as uint32 bit patterns).
		{"kafka", int32FromBits(0xd067cf64)},                                  // tail 1
		{"giberish123456789", int32FromBits(0x8f552b0c)},                      // tail 1
		{"1234", int32FromBits(0x9fc97b14)},                                   // 1 block
		{"234", int32FromBits(0xe7c009ca)},                                    // tail 3
		{"34", int32FromBits(0x873930da)},                                     // tail 2
		{"4", int32FromBits(0x5a4b5ca1)},                                      // tail 1 only
		{"PreAmbleWillBeRemoved,ThePrePartThatIs", int32FromBits(0x78424f1c)}, // tail 2
		{"reAmbleWillBeRemoved,ThePrePartThatIs", int32FromBits(0x4a62b377)},  // tail 1
		{"eAmbleWillBeRemoved,ThePrePartThatIs", int32FromBits(0xe0e4e09e)},   // no tail
		{"AmbleWillBeRemoved,ThePrePartThatIs", int32FromBits(0x62b8b43f)},    // tail 3
		{"", int32FromBits(0x106e08d9)},                                       // empty key
	}
	for _, tt := range tests {
		if got := murmur2([]byte(tt.give)); got != tt.want {
			t.Errorf("murmur2(%q) = %d (%#08x); want %d (%#08x)", tt.give, got, uint32(got), tt.want, uint32(tt.want))
		}
	}
	if got, want := murmur2(nil), int32FromBits(0x106e08d9); got != want {
		t.Errorf("murmur2(nil) = %#08x; want %#08x, the empty-key hash", uint32(got), uint32(want))
	}
}

// Vectors published only after toPositive (sign bit cleared):
//   - an older librdkafka unittest_murmurhashneutral2 (java_murmur2_results);
//   - librdkafka tests/0048-partitioner.c, as quoted by segmentio/kafka-go
//     TestMurmur2Balancer.
func TestMurmur2PositiveVectors(t *testing.T) {
	tests := []struct {
		give string
		want int32
	}{
		{"kafka", 1348980580},
		{"amqp", 767747138},
		{"giberish123456789", 257239820},
		{"23456", 0x058d780f},
		{"this is another string with more length to it perhaps", 0x4f7703da},
		{"hejsan", 0x5ec19395},
	}
	for _, tt := range tests {
		if got := murmur2([]byte(tt.give)) & 0x7fffffff; got != tt.want {
			t.Errorf("murmur2(%q) & 0x7fffffff = %d; want %d", tt.give, got, tt.want)
		}
	}
}

// Key -> partition for a 1000-partition topic, as Java's partitioner
// placed them (dpkp/kafka-python test/test_partitioner.py
// test_murmur2_java_compatibility; also quoted by segmentio/kafka-go).
func TestPartitionForKeyJavaVectors(t *testing.T) {
	tests := []struct {
		give []byte
		want int32
	}{
		{[]byte(""), 681},
		{[]byte("a"), 524},
		{[]byte("ab"), 434},
		{[]byte("abc"), 107},
		{[]byte("123456789"), 566},
		{[]byte{0x00, 0x20}, 742},
	}
	for _, tt := range tests {
		if got := partitionForKey(tt.give, 1000); got != tt.want {
			t.Errorf("partitionForKey(%q, 1000) = %d; want %d", tt.give, got, tt.want)
		}
	}
}

// A negative hash must lose its sign bit, not be negated: Java's
// Utils.toPositive. "21" hashes to -973932308 (UtilsTest); with the sign
// bit cleared that is 1173551340, so 1173551340 % 1000 = 340, whereas abs
// would give 308.
func TestPartitionForKeyToPositiveNotAbs(t *testing.T) {
	if got := partitionForKey([]byte("21"), 1000); got != 340 {
		t.Errorf("partitionForKey(\"21\", 1000) = %d; want 340 (sign bit cleared, not abs)", got)
	}
}

func TestPartitionForKeyRange(t *testing.T) {
	for _, n := range []int{0, -1, -1 << 30} {
		if got := partitionForKey([]byte("k"), n); got != -1 {
			t.Errorf("partitionForKey(k, %d) = %d; want -1", n, got)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	key := make([]byte, 64)
	for i := 0; i < 20000; i++ {
		k := key[:r.IntN(len(key)+1)]
		for j := range k {
			k[j] = byte(r.Uint32())
		}
		n := 1 + r.IntN(10000)
		if i%10 == 0 {
			n = 1
		}
		p := partitionForKey(k, n)
		if p < 0 || int(p) >= n {
			t.Fatalf("partitionForKey(%x, %d) = %d; out of range", k, n, p)
		}
		if p != partitionForKey(k, n) {
			t.Fatalf("partitionForKey(%x, %d) not deterministic", k, n)
		}
	}
}

func TestMurmur2NoAllocs(t *testing.T) {
	key := []byte("0123456789abcdef")
	if n := testing.AllocsPerRun(100, func() { _ = partitionForKey(key, 12) }); n != 0 {
		t.Errorf("partitionForKey allocates %v times per call; want 0", n)
	}
}

func BenchmarkMurmur2Key16(b *testing.B) {
	key := []byte("0123456789abcdef")
	b.SetBytes(int64(len(key)))
	b.ReportAllocs()
	var sink int32
	for b.Loop() {
		sink ^= murmur2(key)
	}
	_ = sink
}

func int32FromBits(u uint32) int32 { return int32(u) }
