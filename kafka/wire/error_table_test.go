package wire

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// appendixA is Appendix A of docs/protocol.md (Errors.java, Kafka 4.0 to
// 4.4), typed out independently of error_table.go: code, Java name, and the
// sentinel that must carry it.
var appendixA = []struct {
	code     int16
	name     string
	sentinel *Error
}{
	{-1, "UNKNOWN_SERVER_ERROR", ErrUnknownServerError},
	{1, "OFFSET_OUT_OF_RANGE", ErrOffsetOutOfRange},
	{2, "CORRUPT_MESSAGE", ErrCorruptMessage},
	{3, "UNKNOWN_TOPIC_OR_PARTITION", ErrUnknownTopicOrPartition},
	{4, "INVALID_FETCH_SIZE", ErrInvalidFetchSize},
	{5, "LEADER_NOT_AVAILABLE", ErrLeaderNotAvailable},
	{6, "NOT_LEADER_OR_FOLLOWER", ErrNotLeaderOrFollower},
	{7, "REQUEST_TIMED_OUT", ErrRequestTimedOut},
	{8, "BROKER_NOT_AVAILABLE", ErrBrokerNotAvailable},
	{9, "REPLICA_NOT_AVAILABLE", ErrReplicaNotAvailable},
	{10, "MESSAGE_TOO_LARGE", ErrMessageTooLarge},
	{11, "STALE_CONTROLLER_EPOCH", ErrStaleControllerEpoch},
	{12, "OFFSET_METADATA_TOO_LARGE", ErrOffsetMetadataTooLarge},
	{13, "NETWORK_EXCEPTION", ErrNetworkException},
	{14, "COORDINATOR_LOAD_IN_PROGRESS", ErrCoordinatorLoadInProgress},
	{15, "COORDINATOR_NOT_AVAILABLE", ErrCoordinatorNotAvailable},
	{16, "NOT_COORDINATOR", ErrNotCoordinator},
	{17, "INVALID_TOPIC_EXCEPTION", ErrInvalidTopicException},
	{18, "RECORD_LIST_TOO_LARGE", ErrRecordListTooLarge},
	{19, "NOT_ENOUGH_REPLICAS", ErrNotEnoughReplicas},
	{20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", ErrNotEnoughReplicasAfterAppend},
	{21, "INVALID_REQUIRED_ACKS", ErrInvalidRequiredAcks},
	{22, "ILLEGAL_GENERATION", ErrIllegalGeneration},
	{23, "INCONSISTENT_GROUP_PROTOCOL", ErrInconsistentGroupProtocol},
	{24, "INVALID_GROUP_ID", ErrInvalidGroupID},
	{25, "UNKNOWN_MEMBER_ID", ErrUnknownMemberID},
	{26, "INVALID_SESSION_TIMEOUT", ErrInvalidSessionTimeout},
	{27, "REBALANCE_IN_PROGRESS", ErrRebalanceInProgress},
	{28, "INVALID_COMMIT_OFFSET_SIZE", ErrInvalidCommitOffsetSize},
	{29, "TOPIC_AUTHORIZATION_FAILED", ErrTopicAuthorizationFailed},
	{30, "GROUP_AUTHORIZATION_FAILED", ErrGroupAuthorizationFailed},
	{31, "CLUSTER_AUTHORIZATION_FAILED", ErrClusterAuthorizationFailed},
	{32, "INVALID_TIMESTAMP", ErrInvalidTimestamp},
	{33, "UNSUPPORTED_SASL_MECHANISM", ErrUnsupportedSASLMechanism},
	{34, "ILLEGAL_SASL_STATE", ErrIllegalSASLState},
	{35, "UNSUPPORTED_VERSION", ErrUnsupportedVersion},
	{36, "TOPIC_ALREADY_EXISTS", ErrTopicAlreadyExists},
	{37, "INVALID_PARTITIONS", ErrInvalidPartitions},
	{38, "INVALID_REPLICATION_FACTOR", ErrInvalidReplicationFactor},
	{39, "INVALID_REPLICA_ASSIGNMENT", ErrInvalidReplicaAssignment},
	{40, "INVALID_CONFIG", ErrInvalidConfig},
	{41, "NOT_CONTROLLER", ErrNotController},
	{42, "INVALID_REQUEST", ErrInvalidRequest},
	{43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", ErrUnsupportedForMessageFormat},
	{44, "POLICY_VIOLATION", ErrPolicyViolation},
	{45, "OUT_OF_ORDER_SEQUENCE_NUMBER", ErrOutOfOrderSequenceNumber},
	{46, "DUPLICATE_SEQUENCE_NUMBER", ErrDuplicateSequenceNumber},
	{47, "INVALID_PRODUCER_EPOCH", ErrInvalidProducerEpoch},
	{48, "INVALID_TXN_STATE", ErrInvalidTxnState},
	{49, "INVALID_PRODUCER_ID_MAPPING", ErrInvalidProducerIDMapping},
	{50, "INVALID_TRANSACTION_TIMEOUT", ErrInvalidTransactionTimeout},
	{51, "CONCURRENT_TRANSACTIONS", ErrConcurrentTransactions},
	{52, "TRANSACTION_COORDINATOR_FENCED", ErrTransactionCoordinatorFenced},
	{53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", ErrTransactionalIDAuthorizationFailed},
	{54, "SECURITY_DISABLED", ErrSecurityDisabled},
	{55, "OPERATION_NOT_ATTEMPTED", ErrOperationNotAttempted},
	{56, "KAFKA_STORAGE_ERROR", ErrKafkaStorageError},
	{57, "LOG_DIR_NOT_FOUND", ErrLogDirNotFound},
	{58, "SASL_AUTHENTICATION_FAILED", ErrSASLAuthenticationFailed},
	{59, "UNKNOWN_PRODUCER_ID", ErrUnknownProducerID},
	{60, "REASSIGNMENT_IN_PROGRESS", ErrReassignmentInProgress},
	{61, "DELEGATION_TOKEN_AUTH_DISABLED", ErrDelegationTokenAuthDisabled},
	{62, "DELEGATION_TOKEN_NOT_FOUND", ErrDelegationTokenNotFound},
	{63, "DELEGATION_TOKEN_OWNER_MISMATCH", ErrDelegationTokenOwnerMismatch},
	{64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", ErrDelegationTokenRequestNotAllowed},
	{65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", ErrDelegationTokenAuthorizationFailed},
	{66, "DELEGATION_TOKEN_EXPIRED", ErrDelegationTokenExpired},
	{67, "INVALID_PRINCIPAL_TYPE", ErrInvalidPrincipalType},
	{68, "NON_EMPTY_GROUP", ErrNonEmptyGroup},
	{69, "GROUP_ID_NOT_FOUND", ErrGroupIDNotFound},
	{70, "FETCH_SESSION_ID_NOT_FOUND", ErrFetchSessionIDNotFound},
	{71, "INVALID_FETCH_SESSION_EPOCH", ErrInvalidFetchSessionEpoch},
	{72, "LISTENER_NOT_FOUND", ErrListenerNotFound},
	{73, "TOPIC_DELETION_DISABLED", ErrTopicDeletionDisabled},
	{74, "FENCED_LEADER_EPOCH", ErrFencedLeaderEpoch},
	{75, "UNKNOWN_LEADER_EPOCH", ErrUnknownLeaderEpoch},
	{76, "UNSUPPORTED_COMPRESSION_TYPE", ErrUnsupportedCompressionType},
	{77, "STALE_BROKER_EPOCH", ErrStaleBrokerEpoch},
	{78, "OFFSET_NOT_AVAILABLE", ErrOffsetNotAvailable},
	{79, "MEMBER_ID_REQUIRED", ErrMemberIDRequired},
	{80, "PREFERRED_LEADER_NOT_AVAILABLE", ErrPreferredLeaderNotAvailable},
	{81, "GROUP_MAX_SIZE_REACHED", ErrGroupMaxSizeReached},
	{82, "FENCED_INSTANCE_ID", ErrFencedInstanceID},
	{83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", ErrEligibleLeadersNotAvailable},
	{84, "ELECTION_NOT_NEEDED", ErrElectionNotNeeded},
	{85, "NO_REASSIGNMENT_IN_PROGRESS", ErrNoReassignmentInProgress},
	{86, "GROUP_SUBSCRIBED_TO_TOPIC", ErrGroupSubscribedToTopic},
	{87, "INVALID_RECORD", ErrInvalidRecord},
	{88, "UNSTABLE_OFFSET_COMMIT", ErrUnstableOffsetCommit},
	{89, "THROTTLING_QUOTA_EXCEEDED", ErrThrottlingQuotaExceeded},
	{90, "PRODUCER_FENCED", ErrProducerFenced},
	{91, "RESOURCE_NOT_FOUND", ErrResourceNotFound},
	{92, "DUPLICATE_RESOURCE", ErrDuplicateResource},
	{93, "UNACCEPTABLE_CREDENTIAL", ErrUnacceptableCredential},
	{94, "INCONSISTENT_VOTER_SET", ErrInconsistentVoterSet},
	{95, "INVALID_UPDATE_VERSION", ErrInvalidUpdateVersion},
	{96, "FEATURE_UPDATE_FAILED", ErrFeatureUpdateFailed},
	{97, "PRINCIPAL_DESERIALIZATION_FAILURE", ErrPrincipalDeserializationFailure},
	{98, "SNAPSHOT_NOT_FOUND", ErrSnapshotNotFound},
	{99, "POSITION_OUT_OF_RANGE", ErrPositionOutOfRange},
	{100, "UNKNOWN_TOPIC_ID", ErrUnknownTopicID},
	{101, "DUPLICATE_BROKER_REGISTRATION", ErrDuplicateBrokerRegistration},
	{102, "BROKER_ID_NOT_REGISTERED", ErrBrokerIDNotRegistered},
	{103, "INCONSISTENT_TOPIC_ID", ErrInconsistentTopicID},
	{104, "INCONSISTENT_CLUSTER_ID", ErrInconsistentClusterID},
	{105, "TRANSACTIONAL_ID_NOT_FOUND", ErrTransactionalIDNotFound},
	{106, "FETCH_SESSION_TOPIC_ID_ERROR", ErrFetchSessionTopicIDError},
	{107, "INELIGIBLE_REPLICA", ErrIneligibleReplica},
	{108, "NEW_LEADER_ELECTED", ErrNewLeaderElected},
	{109, "OFFSET_MOVED_TO_TIERED_STORAGE", ErrOffsetMovedToTieredStorage},
	{110, "FENCED_MEMBER_EPOCH", ErrFencedMemberEpoch},
	{111, "UNRELEASED_INSTANCE_ID", ErrUnreleasedInstanceID},
	{112, "UNSUPPORTED_ASSIGNOR", ErrUnsupportedAssignor},
	{113, "STALE_MEMBER_EPOCH", ErrStaleMemberEpoch},
	{114, "MISMATCHED_ENDPOINT_TYPE", ErrMismatchedEndpointType},
	{115, "UNSUPPORTED_ENDPOINT_TYPE", ErrUnsupportedEndpointType},
	{116, "UNKNOWN_CONTROLLER_ID", ErrUnknownControllerID},
	{117, "UNKNOWN_SUBSCRIPTION_ID", ErrUnknownSubscriptionID},
	{118, "TELEMETRY_TOO_LARGE", ErrTelemetryTooLarge},
	{119, "INVALID_REGISTRATION", ErrInvalidRegistration},
	{120, "TRANSACTION_ABORTABLE", ErrTransactionAbortable},
	{121, "INVALID_RECORD_STATE", ErrInvalidRecordState},
	{122, "SHARE_SESSION_NOT_FOUND", ErrShareSessionNotFound},
	{123, "INVALID_SHARE_SESSION_EPOCH", ErrInvalidShareSessionEpoch},
	{124, "FENCED_STATE_EPOCH", ErrFencedStateEpoch},
	{125, "INVALID_VOTER_KEY", ErrInvalidVoterKey},
	{126, "DUPLICATE_VOTER", ErrDuplicateVoter},
	{127, "VOTER_NOT_FOUND", ErrVoterNotFound},
	{128, "INVALID_REGULAR_EXPRESSION", ErrInvalidRegularExpression},
	{129, "REBOOTSTRAP_REQUIRED", ErrRebootstrapRequired},
	{130, "STREAMS_INVALID_TOPOLOGY", ErrStreamsInvalidTopology},
	{131, "STREAMS_INVALID_TOPOLOGY_EPOCH", ErrStreamsInvalidTopologyEpoch},
	{132, "STREAMS_TOPOLOGY_FENCED", ErrStreamsTopologyFenced},
	{133, "SHARE_SESSION_LIMIT_REACHED", ErrShareSessionLimitReached},
	{134, "GROUP_DELETION_FAILED", ErrGroupDeletionFailed},
	{135, "STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED", ErrStreamsTopologyDescriptionUpdateFailed},
	{136, "CONTROLLER_ID_NOT_REGISTERED", ErrControllerIDNotRegistered},
}

// The retriable classes exactly as protocol.md §8.2 lists them.
var (
	wantRM = []int16{3, 5, 6, 9, 13, 56, 72, 74, 80, 83, 84, 100, 103}
	wantR  = []int16{2, 7, 14, 15, 16, 19, 20, 41, 51, 70, 71, 75, 78, 88, 89, 106, 122, 123, 133}
)

type errRow struct {
	Code            int16
	Name            string
	Retriable       bool
	InvalidMetadata bool
}

func TestErrorTableMatchesAppendixA(t *testing.T) {
	rm := map[int16]bool{}
	r := map[int16]bool{}
	for _, c := range wantRM {
		rm[c] = true
	}
	for _, c := range wantR {
		r[c] = true
	}
	if len(appendixA) != 137 {
		t.Fatalf("test table has %d rows; Appendix A has 137 (-1 and 1..136)", len(appendixA))
	}
	for _, tt := range appendixA {
		want := errRow{Code: tt.code, Name: tt.name, Retriable: r[tt.code] || rm[tt.code], InvalidMetadata: rm[tt.code]}
		err := ErrorForCode(tt.code)
		e, ok := err.(*Error) //nolint:errorlint // ErrorForCode must return the *Error itself, unwrapped
		if !ok {
			t.Errorf("ErrorForCode(%d) = %T %v; want *Error", tt.code, err, err)
			continue
		}
		if e != tt.sentinel {
			t.Errorf("ErrorForCode(%d) = %p (%s); want the sentinel %p (%s)", tt.code, e, e.Name, tt.sentinel, tt.sentinel.Name)
		}
		got := errRow{Code: e.Code, Name: e.Name, Retriable: e.Retriable, InvalidMetadata: e.InvalidMetadata}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("code %d mismatch (-want +got):\n%s", tt.code, diff)
		}
		if IsRetriable(err) != want.Retriable || IsInvalidMetadata(err) != want.InvalidMetadata {
			t.Errorf("code %d: IsRetriable = %v, IsInvalidMetadata = %v; want %v, %v",
				tt.code, IsRetriable(err), IsInvalidMetadata(err), want.Retriable, want.InvalidMetadata)
		}
		if e.Message == "" || !strings.HasSuffix(e.Message, ".") || strings.TrimSpace(e.Message) != e.Message {
			t.Errorf("code %d: message %q should be one trimmed sentence", tt.code, e.Message)
		}
		if again := ErrorForCode(tt.code); again != err { //nolint:errorlint // identity: the same sentinel every call
			t.Errorf("ErrorForCode(%d) returned a different value on the second call", tt.code)
		}
	}
}

func TestErrorString(t *testing.T) {
	want := "kafka error 6 NOT_LEADER_OR_FOLLOWER: For requests intended only for the leader, " +
		"this error indicates that the broker is not the current leader."
	if got := ErrNotLeaderOrFollower.Error(); got != want {
		t.Errorf("ErrNotLeaderOrFollower.Error() = %q; want %q", got, want)
	}
	if got, want := ErrUnknownServerError.Error(), "kafka error -1 UNKNOWN_SERVER_ERROR: "; !strings.HasPrefix(got, want) {
		t.Errorf("ErrUnknownServerError.Error() = %q; want prefix %q", got, want)
	}
}

func TestErrorForCodeNone(t *testing.T) {
	if err := ErrorForCode(0); err != nil {
		t.Fatalf("ErrorForCode(0) = %#v; want a nil error interface", err)
	}
	if IsRetriable(nil) || IsInvalidMetadata(nil) {
		t.Error("nil error reported retriable")
	}
}

// Every int16 outside the table gets its own non-retriable *Error that
// names the code and matches no sentinel.
func TestErrorForCodeUnknownEveryInt16(t *testing.T) {
	known := map[int16]bool{0: true}
	for _, tt := range appendixA {
		known[tt.code] = true
	}
	for c := -32768; c <= 32767; c++ {
		code := int16(c)
		if known[code] {
			continue
		}
		err := ErrorForCode(code)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("ErrorForCode(%d) = %T; want *Error", code, err)
		}
		want := errRow{Code: code, Name: "UNKNOWN_CODE_" + strconv.Itoa(c)}
		got := errRow{Code: e.Code, Name: e.Name, Retriable: e.Retriable, InvalidMetadata: e.InvalidMetadata}
		if got != want {
			t.Fatalf("ErrorForCode(%d) = %+v; want %+v", code, got, want)
		}
		if IsRetriable(err) || IsInvalidMetadata(err) {
			t.Fatalf("unknown code %d classified retriable", code)
		}
		if errors.Is(err, ErrUnknownServerError) {
			t.Fatalf("unknown code %d matches ErrUnknownServerError; it must stay distinct", code)
		}
	}
	a, b := ErrorForCode(999), ErrorForCode(999)
	if a == b { //nolint:errorlint // identity: each unknown code gets a new value
		t.Error("unknown codes share one value; want a new *Error per call")
	}
	if !errors.Is(a, b) {
		t.Error("two *Error values with code 999 should match by code")
	}
}

func TestErrorsIsThroughWrapping(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"fmt %w", fmt.Errorf("conn: produce to broker 1: %w", ErrNotLeaderOrFollower)},
		{"double %w", fmt.Errorf("kafka: a: %w", fmt.Errorf("b: %w", ErrNotLeaderOrFollower))},
		{"errors.Join", errors.Join(errors.New("other"), ErrNotLeaderOrFollower)},
		{"from code", fmt.Errorf("x: %w", ErrorForCode(6))},
		{"with broker message", fmt.Errorf("x: %w", ErrNotLeaderOrFollower.WithMessage("leader moved to 3"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, ErrNotLeaderOrFollower) {
				t.Errorf("errors.Is(%v, ErrNotLeaderOrFollower) = false", tt.err)
			}
			if errors.Is(tt.err, ErrUnknownTopicOrPartition) {
				t.Errorf("errors.Is(%v, ErrUnknownTopicOrPartition) = true", tt.err)
			}
			if !IsRetriable(tt.err) || !IsInvalidMetadata(tt.err) {
				t.Errorf("IsRetriable/IsInvalidMetadata(%v) = %v/%v; want true/true", tt.err, IsRetriable(tt.err), IsInvalidMetadata(tt.err))
			}
			var e *Error
			if !errors.As(tt.err, &e) || e.Code != 6 {
				t.Errorf("errors.As(%v) = %v, code %v; want code 6", tt.err, e != nil, e)
			}
		})
	}
	if IsRetriable(errors.New("plain")) || IsRetriable(fmt.Errorf("w: %w", ErrMessageTooLarge)) {
		t.Error("non-retriable errors reported retriable")
	}
}

func TestWithMessage(t *testing.T) {
	e := ErrInvalidRecord.WithMessage("record 3: null key on compacted topic")
	if e == ErrInvalidRecord {
		t.Fatal("WithMessage returned the sentinel itself")
	}
	if got, want := e.Error(), "kafka error 87 INVALID_RECORD: record 3: null key on compacted topic"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if ErrInvalidRecord.Message == e.Message {
		t.Error("WithMessage changed the sentinel")
	}
	if !errors.Is(e, ErrInvalidRecord) {
		t.Error("copy does not match its sentinel")
	}
	if ErrInvalidRecord.WithMessage("") != ErrInvalidRecord {
		t.Error("WithMessage(\"\") should return the receiver")
	}
}

// Writing to a sentinel's fields must not change what decoding returns or
// how errors are classified. Not parallel: it mutates package state and
// restores it.
func TestSentinelMutationIsHarmless(t *testing.T) {
	saved := *ErrMessageTooLarge
	savedVar := ErrCorruptMessage
	t.Cleanup(func() {
		*ErrMessageTooLarge = saved
		ErrCorruptMessage = savedVar
	})

	ErrMessageTooLarge.Retriable = true
	ErrMessageTooLarge.InvalidMetadata = true
	ErrMessageTooLarge.Code = 6
	if IsRetriable(ErrorForCode(10)) || IsInvalidMetadata(ErrorForCode(10)) {
		t.Error("mutating a sentinel's flags changed the classification of code 10")
	}

	ErrCorruptMessage = &Error{Code: 2, Name: "IMPOSTOR"}
	if got := ErrorForCode(2).(*Error); got != savedVar { //nolint:errorlint // identity of the original sentinel
		t.Errorf("reassigning ErrCorruptMessage changed ErrorForCode(2) to %q", got.Name)
	}
}

func TestKnownErrors(t *testing.T) {
	all := KnownErrors()
	if len(all) != len(appendixA) {
		t.Fatalf("KnownErrors() has %d entries; want %d", len(all), len(appendixA))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Code < all[j].Code }) {
		t.Error("KnownErrors() not in code order")
	}
	names := map[string]bool{}
	for _, e := range all {
		if ErrorForCode(e.Code) != error(e) { //nolint:errorlint // identity: KnownErrors holds the sentinels
			t.Errorf("KnownErrors() entry %d is not the sentinel ErrorForCode returns", e.Code)
		}
		if names[e.Name] {
			t.Errorf("duplicate name %s", e.Name)
		}
		names[e.Name] = true
	}
	all[0] = nil // the caller owns the slice
	if KnownErrors()[0] == nil {
		t.Error("KnownErrors shares its slice between calls")
	}
}

func BenchmarkErrorForCode(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if ErrorForCode(int16(i%137)-1) == nil && i%137 != 1 {
			b.Fatal("nil for a known code")
		}
	}
}

