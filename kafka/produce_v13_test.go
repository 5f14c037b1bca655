package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// A broker with Produce v13 (Kafka 4.0) gets topics by id, the id metadata
// gave; the v13 response (no names) is matched by that id. An
// UNKNOWN_TOPIC_ID answer (the topic was deleted and created again) is
// retried after a metadata refresh.
func TestProduceV13ByTopicID(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("ids", 2))
	var mu sync.Mutex
	var versions []int16
	var ids [][16]byte
	kc.Intercept(func(req *kafkatest.Request) (wire.Response, error) {
		if pr, ok := req.Body.(*wire.ProduceRequest); ok {
			mu.Lock()
			versions = append(versions, req.Version)
			for _, td := range pr.TopicData {
				if td.Name != "" {
					t.Errorf("v%d request names topic %q", req.Version, td.Name)
				}
				ids = append(ids, td.TopicID)
			}
			mu.Unlock()
		}
		return nil, nil
	})
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 30*time.Second)
	if err := c.ProduceSync(ctx, &Record{Topic: "ids", Key: []byte("a"), Value: []byte("1")}); err != nil {
		t.Fatal(err)
	}
	kc.FailNextProduce("ids", 0, 1, 100) // UNKNOWN_TOPIC_ID
	kc.FailNextProduce("ids", 1, 1, 100)
	for i := range 10 {
		r := &Record{Topic: "ids", Value: []byte{byte(i)}}
		if err := c.ProduceSync(context.Background(), r); err != nil {
			t.Fatalf("record %d after UNKNOWN_TOPIC_ID: %v", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := c.topicFor("ids").id.Load()
	if want == nil || *want == ([16]byte{}) {
		t.Fatal("the topic's id is not known")
	}
	for i, v := range versions {
		if v != 13 {
			t.Fatalf("request %d at v%d, want v13", i, v)
		}
	}
	for _, id := range ids {
		if id != *want {
			t.Fatalf("request topic id %x, want %x", id, *want)
		}
	}
	n := 0
	for p := int32(0); p < 2; p++ {
		recs, _ := kc.Records("ids", p)
		n += len(recs)
	}
	if n != 11 {
		t.Fatalf("%d records stored, want 11", n)
	}
}
