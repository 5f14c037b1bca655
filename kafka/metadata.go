package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/batch"
	"github.com/gregorkafka/gregor/kafka/conn"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// topicState routes one topic's records. parts is nil until the topic is
// in metadata; meanwhile records wait in waiting (counted in the buffer)
// and a single waiter goroutine asks the cluster for the topic.
type topicState struct {
	name   string
	parts  atomic.Pointer[[]*partition] // index == partition id; only grows
	sticky *sticky
	// id is the topic's id from metadata (nil: not known, e.g. a broker
	// before Kafka 2.8): Produce v13 addresses topics by it, so a write
	// can never land in a topic deleted and created again under the same
	// name (the broker answers UNKNOWN_TOPIC_ID and the client refreshes).
	id atomic.Pointer[[16]byte]

	mu      sync.Mutex
	waiting []entry // records produced before the topic was known
	failed  error   // set when the wait failed; the state is then dropped
}

// partition is one topic-partition: its accumulator, current leader (and
// so sender) and callback queue.
type partition struct {
	topic  *topicState
	id     int32
	acc    *batch.Partition[entry]
	leader atomic.Int32
	sender atomic.Pointer[sender]
	cbq    cbQueue
}

func (c *Client) newPartition(t *topicState, id int32) *partition {
	p := &partition{topic: t, id: id}
	p.leader.Store(-2) // unknown: the first sync assigns a sender
	p.acc = batch.NewPartition(&c.bcfg, func(b *batch.Batch[entry]) { c.enqueueBatch(p, b) })
	return p
}

// wake tells the partition's sender that it has work.
func (p *partition) wake() {
	if s := p.sender.Load(); s != nil {
		s.wakeUp()
	}
}

// topicFor returns the topic's routing state, creating it: from the
// current metadata if the topic is there, else in waiting mode with one
// waiter goroutine.
func (c *Client) topicFor(name string) *topicState {
	if v, ok := c.topics.Load(name); ok {
		return v.(*topicState)
	}
	c.topicsMu.Lock()
	defer c.topicsMu.Unlock()
	if v, ok := c.topics.Load(name); ok {
		return v.(*topicState)
	}
	t := &topicState{name: name, sticky: newSticky()}
	c.cluster.AddTopics(name)
	if m := c.cluster.Metadata(); m != nil {
		if tm := m.Topic(name); tm != nil && tm.Err == nil && len(tm.Partitions) > 0 {
			c.syncTopic(t, tm)
		}
	}
	c.topics.Store(name, t)
	if t.parts.Load() == nil {
		c.wg.add()
		go c.waitTopic(t)
	}
	return t
}

// waitTopic runs once per unknown topic: it waits (bounded by
// WithUnknownTopicWait) for the cluster to know the topic, then routes the
// records that waited, or fails them with *UnknownTopicError.
func (c *Client) waitTopic(t *topicState) {
	defer c.wg.done()
	start := time.Now()
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.unknownTopicWait)
	tm, err := c.cluster.WaitTopic(ctx, t.name)
	cancel()
	if err == nil {
		c.syncTopic(t, tm) // routes the waiting records, unless onMetadata did
		if t.parts.Load() != nil {
			return
		}
		err = wire.ErrUnknownTopicOrPartition
	}
	var fail error
	switch {
	case c.closed.Load() && c.ctx.Err() != nil:
		fail = ErrClosed
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, wire.ErrUnknownTopicOrPartition) ||
		errors.Is(err, wire.ErrLeaderNotAvailable):
		ute := &UnknownTopicError{Topic: t.name, Waited: time.Since(start).Round(time.Millisecond)}
		var te *conn.TopicError
		if errors.As(err, &te) {
			ute.Cause = te.Refresh
		}
		fail = ute
	default:
		fail = fmt.Errorf("kafka: topic %q: %w", t.name, err)
	}
	c.log.Warn("kafka: topic unavailable", zap.String("topic", t.name), zap.Error(err))
	// Drop the state first, so a later Produce starts a new wait, then fail
	// what waited.
	c.topicsMu.Lock()
	c.topics.CompareAndDelete(t.name, t)
	c.topicsMu.Unlock()
	t.mu.Lock()
	t.failed = fail
	t.mu.Unlock()
	t.failWaiting(c, fail)
}

