package kafkatest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gregorkafka/gregor/kafka"
	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// errPermanent is what the code under test reports when retrying cannot help.
var errPermanent = errors.New("event rejected permanently")

// saveEvent stands in for the user's code under test: it writes an event and
// turns Kafka's outcome into the application's own errors.
func saveEvent(ctx context.Context, client *kafka.Client, id, body string) error {
	err := client.ProduceSync(ctx, &kafka.Record{Topic: "events", Key: []byte(id), Value: []byte(body)})
	if errors.Is(err, wire.ErrTopicAuthorizationFailed) {
		return fmt.Errorf("%w: %w", errPermanent, err)
	}
	return err
}

// A test of an application's retry handling: the fake cluster fails the
// first attempt with a retriable error (the client retries it; the record
// is stored once) and then answers a non-retriable one (the application
// must classify it as permanent).
func Example() {
	c, err := kafkatest.NewCluster(kafkatest.Topic("events", 1))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	client, err := kafka.NewClient(kafka.WithBrokers(c.Addrs()...), kafka.WithRetryBackoff(time.Millisecond, 10*time.Millisecond))
	if err != nil {
		panic(err)
	}
	defer client.Close()
	ctx := context.Background()

	c.FailNextProduce("events", 0, 1, wire.ErrNotLeaderOrFollower.Code)
	fmt.Println("retriable:", saveEvent(ctx, client, "1", "hello"))
	recs, _ := c.Records("events", 0)
	fmt.Printf("stored %d record(s): %q\n", len(recs), recs[0].Value)

	c.FailNextProduce("events", 0, 1, wire.ErrTopicAuthorizationFailed.Code)
	err = saveEvent(ctx, client, "2", "denied")
	fmt.Println("permanent:", errors.Is(err, errPermanent))
	hw, _ := c.HighWatermark("events", 0)
	fmt.Println("high watermark", hw)
	// Output:
	// retriable: <nil>
	// stored 1 record(s): "hello"
	// permanent: true
	// high watermark 1
}
