package conn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/retry"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// metadataLoop is the metadata goroutine: it owns fetching. It sleeps
// until a trigger (Refresh, RequestRefresh, AddTopics, a dead connection,
// a failed fetch's retry) or MetadataMaxAge, keeps MetadataMinAge between
// two requests, and hands each result to every Refresh caller that was
// waiting when the request started. Triggers that arrive during a request
// cause one more request after it: their caller may have seen an error
// the running request predates.
func (c *Cluster) metadataLoop() {
	defer c.wg.Done()
	periodic := time.NewTimer(c.cfg.MetadataMaxAge)
	defer periodic.Stop()
	var retryT *time.Timer
	failures := 0
	backoff := retry.Backoff{} // 100 ms .. 1 s, jittered (KIP-580)
	for {
		select {
		case <-c.ctx.Done():
			if retryT != nil {
				retryT.Stop()
			}
			return
		case <-c.notify:
			c.deliver()
			continue
		case <-c.trigger:
		case <-periodic.C:
		}
		// Keep MetadataMinAge between requests; triggers meanwhile merge.
		c.mu.Lock()
		since := time.Since(c.lastFetch)
		c.mu.Unlock()
		if gap := c.cfg.MetadataMinAge - since; gap > 0 {
			t := time.NewTimer(gap)
			select {
			case <-t.C:
			case <-c.ctx.Done():
				t.Stop()
				return
			}
		}
		select { // absorb a trigger that arrived during the gap
		case <-c.trigger:
		default:
		}

		c.mu.Lock()
		waiters := c.waiters
		c.waiters = nil
		c.lastFetch = time.Now()
		c.mu.Unlock()

		err := c.fetch()
		for _, w := range waiters {
			w <- err
		}
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			c.log.Warn("conn: metadata refresh failed", zap.Error(err))
			// Try again after a backoff: the next snapshot is wanted by
			// whoever triggered this one.
			if retryT != nil {
				retryT.Stop()
			}
			retryT = time.AfterFunc(backoff.Duration(failures), c.RequestRefresh)
			failures++
			continue
		}
		failures = 0
		periodic.Reset(c.cfg.MetadataMaxAge)
		c.deliver()
	}
}

// deliver calls OnMetadata with the latest snapshot.
func (c *Cluster) deliver() {
	if c.cfg.OnMetadata != nil {
		if m := c.Metadata(); m != nil {
			c.cfg.OnMetadata(m)
		}
	}
}

// fetch sends one Metadata request (to any reachable broker, seeds last)
// and publishes the snapshot. On REBOOTSTRAP_REQUIRED (KIP-1102) it asks
// the seeds instead.
func (c *Cluster) fetch() error {
	ctx, cancel := context.WithTimeout(c.ctx, c.ccfg.DialTimeout+c.ccfg.RequestTimeout)
	defer cancel()
	seedsOnly, rebootstrapped := false, false
	for attempt := 0; ; attempt++ {
		resp, err := c.fetchOnce(ctx, seedsOnly)
		if err != nil {
			// The pooled connection we used died (a broker went away):
			// it is marked dead now, so ask another broker at once.
			var ce *Error
			if errors.As(err, &ce) && !errors.Is(ce.Kind, ErrDial) && attempt < 3 && ctx.Err() == nil {
				continue
			}
			return err
		}
		if resp.ErrorCode != 0 {
			err := wire.ErrorForCode(resp.ErrorCode)
			if errors.Is(err, wire.ErrRebootstrapRequired) && !rebootstrapped {
				rebootstrapped = true
				c.log.Info("conn: broker requires rebootstrap; asking the seeds")
				seedsOnly = true
				continue
			}
			return fmt.Errorf("conn: metadata: %w", err)
		}
		c.publish(resp)
		return nil
	}
}

func (c *Cluster) fetchOnce(ctx context.Context, seedsOnly bool) (*wire.MetadataResponse, error) {
	cn, err := c.anyConn(ctx, seedsOnly)
	if err != nil {
		return nil, err
	}
	v, ok := cn.Version(wire.APIKeyMetadata)
	if !ok {
		return nil, fmt.Errorf("%w: Metadata at %s", ErrUnsupportedAPI, cn.Addr())
	}
	req := &wire.MetadataRequest{
		Topics:                 c.topicList(),
		AllowAutoTopicCreation: c.cfg.AllowAutoTopicCreation,
	}
	resp, err := cn.roundTrip(ctx, req, v)
	if err != nil {
		return nil, err
	}
	return resp.(*wire.MetadataResponse), nil
}

// topicList returns the interest set as request topics: never nil, since
// a nil list asks for every topic of the cluster.
func (c *Cluster) topicList() []wire.MetadataRequestTopic {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := make([]wire.MetadataRequestTopic, 0, len(c.topics))
	for t := range c.topics {
		ts = append(ts, wire.MetadataRequestTopic{Name: &t})
	}
	return ts
}

