package batch

import (
	"testing"
	"time"
)

// The adaptive policy (linger 0): the caller's MinBytes holds small,
// unawaited batches until they are big enough or MaxHold old; full, urgent
// and flushed batches ignore it, and a positive linger ignores it too.
func TestAdaptiveMinBytesAndMaxHold(t *testing.T) {
	h := newHarness(t, Config{})
	h.append(0, 3)
	dp := h.params()
	dp.MinBytes, dp.MaxHold = 4096, 10*time.Millisecond
	if _, st := h.p.Drain(dp); st != Waiting {
		t.Fatalf("small young batch under MinBytes: status %d, want Waiting", st)
	}
	dp.Now = h.now.Add(10 * time.Millisecond)
	if b, st := h.p.Drain(dp); st != Drained || len(b.Items) != 3 {
		t.Fatalf("batch at MaxHold: status %d, want Drained with 3 records", st)
	}

	h.append(3, 200) // well over 4096 bytes
	dp.Now = h.now
	if _, st := h.p.Drain(dp); st != Drained {
		t.Fatalf("batch over MinBytes: status %d, want Drained", st)
	}

	h.append(200, 201)
	dp.MinBytes = 0
	if _, st := h.p.Drain(dp); st != Drained {
		t.Fatalf("MinBytes 0 (idle pipe): status %d, want Drained", st)
	}

	h.append(201, 202)
	dp.MinBytes = 4096
	h.p.MarkUrgent()
	if _, st := h.p.Drain(dp); st != Drained {
		t.Fatalf("urgent batch: status %d, want Drained", st)
	}
	h.append(202, 203)
	dp.Flush = true
	if _, st := h.p.Drain(dp); st != Drained {
		t.Fatalf("flushed batch: status %d, want Drained", st)
	}
}

func TestAdaptiveIgnoredWithLinger(t *testing.T) {
	h := newHarness(t, Config{Linger: 50 * time.Millisecond})
	h.append(0, 1)
	dp := h.params()
	dp.MinBytes, dp.MaxHold = 0, time.Millisecond
	if _, st := h.p.Drain(dp); st != Waiting {
		t.Fatalf("linger set, MinBytes 0: status %d, want Waiting (linger rules)", st)
	}
	dp.MinBytes = 1 << 20
	dp.Now = h.now.Add(50 * time.Millisecond)
	if _, st := h.p.Drain(dp); st != Drained {
		t.Fatalf("linger passed, MinBytes large: status %d, want Drained", st)
	}
}

func TestAdaptiveHoldUrgent(t *testing.T) {
	h := newHarness(t, Config{})
	h.append(0, 1)
	h.p.MarkUrgent()
	dp := h.params()
	dp.MinBytes, dp.MaxHold, dp.HoldUrgent = 4096, 10*time.Millisecond, true
	if _, st := h.p.Drain(dp); st != Waiting {
		t.Fatalf("urgent batch held while the pipe is busy: status %d, want Waiting", st)
	}
	dp.HoldUrgent = false
	if _, st := h.p.Drain(dp); st != Drained {
		t.Fatalf("urgent batch, pipe free: status %d, want Drained", st)
	}
}
