package kafka

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/kafkatest"
)

// newTestClient returns a Client on cluster kc, closed at the end of the
// test.
func newTestClient(t testing.TB, kc *kafkatest.Cluster, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(append([]Option{WithBrokers(kc.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// results collects callback outcomes.
type results struct {
	mu   sync.Mutex
	errs map[*Record]error
	wg   sync.WaitGroup
}

func newResults(n int) *results {
	r := &results{errs: make(map[*Record]error, n)}
	r.wg.Add(n)
	return r
}

func (r *results) cb(rec *Record, err error) {
	r.mu.Lock()
	if _, dup := r.errs[rec]; dup {
		r.mu.Unlock()
		panic(fmt.Sprintf("callback called twice for %q", rec.Key))
	}
	r.errs[rec] = err
	r.mu.Unlock()
	r.wg.Done()
}

func (r *results) wait(t testing.TB, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("callbacks not all called within %v", d)
	}
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
