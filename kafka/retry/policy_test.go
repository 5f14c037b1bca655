package retry

import (
	"testing"
	"time"
)

func TestPolicyNext(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mid := Backoff{Rand: constRand(0.5)} // Duration(n) = 100ms·2^n up to 1s
	tests := []struct {
		name     string
		p        Policy
		attempts int
		deadline time.Time
		wantWait time.Duration
		wantOK   bool
	}{
		{"zero policy, no deadline retries forever", Policy{Backoff: mid}, 1000, time.Time{}, time.Second, true},
		{"first retry waits Duration(0)", Policy{Backoff: mid}, 1, time.Time{}, 100 * time.Millisecond, true},
		{"third retry waits Duration(2)", Policy{Backoff: mid}, 3, time.Time{}, 400 * time.Millisecond, true},
		{"attempts below 1 count as 1", Policy{Backoff: mid}, -3, time.Time{}, 100 * time.Millisecond, true},
		{"MaxAttempts 1 never retries", Policy{MaxAttempts: 1, Backoff: mid}, 1, time.Time{}, 0, false},
		{"below MaxAttempts retries", Policy{MaxAttempts: 3, Backoff: mid}, 2, time.Time{}, 200 * time.Millisecond, true},
		{"at MaxAttempts stops", Policy{MaxAttempts: 3, Backoff: mid}, 3, time.Time{}, 0, false},
		{"past MaxAttempts stops", Policy{MaxAttempts: 3, Backoff: mid}, 7, time.Time{}, 0, false},
		{"negative MaxAttempts means no cap", Policy{MaxAttempts: -1, Backoff: mid}, 50, time.Time{}, time.Second, true},
		{"retry well before deadline", Policy{Backoff: mid}, 1, now.Add(time.Second), 100 * time.Millisecond, true},
		{"retry 1ns before deadline", Policy{Backoff: mid}, 1, now.Add(100*time.Millisecond + 1), 100 * time.Millisecond, true},
		{"retry exactly at deadline is refused", Policy{Backoff: mid}, 1, now.Add(100 * time.Millisecond), 0, false},
		{"retry past deadline is refused", Policy{Backoff: mid}, 1, now.Add(50 * time.Millisecond), 0, false},
		{"deadline already passed", Policy{Backoff: mid}, 1, now.Add(-time.Second), 0, false},
		{"deadline is now", Policy{Backoff: mid}, 1, now, 0, false},
		{"attempt cap wins over a far deadline", Policy{MaxAttempts: 2, Backoff: mid}, 2, now.Add(time.Hour), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait, ok := tt.p.Next(tt.attempts, tt.deadline, now)
			if ok != tt.wantOK || !near(wait, tt.wantWait) {
				t.Errorf("Next(%d, %v, now) = %v, %v; want %v, %v", tt.attempts, tt.deadline.Sub(now), wait, ok, tt.wantWait, tt.wantOK)
			}
		})
	}
}

// Whatever the jitter, an accepted retry starts strictly before the
// deadline.
func TestPolicyNeverSchedulesPastDeadline(t *testing.T) {
	now := time.Unix(1e9, 0)
	for _, u := range []float64{0, 0.25, 0.5, 0.75, 0.9999999} {
		p := Policy{Backoff: Backoff{Rand: constRand(u)}}
		for attempts := 1; attempts < 12; attempts++ {
			for left := time.Duration(0); left < 1500*time.Millisecond; left += 7 * time.Millisecond {
				deadline := now.Add(left)
				wait, ok := p.Next(attempts, deadline, now)
				if ok && !now.Add(wait).Before(deadline) {
					t.Fatalf("u=%v attempts=%d left=%v: retry at +%v is not before the deadline", u, attempts, left, wait)
				}
				if !ok && wait != 0 {
					t.Fatalf("refusal carries wait %v; want 0", wait)
				}
			}
		}
	}
}
