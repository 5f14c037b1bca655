package batch

import (
	"math"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// benchCycle appends n 100-byte records to one partition, drains
// (seals) the batch, acknowledges it and releases its buffer: the
// accumulator's whole per-batch cycle as the producer runs it, so the
// buffer goes builder -> batch -> builder. idempotent selects sequence
// bookkeeping.
func benchCycle(b *testing.B, n int, idempotent bool) {
	cfg := &Config{MaxBytes: 1 << 20, DeliveryTimeout: time.Hour, Codec: wire.CodecNone, Idempotent: idempotent, MaxOutstanding: 5}
	p := NewPartition(cfg, func(d *Batch[*item]) { d.Release() })
	items := make([]item, n)
	value := make([]byte, 100)
	for i := range items {
		items[i].value = value
	}
	now := time.Unix(1700000000, 0)
	dp := DrainParams{Now: now, MaxBytes: math.MaxInt, ProducerID: 1, Epoch: 0}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % n
		it := &items[k]
		it.state.Store(0)
		p.Append(it, 1700000000000, nil, value, nil, now, false)
		if k == n-1 {
			bt, st := p.Drain(dp)
			if st != Drained {
				b.Fatalf("drain: %v", st)
			}
			p.Ack(bt, 0, -1)
		}
	}
}

// BenchmarkAppend is the per-record cost of Partition.Append (lock,
// size check, encode into the open batch) with the seal/ack/release of
// each 1,000-record batch amortised in.
func BenchmarkAppend(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchCycle(b, 1000, false) })
	b.Run("idempotent", func(b *testing.B) { benchCycle(b, 1000, true) })
}

// BenchmarkSeal is the per-batch cost of draining (sealing, building in
// place) and acknowledging a 1,000-record batch, appends excluded.
func BenchmarkSeal(b *testing.B) {
	cfg := &Config{MaxBytes: 1 << 20, DeliveryTimeout: time.Hour, Codec: wire.CodecNone, Idempotent: true, MaxOutstanding: 5}
	p := NewPartition(cfg, func(d *Batch[*item]) { d.Release() })
	items := make([]item, 1000)
	value := make([]byte, 100)
	now := time.Unix(1700000000, 0)
	dp := DrainParams{Now: now, MaxBytes: math.MaxInt, ProducerID: 1, Epoch: 0}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range items {
			items[i].state.Store(0)
			p.Append(&items[i], 1700000000000, nil, value, nil, now, false)
		}
		b.StartTimer()
		bt, st := p.Drain(dp)
		if st != Drained {
			b.Fatalf("drain: %v", st)
		}
		p.Ack(bt, 0, -1)
	}
}
