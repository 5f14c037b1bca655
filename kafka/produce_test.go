package kafka

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafkatest"
)

func TestProduceSyncBasic(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Topic("t", 3))
	c := newTestClient(t, kc)
	ctx := ctxTimeout(t, 10*time.Second)
	for i := 0; i < 10; i++ {
		r := &Record{Topic: "t", Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte("v")}
		if err := c.ProduceSync(ctx, r); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if r.Offset < 0 || r.Timestamp.IsZero() {
			t.Fatalf("record %d: offset %d ts %v", i, r.Offset, r.Timestamp)
		}
	}
	total := 0
	for p := int32(0); p < 3; p++ {
		recs, err := kc.Records("t", p)
		if err != nil {
			t.Fatal(err)
		}
		total += len(recs)
	}
	if total != 10 {
		t.Fatalf("stored %d records, want 10", total)
	}
	_ = context.Background
}