func (c *Cluster) publish(resp *wire.MetadataResponse) {
	next := buildMetadata(resp, time.Now())
	c.mu.Lock()
	mergeEpochs(c.meta.Load(), next)
	c.meta.Store(next)
	c.mu.Unlock()
}

// RequestRefresh asks the metadata goroutine for a refresh and returns at
// once. Requests coalesce.
func (c *Cluster) RequestRefresh() {
	select {
	case c.trigger <- struct{}{}:
	default:
	}
}

// Refresh fetches metadata (coalescing with other concurrent triggers into
// one request, at most one per MetadataMinAge) and returns the snapshot
// that request produced.
func (c *Cluster) Refresh(ctx context.Context) (*Metadata, error) {
	w := make(chan error, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClusterClosed
	}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	c.RequestRefresh()
	select {
	case err := <-w:
		if err != nil {
			return nil, err
		}
		return c.Metadata(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// WaitTopic returns the topic's metadata once the cluster knows it with
// every partition led. It adds the topic to the interest set and refreshes
// with backoff while the answer is UNKNOWN_TOPIC_OR_PARTITION,
// LEADER_NOT_AVAILABLE or another retriable error. Other topic errors
// (authorization, invalid name) return at once. When ctx ends first, the
// *TopicError names the topic and wraps the last error seen
// (wire.ErrUnknownTopicOrPartition if it never appeared) and ctx's error.
func (c *Cluster) WaitTopic(ctx context.Context, topic string) (*TopicMetadata, error) {
	c.AddTopics(topic)
	var last error = wire.ErrUnknownTopicOrPartition
	var refreshErr error // the last failed refresh, reported with a timeout
	backoff := retry.Backoff{Initial: 50 * time.Millisecond, Max: time.Second}
	for attempt := 0; ; attempt++ {
		if t, err := ready(c.Metadata(), topic); t != nil {
			return t, nil
		} else if err != nil {
			if !wire.IsRetriable(err) {
				return nil, &TopicError{Topic: topic, Err: err}
			}
			last = err
		}
		if attempt > 0 {
			t := time.NewTimer(backoff.Duration(attempt - 1))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, &TopicError{Topic: topic, Err: last, Ctx: ctx.Err(), Refresh: refreshErr}
			}
		}
		if _, err := c.Refresh(ctx); err != nil {
			if ctx.Err() != nil {
				if refreshErr == nil {
					refreshErr = err // the refresh the deadline cut short, with its dial error
				}
				return nil, &TopicError{Topic: topic, Err: last, Ctx: ctx.Err(), Refresh: refreshErr}
			}
			refreshErr = err
			if errors.Is(err, ErrClusterClosed) {
				return nil, err
			}
			if errors.Is(err, ErrAuthentication) {
				// Rejected credentials are rejected again: say so now
				// rather than as a missing topic at the deadline.
				return nil, &TopicError{Topic: topic, Err: err}
			}
			c.log.Debug("conn: refresh for topic failed", zap.String("topic", topic), zap.Error(err))
		} else {
			refreshErr = nil
		}
	}
}

// ready returns the topic if m has it with every partition led, else the
// reason it is not ready (nil if m simply lacks it).
func ready(m *Metadata, topic string) (*TopicMetadata, error) {
	t := m.Topic(topic)
	if t == nil {
		return nil, nil
	}
	if t.Err != nil {
		return nil, t.Err
	}
	if len(t.Partitions) == 0 {
		return nil, wire.ErrUnknownTopicOrPartition
	}
	for _, p := range t.Partitions {
		if p.Leader < 0 {
			if p.Err != nil {
				return nil, p.Err
			}
			return nil, wire.ErrLeaderNotAvailable
		}
	}
	return t, nil
}

// ApplyLeaderHint applies a KIP-951 leader hint from a Produce or Fetch
// response: partition of topic is now led by leaderID at leaderEpoch,
// whose address is in endpoints or the cache. It publishes a new snapshot
// and returns true only if the epoch is newer than the cached one and the
// leader is known; otherwise the cache is left alone (leaders never move
// backwards). The caller should still RequestRefresh, as Java does.
func (c *Cluster) ApplyLeaderHint(topic string, partition, leaderID, leaderEpoch int32, endpoints []Broker) bool {
	c.mu.Lock()
	next := withLeader(c.meta.Load(), topic, partition, leaderID, leaderEpoch, endpoints)
	if next != nil {
		c.meta.Store(next)
	}
	c.mu.Unlock()
	if next == nil {
		return false
	}
	select {
	case c.notify <- struct{}{}:
	default:
	}
	return true
}
