package kafka

import (
	"context"
	"testing"

	"github.com/gregorkafka/gregor/kafkatest"
)

// A lone ProduceSync caller sends on its own goroutine (sendNow) and is
// answered on the connection's reader: the sender goroutine has nothing
// to do and must not be woken per call. Every response used to wake it
// (a futex wake and an empty round per round trip).
func TestProduceSyncLeavesIdleSenderAsleep(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("wake", 1))
	c := newTestClient(t, kc)
	ctx := context.Background()
	for range 20 { // connection, producer id, pacer state
		if err := c.ProduceSync(ctx, &Record{Topic: "wake"}); err != nil {
			t.Fatal(err)
		}
	}
	c.sendersMu.Lock()
	var s *sender
	for _, x := range c.senders {
		if len(*x.parts.Load()) > 0 { // the partition's lane
			s = x
		}
	}
	c.sendersMu.Unlock()
	if s == nil {
		t.Fatal("no sender")
	}
	before := s.rounds.Load()
	const calls = 200
	for range calls {
		if err := c.ProduceSync(ctx, &Record{Topic: "wake"}); err != nil {
			t.Fatal(err)
		}
	}
	// A few rounds may come from timers (the pacer's, delivery timeouts).
	if n := s.rounds.Load() - before; n > calls/10 {
		t.Fatalf("the sender goroutine ran %d rounds during %d ProduceSync calls, want almost none", n, calls)
	}
}
