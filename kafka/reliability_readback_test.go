package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gregorkafka/gregor/internal/realkafka"
	"github.com/gregorkafka/gregor/kafka/conn"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// readBack reads every partition of topic from offset 0 to its high
// watermark, from each partition's current leader over the broker's own
// listener (bypassing the fault proxy), and decodes the reliability values.
// Fetch v12 is used because it still names topics (v13+ needs topic ids,
// which the harness's Metadata v1 does not return).
func readBack(ctx context.Context, rk *realkafka.Cluster, topic string, partitions int) (map[int32][]stored, error) {
	out := make(map[int32][]stored, partitions)
	for p := int32(0); p < int32(partitions); p++ {
		var recs []stored
		var err error
		for attempt := 0; attempt < 20; attempt++ {
			if recs, err = readPartition(ctx, rk, topic, p); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond) // leader moving or broker catching up
		}
		if err != nil {
			return nil, fmt.Errorf("partition %d: %w", p, err)
		}
		out[p] = recs
	}
	return out, nil
}

func readPartition(ctx context.Context, rk *realkafka.Cluster, topic string, p int32) ([]stored, error) {
	leader, err := rk.Leader(topic, p)
	if err != nil {
		return nil, err
	}
	if leader < 0 {
		return nil, errors.New("no leader")
	}
	cn, err := conn.Dial(ctx, rk.DirectAddr(leader), &conn.Config{ClientID: "reliability-readback", RequestTimeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	defer cn.Close()
	var out []stored
	for offset, hwm := int64(0), int64(-1); hwm < 0 || offset < hwm; {
		req := &wire.FetchRequest{
			ReplicaID: -1, MaxWaitMs: 100, MinBytes: 1, MaxBytes: 32 << 20,
			SessionEpoch: -1,
			Topics: []wire.FetchRequestTopic{{
				Topic: topic,
				Partitions: []wire.FetchRequestPartition{{
					Partition: p, CurrentLeaderEpoch: -1, FetchOffset: offset, LastFetchedEpoch: -1,
					LogStartOffset: -1, PartitionMaxBytes: 16 << 20,
				}},
			}},
		}
		type result struct {
			resp wire.Response
			err  error
		}
		ch := make(chan result, 1)
		if err := cn.Send(ctx, req, 12, func(r wire.Response, err error) { ch <- result{r, err} }); err != nil {
			return nil, err
		}
		var res result
		select {
		case res = <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if res.err != nil {
			return nil, res.err
		}
		resp := res.resp.(*wire.FetchResponse)
		if err := wire.ErrorForCode(resp.ErrorCode); err != nil {
			return nil, err
		}
		if len(resp.Responses) != 1 || len(resp.Responses[0].Partitions) != 1 {
			return nil, fmt.Errorf("fetch: want 1 topic with 1 partition, got %d topics", len(resp.Responses))
		}
		fp := resp.Responses[0].Partitions[0]
		if err := wire.ErrorForCode(fp.ErrorCode); err != nil {
			return nil, fmt.Errorf("fetch at %d: %w", offset, err)
		}
		hwm = fp.HighWatermark
		batches, err := wire.DecodeRecordBatches(fp.Records, wire.DecodeOptions{})
		if err != nil {
			return nil, fmt.Errorf("fetch at %d: %w", offset, err)
		}
		if len(batches) == 0 && offset < hwm {
			return nil, fmt.Errorf("fetch at %d: no batch below the high watermark %d", offset, hwm)
		}
		for _, b := range batches {
			for _, r := range b.Records {
				if r.Offset < offset || r.Offset >= hwm {
					continue
				}
				id, key, seq, ok := decodeValue(r.Value)
				if !ok {
					return nil, fmt.Errorf("offset %d: value of %d bytes is not a reliability record", r.Offset, len(r.Value))
				}
				out = append(out, stored{partition: p, offset: r.Offset, id: id, key: key, seq: seq})
			}
			offset = b.LastOffset() + 1
		}
	}
	return out, nil
}
