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
// and a request costs a Kafka broker far more than a record. So, per broker:
//
//   - a small batch (below pacerBigBatch, i.e. not full with the default
//     1 MiB batches; not flushed) goes only when nothing is in flight to that
//     broker *and* at least gap has passed since the last request;
//   - gap is the larger of two terms. Load: the records/s the broker has
//     been getting beyond pacerFreeRate, 1.4 µs per record/s (1k records/s
//     → 0, 5k → 5.6 ms, ~8.7k and more → the cap, pacerMaxHold, 10.8 ms).
//     Cost: the broker's round-trip floor, 0 up to pacerNearRTT,
//     pacerFarHold (6.6 ms) from pacerFarRTT, linear between;
//   - both terms vanish when the traffic stops: gap counts from the last
//     request and the rate estimate decays, so a record after a pause of
//     pacerFarHold or more goes at once, whatever the broker;
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
// The budget (the lead's product decision, docs/producer.md): a broker
// must never get more requests from gregor than from the reference Java
// producer at the same rate, nor more than from franz-go from 10k
// records/s up; at 1k records/s, where a broker is near idle, gregor may
// spend up to Java's request rate to answer faster than both.
//
// Why these numbers. With records arriving evenly and a request every S,
// the median record waits at least about S/2 (over any span, at most a
// fraction w/S of arrival times lie within w of the next request) plus c,
// what follows the send (round trip, callback), whatever rule picks the
// moments. So latency and request rate are one trade-off, and the policy
// only picks the point on it. Measured on Kafka 4.4 behind the counting
// proxy of bench/ (2 shared cores, 1k records/s): S is the gap plus ~0.6
// ms (Go's timers wake up to a millisecond late when the process idles);
// c is 0.8-1.3 ms, almost all of it the broker's round trip (its p50 at
// the proxy 0.75-0.95 ms), the client's own part 0.1-0.3 ms. Java, with
// linger.ms 5, sends ~150 requests/s at 1k records/s (S = 6.6 ms: the
// linger counts from a batch's first record, which comes ~1 ms after the
// last request) and reports a p50 of 5-6 ms from send(), so its c is ~2 ms.
// pacerFarHold = 6.6 ms puts S at ~7.2 ms, ~140 requests/s (below Java's
// ~150 with a margin for its run-to-run swing) and the p50 from the call
// at ~3.6 + c = 4.4-4.9 ms, below Java's 5 ms (6.4 ms measured 144-146
// requests/s and 4.3-4.5 ms). From 10k records/s the load
// term takes over: franz-go's linger of 10 ms counts from a batch's first
// record, ~0.1 ms after its last request at 10k/s, so a gap of 10 ms from
// the last request ties it (93-95 requests/s each, measured); the cap of
// 10.8 ms keeps gregor a few percent below it (10.5 ms measured 90-92
// against 94), at a p50 about franz-go's (its c is ~0.3 ms larger). The
// slope makes the load term reach the cap at 10k records/s even when the
// rate is read just before a request, when the decayed estimate is ~5 %
// low. The batch age limit is the same cap, or a batch started just after
// a request would cut the gap short.
//
// Why the round-trip floor: it is what a request costs when nothing queues.
// Kafka's request path (network thread, request queue, handler thread, log
// append, response queue) does not answer a Produce much under 200 µs even
// on the same host, and a real network adds its own; a broker that answers
// in 50 µs is near and cheap. The mean round trip swings with load on
// either side and with batch size (the gap makes batches bigger, so the
// mean would feed on itself). Measured on a busy 2-core machine with
// one-record requests: the fake broker of bench/ averages 100-230 µs with
// spikes over 350, its floor 99 % of the time under 175 µs (max ~210);
// Kafka 4.4 behind a proxy averages 430-570 µs, its floor 90 % of the time
// over 210 µs (min ~150), and once batches grow, over 400 µs. The bounds
// are 200 and 400 µs: the sink's floor stays below the near bound even on
// a loaded machine (with 150 µs, a full benchmark run once saw a 3 ms p50
// at 1k records/s on the sink), and Kafka's floor rises past the far bound
// as soon as the gap lets batches grow, so it still gets the whole term.
//
// Counting the gap from the first record after a request (as a linger
// does) instead of from the request was measured at a 10 ms cap: at the
// same request rate it gives the same p50 (the bound above holds for any
// schedule), and it lets the request rate depend on when records happen
// to arrive; the gap counts from the request.
//
// A positive WithLinger replaces all this with the classic fixed linger.
const (
	pacerBigBatch       = 1 << 20
	pacerGapPerRate     = 1400 * time.Nanosecond
	pacerFreeRate       = 1000                   // records/s below which the load term is 0
	pacerNearRTT        = 200 * time.Microsecond // a round-trip floor up to this: a cheap, near broker
	pacerFarRTT         = 400 * time.Microsecond // from this on: a Kafka broker (or far away): the whole cost term
	pacerFarHold        = 6600 * time.Microsecond
	pacerFloorRise      = 32 // the floor rises at most 1/32 per slower round trip
	pacerMaxHold        = 10800 * time.Microsecond
	pacerUrgentInFlight = 1
	pacerRateWindow     = 100 * time.Millisecond // time constant of the rate estimate
)

// pacer is one broker's request pacing state (its sender's runMu).
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

// gap is the minimum time between two requests of small batches, given the
// broker's round-trip floor.
func (pc *pacer) gap(now time.Time, floor time.Duration) time.Duration {
	var g time.Duration
	if floor > pacerNearRTT {
		f := min(float64(floor-pacerNearRTT)/float64(pacerFarRTT-pacerNearRTT), 1)
		g = time.Duration(f * float64(pacerFarHold))
	}
	if over := pc.rate(now) - pacerFreeRate; over > 0 {
		g = max(g, time.Duration(over*float64(pacerGapPerRate)))
	}
	return min(g, pacerMaxHold)
}

// observeRTT folds one Produce round trip into the sender's round-trip
// floor (s.rtt): a faster round trip lowers it at once, a slower one raises
// it by at most 1/pacerFloorRise, so it sits near the fastest recent round
// trips (about their 10th percentile) and a stall (a 100 ms round trip)
// moves it by 3 %, not to 100 ms. It doubles in ~23 slower round
// trips (a broker that became slow or far) and falls at once. Concurrent
// responses may lose an update, which only delays the estimate.
func (s *sender) observeRTT(d time.Duration) {
	old := s.rtt.Load()
	switch {
	case old == 0 || int64(d) <= old:
		s.rtt.Store(int64(d))
	default:
		s.rtt.Store(min(int64(d), old+old/pacerFloorRise))
	}
}

// minBytes returns the size below which an unfilled, non-urgent batch
// younger than pacerMaxHold must wait (0: every batch may go), and, when
// it is not 0 and the pipe is idle, when to look again (a response wakes
// the sender otherwise).
func (pc *pacer) minBytes(now time.Time, inflight, batchMax int, floor time.Duration) (int, time.Time) {
	if inflight == 0 {
		at := pc.last.Add(pc.gap(now, floor))
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
// decrementing inflight; the batch is queued, response.go), so an append
// seen before that decrement is
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
