package kafka

import (
	"slices"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a Client's counters, for a metrics system: take
// it periodically (every few seconds) and export the differences. Taking
// it reads atomics only; keeping the counters costs a few atomic adds per
// Produce request, none per record on the success path.
type Stats struct {
	// BufferedRecords and BufferedBytes are what the Client holds now:
	// records produced whose callbacks have not returned yet, against
	// WithMaxBufferedRecords and WithMaxBufferedBytes. Near the limits,
	// Produce blocks (or fails fast).
	BufferedRecords int64
	BufferedBytes   int64
	// RecordsAcked counts records acknowledged by a broker; RecordsFailed
	// records whose callback or ProduceSync got an error after Produce
	// accepted them (refused by the broker, delivery timeout, cancelled,
	// closed). Records refused by Produce itself (invalid, buffer full)
	// are not counted: their error is returned at once.
	RecordsAcked  int64
	RecordsFailed int64
	// Brokers holds one entry per broker the Client has produced to,
	// by broker id.
	Brokers []BrokerStats
}

// BrokerStats are one broker's Produce counters, over all its produce
// connections.
type BrokerStats struct {
	ID int32
	// Connections is how many produce connections are open now (at most
	// WithProduceConnections).
	Connections int
	// InFlight is the Produce requests awaiting a response now.
	InFlight int
	// Requests, Batches, Records and Bytes count what was sent, retries
	// included (Bytes: record batches, compressed).
	Requests, Batches, Records, Bytes int64
	// Errors counts batches that came back with an error (the broker's,
	// or the connection's); most are retried.
	Errors int64
	// RTT is the Produce round-trip floor the adaptive batching works
	// from (recent minimum; 0 before the first response).
	RTT time.Duration
}

// senderStats are one sender's counters (atomics: the sender's goroutine,
// ProduceSync callers and the connection's reader write them).
type senderStats struct {
	requests, batches, records, bytes, errors atomic.Int64
}

// Stats returns a snapshot of the Client's counters. It is safe to call
// at any time, also after Close.
func (c *Client) Stats() Stats {
	st := Stats{RecordsAcked: c.acked.Load(), RecordsFailed: c.failed.Load()}
	st.BufferedRecords, st.BufferedBytes = c.buf.held()
	c.sendersMu.Lock()
	byID := map[int32]*BrokerStats{}
	for k, s := range c.senders {
		b := byID[k.id]
		if b == nil {
			b = &BrokerStats{ID: k.id}
			byID[k.id] = b
		}
		if cn := s.liveConn(); cn != nil {
			b.Connections++
		}
		b.InFlight += int(s.inflight.Load())
		b.Requests += s.stats.requests.Load()
		b.Batches += s.stats.batches.Load()
		b.Records += s.stats.records.Load()
		b.Bytes += s.stats.bytes.Load()
		b.Errors += s.stats.errors.Load()
		if rtt := time.Duration(s.rtt.Load()); rtt > 0 && (b.RTT == 0 || rtt < b.RTT) {
			b.RTT = rtt
		}
	}
	c.sendersMu.Unlock()
	for _, b := range byID {
		st.Brokers = append(st.Brokers, *b)
	}
	slices.SortFunc(st.Brokers, func(a, b BrokerStats) int { return int(a.ID) - int(b.ID) })
	return st
}
