package kafkatest

import (
	"encoding/binary"
	"math"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// This file is the storage model: topics of partitions, each partition a log
// of record batches stored as the producer sent them (with the broker's
// baseOffset and partitionLeaderEpoch written in, which the CRC does not
// cover), and each partition's idempotent-producer state. Everything here is
// guarded by Cluster.mu.

// topic is one topic of the cluster.
type topic struct {
	name  string
	id    [16]byte
	parts []*partition
}

// partition is one partition's leadership and log.
type partition struct {
	topic    *topic
	index    int32
	leader   int32
	epoch    int32 // leader epoch, bumped by every leadership change
	replicas []int32

	log  []storedBatch
	next int64 // log end offset; with no replication it is also the high watermark

	producers map[int64]*producerState
}

// storedBatch is one batch of a partition's log.
type storedBatch struct {
	base, last int64
	maxTs      int64
	raw        []byte // never modified after the append: Fetch hands it out as is
}

// numBatchesToRetain is how many batches per producer and partition the
// broker remembers for duplicate detection (ProducerStateEntry), hence the
// limit of five in-flight requests for idempotent producers.
const numBatchesToRetain = 5

// producerState is what a partition remembers about one producer id.
type producerState struct {
	epoch   int16
	batches []batchMeta // oldest first, at most numBatchesToRetain
}

type batchMeta struct {
	firstSeq, lastSeq int32
	firstOffset       int64
}

func (s *producerState) lastSeq() int32 { return s.batches[len(s.batches)-1].lastSeq }

// Batch header offsets this file reads or rewrites (protocol.md §3.1).
const (
	hdrBatchLength = 8
	hdrLeaderEpoch = 12
	hdrMagic       = 16
	hdrAttributes  = 21
	hdrSize        = wire.RecordBatchOverhead
	logOverhead    = 12
)

// Broker error codes the cluster answers with. wire's table holds their
// sentinels; the codes are spelled out here because responses carry codes.
const (
	errNone                        int16 = 0
	errUnknownServerError          int16 = -1
	errOffsetOutOfRange            int16 = 1
	errCorruptMessage              int16 = 2
	errUnknownTopicOrPartition     int16 = 3
	errNotLeaderOrFollower         int16 = 6
	errMessageTooLarge             int16 = 10
	errCoordinatorNotAvailable     int16 = 15
	errInvalidTopic                int16 = 17
	errInvalidRequiredAcks         int16 = 21
	errUnsupportedVersion          int16 = 35
	errTopicAlreadyExists          int16 = 36
	errInvalidPartitions           int16 = 37
	errInvalidReplicationFactor    int16 = 38
	errInvalidRequest              int16 = 42
	errOutOfOrderSequenceNumber    int16 = 45
	errDuplicateSequenceNumber     int16 = 46
	errInvalidProducerEpoch        int16 = 47
	errInvalidTransactionTimeout   int16 = 50
	errUnknownProducerID           int16 = 59
	errFencedLeaderEpoch           int16 = 74
	errUnknownLeaderEpoch          int16 = 75
	errUnsupportedCompressionType  int16 = 76
	errInvalidRecord               int16 = 87
	errProducerFenced              int16 = 90
	errUnknownTopicID              int16 = 100
	errInconsistentTopicID         int16 = 103
	errUnsupportedForMessageFormat int16 = 43
	errUnsupportedSaslMechanism    int16 = 33
	errIllegalSaslState            int16 = 34
	errSaslAuthenticationFailed    int16 = 58
)

// appendResult is the outcome of appending one batch.
type appendResult struct {
	code       int16
	baseOffset int64
	msg        string
}

// checkRecordsShape is ProduceRequest.validateRecords: the records field of
// a partition holds exactly one complete batch, of magic 2, and zstd only
// from Produce v7.
func checkRecordsShape(records []byte, version int16) (int16, string) {
	if len(records) < logOverhead {
		return errInvalidRecord, "produce requests must have exactly one record batch per partition"
	}
	length := int64(int32(binary.BigEndian.Uint32(records[hdrBatchLength:])))
	if length < hdrSize-logOverhead || length > int64(len(records)-logOverhead) {
		return errCorruptMessage, "record batch length does not match the records field"
	}
	if int64(len(records)) != length+logOverhead {
		return errInvalidRecord, "produce requests must have exactly one record batch per partition"
	}
	if records[hdrMagic] != 2 {
		return errInvalidRecord, "produce requests are only allowed to contain record batches with magic version 2"
	}
	attrs := int16(binary.BigEndian.Uint16(records[hdrAttributes:]))
	if wire.Codec(attrs&0x07) == wire.CodecZstd && version < 7 {
		return errUnsupportedCompressionType, "zstd compression requires produce v7 or later"
	}
	return errNone, ""
}

// validateBatch is the rest of Kafka's checks before an append (LogValidator,
// UnifiedLog.analyzeAndValidateRecords) on a records field that passed
// checkRecordsShape: the size limit, a CRC that matches, records that decode
// and are numbered 0..n-1, no control batch, and a valid sequence when the
// batch has a producer id. It returns the decoded batch or a code and message.
func validateBatch(records []byte, maxMessageBytes int) (*wire.RecordBatch, int16, string) {
	if len(records) > maxMessageBytes {
		return nil, errMessageTooLarge, "the record batch is larger than message.max.bytes"
	}
	batches, err := wire.DecodeRecordBatches(records, wire.DecodeOptions{})
	if err != nil || len(batches) != 1 {
		msg := "record batch failed to decode"
		if err != nil {
			msg = err.Error()
		}
		return nil, errCorruptMessage, msg
	}
	b := &batches[0]
	if b.IsControl() {
		return nil, errInvalidRecord, "clients may not send control batches"
	}
	if int64(b.LastOffsetDelta)+1 != int64(b.NumRecords) {
		return nil, errInvalidRecord, "lastOffsetDelta does not match the record count"
	}
	for i := range b.Records {
		if b.Records[i].Offset != b.BaseOffset+int64(i) {
			return nil, errInvalidRecord, "record offset deltas are not consecutive from 0"
		}
	}
	if b.ProducerID >= 0 && b.BaseSequence < 0 {
		return nil, errInvalidRecord, "an idempotent batch needs a non-negative base sequence"
	}
	if b.Codec() > wire.CodecZstd {
		return nil, errCorruptMessage, "unknown compression codec"
	}
	return b, errNone, ""
}

// lastSequence is Kafka's DefaultRecordBatch.incrementSequence: sequences
// wrap from MaxInt32 to 0.
func lastSequence(base, delta int32) int32 {
	if base > math.MaxInt32-delta {
		return delta - (math.MaxInt32 - base) - 1
	}
	return base + delta
}

func inSequence(last, next int32) bool {
	return int64(next) == int64(last)+1 || (next == 0 && last == math.MaxInt32)
}

// append validates b's producer state (Kafka's ProducerAppendInfo and
// ProducerStateEntry.findDuplicateBatch), then stores raw at the end of the
// log. raw must be the single batch b was decoded from; it is copied.
func (p *partition) append(raw []byte, b *wire.RecordBatch, cfg *config) appendResult {
	var st *producerState
	var last int32
	if b.ProducerID >= 0 {
		last = lastSequence(b.BaseSequence, b.LastOffsetDelta)
		st = p.producers[b.ProducerID]
		if st != nil {
			if b.ProducerEpoch == st.epoch {
				for _, m := range st.batches {
					if m.firstSeq == b.BaseSequence && m.lastSeq == last {
						if cfg.reportDuplicates {
							return appendResult{code: errDuplicateSequenceNumber, baseOffset: -1}
						}
						return appendResult{baseOffset: m.firstOffset}
					}
				}
			}
			switch {
			case b.ProducerEpoch < st.epoch:
				return appendResult{code: errInvalidProducerEpoch, baseOffset: -1,
					msg: "producer epoch is older than the last seen epoch"}
			case b.ProducerEpoch > st.epoch:
				if b.BaseSequence != 0 {
					return appendResult{code: errOutOfOrderSequenceNumber, baseOffset: -1,
						msg: "a new producer epoch must start at sequence 0"}
				}
			case !inSequence(st.lastSeq(), b.BaseSequence):
				return appendResult{code: errOutOfOrderSequenceNumber, baseOffset: -1,
					msg: "out of order sequence number"}
			}
		} else if cfg.unknownPIDCode != 0 && b.BaseSequence != 0 {
			return appendResult{code: cfg.unknownPIDCode, baseOffset: -1,
				msg: "no state for this producer id and the sequence is not 0"}
		}
	}

	base := p.next
	stored := make([]byte, len(raw))
	copy(stored, raw)
	binary.BigEndian.PutUint64(stored, uint64(base))
	binary.BigEndian.PutUint32(stored[hdrLeaderEpoch:], uint32(p.epoch))
	p.log = append(p.log, storedBatch{
		base:  base,
		last:  base + int64(b.LastOffsetDelta),
		maxTs: b.MaxTimestamp,
		raw:   stored,
	})
	p.next = base + int64(b.LastOffsetDelta) + 1

	if b.ProducerID >= 0 {
		if st == nil {
			st = &producerState{}
			if p.producers == nil {
				p.producers = make(map[int64]*producerState)
			}
			p.producers[b.ProducerID] = st
		}
		if st.epoch != b.ProducerEpoch {
			st.epoch = b.ProducerEpoch
			st.batches = st.batches[:0]
		}
		if len(st.batches) == numBatchesToRetain {
			copy(st.batches, st.batches[1:])
			st.batches = st.batches[:numBatchesToRetain-1]
		}
		st.batches = append(st.batches, batchMeta{firstSeq: b.BaseSequence, lastSeq: last, firstOffset: base})
	}
	return appendResult{baseOffset: base}
}

// firstBatchAt returns the index of the first batch holding offsets at or
// after off (binary search; batches are in offset order).
func (p *partition) firstBatchAt(off int64) int {
	lo, hi := 0, len(p.log)
	for lo < hi {
		m := (lo + hi) / 2
		if p.log[m].last < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// read returns the stored batches from the one holding off, up to maxBytes
// in total. With atLeastOne the first batch is returned even if larger
// (KIP-74: so a consumer can always make progress). The slices are shared
// with the log, which never modifies them.
func (p *partition) read(off int64, maxBytes int, atLeastOne bool) [][]byte {
	var out [][]byte
	total := 0
	for i := p.firstBatchAt(off); i < len(p.log); i++ {
		n := len(p.log[i].raw)
		if total+n > maxBytes && (!atLeastOne || len(out) > 0) {
			break
		}
		out = append(out, p.log[i].raw)
		total += n
	}
	return out
}

// offsetForTime returns the first offset whose record timestamp is at or
// after ts, with that timestamp (ListOffsets by time), or -1, -1. Batches
// whose max timestamp is below ts are skipped without decoding.
func (p *partition) offsetForTime(ts int64) (int64, int64) {
	for _, b := range p.log {
		if b.maxTs < ts {
			continue
		}
		for _, r := range decodeStored(b.raw) {
			if r.Timestamp >= ts {
				return r.Offset, r.Timestamp
			}
		}
	}
	return -1, -1
}

// maxTimestamp returns the offset and timestamp of the record with the
// largest timestamp (the first one if several share it), or -1, -1.
func (p *partition) maxTimestamp() (int64, int64) {
	off, ts := int64(-1), int64(-1)
	for _, b := range p.log {
		if b.maxTs <= ts {
			continue
		}
		for _, r := range decodeStored(b.raw) {
			if r.Timestamp > ts {
				off, ts = r.Offset, r.Timestamp
			}
		}
	}
	return off, ts
}

// decodeStored decodes one stored batch; it was validated when appended, so
// a failure means a bug and yields no records.
func decodeStored(raw []byte) []wire.Record {
	bs, err := wire.DecodeRecordBatches(raw, wire.DecodeOptions{})
	if err != nil || len(bs) != 1 {
		return nil
	}
	return bs[0].Records
}
