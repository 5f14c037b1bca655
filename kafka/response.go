package kafka

import (
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/gregorkafka/gregor/kafka/batch"
	"github.com/gregorkafka/gregor/kafka/conn"
	"github.com/gregorkafka/gregor/kafka/retry"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// errMissingPartition: a response without an entry for a partition of the
// request; treated like a transport failure (retry after a refresh).
var errMissingPartition = errors.New("kafka: produce response lacks a partition of the request")

// done runs on the connection's reader goroutine (or the sender's, if the
// request could not be written): it hands each batch's outcome to its
// partition and wakes the senders. It takes only partition mutexes (and
// their callback queues'). Batches of ProduceSync callers completed here
// are delivered here too, last (endInline, callbacks.go).
func (pr *produceReq) done(resp wire.Response, err error) {
	s := pr.s
	c := s.c
	now := time.Now()
	pres, _ := resp.(*wire.ProduceResponse)
	for _, p := range pr.parts {
		c.beginInline(p)
	}
	for i, b := range pr.batches {
		p := pr.parts[i]
		switch {
		case err != nil:
			s.stats.errors.Add(1)
			c.onFailure(p, b, err, retry.ClassifyProduceError(err, b.NumRecords(), c.cfg.idempotence), false, false, now)
		case resp == nil: // acks=0: written, nothing more will be known
			p.acc.Ack(b, -1, -1)
		default:
			r := findPartition(pres, &pr.req, p.topic.name, p.id)
			if r == nil {
				s.stats.errors.Add(1)
				c.onFailure(p, b, errMissingPartition, retry.ProduceRetryRefreshMetadata, false, false, now)
				continue
			}
			if r.ErrorCode != 0 {
				s.stats.errors.Add(1)
			}
			c.onPartitionResponse(p, b, r, pres, now)
		}
	}
	s.inflight.Add(-1)
	// The freed slot matters only to a sender with batches waiting (held
	// while the request was in flight, or requeued above): waking an idle
	// one cost every ProduceSync round trip a futex wake and a goroutine
	// that found nothing to do (and, racing the next caller's sendNow for
	// runMu, sometimes took the send off the caller). A batch queued after
	// these loads wakes its sender itself (a new batch does; a record
	// joining an open one finds it counted here).
	if anyQueued(*s.parts.Load()) {
		s.wakeUp()
	}
	for _, p := range pr.parts {
		// A partition may have moved to another broker meanwhile.
		if ps := p.sender.Load(); ps != nil && ps != s && p.acc.HasQueued() {
			ps.wakeUp()
		}
	}
	// ProduceSync callers whose batches completed above get their result
	// here, after the sender was woken (it drains the next request while
	// they are delivered), without a callback goroutine (callbacks.go).
	for _, p := range pr.parts {
		c.endInline(p)
	}
}

// findPartition finds partition id of topic in resp: by name up to v12,
// by the topic id req sent from v13 (whose responses carry no names; the
// id req carried, not the topic's current one, which a metadata update
// may have changed meanwhile).
func findPartition(resp *wire.ProduceResponse, req *wire.ProduceRequest, topic string, id int32) *wire.ProduceResponsePartition {
	if resp == nil {
		return nil
	}
	var tid [16]byte
	for i := range req.TopicData {
		if req.TopicData[i].Name == topic {
			tid = req.TopicData[i].TopicID
			break
		}
	}
	for i := range resp.Responses {
		t := &resp.Responses[i]
		if t.Name != topic && (t.Name != "" || t.TopicID != tid || tid == [16]byte{}) {
			continue
		}
		for j := range t.PartitionResponses {
			if t.PartitionResponses[j].Index == id {
				return &t.PartitionResponses[j]
			}
		}
	}
	return nil
}

func (c *Client) onPartitionResponse(p *partition, b *batch.Batch[entry], r *wire.ProduceResponsePartition, resp *wire.ProduceResponse, now time.Time) {
	if r.ErrorCode == 0 {
		p.acc.Ack(b, r.BaseOffset, r.LogAppendTimeMs)
		return
	}
	err := wire.ErrorWithMessage(r.ErrorCode, r.ErrorMessage)
	hinted := false
	if cl := r.CurrentLeader; cl != nil && cl.LeaderID >= 0 && cl.LeaderEpoch >= 0 &&
		(errors.Is(err, wire.ErrNotLeaderOrFollower) || errors.Is(err, wire.ErrFencedLeaderEpoch)) {
		// KIP-951: the broker names the new leader; use it now (a full
		// refresh is still requested) and skip the backoff.
		hinted = c.cluster.ApplyLeaderHint(p.topic.name, p.id, cl.LeaderID, cl.LeaderEpoch, endpoints(resp.NodeEndpoints))
	}
	action := retry.ClassifyProduce(r.ErrorCode, b.NumRecords(), c.cfg.idempotence)
	if len(r.RecordErrors) > 0 && action == retry.ProduceFail && !c.stopping.Load() &&
		p.acc.Reject(b, c.recordErrors(p, r)) {
		c.log.Debug("kafka: broker refused records of a batch; sending the others again", zap.String("topic", p.topic.name),
			zap.Int32("partition", p.id), zap.Int("refused", len(r.RecordErrors)), zap.Int("records", b.NumRecords()), zap.Error(err))
		return
	}
	c.onFailure(p, b, err, action, hinted, true, now)
}

// recordErrors maps the batch indices a Produce v8+ response names
// (KIP-467) to each record's *InvalidRecordError. A record's own message
// is the broker's BatchIndexErrorMessage, else the partition's message.
func (c *Client) recordErrors(p *partition, r *wire.ProduceResponsePartition) map[int]error {
	bad := make(map[int]error, len(r.RecordErrors))
	for _, re := range r.RecordErrors {
		msg := ""
		if re.BatchIndexErrorMessage != nil {
			msg = *re.BatchIndexErrorMessage
		}
		if msg == "" && r.ErrorMessage != nil {
			msg = *r.ErrorMessage
		}
		bad[int(re.BatchIndex)] = &InvalidRecordError{Topic: p.topic.name, Partition: p.id, Message: msg, Err: wire.ErrorForCode(r.ErrorCode)}
	}
	return bad
}

func endpoints(nodes []wire.ProduceResponseNodeEndpoint) []conn.Broker {
	if len(nodes) == 0 {
		return nil
	}
	bs := make([]conn.Broker, len(nodes))
	for i, n := range nodes {
		bs[i] = conn.Broker{ID: n.NodeID, Host: n.Host, Port: n.Port, Rack: n.Rack}
	}
	return bs
}

// onFailure applies the retry policy to a failed attempt. fromBroker
// tells whether err is the broker's answer for this partition (so a
// definite rejection) rather than a transport failure of unknown outcome.
func (c *Client) onFailure(p *partition, b *batch.Batch[entry], err error, action retry.ProduceAction, hinted, fromBroker bool, now time.Time) {
	switch action {
	case retry.ProduceSuccess:
		p.acc.Ack(b, -1, -1)
		return
	case retry.ProduceDuplicate:
		// The broker has this batch from an earlier attempt but no longer
		// its offset.
		p.acc.Ack(b, -1, -1)
		return
	case retry.ProduceSplit:
		if p.acc.Split(b, err) {
			c.log.Debug("kafka: batch split after MESSAGE_TOO_LARGE", zap.String("topic", p.topic.name),
				zap.Int32("partition", p.id), zap.Int("records", b.NumRecords()))
			return
		}
		p.acc.Fail(b, &RecordTooLargeError{Size: len(b.Bytes), What: "broker max message bytes"}, true)
		return
	case retry.ProduceRetry, retry.ProduceRetryRefreshMetadata, retry.ProduceRebootstrap,
		retry.ProduceOutOfOrderSequence, retry.ProduceUnknownProducerID:
		if action == retry.ProduceRetryRefreshMetadata || action == retry.ProduceRebootstrap {
			c.cluster.RequestRefresh()
		}
		if c.stopping.Load() {
			p.acc.Fail(b, ErrClosed, false)
			return
		}
		wait, ok := c.policy.Next(b.Attempts, b.Created.Add(c.cfg.deliveryTimeout), now)
		if !ok {
			var final error = &DeliveryTimeoutError{Timeout: c.cfg.deliveryTimeout, Attempts: b.Attempts, Sent: true, Last: c.partitionError(p, err)}
			if c.cfg.maxAttempts > 0 && b.Attempts >= c.cfg.maxAttempts {
				final = fmt.Errorf("kafka: produce to %s[%d]: giving up after %d attempts: %w", p.topic.name, p.id, b.Attempts, err)
			}
			p.acc.Fail(b, final, false)
			return
		}
		at := now.Add(wait)
		if hinted {
			at = time.Time{}
		}
		c.log.Debug("kafka: retrying batch", zap.String("topic", p.topic.name), zap.Int32("partition", p.id),
			zap.Int("attempts", b.Attempts), zap.Duration("backoff", at.Sub(now)), zap.Error(err))
		switch action {
		case retry.ProduceOutOfOrderSequence:
			p.acc.OutOfOrder(b, at, err)
		case retry.ProduceUnknownProducerID:
			p.acc.UnknownProducer(b, at, err)
		default:
			p.acc.Retry(b, at, err)
		}
		return
	case retry.ProduceFatal:
		c.log.Error("kafka: produce failed fatally", zap.String("topic", p.topic.name), zap.Int32("partition", p.id), zap.Error(err))
	}
	if c.stopping.Load() && !fromBroker {
		err = ErrClosed
	} else if errors.Is(err, wire.ErrMessageTooLarge) {
		err = &RecordTooLargeError{Size: len(b.Bytes), What: "broker max message bytes"}
	} else {
		err = c.partitionError(p, err)
	}
	p.acc.Fail(b, err, fromBroker)
}

// partitionError names the partition in a broker or transport error.
func (c *Client) partitionError(p *partition, err error) error {
	return fmt.Errorf("kafka: produce to %s[%d]: %w", p.topic.name, p.id, err)
}
