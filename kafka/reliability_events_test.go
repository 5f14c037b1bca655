package kafka_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// eventCounter is a zap core that counts log messages instead of writing
// them: the reliability runs use it to show that the faults reached the
// Client (retried batches, dead connections, leader moves, epoch bumps),
// so a clean verdict cannot come from faults that missed.
type eventCounter struct {
	mu     *sync.Mutex
	counts map[string]int
}

func newEventCounter() *eventCounter {
	return &eventCounter{mu: new(sync.Mutex), counts: map[string]int{}}
}

func (e *eventCounter) logger() *zap.Logger { return zap.New(e) }

func (e *eventCounter) Enabled(zapcore.Level) bool        { return true }
func (e *eventCounter) With([]zapcore.Field) zapcore.Core { return e }
func (e *eventCounter) Sync() error                       { return nil }

func (e *eventCounter) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(ent, e)
}

func (e *eventCounter) Write(ent zapcore.Entry, _ []zapcore.Field) error {
	e.mu.Lock()
	e.counts[ent.Message]++
	e.mu.Unlock()
	return nil
}

func (e *eventCounter) count(prefix string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for m, c := range e.counts {
		if strings.HasPrefix(m, prefix) {
			n += c
		}
	}
	return n
}

func (e *eventCounter) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var parts []string
	for m, c := range e.counts {
		parts = append(parts, fmt.Sprintf("%q×%d", m, c))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
