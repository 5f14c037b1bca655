package kafka

import (
	"math"
	"time"
)

// The adaptive batching policy (linger 0, the default) in one place.
//
// An idle pipe sends at once: a lone record pays no linger. But "send
// whenever a slot is free" floods a broker with one-record requests at
// medium rates (10k records/s could be 10k requests/s to a fast broker),
// and a request costs the broker far more than a record. So, per broker:
//
//   - a small batch (below pacerBigBatch, i.e. not full with the default
//     1 MiB batches; not flushed) goes only when nothing is in flight to that
//     broker *and* at least gap has passed since the last request. gap is
//     the larger of two loads, capped at pacerMaxHold: the records/s the
//     broker has been getting beyond pacerFreeRate (1.25 µs per record/s:
//     1k records/s → 0, 5k → 5 ms, 9k and more → 10 ms), and the broker's
//     smoothed round trip beyond pacerCheapRTT times pacerRTTFactor (a
//     broker that takes 2 ms to answer is far away or busy, and a request
//     costs a busy broker far more than a record: ~1 ms of broker CPU per
//     one-record request on Kafka 4.4 here; one that answers within 250 µs
//     is near and idle).
//     Both vanish when the traffic stops: gap counts from the last request,
//     so a lone record after a pause goes at once;
//   - while a request is in flight the next batches grow by themselves, so
//     a slow (busy) broker gets fewer, larger requests;
//   - a batch awaited by ProduceSync skips the gap but, while
//     pacerUrgentInFlight requests are in flight, waits for a response like
//     the others: 64 callers then share one request per round trip instead
//     of sending 5 tiny ones (fewer requests, less CPU on both sides; a lone
//     caller always finds the pipe empty and goes at once);
//   - a big (full) batch or one older than pacerMaxHold uses any free
//     in-flight slot (pipelining at high rates), and small batches of other
//     partitions ride along in the same request, free in request count.
//
// A positive WithLinger replaces all this with the classic fixed linger.
const (
	pacerBigBatch       = 1 << 20
	pacerGapPerRate     = 1250 * time.Nanosecond
	pacerRTTFactor      = 5
	pacerCheapRTT       = 250 * time.Microsecond // a round trip this short: the broker is near and idle
	pacerFreeRate       = 1000                   // records/s below which only the idle-pipe rule applies
	pacerMaxHold        = 10 * time.Millisecond
	pacerUrgentInFlight = 1
	pacerRateWindow     = 100 * time.Millisecond // time constant of the rate estimate
)

// pacer is one broker's request pacing state (its sender goroutine only).
type pacer struct {
	last  time.Time // when the last request went
	count float64   // records sent, decayed with time constant pacerRateWindow
	at    time.Time // when count was last updated
}

// rate estimates the records/s recently sent to the broker.
func (pc *pacer) rate(now time.Time) float64 {
	if pc.at.IsZero() {
		return 0
	}
	tau := pacerRateWindow.Seconds()
	return pc.count * math.Exp(-now.Sub(pc.at).Seconds()/tau) / tau
}

// sent records a request of n records.
func (pc *pacer) sent(now time.Time, n int) {
	tau := pacerRateWindow.Seconds()
	if !pc.at.IsZero() {
		pc.count *= math.Exp(-now.Sub(pc.at).Seconds() / tau)
	}
	pc.count += float64(n)
	pc.at, pc.last = now, now
}

// gap is the minimum time between two requests of small batches.
func (pc *pacer) gap(now time.Time, rtt time.Duration) time.Duration {
	g := max(rtt-pacerCheapRTT, 0) * pacerRTTFactor
	if over := pc.rate(now) - pacerFreeRate; over > 0 {
		g = max(g, time.Duration(over*float64(pacerGapPerRate)))
	}
	return min(g, pacerMaxHold)
}

// observeRTT folds one Produce round trip into the sender's smoothed RTT
// (1/8 weight, as TCP's SRTT). Concurrent responses may lose an update,
// which only delays the estimate.
func (s *sender) observeRTT(d time.Duration) {
	old := s.rtt.Load()
	if old == 0 {
		s.rtt.Store(int64(d))
		return
	}
	s.rtt.Store(old + (int64(d)-old)/8)
}

// minBytes returns the size below which an unfilled, non-urgent batch
// younger than pacerMaxHold must wait (0: every batch may go), and, when
// it is not 0 and the pipe is idle, when to look again (a response wakes
// the sender otherwise).
func (pc *pacer) minBytes(now time.Time, inflight, batchMax int, rtt time.Duration) (int, time.Time) {
	if inflight == 0 {
		at := pc.last.Add(pc.gap(now, rtt))
		if !now.Before(at) {
			return 0, time.Time{}
		}
		return min(pacerBigBatch, batchMax), at
	}
	return min(pacerBigBatch, batchMax), time.Time{}
}

// urgentHeld reports whether the partition's sender would hold a batch
// awaited by ProduceSync if woken now: every in-flight slot is taken, or
// (adaptive policy) pacerUrgentInFlight requests are in flight. Either way
// a request is in flight, and its completion wakes the sender (after
// decrementing inflight), so an append seen before that decrement is
// drained by the round the completion starts: skipping the wake cannot
// strand the record.
func (p *partition) urgentHeld(c *Client) bool {
	s := p.sender.Load()
	if s == nil {
		return false
	}
	n := int(s.inflight.Load())
	return n >= c.cfg.maxInFlight || c.cfg.linger == 0 && n >= pacerUrgentInFlight
}