func TestCallerBuiltError(t *testing.T) {
	tests := []struct {
		give                  *Error
		wantRetriable, wantIM bool
	}{
		{&Error{Code: 6}, true, true},                          // known code: the table decides
		{&Error{Code: 10, Retriable: true}, false, false},      // known code: its fields cannot override
		{&Error{Code: 999}, false, false},                      // unknown: its own fields
		{&Error{Code: 999, Retriable: true}, true, false},      //
		{&Error{Code: 999, InvalidMetadata: true}, true, true}, // stale metadata implies retriable
	}
	for _, tt := range tests {
		err := fmt.Errorf("w: %w", tt.give)
		if IsRetriable(err) != tt.wantRetriable || IsInvalidMetadata(err) != tt.wantIM {
			t.Errorf("%+v: IsRetriable, IsInvalidMetadata = %v, %v; want %v, %v",
				*tt.give, IsRetriable(err), IsInvalidMetadata(err), tt.wantRetriable, tt.wantIM)
		}
	}
	if !errors.Is(&Error{Code: 6}, ErrNotLeaderOrFollower) {
		t.Error("caller-built code 6 does not match ErrNotLeaderOrFollower")
	}
	var nilErr *Error
	if IsRetriable(nilErr) {
		t.Error("typed nil *Error reported retriable")
	}
}
