package kafka

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// keyNumber sends bulkRecord's key-N to partition N mod the partition
// count, so every partition gets records.
var keyNumber = PartitionerFunc(func(r *Record, n int) int32 {
	k, err := strconv.Atoi(strings.TrimPrefix(string(r.Key), "key-"))
	if err != nil {
		return 0
	}
	return int32(k % n)
})

// laneLog records, per partition, the client connections its Produce
// requests came on.
type laneLog struct {
	mu    sync.Mutex
	conns map[int32]map[string]int // partition -> client address -> requests
}

func watchLanes(kc *kafkatest.Cluster, topic string) *laneLog {
	l := &laneLog{conns: map[int32]map[string]int{}}
	kc.Intercept(func(req *kafkatest.Request) (wire.Response, error) {
		pr, ok := req.Body.(*wire.ProduceRequest)
		if !ok {
			return nil, nil
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, td := range pr.TopicData {
			if td.Name != topic && td.Name != "" { // v13 names topics by id only (one topic here)
				continue
			}
			for _, pd := range td.PartitionData {
				m := l.conns[pd.Index]
				if m == nil {
					m = map[string]int{}
					l.conns[pd.Index] = m
				}
				m[req.ClientAddr]++
			}
		}
		return nil, nil
	})
	return l
}

// partitionsPerConn checks that every partition used exactly one
// connection and returns how many partitions each connection carried.
func (l *laneLog) partitionsPerConn(t *testing.T, partitions int) map[string]int {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	per := map[string]int{}
	for p := int32(0); p < int32(partitions); p++ {
		m := l.conns[p]
		if len(m) != 1 {
			t.Fatalf("partition %d went on %d connections (%v), want exactly 1", p, len(m), m)
		}
		for addr := range m {
			per[addr]++
		}
	}
	return per
}

// Each partition is pinned to one of the broker's produce connections,
// and the partitions are spread evenly over WithProduceConnections of
// them; every record arrives once and in order.
func TestProduceConnectionsPinPartitions(t *testing.T) {
	for _, lanes := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("lanes=%d", lanes), func(t *testing.T) {
			const partitions, n = 8, 20_000
			kc := kafkatest.New(t, kafkatest.Topic("lanes", partitions))
			log := watchLanes(kc, "lanes")
			c := newTestClient(t, kc, WithProduceConnections(lanes), WithPartitioner(keyNumber))
			produceBulk(t, c, "lanes", n, nil)
			checkBulk(t, kc, "lanes", partitions, n)
			per := log.partitionsPerConn(t, partitions)
			if len(per) != lanes {
				t.Fatalf("Produce requests came on %d connections (%v), want %d", len(per), per, lanes)
			}
			for addr, k := range per {
				if lo := partitions / lanes; k < lo || k > lo+1 {
					t.Fatalf("connection %s carried %d partitions (%v), want %d or %d", addr, k, per, lo, lo+1)
				}
			}
		})
	}
}

// A partition whose leader moves goes to the least loaded lane of its new
// leader, so lanes stay balanced after elections; records stay in order.
func TestProduceConnectionsAfterLeaderMoves(t *testing.T) {
	const partitions, n = 8, 20_000
	kc := kafkatest.New(t, kafkatest.NumBrokers(2), kafkatest.Topic("relane", partitions))
	c := newTestClient(t, kc, WithProduceConnections(2), WithLinger(time.Millisecond), WithPartitioner(keyNumber))
	produceBulk(t, c, "relane", n, func(i int) {
		if i == n/2 {
			for p := int32(0); p < partitions; p++ {
				if err := kc.MoveLeader("relane", p, 1); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	checkBulk(t, kc, "relane", partitions, n)
	// Every partition is on broker 1 now (the client learnt it from
	// NOT_LEADER errors and metadata); its two lanes hold 4 each.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.sendersMu.Lock()
		var counts []int
		for lane := range 2 {
			if s := c.senders[senderKey{1, lane}]; s != nil {
				counts = append(counts, len(*s.parts.Load()))
			}
		}
		c.sendersMu.Unlock()
		if len(counts) == 2 && counts[0] == partitions/2 && counts[1] == partitions/2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker 1's lanes hold %v partitions, want [4 4]", counts)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestProduceConnectionsConfig(t *testing.T) {
	for _, n := range []int{0, -1, 17} {
		_, err := NewClient(WithBrokers("127.0.0.1:1"), WithProduceConnections(n))
		var ce *ConfigError
		if !errors.Is(err, ErrConfig) || !errors.As(err, &ce) || ce.Option != "WithProduceConnections" {
			t.Fatalf("WithProduceConnections(%d): %v, want a *ConfigError for WithProduceConnections", n, err)
		}
	}
	c, err := NewClient(WithBrokers("127.0.0.1:1"), WithProduceConnections(16))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
