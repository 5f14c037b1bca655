package kafka

import (
	"math/rand/v2"
	"sync/atomic"
)

// sticky is the uniform sticky partitioner of KIP-794 for one topic: all
// keyless records go to one partition until batchMaxBytes were produced to
// it, or its batch filled, then to another one chosen at random among the
// partitions that have a leader. Batching to one partition at a time makes
// fewer, fuller batches than round-robin, and switching by bytes (not by
// batch) keeps the spread even when some brokers drain faster.
//
// (Java's adaptive refinement, weighting the choice by queue sizes, is not
// implemented yet; the hook is next.)
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

// next picks a new partition other than old (when there is a choice),
// preferring partitions with a known leader, and installs it unless
// another goroutine switched first.
func (s *sticky) next(parts []*partition, old int32) int32 {
	n := len(parts)
	pick := int32(-1)
	if n > 1 {
		// A few random probes for a led partition other than old.
		for i := 0; i < 8; i++ {
			c := int32(rand.IntN(n))
			if c != old && parts[c].leader.Load() >= 0 {
				pick = c
				break
			}
		}
		if pick < 0 {
			// Few partitions have a leader: scan from a random start for
			// one, else take any partition other than old (a key-less
			// record waits for its leader like any other).
			start := rand.IntN(n)
			for i := 0; i < n && pick < 0; i++ {
				if c := int32((start + i) % n); c != old && parts[c].leader.Load() >= 0 {
					pick = c
				}
			}
		}
		if pick < 0 {
			if old < 0 || int(old) >= n {
				pick = int32(rand.IntN(n))
			} else if pick = int32(rand.IntN(n - 1)); pick >= old {
				pick++
			}
		}
	} else {
		pick = 0
	}
	if s.cur.CompareAndSwap(old, pick) {
		s.share.Store(0) // pick may be old (one partition): start afresh
		return pick
	}
	if c := s.cur.Load(); c >= 0 && int(c) < n {
		return c
	}
	return pick
}
