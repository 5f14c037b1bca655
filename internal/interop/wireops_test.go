package interop

import (
	"errors"
	"fmt"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// retryBroker runs op until it returns no error or a non-retriable one, for
// the brief windows after start-up when a real broker answers
// COORDINATOR_LOAD_IN_PROGRESS or NOT_LEADER_OR_FOLLOWER.
func retryBroker(op func() error) error {
	var err error
	for range 100 {
		if err = op(); err == nil || !wire.IsRetriable(err) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("still failing after 10 s: %w", err)
}

// topicIDs asks for the topics' metadata at the negotiated version and returns
// their IDs (zero below Metadata v10, where Produce and Fetch use names anyway).
func (c *rawConn) topicIDs(topics []string) (map[string][16]byte, error) {
	v := c.version(wire.APIKeyMetadata)
	req := &wire.MetadataRequest{Topics: []wire.MetadataRequestTopic{}}
	for _, name := range topics {
		req.Topics = append(req.Topics, wire.MetadataRequestTopic{Name: &name})
	}
	resp := new(wire.MetadataResponse)
	if err := c.roundTrip(req, v, resp); err != nil {
		return nil, err
	}
	ids := map[string][16]byte{}
	for _, tp := range resp.Topics {
		if tp.Name == nil {
			return nil, errors.New("metadata: topic without a name")
		}
		if err := wire.ErrorForCode(tp.ErrorCode); err != nil {
			return nil, fmt.Errorf("metadata %s: %w", *tp.Name, err)
		}
		ids[*tp.Name] = tp.TopicID
	}
	for _, name := range topics {
		if _, ok := ids[name]; !ok {
			return nil, fmt.Errorf("metadata v%d: topic %s missing", v, name)
		}
		if v >= 13 && ids[name] == [16]byte{} {
			return nil, fmt.Errorf("metadata v%d: topic %s has no ID", v, name)
		}
	}
	return ids, nil
}

// initProducerID gets an idempotent producer id and epoch, as an idempotent
// (non-transactional) Java producer does: null transactional id, no previous
// producer, transaction timeout Integer.MAX_VALUE.
func (c *rawConn) initProducerID() (id int64, epoch int16, err error) {
	v := c.version(wire.APIKeyInitProducerId)
	req := &wire.InitProducerIdRequest{TransactionTimeoutMs: 1<<31 - 1, ProducerID: -1, ProducerEpoch: -1}
	err = retryBroker(func() error {
		resp := new(wire.InitProducerIdResponse)
		if err := c.roundTrip(req, v, resp); err != nil {
			return err
		}
		if err := wire.ErrorForCode(resp.ErrorCode); err != nil {
			return fmt.Errorf("InitProducerId v%d: %w", v, err)
		}
		id, epoch = resp.ProducerID, resp.ProducerEpoch
		return nil
	})
	return id, epoch, err
}

// produce sends one record batch to partition 0 of topic with acks=-1 at
// version v and returns the base offset the broker assigned.
func (c *rawConn) produce(topic string, topicID [16]byte, batch []byte, v int16) (int64, error) {
	req := &wire.ProduceRequest{
		Acks:      -1,
		TimeoutMs: 10_000,
		TopicData: []wire.ProduceRequestTopic{{
			Name:          topic,
			TopicID:       topicID,
			PartitionData: []wire.ProduceRequestPartition{{Index: 0, Records: batch}},
		}},
	}
	var base int64
	err := retryBroker(func() error {
		resp := new(wire.ProduceResponse)
		if err := c.roundTrip(req, v, resp); err != nil {
			return err
		}
		if len(resp.Responses) != 1 || len(resp.Responses[0].PartitionResponses) != 1 {
			return fmt.Errorf("produce v%d: %d topics in response, want 1 with 1 partition", v, len(resp.Responses))
		}
		rt := resp.Responses[0]
		if (v < 13 && rt.Name != topic) || (v >= 13 && rt.TopicID != topicID) {
			return fmt.Errorf("produce v%d: response for topic %q %x, want %q %x", v, rt.Name, rt.TopicID, topic, topicID)
		}
		p := rt.PartitionResponses[0]
		if err := wire.ErrorForCode(p.ErrorCode); err != nil {
			msg := ""
			if p.ErrorMessage != nil {
				msg = *p.ErrorMessage
			}
			for _, re := range p.RecordErrors {
				if re.BatchIndexErrorMessage != nil {
					msg += fmt.Sprintf("; record %d: %s", re.BatchIndex, *re.BatchIndexErrorMessage)
				}
			}
			return fmt.Errorf("produce v%d to %s: %w (broker message: %q)", v, topic, err, msg)
		}
		if p.Index != 0 || len(p.RecordErrors) != 0 || p.ErrorMessage != nil {
			return fmt.Errorf("produce v%d to %s: partition %d, record errors %v, message %v on success", v, topic, p.Index, p.RecordErrors, p.ErrorMessage)
		}
		base = p.BaseOffset
		return nil
	})
	return base, err
}

// fetchedBatch is one batch as the broker stored it: the raw bytes and what
// wire.DecodeRecordBatches makes of them.
type fetchedBatch struct {
	raw     []byte
	decoded wire.RecordBatch
}

// fetchAll reads partition 0 of topic from offset 0 up to its high watermark
// with Fetch version v and decodes every batch (which verifies every CRC).
func (c *rawConn) fetchAll(topic string, topicID [16]byte, v int16) ([]fetchedBatch, error) {
	var out []fetchedBatch
	for offset, hwm := int64(0), int64(-1); hwm < 0 || offset < hwm; {
		req := &wire.FetchRequest{
			ReplicaID: -1, MaxWaitMs: 100, MinBytes: 1, MaxBytes: 16 << 20,
			SessionEpoch: -1, // sessionless full fetch
			Topics: []wire.FetchRequestTopic{{
				Topic: topic, TopicID: topicID,
				Partitions: []wire.FetchRequestPartition{{
					CurrentLeaderEpoch: -1, FetchOffset: offset, LastFetchedEpoch: -1,
					LogStartOffset: -1, PartitionMaxBytes: 8 << 20,
				}},
			}},
		}
		resp := new(wire.FetchResponse)
		if err := c.roundTrip(req, v, resp); err != nil {
			return out, err
		}
		if err := wire.ErrorForCode(resp.ErrorCode); err != nil {
			return out, fmt.Errorf("fetch v%d: %w", v, err)
		}
		if len(resp.Responses) != 1 || len(resp.Responses[0].Partitions) != 1 {
			return out, fmt.Errorf("fetch v%d: want 1 topic with 1 partition, got %+v", v, resp.Responses)
		}
		p := resp.Responses[0].Partitions[0]
		if err := wire.ErrorForCode(p.ErrorCode); err != nil {
			return out, fmt.Errorf("fetch v%d %s at %d: %w", v, topic, offset, err)
		}
		hwm = p.HighWatermark
		batches, err := wire.DecodeRecordBatches(p.Records, wire.DecodeOptions{})
		if err != nil {
			return out, fmt.Errorf("fetch v%d %s at %d: decode: %w", v, topic, offset, err)
		}
		if len(batches) == 0 && offset < hwm {
			return out, fmt.Errorf("fetch v%d %s at %d: no batch below high watermark %d", v, topic, offset, hwm)
		}
		pos := 0
		for _, b := range batches {
			out = append(out, fetchedBatch{raw: p.Records[pos : pos+b.Size], decoded: b})
			pos += b.Size
			offset = b.LastOffset() + 1
		}
	}
	return out, nil
}
