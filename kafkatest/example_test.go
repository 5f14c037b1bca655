package kafkatest_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// produceWithRetry stands in for the code under test: it sends one record
// to a partition leader with Produce v9 and retries retriable errors a few
// times. (Real code would use a Kafka client; the test would look the same.)
func produceWithRetry(addr, topic string, partition int32, value []byte) (offset int64, attempts int, err error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return -1, 0, err
	}
	defer nc.Close()
	var bb wire.BatchBuilder
	bb.Append(0, nil, value, nil)
	batch, err := bb.Build(nil, wire.BatchParams{})
	if err != nil {
		return -1, 0, err
	}
	req := &wire.ProduceRequest{Acks: -1, TimeoutMs: 1000, TopicData: []wire.ProduceRequestTopic{{
		Name: topic, PartitionData: []wire.ProduceRequestPartition{{Index: partition, Records: batch}}}}}
	for attempts = 1; attempts <= 3; attempts++ {
		if _, err := nc.Write(wire.AppendRequest(nil, req, 9, int32(attempts), nil)); err != nil {
			return -1, attempts, err
		}
		var size [4]byte
		if _, err := io.ReadFull(nc, size[:]); err != nil {
			return -1, attempts, err
		}
		buf := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(nc, buf); err != nil {
			return -1, attempts, err
		}
		r := wire.NewReader(buf)
		wire.ReadResponseHeader(r, wire.APIKeyProduce, 9)
		var resp wire.ProduceResponse
		resp.DecodeFrom(r, 9)
		if err := r.Err(); err != nil {
			return -1, attempts, err
		}
		pr := resp.Responses[0].PartitionResponses[0]
		err = wire.ErrorForCode(pr.ErrorCode)
		if err == nil {
			return pr.BaseOffset, attempts, nil
		}
		if !wire.IsRetriable(err) {
			return -1, attempts, err
		}
	}
	return -1, attempts - 1, errors.New("out of attempts")
}

// A test of retry handling: the cluster fails the first attempt with a
// retriable error, and the test checks both what the code reports and what
// the cluster stored.
func Example() {
	c, err := kafkatest.NewCluster(kafkatest.Topic("events", 1))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	c.FailNextProduce("events", 0, 1, wire.ErrRequestTimedOut.Code)
	offset, attempts, err := produceWithRetry(c.Addrs()[0], "events", 0, []byte("hello"))
	fmt.Println("offset", offset, "after", attempts, "attempts, err:", err)

	recs, _ := c.Records("events", 0)
	fmt.Printf("stored %d record(s): %q at offset %d\n", len(recs), recs[0].Value, recs[0].Offset)

	// A non-retriable error is reported at once and nothing is stored.
	c.FailNextProduce("events", 0, 1, wire.ErrTopicAuthorizationFailed.Code)
	_, attempts, err = produceWithRetry(c.Addrs()[0], "events", 0, []byte("denied"))
	fmt.Println(attempts, "attempt:", errors.Is(err, wire.ErrTopicAuthorizationFailed))
	hw, _ := c.HighWatermark("events", 0)
	fmt.Println("high watermark", hw)
	// Output:
	// offset 0 after 2 attempts, err: <nil>
	// stored 1 record(s): "hello" at offset 0
	// 1 attempt: true
	// high watermark 1
}
