package kafkatest

import (
	"math"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// InitProducerId (22). As in Kafka's TransactionCoordinator, an idempotent
// producer (null transactional id) always gets a fresh producer id at epoch
// 0, even when it sends its current id and epoch (v3+): Kafka "blindly
// accepts" such requests. A transactional id keeps its producer id and gets
// the next epoch on every call, which fences the previous holder; a v3+
// request naming an id and epoch that are not the current ones is fenced
// (PRODUCER_FENCED from v4, INVALID_PRODUCER_EPOCH before). When the epoch
// would reach the maximum, a new producer id starts at epoch 0. Transactions
// themselves (AddPartitionsToTxn, EndTxn) are not implemented.

func init() {
	register(wire.APIKeyInitProducerId, &api{min: 0, max: 5, serve: serveInitProducerID, fail: failInitProducerID})
}

// maxTransactionTimeoutMs is Kafka's transaction.max.timeout.ms default.
const maxTransactionTimeoutMs = 900000

func serveInitProducerID(cn *conn, req *Request) (wire.Response, action) {
	c := cn.b.c
	body := req.Body.(*wire.InitProducerIdRequest)
	resp := &wire.InitProducerIdResponse{ProducerID: -1, ProducerEpoch: -1}
	c.mu.Lock()
	defer c.mu.Unlock()
	if body.TransactionalID == nil {
		resp.ProducerID, resp.ProducerEpoch = c.newPIDLocked(), 0
		return resp, actRespond
	}
	tid := *body.TransactionalID
	switch {
	case tid == "":
		resp.ErrorCode = errInvalidRequest
		return resp, actRespond
	case body.TransactionTimeoutMs <= 0 || body.TransactionTimeoutMs > maxTransactionTimeoutMs:
		resp.ErrorCode = errInvalidTransactionTimeout
		return resp, actRespond
	}
	tp := c.txns[tid]
	if tp == nil {
		tp = &txnProducer{pid: c.newPIDLocked()}
		c.txns[tid] = tp
		resp.ProducerID, resp.ProducerEpoch = tp.pid, tp.epoch
		return resp, actRespond
	}
	if req.Version >= 3 && body.ProducerID != -1 && (body.ProducerID != tp.pid || body.ProducerEpoch != tp.epoch) {
		resp.ErrorCode = errInvalidProducerEpoch
		if req.Version >= 4 {
			resp.ErrorCode = errProducerFenced
		}
		return resp, actRespond
	}
	if tp.epoch >= math.MaxInt16-1 {
		tp.pid, tp.epoch = c.newPIDLocked(), 0
	} else {
		tp.epoch++
	}
	resp.ProducerID, resp.ProducerEpoch = tp.pid, tp.epoch
	return resp, actRespond
}

func (c *Cluster) newPIDLocked() int64 {
	pid := c.nextPID
	c.nextPID++
	return pid
}

func failInitProducerID(_ *Cluster, _ *Request, code int16) wire.Response {
	return &wire.InitProducerIdResponse{ErrorCode: code, ProducerID: -1, ProducerEpoch: -1}
}
