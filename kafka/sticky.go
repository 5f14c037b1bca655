package kafka

import (
	"math/rand/v2"
	"sync/atomic"
)

// sticky is the sticky partitioner of KIP-794 for one topic: all keyless
// records go to one partition until batchMaxBytes were produced to it, or
// its batch filled, then to another one chosen at random among the
// partitions that have a leader. Batching to one partition at a time makes
// fewer, fuller batches than round-robin, and switching by bytes (not by
// batch) keeps the spread even when some brokers drain faster.
//
// The choice is adaptive, as Java's: weighted towards the partitions with
// the least queued, so a slow broker, whose partitions' batches pile up,
// gets fewer of the keyless records instead of filling the buffer for
// everyone (pickAdaptive).
type sticky struct {
	cur atomic.Int32 // -1: none chosen yet
	// share is where cur's share started: its appended-bytes total
	// (batch.Partition.AppendSized) at its first append after it was
	// chosen, tagged with the partition (shareTag) so that a producer
	// never measures one partition from another's start; 0 until that
	// first append. Comparing totals needs no write per record to a line
	// every producer shares (a counter's store is a locked instruction on
	// amd64).
	share atomic.Uint64
}

// share's layout: partition index + 1 in the top bits, the start total
// modulo 2^shareBits below (differences are taken modulo that too, so a
// total past 16 TiB wraps harmlessly).
const (
	shareBits = 44
	shareMask = 1<<shareBits - 1
)

func shareTag(p int32) uint64 { return uint64(p+1) & (1<<(64-shareBits) - 1) }

func newSticky() *sticky {
	s := &sticky{}
	s.cur.Store(-1)
	return s
}

// partition returns the current sticky partition of a topic with n
// partitions, choosing one if none is chosen (or it is out of range).
func (s *sticky) partition(parts []*partition) int32 {
	n := int32(len(parts))
	c := s.cur.Load()
	if c >= 0 && c < n {
		return c
	}
	return s.next(parts, c)
}

// onAppend notes an append to p, after which p's appended-bytes total is
// total, and switches partition when p has had its share since it was
// chosen (batchMax bytes, counted from its first append) or its batch
// filled.
func (s *sticky) onAppend(parts []*partition, p int32, total int64, filled bool, batchMax int64) {
	if s.cur.Load() != p {
		return // someone switched already; this append counted for the old one
	}
	if w := s.share.Load(); w>>shareBits != shareTag(p) {
		s.share.CompareAndSwap(w, shareTag(p)<<shareBits|uint64(total)&shareMask) // once per switch
	} else if (uint64(total)-w)&shareMask >= uint64(batchMax) {
		filled = true
	}
	if filled {
		s.next(parts, p)
	}
}

// next picks a new partition other than old (when there is a choice) and
// installs it unless another goroutine switched first.
func (s *sticky) next(parts []*partition, old int32) int32 {
	pick := int32(0)
	if len(parts) > 1 {
		pick = pickAdaptive(parts, old)
	}
	if s.cur.CompareAndSwap(old, pick) {
		s.share.Store(0) // pick may be old (one partition): start afresh
		return pick
	}
	if c := s.cur.Load(); c >= 0 && int(c) < len(parts) {
		return c
	}
	return pick
}

// pickAdaptive chooses a partition other than old among those with a
// known leader, at random with weights that favour the less loaded: a
// partition's load is its batches queued or on the wire, its weight the
// largest load + 1 - its load (Java's cumulative frequency table, KIP-794),
// so equal loads give a uniform choice. If no other partition has a
// leader it takes any other (a keyless record then waits for its leader
// like any record). The loads are read once per switch (every batch's
// worth of bytes), never per record.
func pickAdaptive(parts []*partition, old int32) int32 {
	n := len(parts)
	var buf [64]int32
	loads := buf[:0]
	if n > len(buf) {
		loads = make([]int32, 0, n)
	}
	maxLoad := int32(0)
	for i, p := range parts {
		load := int32(-1) // not a candidate
		if int32(i) != old && p.leader.Load() >= 0 {
			queued, onWire := p.acc.Queued()
			load = int32(min(queued+onWire, 1<<20))
			maxLoad = max(maxLoad, load)
		}
		loads = append(loads, load)
	}
	var total int64
	for _, l := range loads {
		if l >= 0 {
			total += int64(maxLoad + 1 - l)
		}
	}
	if total == 0 {
		if old < 0 || int(old) >= n {
			return int32(rand.IntN(n))
		}
		pick := int32(rand.IntN(n - 1))
		if pick >= old {
			pick++
		}
		return pick
	}
	r := rand.Int64N(total)
	for i, l := range loads {
		if l < 0 {
			continue
		}
		if r -= int64(maxLoad + 1 - l); r < 0 {
			return int32(i)
		}
	}
	return int32(n - 1) // not reached: the weights sum to total
}