// routeWaitingLocked appends the records that waited for the topic, in
// produce order, before the partitions are published (so no later record
// overtakes them). Records that cannot be routed are returned to be failed
// once t.mu is released (their callbacks are user code).
func (c *Client) routeWaitingLocked(t *topicState, parts []*partition) (failed []entry, errs []error) {
	w := t.waiting
	t.waiting = nil
	now := c.clock.now()
	for _, e := range w {
		if !e.queued() {
			continue // cancelled while waiting: its canceller reported it
		}
		if err := c.routeAt(t, parts, e, wire.MaxRecordSize(e.rec.Key, e.rec.Value, e.rec.Headers), now); err != nil {
			failed, errs = append(failed, e), append(errs, err)
		}
	}
	return failed, errs
}

// failWaiting fails the records waiting for the topic.
func (t *topicState) failWaiting(c *Client, err error) {
	t.mu.Lock()
	w := t.waiting
	t.waiting = nil
	t.mu.Unlock()
	for _, p := range w {
		c.failAlone(p, err)
	}
}

// onMetadata runs on the metadata goroutine after every new snapshot: it
// adds new partitions and moves partitions whose leader changed to the new
// leader's sender (queued batches move with them; in-flight ones complete
// on their connection).
func (c *Client) onMetadata(m *conn.Metadata) {
	c.topics.Range(func(_, v any) bool {
		t := v.(*topicState)
		if tm := m.Topic(t.name); tm != nil && tm.Err == nil && len(tm.Partitions) > 0 {
			c.syncTopic(t, tm)
		}
		return true
	})
}

// syncTopic applies one topic's metadata. The first time, it also routes
// the records that waited for the topic.
func (c *Client) syncTopic(t *topicState, tm *conn.TopicMetadata) {
	if tm.TopicID != ([16]byte{}) {
		if cur := t.id.Load(); cur == nil || *cur != tm.TopicID {
			id := tm.TopicID
			t.id.Store(&id)
		}
	}
	t.mu.Lock()
	var parts []*partition
	old := t.parts.Load()
	if old != nil {
		parts = *old
	}
	grew := len(tm.Partitions) > len(parts)
	if grew {
		grown := make([]*partition, len(tm.Partitions))
		copy(grown, parts)
		for i := len(parts); i < len(grown); i++ {
			grown[i] = c.newPartition(t, int32(i))
		}
		parts = grown
	}
	for i := range tm.Partitions {
		pm := &tm.Partitions[i]
		if int(pm.Partition) >= len(parts) || pm.Partition < 0 {
			continue
		}
		p := parts[pm.Partition]
		leader := pm.Leader
		if leader < 0 {
			leader = -1
		}
		if p.leader.Swap(leader) != leader {
			c.assign(p, leader)
		}
	}
	var failed []entry
	var errs []error
	if old == nil && len(parts) > 0 {
		failed, errs = c.routeWaitingLocked(t, parts)
	}
	if grew {
		t.parts.Store(&parts)
	}
	t.mu.Unlock()
	for i, p := range failed {
		c.failAlone(p, errs[i])
	}
}

// assign moves p to a sender of broker leader (-1: the leaderless one).
func (c *Client) assign(p *partition, leader int32) {
	old := p.sender.Load()
	s := c.senderFor(leader, old)
	if s == old {
		s.wakeUp()
		return
	}
	p.sender.Store(s)
	if old != nil {
		old.remove(p)
		if old.id >= 0 && s.id >= 0 {
			c.log.Info("kafka: partition leader moved", zap.String("topic", p.topic.name),
				zap.Int32("partition", p.id), zap.Int32("from", old.id), zap.Int32("to", s.id))
		}
	}
	s.add(p)
	s.wakeUp()
}
