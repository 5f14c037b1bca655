package retry

import "time"

// Policy is a retry budget: at most MaxAttempts sends, none starting at or
// after a deadline, waiting Backoff between them. The zero value retries
// without an attempt cap, with Java's default backoff, until the deadline
// (Java's retries = MaxInt32 bounded by delivery.timeout.ms).
type Policy struct {
	// MaxAttempts caps the total number of sends, the first included: 1
	// means never retry. Java's retries=N is MaxAttempts N+1. Zero or
	// negative means no cap.
	MaxAttempts int
	// Backoff spaces the attempts.
	Backoff Backoff
}

// Next decides whether to try again after `attempts` failed sends (at least
// 1; smaller values count as 1) and, if so, how long to wait first. It
// refuses once MaxAttempts sends were made, or when the retry would start at
// or after deadline: an attempt at the deadline is already expired (Java:
// now − created ≥ delivery.timeout.ms). A zero deadline means none.
//
// A caller may retry sooner than wait (KIP-951: the leader moved, so the
// backoff is skipped) but must still respect ok.
func (p Policy) Next(attempts int, deadline, now time.Time) (wait time.Duration, ok bool) {
	if attempts < 1 {
		attempts = 1
	}
	if p.MaxAttempts > 0 && attempts >= p.MaxAttempts {
		return 0, false
	}
	wait = p.Backoff.Duration(attempts - 1)
	if !deadline.IsZero() && !now.Add(wait).Before(deadline) {
		return 0, false
	}
	return wait, true
}
