package kafkatest

import (
	"github.com/gregorkafka/gregor/kafka/wire"
)

// faultState holds the pending one-shot faults; guarded by Cluster.mu.
type faultState struct {
	failNext    map[int16][]int16 // API key -> codes for the next requests
	failProduce map[tpKey][]int16 // partition -> codes for its next produces
	lose        map[int16]int     // API key -> responses to lose
	loseProduce map[tpKey]int     // partition -> produce responses to lose
}

type tpKey struct {
	topic     string
	partition int32
}

// hookState holds user hooks; guarded by Cluster.mu, called without it.
type hookState struct {
	interceptors []*interceptor
	produce      ProduceHook
	records      RecordCheck
}

type interceptor struct{ fn Interceptor }

// Interceptor sees every request the cluster decoded, before the cluster
// handles it. Returning (nil, nil) lets the request through (to the next
// interceptor, then the cluster); returning a response sends it instead of
// the cluster's (the response type must match the request, e.g.
// *wire.MetadataResponse for *wire.MetadataRequest); returning an error
// closes the connection without an answer. It runs on the connection's
// goroutine: blocking in it stalls that connection only (and keeps Close
// waiting until it returns).
type Interceptor func(req *Request) (wire.Response, error)

// ProduceHook is called for each partition of a Produce request after the
// batch passed validation (CRC, size, leadership) and before the idempotence
// checks and the append. A non-zero error code rejects the partition's batch
// with that code (nothing is stored); 0 lets it through.
type ProduceHook func(topic string, partition int32, batch *wire.RecordBatch) (errCode int16)

// RecordCheck is called, after the ProduceHook, for each record of a batch
// about to be appended. A non-zero code rejects the whole batch with that
// code (nothing is stored), naming the record with msg in the response's
// RecordErrors (Produce v8+, KIP-467), as Kafka's log validator does for a
// keyless record on a compacted topic (INVALID_RECORD, 87) or a timestamp
// out of the topic's range (INVALID_TIMESTAMP, 32). The partition's error
// code is that of the first record refused.
type RecordCheck func(topic string, partition int32, r *wire.Record) (errCode int16, msg string)

// SetRecordCheck installs fn as the record check (see RecordCheck),
// replacing any previous one; nil removes it.
func (c *Cluster) SetRecordCheck(fn RecordCheck) {
	c.mu.Lock()
	c.hooks.records = fn
	c.mu.Unlock()
}

// FailNext answers the next n requests of the API with the error code
// instead of handling them; for Produce, every partition of each of the next
// n requests fails with code and nothing is stored. For APIs with several
// error fields, code is set on each that concerns the request (each topic of
// a Metadata request, each partition of a Fetch or ListOffsets). Calls add
// up: FailNext(k, 2, a) then FailNext(k, 1, b) fails three requests, a, a, b.
// FailNext for ApiVersions answers with the error and no versions.
func (c *Cluster) FailNext(apiKey int16, n int, code int16) {
	if n <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.faults.failNext == nil {
		c.faults.failNext = make(map[int16][]int16)
	}
	for range n {
		c.faults.failNext[apiKey] = append(c.faults.failNext[apiKey], code)
	}
}

// FailNextProduce fails the partition's batch in the next n Produce requests
// that carry one for it, with the error code; the batch is not stored, other
// partitions of the same request are unaffected. Use it for retriable errors
// (NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, ...) and fatal ones alike.
func (c *Cluster) FailNextProduce(topic string, partition int32, n int, code int16) {
	if n <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.faults.failProduce == nil {
		c.faults.failProduce = make(map[tpKey][]int16)
	}
	k := tpKey{topic, partition}
	for range n {
		c.faults.failProduce[k] = append(c.faults.failProduce[k], code)
	}
}

// LoseNextResponse makes the next n requests of the API be handled normally
// (a Produce stores its batches, an InitProducerId allocates an id) and then
// lose their response: the broker closes the connection instead of
// answering. This is "written but the acknowledgement never arrived", the
// case idempotent producers exist for: the client must retry and the
// cluster must not store the batch twice.
func (c *Cluster) LoseNextResponse(apiKey int16, n int) {
	if n <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.faults.lose == nil {
		c.faults.lose = make(map[int16]int)
	}
	c.faults.lose[apiKey] += n
}

// LoseNextProduceResponse is LoseNextResponse for the next n Produce
// requests that carry a batch for the partition (stored or not).
func (c *Cluster) LoseNextProduceResponse(topic string, partition int32, n int) {
	if n <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.faults.loseProduce == nil {
		c.faults.loseProduce = make(map[tpKey]int)
	}
	c.faults.loseProduce[tpKey{topic, partition}] += n
}

// ClearFaults removes every pending FailNext, FailNextProduce,
// LoseNextResponse and LoseNextProduceResponse.
func (c *Cluster) ClearFaults() {
	c.mu.Lock()
	c.faults = faultState{}
	c.mu.Unlock()
}

// Intercept adds an interceptor (see Interceptor); interceptors run in the
// order they were added. The returned function removes it.
func (c *Cluster) Intercept(fn Interceptor) (remove func()) {
	in := &interceptor{fn: fn}
	c.mu.Lock()
	c.hooks.interceptors = append(c.hooks.interceptors, in)
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.hooks.interceptors {
			if x == in {
				c.hooks.interceptors = append(c.hooks.interceptors[:i:i], c.hooks.interceptors[i+1:]...)
				return
			}
		}
	}
}

// SetProduceHook installs fn as the produce hook (see ProduceHook),
// replacing any previous one; nil removes it.
func (c *Cluster) SetProduceHook(fn ProduceHook) {
	c.mu.Lock()
	c.hooks.produce = fn
	c.mu.Unlock()
}

// takeFailure pops the next injected code for key.
func (c *Cluster) takeFailure(key int16) (int16, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.takeFailureLocked(key)
}

func (c *Cluster) takeFailureLocked(key int16) (int16, bool) {
	q := c.faults.failNext[key]
	if len(q) == 0 {
		return 0, false
	}
	c.faults.failNext[key] = q[1:]
	return q[0], true
}

func (c *Cluster) takeProduceFailureLocked(k tpKey) (int16, bool) {
	q := c.faults.failProduce[k]
	if len(q) == 0 {
		return 0, false
	}
	c.faults.failProduce[k] = q[1:]
	return q[0], true
}

// takeLoss reports whether req's response is to be lost, consuming one
// pending loss (per API, or per partition for Produce).
func (c *Cluster) takeLoss(req *Request) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	lost := false
	if c.faults.lose[req.Key] > 0 {
		c.faults.lose[req.Key]--
		lost = true
	}
	if len(c.faults.loseProduce) > 0 {
		if pr, ok := req.Body.(*wire.ProduceRequest); ok {
			forEachProducePartition(c, pr, func(k tpKey) {
				if c.faults.loseProduce[k] > 0 {
					c.faults.loseProduce[k]--
					lost = true
				}
			})
		}
	}
	return lost
}

// intercept runs the interceptors; handled is true if one answered (or
// asked to close the connection).
func (c *Cluster) intercept(req *Request) (resp wire.Response, act action, handled bool) {
	c.mu.Lock()
	ins := c.hooks.interceptors
	c.mu.Unlock()
	for _, in := range ins {
		resp, err := in.fn(req)
		if err != nil {
			return nil, actClose, true
		}
		if resp != nil {
			return resp, actRespond, true
		}
	}
	return nil, actRespond, false
}

func (c *Cluster) produceHook() ProduceHook {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hooks.produce
}

func (c *Cluster) recordCheck() RecordCheck {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hooks.records
}
