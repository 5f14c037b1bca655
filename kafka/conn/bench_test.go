package conn

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/gregorkafka/gregor/internal/realkafka"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// BenchmarkPipelining measures one connection sending small Metadata
// requests (one topic) one at a time (Do in a loop: a round trip each)
// against keeping `depth` outstanding (Send with MaxInFlight = depth).
// "fake" is the in-test broker (a CPU baseline for the client: encode,
// coalesced write, read, decode); "real" is a single Kafka broker
// (skipped when real Kafka is unavailable).
//
//	go test -run '^$' -bench Pipelining -benchtime 2000x ./kafka/conn
func BenchmarkPipelining(b *testing.B) {
	fb := newFakeBroker(b)
	var (
		rk      *realkafka.Cluster
		rkErr   error
		started bool
	)
	realAddr := func(sb *testing.B) string {
		realkafka.SkipIfUnavailable(sb)
		if !started {
			started = true
			rk, rkErr = realkafka.Start(realkafka.WithFullJIT())
			if rk != nil {
				b.Cleanup(rk.Close)
			}
		}
		if rkErr != nil {
			sb.Skip(rkErr)
		}
		return rk.Addrs()[0]
	}
	targets := []struct {
		name string
		addr func(b *testing.B) string
	}{
		{"fake", func(*testing.B) string { return fb.Addr() }},
		{"real", realAddr},
	}
	for _, tg := range targets {
		for _, depth := range []int{1, 5, 32} {
			b.Run(tg.name+"/inflight="+strconv.Itoa(depth), func(b *testing.B) {
				addr := tg.addr(b)
				c, err := Dial(context.Background(), addr, &Config{MaxInFlight: depth})
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				benchSend(b, c, depth)
			})
		}
	}
}

func benchSend(b *testing.B, c *Conn, depth int) {
	name := "bench"
	req := &wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{{Name: &name}}}
	v, _ := c.Version(wire.APIKeyMetadata)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	if depth == 1 {
		for range b.N {
			if _, err := c.roundTrip(ctx, req, v); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(b.N)
	done := func(_ wire.Response, err error) {
		if err != nil {
			b.Error(err)
		}
		wg.Done()
	}
	for range b.N {
		if err := c.Send(ctx, req, v, done); err != nil {
			b.Fatal(err)
		}
	}
	wg.Wait()
}
