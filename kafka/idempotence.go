package kafka

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/retry"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// producerState is the idempotent producer's id and epoch; pid -1 means
// none yet (nothing drains until InitProducerId answers).
type producerState struct {
	pid   int64
	epoch int16
}

// idempotence holds the Client's producer id and epoch. Sequences are per
// partition (kafka/batch); here are the producer-wide parts: obtaining
// the id, bumping the epoch, and a fatal error that stops all sends.
type idempotence struct {
	st       atomic.Pointer[producerState]
	mu       sync.Mutex
	fetching bool
	err      error
}

func (i *idempotence) init() { i.st.Store(&producerState{pid: -1, epoch: -1}) }

func (i *idempotence) state() producerState { return *i.st.Load() }

func (i *idempotence) fatal() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.err
}

// ensureProducerID starts the single InitProducerId fetch if none runs.
func (c *Client) ensureProducerID() {
	c.idem.mu.Lock()
	defer c.idem.mu.Unlock()
	if c.idem.fetching || c.idem.err != nil || c.idem.state().pid >= 0 || c.ctx.Err() != nil {
		return
	}
	c.idem.fetching = true
	c.wg.add()
	go c.fetchProducerID()
}

// fetchProducerID asks any broker for a producer id (no transactional id),
// retrying retriable failures with backoff until it succeeds, the Client
// closes, or a fatal error (e.g. CLUSTER_AUTHORIZATION_FAILED) makes every
// queued record fail with it.
func (c *Client) fetchProducerID() {
	defer c.wg.done()
	for attempt := 0; ; attempt++ {
		st, err := c.initProducerID()
		c.idem.mu.Lock()
		if err == nil {
			c.idem.st.Store(&st)
			c.idem.fetching = false
			c.idem.mu.Unlock()
			c.log.Info("kafka: idempotent producer id", zap.Int64("producer_id", st.pid), zap.Int16("epoch", st.epoch))
			c.wakeAll()
			return
		}
		if c.ctx.Err() != nil {
			c.idem.fetching = false
			c.idem.mu.Unlock()
			return
		}
		if retry.Classify(err) == retry.Fail && !errors.Is(err, context.DeadlineExceeded) {
			c.idem.err = &producerIDError{err: err}
			c.idem.fetching = false
			c.idem.mu.Unlock()
			c.log.Error("kafka: cannot get an idempotent producer id", zap.Error(err))
			c.wakeAll()
			return
		}
		c.idem.mu.Unlock()
		wait := c.policy.Backoff.Duration(attempt)
		c.log.Warn("kafka: InitProducerId failed, retrying", zap.Error(err), zap.Duration("backoff", wait))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
			c.idem.mu.Lock()
			c.idem.fetching = false
			c.idem.mu.Unlock()
			return
		}
	}
}

// producerIDError reports that no producer id could be obtained; records
// fail with it.
type producerIDError struct{ err error }

func (e *producerIDError) Error() string {
	return "kafka: idempotent producer: InitProducerId failed: " + e.err.Error()
}
func (e *producerIDError) Unwrap() error { return e.err }

func (c *Client) initProducerID() (producerState, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.requestTimeout)
	defer cancel()
	cn, err := c.cluster.AnyConn(ctx)
	if err != nil {
		return producerState{}, err
	}
	resp, err := cn.Do(ctx, &wire.InitProducerIdRequest{
		TransactionTimeoutMs: math.MaxInt32,
		ProducerID:           -1,
		ProducerEpoch:        -1,
	})
	if err != nil {
		return producerState{}, err
	}
	r, ok := resp.(*wire.InitProducerIdResponse)
	if !ok {
		return producerState{}, errors.New("kafka: unexpected InitProducerId response type")
	}
	if r.ErrorCode != 0 {
		return producerState{}, wire.ErrorForCode(r.ErrorCode)
	}
	return producerState{pid: r.ProducerID, epoch: r.ProducerEpoch}, nil
}

// bumpEpoch repairs p's sequence after a gap (protocol.md §8.5): if p is
// on the current producer state, the epoch goes up by one locally (the
// broker accepts epoch+1 from sequence 0, no request needed) or, at the
// last epoch, a new producer id is fetched; then p's queued resends are
// rewritten from sequence 0 under the current state. Other partitions
// adopt the new epoch when they have nothing outstanding.
func (c *Client) bumpEpoch(p *partition) {
	c.idem.mu.Lock()
	st := c.idem.state()
	ppid, pepoch := p.acc.ProducerState()
	if st.pid >= 0 && ppid == st.pid && pepoch == st.epoch {
		if st.epoch == math.MaxInt16 {
			c.idem.st.Store(&producerState{pid: -1, epoch: -1})
			c.idem.mu.Unlock()
			c.log.Info("kafka: producer epoch exhausted, fetching a new producer id")
			c.ensureProducerID()
			return
		}
		st.epoch++
		c.idem.st.Store(&st)
		c.log.Info("kafka: producer epoch bumped", zap.Int64("producer_id", st.pid), zap.Int16("epoch", st.epoch),
			zap.String("topic", p.topic.name), zap.Int32("partition", p.id))
	}
	c.idem.mu.Unlock()
	if st.pid >= 0 {
		p.acc.Bump(st.pid, st.epoch)
	}
}
