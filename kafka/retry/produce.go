package retry

import (
	"context"
	"errors"
	"strconv"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// ProduceAction is what the producer does with a batch after a produce
// attempt (protocol.md §8.2-8.5). The zero value is ProduceFail, so an
// unset action never reports records as written.
//
// A transactional producer additionally turns every ProduceFail into an
// abortable transaction error (the transaction cannot commit a partial
// write); that is the transaction manager's rule, not a row of this table.
type ProduceAction uint8

const (
	// ProduceFail: fail the batch's records with the error; the producer
	// keeps running. With idempotence and retries left, the broker surely
	// rejected the batch, so the partition's later sequences must be
	// repaired (Java bumps the epoch, §8.5).
	ProduceFail ProduceAction = iota
	// ProduceSuccess: error code 0.
	ProduceSuccess
	// ProduceRetry: re-enqueue the batch (same sequence) after the
	// policy's backoff.
	ProduceRetry
	// ProduceRetryRefreshMetadata: as ProduceRetry, and request a metadata
	// refresh first (leader moved, topic unknown, connection failed).
	ProduceRetryRefreshMetadata
	// ProduceRebootstrap: rebootstrap the client's metadata, then retry.
	ProduceRebootstrap
	// ProduceSplit: MESSAGE_TOO_LARGE for a batch of more than one record.
	// Re-slice it into smaller batches with contiguous sequences from the
	// original base sequence and the original creation time; a split is not
	// an attempt (§8.4).
	ProduceSplit
	// ProduceDuplicate: DUPLICATE_SEQUENCE_NUMBER. The broker already has
	// this batch but no longer its offset: complete the records as written,
	// with offset and timestamp -1.
	ProduceDuplicate
	// ProduceOutOfOrderSequence: OUT_OF_ORDER_SEQUENCE_NUMBER. Usually an
	// earlier in-flight batch failed: retry in sequence order; a true gap
	// (this batch is next after the last acknowledged one) needs an epoch
	// bump (§8.5).
	ProduceOutOfOrderSequence
	// ProduceUnknownProducerID: UNKNOWN_PRODUCER_ID. The broker lost the
	// producer's state (retention removed its records): compare
	// logStartOffset with the last acknowledged offset, then retry or bump
	// the epoch and retry (§8.5).
	ProduceUnknownProducerID
	// ProduceInvalidProducerEpoch: INVALID_PRODUCER_EPOCH. Fail the batch
	// and bump the epoch (idempotent), or make the transaction abortable
	// (§8.5).
	ProduceInvalidProducerEpoch
	// ProduceFatal: the producer can no longer produce (fenced by a newer
	// instance, not authorized for idempotent writes, or the broker cannot
	// do idempotence at the negotiated version). Fail this batch and every
	// later one with the error.
	ProduceFatal
)

var produceActionNames = [...]string{
	ProduceFail:                 "ProduceFail",
	ProduceSuccess:              "ProduceSuccess",
	ProduceRetry:                "ProduceRetry",
	ProduceRetryRefreshMetadata: "ProduceRetryRefreshMetadata",
	ProduceRebootstrap:          "ProduceRebootstrap",
	ProduceSplit:                "ProduceSplit",
	ProduceDuplicate:            "ProduceDuplicate",
	ProduceOutOfOrderSequence:   "ProduceOutOfOrderSequence",
	ProduceUnknownProducerID:    "ProduceUnknownProducerID",
	ProduceInvalidProducerEpoch: "ProduceInvalidProducerEpoch",
	ProduceFatal:                "ProduceFatal",
}

func (a ProduceAction) String() string {
	if int(a) < len(produceActionNames) {
		return produceActionNames[a]
	}
	return "ProduceAction(" + strconv.Itoa(int(a)) + ")"
}

// ClassifyProduce decides what to do with a batch of `records` records
// whose partition response carried error code `code`. idempotent is true for
// idempotent and transactional producers: only they carry sequences, so
// only they can meet the sequence errors, and for them authorization and
// version failures are fatal rather than per batch.
//
// Special cases (everything else follows the code's retry class, as
// Classify):
//
//	code                                   idempotent                  not idempotent
//	0   NONE                               ProduceSuccess              ProduceSuccess
//	10  MESSAGE_TOO_LARGE, records > 1     ProduceSplit                ProduceSplit
//	10  MESSAGE_TOO_LARGE, 1 record        ProduceFail                 ProduceFail
//	45  OUT_OF_ORDER_SEQUENCE_NUMBER       ProduceOutOfOrderSequence   ProduceFail
//	46  DUPLICATE_SEQUENCE_NUMBER          ProduceDuplicate            ProduceFail
//	47  INVALID_PRODUCER_EPOCH             ProduceInvalidProducerEpoch ProduceFail
//	59  UNKNOWN_PRODUCER_ID                ProduceUnknownProducerID    ProduceFail
//	90  PRODUCER_FENCED                    ProduceFatal                ProduceFatal
//	31  CLUSTER_AUTHORIZATION_FAILED       ProduceFatal                ProduceFail
//	35  UNSUPPORTED_VERSION                ProduceFatal                ProduceFail
//	49  INVALID_PRODUCER_ID_MAPPING        ProduceFatal                ProduceFail
//	53  TRANSACTIONAL_ID_AUTHORIZATION_F.  ProduceFatal                ProduceFail
//	129 REBOOTSTRAP_REQUIRED               ProduceRebootstrap          ProduceRebootstrap
//
// A non-idempotent producer never sent a sequence, so a sequence error
// cannot be about its batch; treating DUPLICATE_SEQUENCE_NUMBER as success
// there would report unwritten records as written. Codes this client does
// not know fail the batch. Without idempotence, retrying REQUEST_TIMED_OUT
// or NOT_ENOUGH_REPLICAS_AFTER_APPEND may write the batch twice; Java
// retries them all the same, and so does this table.
func ClassifyProduce(code int16, records int, idempotent bool) ProduceAction {
	switch code {
	case codeNone:
		return ProduceSuccess
	case codeMessageTooLarge:
		if records > 1 {
			return ProduceSplit
		}
		return ProduceFail
	case codeProducerFenced:
		return ProduceFatal
	case codeOutOfOrderSequenceNumber, codeDuplicateSequenceNumber, codeInvalidProducerEpoch, codeUnknownProducerID,
		codeClusterAuthorizationFailed, codeUnsupportedVersion, codeInvalidProducerIDMapping, codeTransactionalIDAuthorizationFailed:
		if !idempotent {
			return ProduceFail
		}
		switch code {
		case codeOutOfOrderSequenceNumber:
			return ProduceOutOfOrderSequence
		case codeDuplicateSequenceNumber:
			return ProduceDuplicate
		case codeInvalidProducerEpoch:
			return ProduceInvalidProducerEpoch
		case codeUnknownProducerID:
			return ProduceUnknownProducerID
		}
		return ProduceFatal
	}
	return fromAction(Classify(wire.ErrorForCode(code)))
}

// Codes with produce-specific handling (wire's sentinels are variables, so
// they cannot be switch constants).
const (
	codeNone                               int16 = 0
	codeMessageTooLarge                    int16 = 10
	codeClusterAuthorizationFailed         int16 = 31
	codeUnsupportedVersion                 int16 = 35
	codeOutOfOrderSequenceNumber           int16 = 45
	codeDuplicateSequenceNumber            int16 = 46
	codeInvalidProducerEpoch               int16 = 47
	codeInvalidProducerIDMapping           int16 = 49
	codeTransactionalIDAuthorizationFailed int16 = 53
	codeUnknownProducerID                  int16 = 59
	codeProducerFenced                     int16 = 90
)

// ClassifyProduceError is ClassifyProduce for any error a produce attempt
// can end with: a broker error (however wrapped) goes through
// ClassifyProduce with its code, unless the chain also holds
// context.Canceled (ProduceFail, as in Classify); any other error goes
// through Classify (transport failures retry with a metadata refresh, the
// caller's deadline fails).
// A nil error is ProduceSuccess.
func ClassifyProduceError(err error, records int, idempotent bool) ProduceAction {
	if err == nil {
		return ProduceSuccess
	}
	if errors.Is(err, context.Canceled) {
		return ProduceFail
	}
	if we := asWireError(err); we != nil {
		return ClassifyProduce(we.Code, records, idempotent)
	}
	return fromAction(Classify(err))
}

func fromAction(a Action) ProduceAction {
	switch a {
	case Retry:
		return ProduceRetry
	case RetryRefreshMetadata:
		return ProduceRetryRefreshMetadata
	case Rebootstrap:
		return ProduceRebootstrap
	}
	return ProduceFail
}
