package kafka

import (
	"testing"
	"time"
)

func TestPacerGapGrowsWithRateAndVanishesAtIdle(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	var pc pacer
	if n, _ := pc.minBytes(t0, 0, 1<<20, 0); n != 0 {
		t.Fatalf("fresh pacer, idle pipe: minBytes %d, want 0", n)
	}
	// 10k records/s for a second, one record per request every 100 µs.
	now := t0
	for range 10000 {
		now = now.Add(100 * time.Microsecond)
		pc.sent(now, 1)
	}
	if r := pc.rate(now); r < 9000 || r > 11000 {
		t.Fatalf("rate %.0f, want about 10000", r)
	}
	if g := pc.gap(now, 0); g != pacerMaxHold {
		t.Fatalf("gap at 10k rec/s: %v, want %v", g, pacerMaxHold)
	}
	n, at := pc.minBytes(now.Add(time.Millisecond), 0, 1<<20, 0)
	if n != pacerBigBatch || !at.Equal(now.Add(pacerMaxHold)) {
		t.Fatalf("1 ms after a request at 10k rec/s: minBytes %d, look again at %v; want %d at %v", n, at, pacerBigBatch, now.Add(pacerMaxHold))
	}
	if n, _ := pc.minBytes(now.Add(pacerMaxHold), 0, 1<<20, 0); n != 0 {
		t.Fatalf("gap passed, idle pipe: minBytes %d, want 0", n)
	}
	if n, at := pc.minBytes(now.Add(time.Hour), 1, 1<<20, 0); n != pacerBigBatch || !at.IsZero() {
		t.Fatalf("request in flight: minBytes %d at %v, want %d and no timer", n, at, pacerBigBatch)
	}
	if n, _ := pc.minBytes(now, 1, 16<<10, 0); n != 16<<10 {
		t.Fatalf("small batch max: minBytes %d, want the batch max", n)
	}
	// After a pause the rate estimate decays: a lone record goes at once.
	later := now.Add(time.Second)
	if g := pc.gap(later, 0); g != 0 {
		t.Fatalf("gap after a 1 s pause: %v, want 0", g)
	}
}

func TestPacerGapFollowsSlowBroker(t *testing.T) {
	now := time.Unix(1700000000, 0)
	var pc pacer
	pc.sent(now, 1)
	if g := pc.gap(now, 200*time.Microsecond); g != 0 {
		t.Fatalf("cheap round trip: gap %v, want 0", g)
	}
	if g, want := pc.gap(now, 1250*time.Microsecond), 5*time.Millisecond; g != want {
		t.Fatalf("1.25 ms round trip: gap %v, want %v", g, want)
	}
	if g := pc.gap(now, time.Second); g != pacerMaxHold {
		t.Fatalf("slow broker: gap %v, want the cap %v", g, pacerMaxHold)
	}
}
