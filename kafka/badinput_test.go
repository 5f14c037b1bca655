package kafka_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/gregorkafka/gregor/kafka"
	"github.com/gregorkafka/gregor/kafka/wire"
	"github.com/gregorkafka/gregor/kafkatest"
)

// Bad input: every way a caller (or a broker) can hand the Client something
// wrong gets a typed error, and nothing else is disturbed: good records
// produced before and after the bad one, on the same Client, are each
// stored exactly once, in order.

// leakCheck verifies, after every other cleanup of t ran (it is
// registered first, so it runs last), that no goroutine started during
// the test is left.
func leakCheck(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// goodTraffic produces numbered good records to one partition and checks
// they were all acknowledged and stored once, in order.
type goodTraffic struct {
	c     *kafka.Client
	kc    *kafkatest.Cluster
	topic string

	mu   sync.Mutex
	next int
	errs []error
	wg   sync.WaitGroup
}

func (g *goodTraffic) produce(n int) {
	for range n {
		g.mu.Lock()
		v := []byte("good-" + strconv.Itoa(g.next))
		g.next++
		g.mu.Unlock()
		g.wg.Add(1)
		g.c.Produce(context.Background(), &kafka.Record{Topic: g.topic, Value: v}, func(r *kafka.Record, err error) {
			if err != nil {
				g.mu.Lock()
				g.errs = append(g.errs, fmt.Errorf("%s: %w", r.Value, err))
				g.mu.Unlock()
			}
			g.wg.Done()
		})
	}
}

// verify waits for every good record's callback and compares the log with
// what was produced.
func (g *goodTraffic) verify(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("good records: callbacks missing after 30 s")
	}
	for _, err := range g.errs {
		t.Errorf("good record failed: %v", err)
	}
	recs, err := g.kc.Records(g.topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, r := range recs {
		if bytes.HasPrefix(r.Value, []byte("good-")) {
			got = append(got, string(r.Value))
		}
	}
	for i := range g.next {
		want = append(want, "good-"+strconv.Itoa(i))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("good records in the log (-want +got):\n%s", diff)
	}
}

// outcome runs one bad record through Produce (callback) and ProduceSync
// and returns both errors; the callback must run exactly once.
func outcome(t *testing.T, c *kafka.Client, ctx context.Context, mk func() *kafka.Record, wait time.Duration) (async, syncErr error) {
	t.Helper()
	ch := make(chan error, 2)
	calls := 0
	var mu sync.Mutex
	c.Produce(ctx, mk(), func(_ *kafka.Record, err error) {
		mu.Lock()
		calls++
		mu.Unlock()
		ch <- err
	})
	select {
	case async = <-ch:
	case <-time.After(wait):
		t.Fatalf("Produce callback not called within %v", wait)
	}
	sctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if ctx.Err() != nil {
		sctx = ctx
	}
	syncErr = c.ProduceSync(sctx, mk())
	time.Sleep(10 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("Produce callback called %d times", calls)
	}
	return async, syncErr
}

func TestBadRecordsTypedErrorsOthersUnaffected(t *testing.T) {
	leakCheck(t)
	kc := kafkatest.New(t, kafkatest.Topic("good", 1), kafkatest.Topic("three", 3),
		kafkatest.AutoCreateTopics(false), kafkatest.MaxMessageBytes(4000))
	c, err := kafka.NewClient(kafka.WithBrokers(kc.Addrs()...), kafka.WithUnknownTopicWait(time.Second),
		kafka.WithMaxRequestBytes(64<<10), kafka.WithBatchMaxBytes(16<<10))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := &goodTraffic{c: c, kc: kc, topic: "good"}
	bg := context.Background()
	canceled, cancel := context.WithCancel(bg)
	cancel()
	expired, cancel2 := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel2()
	manual, err := kafka.NewClient(kafka.WithBrokers(kc.Addrs()...), kafka.WithPartitioner(kafka.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer manual.Close()

	type check func(error) string
	is := func(target error) check {
		return func(err error) string {
			if !errors.Is(err, target) {
				return fmt.Sprintf("want errors.Is(err, %v)", target)
			}
			return ""
		}
	}
	both := func(a, b check) check {
		return func(err error) string {
			if s := a(err); s != "" {
				return s
			}
			return b(err)
		}
	}
	rec := func(topic string, v []byte) func() *kafka.Record {
		return func() *kafka.Record { return &kafka.Record{Topic: topic, Value: v} }
	}
	cases := []struct {
		name   string
		client *kafka.Client
		ctx    context.Context
		rec    func() *kafka.Record
		check  check
	}{
		{"empty topic", c, bg, rec("", []byte("x")), is(kafka.ErrInvalidRecord)},
		{"topic with a slash", c, bg, rec("a/b", []byte("x")), is(kafka.ErrInvalidRecord)},
		{"topic with a space", c, bg, rec("a b", []byte("x")), is(kafka.ErrInvalidRecord)},
		{"topic with non-ASCII", c, bg, rec("tópico", []byte("x")), both(is(kafka.ErrInvalidRecord), func(err error) string {
			if !strings.Contains(err.Error(), "'ó'") {
				return "BUG: the message names a byte of the UTF-8 encoding instead of the illegal character 'ó' " +
					"(produce.go validTopic formats name[i] with %q): " + err.Error()
			}
			return ""
		})},
		{"topic of 250 characters", c, bg, rec(strings.Repeat("t", 250), []byte("x")), is(kafka.ErrInvalidRecord)},
		{"topic dot", c, bg, rec(".", []byte("x")), is(kafka.ErrInvalidRecord)},
		{"topic dot dot", c, bg, rec("..", []byte("x")), is(kafka.ErrInvalidRecord)},
		{"header key not UTF-8", c, bg, func() *kafka.Record {
			return &kafka.Record{Topic: "good", Value: []byte("x"), Headers: []kafka.Header{{Key: "\xff\xfe"}}}
		}, is(kafka.ErrInvalidRecord)},
		{"nil record", c, bg, func() *kafka.Record { return nil }, is(kafka.ErrInvalidRecord)},
		{"unknown topic, auto-create off", c, bg, rec("no-such-topic", []byte("x")), func(err error) string {
			var ut *kafka.UnknownTopicError
			if !errors.As(err, &ut) || ut.Topic != "no-such-topic" || !errors.Is(err, kafka.ErrUnknownTopic) {
				return "want *UnknownTopicError naming no-such-topic"
			}
			return ""
		}},
		{"record over WithMaxRequestBytes", c, bg, rec("good", make([]byte, 70<<10)), func(err error) string {
			var tl *kafka.RecordTooLargeError
			if !errors.As(err, &tl) || tl.Limit != 64<<10 || !errors.Is(err, kafka.ErrRecordTooLarge) {
				return "want *RecordTooLargeError with Limit 65536"
			}
			return ""
		}},
		{"record over the broker's message.max.bytes", c, bg, rec("good", make([]byte, 5000)), func(err error) string {
			if !errors.Is(err, kafka.ErrRecordTooLarge) && !errors.Is(err, wire.ErrMessageTooLarge) {
				return "want ErrRecordTooLarge or wire.ErrMessageTooLarge"
			}
			return ""
		}},
		{"partition beyond the topic", manual, bg, func() *kafka.Record {
			return &kafka.Record{Topic: "three", Partition: 3, Value: []byte("x")}
		}, func(err error) string {
			var ip *kafka.InvalidPartitionError
			if !errors.As(err, &ip) || ip.Partition != 3 || ip.Partitions != 3 || ip.Topic != "three" {
				return "want *InvalidPartitionError{three, 3, 3}"
			}
			return ""
		}},
		{"negative partition", manual, bg, func() *kafka.Record {
			return &kafka.Record{Topic: "three", Partition: -1, Value: []byte("x")}
		}, func(err error) string {
			var ip *kafka.InvalidPartitionError
			if !errors.As(err, &ip) {
				return "want *InvalidPartitionError"
			}
			if ip.Partition != -1 {
				return fmt.Sprintf("BUG: InvalidPartitionError.Partition is %d, not the -1 the record asked for "+
					"(partitioner.go manualPartitioner maps negatives to invalidPartition)", ip.Partition)
			}
			return ""
		}},
		{"context already canceled", c, canceled, rec("good", []byte("x")), both(is(kafka.ErrNotSent), is(context.Canceled))},
		{"context deadline passed", c, expired, rec("good", []byte("x")), both(is(kafka.ErrNotSent), is(context.DeadlineExceeded))},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g.produce(3 + i%4)
			start := time.Now()
			bug := ""
			async, syncErr := outcome(t, tc.client, tc.ctx, tc.rec, 15*time.Second)
			g.produce(3)
			for _, e := range []struct {
				how string
				err error
			}{{"Produce", async}, {"ProduceSync", syncErr}} {
				if e.err == nil {
					t.Errorf("%s: nil error", e.how)
					continue
				}
				if s := tc.check(e.err); strings.HasPrefix(s, "BUG: ") {
					bug = s[len("BUG: "):]
				} else if s != "" {
					t.Errorf("%s: %T %v: %s", e.how, e.err, e.err, s)
				}
				if !typedError(e.err) {
					t.Errorf("%s: %v is not a documented typed error", e.how, e.err)
				}
				if !strings.HasPrefix(e.err.Error(), "kafka: ") {
					t.Errorf("%s: error %q lacks the package prefix", e.how, e.err)
				}
			}
			t.Logf("%v: %v", time.Since(start).Round(time.Millisecond), async)
			if bug != "" {
				knownBug(t, "%s", bug)
			}
		})
	}
	g.verify(t)
	// The bad records left nothing behind.
	for _, topic := range kc.Topics() {
		if topic != "good" && topic != "three" {
			t.Errorf("topic %q exists after the bad records", topic)
		}
	}
	for p := int32(0); p < 3; p++ {
		if recs, _ := kc.Records("three", p); len(recs) != 0 {
			t.Errorf("three/%d holds %d records, want 0", p, len(recs))
		}
	}
}

// A record larger than the broker's message.max.bytes among small ones of
// the same partition: the broker rejects their shared batch, the Client
// splits it, and only the large record fails.
func TestBrokerTooLargeFailsOnlyThatRecord(t *testing.T) {
	leakCheck(t)
	kc := kafkatest.New(t, kafkatest.Topic("good", 1), kafkatest.MaxMessageBytes(4000))
	c, err := kafka.NewClient(kafka.WithBrokers(kc.Addrs()...), kafka.WithLinger(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	g := &goodTraffic{c: c, kc: kc, topic: "good"}
	if err := c.ProduceSync(context.Background(), &kafka.Record{Topic: "good", Value: []byte("good-0")}); err != nil {
		t.Fatal(err)
	}
	g.next = 1
	g.produce(5)
	bigErr := make(chan error, 1)
	c.Produce(context.Background(), &kafka.Record{Topic: "good", Value: make([]byte, 5000)}, func(_ *kafka.Record, err error) { bigErr <- err })
	g.produce(5)
	select {
	case err := <-bigErr:
		if !errors.Is(err, kafka.ErrRecordTooLarge) && !errors.Is(err, wire.ErrMessageTooLarge) {
			t.Errorf("large record: %v, want a too-large error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("large record: no callback")
	}
	g.verify(t)
}

// Contradictory or invalid options fail NewClient with *ConfigError naming
// the option; no goroutine is started.
func TestContradictoryOptions(t *testing.T) {
	leakCheck(t)
	b := kafka.WithBrokers("127.0.0.1:9092")
	cases := []struct {
		name   string
		opts   []kafka.Option
		option string
	}{
		{"no brokers", nil, "WithBrokers"},
		{"broker without port", []kafka.Option{kafka.WithBrokers("localhost")}, "WithBrokers"},
		{"idempotence with acks=1", []kafka.Option{b, kafka.WithIdempotence(true), kafka.WithAcks(kafka.AcksLeader)}, "WithIdempotence"},
		{"idempotence with acks=0", []kafka.Option{b, kafka.WithIdempotence(true), kafka.WithAcks(kafka.AcksNone)}, "WithIdempotence"},
		{"unknown acks", []kafka.Option{b, kafka.WithAcks(2)}, "WithAcks"},
		{"6 in flight with idempotence", []kafka.Option{b, kafka.WithIdempotence(true), kafka.WithMaxInFlight(6)}, "WithMaxInFlight"},
		{"0 in flight", []kafka.Option{b, kafka.WithMaxInFlight(0)}, "WithMaxInFlight"},
		{"idempotence without retries", []kafka.Option{b, kafka.WithMaxAttempts(1)}, "WithMaxAttempts"},
		{"batch larger than request", []kafka.Option{b, kafka.WithBatchMaxBytes(2 << 20)}, "WithBatchMaxBytes"},
		{"negative batch records", []kafka.Option{b, kafka.WithBatchMaxRecords(-1)}, "WithBatchMaxRecords"},
		{"negative linger", []kafka.Option{b, kafka.WithLinger(-time.Millisecond)}, "WithLinger"},
		{"delivery timeout below request timeout", []kafka.Option{b, kafka.WithDeliveryTimeout(time.Second)}, "WithDeliveryTimeout"},
		{"zero request timeout", []kafka.Option{b, kafka.WithRequestTimeout(0)}, "WithRequestTimeout"},
		{"backoff max below initial", []kafka.Option{b, kafka.WithRetryBackoff(time.Second, time.Millisecond)}, "WithRetryBackoff"},
		{"buffer smaller than a batch", []kafka.Option{b, kafka.WithMaxBufferedBytes(1000)}, "WithMaxBufferedBytes"},
		{"zero buffered records", []kafka.Option{b, kafka.WithMaxBufferedRecords(0)}, "WithMaxBufferedRecords"},
		{"unknown codec", []kafka.Option{b, kafka.WithCompression(9)}, "WithCompression"},
		{"nil partitioner", []kafka.Option{b, kafka.WithPartitioner(nil)}, "WithPartitioner"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := kafka.NewClient(tc.opts...)
			if err == nil {
				c.Close()
				t.Fatal("NewClient accepted the options")
			}
			var ce *kafka.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, kafka.ErrConfig) {
				t.Fatalf("err = %T %v, want *ConfigError", err, err)
			}
			if ce.Option != tc.option {
				t.Errorf("ConfigError.Option = %q, want %q (%v)", ce.Option, tc.option, err)
			}
		})
	}
}

// After Close, Produce, ProduceSync and Flush fail at once with ErrClosed
// (Flush: nothing to wait for), and Close can be called again.
func TestProduceAfterClose(t *testing.T) {
	leakCheck(t)
	kc := kafkatest.New(t, kafkatest.Topic("good", 1))
	c, err := kafka.NewClient(kafka.WithBrokers(kc.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ProduceSync(context.Background(), &kafka.Record{Topic: "good", Value: []byte("before")}); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	var cbErr error
	calls := 0
	c.Produce(context.Background(), &kafka.Record{Topic: "good", Value: []byte("after")}, func(_ *kafka.Record, err error) { calls++; cbErr = err })
	if calls != 1 || !errors.Is(cbErr, kafka.ErrClosed) {
		t.Errorf("Produce after Close: %d calls, err %v; want 1 call with ErrClosed before Produce returns", calls, cbErr)
	}
	if err := c.ProduceSync(context.Background(), &kafka.Record{Topic: "good", Value: []byte("after")}); !errors.Is(err, kafka.ErrClosed) {
		t.Errorf("ProduceSync after Close: %v, want ErrClosed", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.Flush(ctx); err != nil {
		t.Errorf("Flush after Close: %v, want nil (nothing outstanding)", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	recs, _ := kc.Records("good", 0)
	if len(recs) != 1 {
		t.Errorf("log holds %d records, want 1", len(recs))
	}
}
