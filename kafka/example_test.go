package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gregorkafka/gregor/kafka"
	"github.com/gregorkafka/gregor/kafkatest"
)

// Each example runs against an in-process fake cluster (kafkatest); point
// WithBrokers at real brokers instead.
func fakeCluster(topic string) (*kafkatest.Cluster, func()) {
	kc, err := kafkatest.NewCluster(kafkatest.Topic(topic, 3))
	if err != nil {
		log.Fatal(err)
	}
	return kc, func() { kc.Close() }
}

// ProduceSync in an HTTP handler: the request's context bounds the wait,
// and the response tells the caller whether the event is durably stored.
func ExampleClient_ProduceSync() {
	kc, stop := fakeCluster("orders")
	defer stop()
	client, err := kafka.NewClient(kafka.WithBrokers(kc.Addrs()...))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &kafka.Record{Topic: "orders", Key: []byte(req.URL.Query().Get("customer")), Value: []byte("order-created")}
		if err := client.ProduceSync(req.Context(), rec); err != nil {
			switch {
			case errors.Is(err, kafka.ErrNotSent):
				http.Error(w, "not stored, retry", http.StatusServiceUnavailable)
			case errors.Is(err, kafka.ErrOutcomeUnknown):
				// Idempotence keeps the record from being stored twice
				// by the client's own retries; it may or may not be there.
				http.Error(w, "outcome unknown", http.StatusGatewayTimeout)
			default:
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
			return
		}
		fmt.Fprintf(w, "stored at partition %d offset %d\n", rec.Partition, rec.Offset)
	})

	req := httptest.NewRequest("POST", "/orders?customer=alice", nil)
	ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
	defer cancel()
	rr := httptest.NewRecorder()
	handler.ServeHTTP(rr, req.WithContext(ctx))
	fmt.Println(rr.Code, strings.HasPrefix(rr.Body.String(), "stored at partition"))
	// Output: 200 true
}

// Fire-and-forget with a logging callback: Produce returns at once, the
// callback reports each record's fate (here only failures are logged).
// Close flushes what is buffered before it returns.
func ExampleClient_Produce() {
	kc, stop := fakeCluster("clicks")
	defer stop()
	client, err := kafka.NewClient(kafka.WithBrokers(kc.Addrs()...), kafka.WithLinger(5*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}

	// Callbacks of one partition run one at a time, but those of different
	// partitions may run concurrently: shared state needs a lock or atomics.
	var failed atomic.Int64
	logFailure := func(r *kafka.Record, err error) {
		if err != nil {
			failed.Add(1)
			log.Printf("click %s lost: %v", r.Key, err)
		}
	}
	for i := 0; i < 1000; i++ {
		client.Produce(context.Background(), &kafka.Record{Topic: "clicks", Key: []byte(fmt.Sprint(i % 10)), Value: []byte("click")}, logFailure)
	}
	if err := client.Close(); err != nil { // every callback has run when Close returns
		log.Print(err)
	}
	fmt.Println("failed:", failed.Load())
	// Output: failed: 0
}

// A context-cancelled send: a record whose context ends before its batch
// is sent is removed (ErrNotSent) and never written; the other records
// are unaffected.
func ExampleClient_Produce_cancelled() {
	kc, stop := fakeCluster("events")
	defer stop()
	// A long linger keeps the records queued long enough to cancel one.
	client, err := kafka.NewClient(kafka.WithBrokers(kc.Addrs()...), kafka.WithLinger(time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	client.Produce(ctx, &kafka.Record{Topic: "events", Value: []byte("maybe")}, func(_ *kafka.Record, err error) { done <- err })
	cancel()
	err = <-done
	fmt.Println(errors.Is(err, kafka.ErrNotSent), errors.Is(err, context.Canceled))

	// A record with its own live context still goes.
	fmt.Println(client.ProduceSync(context.Background(), &kafka.Record{Topic: "events", Value: []byte("surely")}))
	// Output:
	// true true
	// <nil>
}
