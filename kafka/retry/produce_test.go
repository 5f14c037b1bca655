package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// specialProduce is protocol.md §8.2-8.5 as a table: code -> action for
// {not idempotent, idempotent}; multi is the action when the batch holds
// more than one record, if it differs.
var specialProduce = map[int16]struct {
	plain, idem ProduceAction
	multi       *ProduceAction
}{
	0:   {ProduceSuccess, ProduceSuccess, nil},
	10:  {ProduceFail, ProduceFail, ptr(ProduceSplit)},
	45:  {ProduceFail, ProduceOutOfOrderSequence, nil},
	46:  {ProduceFail, ProduceDuplicate, nil},
	47:  {ProduceFail, ProduceInvalidProducerEpoch, nil},
	59:  {ProduceFail, ProduceUnknownProducerID, nil},
	90:  {ProduceFatal, ProduceFatal, nil},
	31:  {ProduceFail, ProduceFatal, nil},
	35:  {ProduceFail, ProduceFatal, nil},
	49:  {ProduceFail, ProduceFatal, nil},
	53:  {ProduceFail, ProduceFatal, nil},
	129: {ProduceRebootstrap, ProduceRebootstrap, nil},
}

func ptr[T any](v T) *T { return &v }

func expectedProduce(code int16, records int, idempotent bool) ProduceAction {
	if s, ok := specialProduce[code]; ok {
		if s.multi != nil && records > 1 {
			return *s.multi
		}
		if idempotent {
			return s.idem
		}
		return s.plain
	}
	switch expectedAction(code) {
	case Retry:
		return ProduceRetry
	case RetryRefreshMetadata:
		return ProduceRetryRefreshMetadata
	}
	return ProduceFail
}

// Every known code (and code 0 and unknown codes), every batch shape, both
// producer kinds.
func TestClassifyProduceExhaustive(t *testing.T) {
	codes := []int16{0, 137, 999, -2}
	for _, e := range wire.KnownErrors() {
		codes = append(codes, e.Code)
	}
	for _, code := range codes {
		for _, records := range []int{0, 1, 2, 500} {
			for _, idem := range []bool{false, true} {
				want := expectedProduce(code, records, idem)
				if got := ClassifyProduce(code, records, idem); got != want {
					t.Errorf("ClassifyProduce(%d, %d, %v) = %v; want %v", code, records, idem, got, want)
				}
				if code == 0 {
					continue
				}
				err := fmt.Errorf("conn: produce: %w", wire.ErrorForCode(code))
				if got := ClassifyProduceError(err, records, idem); got != want {
					t.Errorf("ClassifyProduceError(%v, %d, %v) = %v; want %v", err, records, idem, got, want)
				}
			}
		}
	}
}

// Spot checks written out in full, so a mistake in the helper above cannot
// hide one in the code.
func TestClassifyProduceNamedCases(t *testing.T) {
	tests := []struct {
		code    int16
		records int
		idem    bool
		want    ProduceAction
	}{
		{6, 1, true, ProduceRetryRefreshMetadata},  // NOT_LEADER_OR_FOLLOWER
		{3, 1, false, ProduceRetryRefreshMetadata}, // UNKNOWN_TOPIC_OR_PARTITION
		{2, 1, true, ProduceRetry},                 // CORRUPT_MESSAGE is retriable
		{19, 4, true, ProduceRetry},                // NOT_ENOUGH_REPLICAS
		{20, 4, false, ProduceRetry},               // NOT_ENOUGH_REPLICAS_AFTER_APPEND: retried even though it may duplicate
		{10, 2, true, ProduceSplit},                // MESSAGE_TOO_LARGE, several records
		{10, 1, true, ProduceFail},                 // MESSAGE_TOO_LARGE, one record: RecordTooLarge
		{18, 9, true, ProduceFail},                 // RECORD_LIST_TOO_LARGE is not split
		{46, 3, true, ProduceDuplicate},            // DUPLICATE_SEQUENCE_NUMBER = written
		{46, 3, false, ProduceFail},                // ...but never claimed without sequences
		{45, 3, true, ProduceOutOfOrderSequence},
		{59, 3, true, ProduceUnknownProducerID},
		{47, 3, true, ProduceInvalidProducerEpoch},
		{90, 1, false, ProduceFatal},  // PRODUCER_FENCED
		{31, 1, true, ProduceFatal},   // CLUSTER_AUTHORIZATION_FAILED, idempotent
		{31, 1, false, ProduceFail},   // ... plain producer: just this batch
		{35, 1, true, ProduceFatal},   // UNSUPPORTED_VERSION
		{29, 1, true, ProduceFail},    // TOPIC_AUTHORIZATION_FAILED
		{87, 1, true, ProduceFail},    // INVALID_RECORD
		{120, 1, true, ProduceFail},   // TRANSACTION_ABORTABLE: fail; the txn manager aborts
		{-1, 1, true, ProduceFail},    // UNKNOWN_SERVER_ERROR
		{250, 1, true, ProduceFail},   // unknown code
		{0, 1, false, ProduceSuccess}, // NONE
	}
	for _, tt := range tests {
		if got := ClassifyProduce(tt.code, tt.records, tt.idem); got != tt.want {
			t.Errorf("ClassifyProduce(%d, %d, %v) = %v; want %v", tt.code, tt.records, tt.idem, got, tt.want)
		}
	}
}

func TestClassifyProduceErrorNonBroker(t *testing.T) {
	tests := []struct {
		give error
		want ProduceAction
	}{
		{nil, ProduceSuccess},
		{io.EOF, ProduceRetryRefreshMetadata},
		{fmt.Errorf("conn: %w", &connClosedError{broker: 1}), ProduceRetryRefreshMetadata},
		{context.Canceled, ProduceFail},
		{errors.Join(context.Canceled, wire.ErrDuplicateSequenceNumber), ProduceFail},
		{context.DeadlineExceeded, ProduceFail},
		{errors.New("anything else"), ProduceFail},
		{wire.ErrNotLeaderOrFollower.WithMessage("moved"), ProduceRetryRefreshMetadata},
	}
	for _, tt := range tests {
		if got := ClassifyProduceError(tt.give, 3, true); got != tt.want {
			t.Errorf("ClassifyProduceError(%v) = %v; want %v", tt.give, got, tt.want)
		}
	}
}

func TestProduceActionString(t *testing.T) {
	seen := map[string]bool{}
	for a := ProduceFail; a <= ProduceFatal; a++ {
		s := a.String()
		if s == "" || seen[s] || s[:7] != "Produce" {
			t.Errorf("ProduceAction(%d).String() = %q", a, s)
		}
		seen[s] = true
	}
	if got := ProduceAction(200).String(); got != "ProduceAction(200)" {
		t.Errorf("String() of an unknown action = %q", got)
	}
	var zero ProduceAction
	if zero != ProduceFail {
		t.Error("zero ProduceAction is not ProduceFail")
	}
}

func BenchmarkClassifyProduce(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if ClassifyProduce(6, 10, true) != ProduceRetryRefreshMetadata {
			b.Fatal("wrong action")
		}
	}
}
