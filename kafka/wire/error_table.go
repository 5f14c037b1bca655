package wire

// Broker error codes, one sentinel per code of the Java client's Errors enum
// (codes -1 through 136; 130-133 arrived in Kafka 4.1, 134-136 in 4.4). The
// flags column is the Java exception hierarchy: R codes extend
// RetriableException, RM codes extend InvalidMetadataException
// (retriable, and the client's metadata for the partition is stale).
//
// ErrorForCode maps a decoded code to these exact pointers, so errors.Is
// works with ==. Treat them as constants: see Error for why mutating one
// changes nothing that matters.
var (
	ErrUnknownServerError = newKafkaError(-1, "UNKNOWN_SERVER_ERROR", errFlagNone,
		"The server hit an unexpected error while processing the request.")
	ErrOffsetOutOfRange = newKafkaError(1, "OFFSET_OUT_OF_RANGE", errFlagNone,
		"The requested offset is outside the range of offsets the server holds for the partition.")
	ErrCorruptMessage = newKafkaError(2, "CORRUPT_MESSAGE", errFlagRetriable,
		"The message failed its CRC check, exceeds the valid size, has a null key on a compacted topic, or is otherwise corrupt.")
	ErrUnknownTopicOrPartition = newKafkaError(3, "UNKNOWN_TOPIC_OR_PARTITION", errFlagRetriableMeta,
		"This server does not host the topic-partition.")
	ErrInvalidFetchSize = newKafkaError(4, "INVALID_FETCH_SIZE", errFlagNone,
		"The requested fetch size is invalid.")
	ErrLeaderNotAvailable = newKafkaError(5, "LEADER_NOT_AVAILABLE", errFlagRetriableMeta,
		"The topic-partition has no leader at the moment, for example during a leader election.")
	ErrNotLeaderOrFollower = newKafkaError(6, "NOT_LEADER_OR_FOLLOWER", errFlagRetriableMeta,
		"For requests intended only for the leader, this error indicates that the broker is not the current leader.")
	ErrRequestTimedOut = newKafkaError(7, "REQUEST_TIMED_OUT", errFlagRetriable,
		"The request timed out.")
	ErrBrokerNotAvailable = newKafkaError(8, "BROKER_NOT_AVAILABLE", errFlagNone,
		"The broker is not available.")
	ErrReplicaNotAvailable = newKafkaError(9, "REPLICA_NOT_AVAILABLE", errFlagRetriableMeta,
		"The replica is not available for the requested topic-partition.")
	ErrMessageTooLarge = newKafkaError(10, "MESSAGE_TOO_LARGE", errFlagNone,
		"The request contained a message larger than the maximum message size the server accepts.")
	ErrStaleControllerEpoch = newKafkaError(11, "STALE_CONTROLLER_EPOCH", errFlagNone,
		"The controller has moved to another broker.")
	ErrOffsetMetadataTooLarge = newKafkaError(12, "OFFSET_METADATA_TOO_LARGE", errFlagNone,
		"The metadata attached to the committed offset is too large.")
	ErrNetworkException = newKafkaError(13, "NETWORK_EXCEPTION", errFlagRetriableMeta,
		"The server disconnected before a response was received.")
	ErrCoordinatorLoadInProgress = newKafkaError(14, "COORDINATOR_LOAD_IN_PROGRESS", errFlagRetriable,
		"The coordinator is still loading and cannot process requests yet.")
	ErrCoordinatorNotAvailable = newKafkaError(15, "COORDINATOR_NOT_AVAILABLE", errFlagRetriable,
		"The coordinator is not available.")
	ErrNotCoordinator = newKafkaError(16, "NOT_COORDINATOR", errFlagRetriable,
		"This broker is not the coordinator for the requested group or transactional id.")
	ErrInvalidTopicException = newKafkaError(17, "INVALID_TOPIC_EXCEPTION", errFlagNone,
		"The request tried to operate on an invalid topic.")
	ErrRecordListTooLarge = newKafkaError(18, "RECORD_LIST_TOO_LARGE", errFlagNone,
		"The request contained a record batch larger than the server's configured segment size.")
	ErrNotEnoughReplicas = newKafkaError(19, "NOT_ENOUGH_REPLICAS", errFlagRetriable,
		"The write was rejected because fewer in-sync replicas exist than required.")
	ErrNotEnoughReplicasAfterAppend = newKafkaError(20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", errFlagRetriable,
		"The messages were written to the log, but to fewer in-sync replicas than required.")
	ErrInvalidRequiredAcks = newKafkaError(21, "INVALID_REQUIRED_ACKS", errFlagNone,
		"The produce request specified an invalid required-acks value.")
	ErrIllegalGeneration = newKafkaError(22, "ILLEGAL_GENERATION", errFlagNone,
		"The group generation id is not valid.")
	ErrInconsistentGroupProtocol = newKafkaError(23, "INCONSISTENT_GROUP_PROTOCOL", errFlagNone,
		"The member's protocols are incompatible with those of the existing members, or the first member joined with an empty protocol type or list.")
	ErrInvalidGroupID = newKafkaError(24, "INVALID_GROUP_ID", errFlagNone,
		"The group id is invalid.")
	ErrUnknownMemberID = newKafkaError(25, "UNKNOWN_MEMBER_ID", errFlagNone,
		"The coordinator does not know this member.")
	ErrInvalidSessionTimeout = newKafkaError(26, "INVALID_SESSION_TIMEOUT", errFlagNone,
		"The session timeout is outside the range the broker allows (group.min.session.timeout.ms to group.max.session.timeout.ms).")
	ErrRebalanceInProgress = newKafkaError(27, "REBALANCE_IN_PROGRESS", errFlagNone,
		"The group is rebalancing, so the member must rejoin.")
	ErrInvalidCommitOffsetSize = newKafkaError(28, "INVALID_COMMIT_OFFSET_SIZE", errFlagNone,
		"The size of the committed offset data is not valid.")
	ErrTopicAuthorizationFailed = newKafkaError(29, "TOPIC_AUTHORIZATION_FAILED", errFlagNone,
		"The client is not authorized to access the topic.")
	ErrGroupAuthorizationFailed = newKafkaError(30, "GROUP_AUTHORIZATION_FAILED", errFlagNone,
		"The client is not authorized to access the group.")
	ErrClusterAuthorizationFailed = newKafkaError(31, "CLUSTER_AUTHORIZATION_FAILED", errFlagNone,
		"The client is not authorized for the cluster-level operation.")
	ErrInvalidTimestamp = newKafkaError(32, "INVALID_TIMESTAMP", errFlagNone,
		"The message timestamp is outside the acceptable range.")
	ErrUnsupportedSASLMechanism = newKafkaError(33, "UNSUPPORTED_SASL_MECHANISM", errFlagNone,
		"The broker does not support the requested SASL mechanism.")
	ErrIllegalSASLState = newKafkaError(34, "ILLEGAL_SASL_STATE", errFlagNone,
		"The request is not valid in the current SASL state.")
	ErrUnsupportedVersion = newKafkaError(35, "UNSUPPORTED_VERSION", errFlagNone,
		"The broker does not support this version of the API.")
	ErrTopicAlreadyExists = newKafkaError(36, "TOPIC_ALREADY_EXISTS", errFlagNone,
		"A topic with this name already exists.")
	ErrInvalidPartitions = newKafkaError(37, "INVALID_PARTITIONS", errFlagNone,
		"The partition count is invalid (below 1).")
	ErrInvalidReplicationFactor = newKafkaError(38, "INVALID_REPLICATION_FACTOR", errFlagNone,
		"The replication factor is below 1 or larger than the number of available brokers.")
	ErrInvalidReplicaAssignment = newKafkaError(39, "INVALID_REPLICA_ASSIGNMENT", errFlagNone,
		"The replica assignment is invalid.")
	ErrInvalidConfig = newKafkaError(40, "INVALID_CONFIG", errFlagNone,
		"The configuration is invalid.")
	ErrNotController = newKafkaError(41, "NOT_CONTROLLER", errFlagRetriable,
		"This broker is not the active controller of the cluster.")
	ErrInvalidRequest = newKafkaError(42, "INVALID_REQUEST", errFlagNone,
		"The broker could not process the request, most likely because it is malformed or the broker is incompatible; the broker logs have details.")
	ErrUnsupportedForMessageFormat = newKafkaError(43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", errFlagNone,
		"The broker's message format version does not support the request.")
	ErrPolicyViolation = newKafkaError(44, "POLICY_VIOLATION", errFlagNone,
		"The request parameters violate the configured policy.")
	ErrOutOfOrderSequenceNumber = newKafkaError(45, "OUT_OF_ORDER_SEQUENCE_NUMBER", errFlagNone,
		"The broker received an out-of-order sequence number.")
	ErrDuplicateSequenceNumber = newKafkaError(46, "DUPLICATE_SEQUENCE_NUMBER", errFlagNone,
		"The broker received a duplicate sequence number.")
	ErrInvalidProducerEpoch = newKafkaError(47, "INVALID_PRODUCER_EPOCH", errFlagNone,
		"The producer used an outdated epoch.")
	ErrInvalidTxnState = newKafkaError(48, "INVALID_TXN_STATE", errFlagNone,
		"The producer attempted a transactional operation in an invalid state.")
	ErrInvalidProducerIDMapping = newKafkaError(49, "INVALID_PRODUCER_ID_MAPPING", errFlagNone,
		"The producer id is not currently assigned to the producer's transactional id.")
	ErrInvalidTransactionTimeout = newKafkaError(50, "INVALID_TRANSACTION_TIMEOUT", errFlagNone,
		"The transaction timeout exceeds the broker's maximum (transaction.max.timeout.ms).")
	ErrConcurrentTransactions = newKafkaError(51, "CONCURRENT_TRANSACTIONS", errFlagRetriable,
		"Another operation on the same transaction is still in progress.")
	ErrTransactionCoordinatorFenced = newKafkaError(52, "TRANSACTION_COORDINATOR_FENCED", errFlagNone,
		"The transaction coordinator that sent the marker is no longer the current coordinator for the producer.")
	ErrTransactionalIDAuthorizationFailed = newKafkaError(53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", errFlagNone,
		"The client is not authorized to use the transactional id.")
	ErrSecurityDisabled = newKafkaError(54, "SECURITY_DISABLED", errFlagNone,
		"Security features are disabled on the broker.")
	ErrOperationNotAttempted = newKafkaError(55, "OPERATION_NOT_ATTEMPTED", errFlagNone,
		"The broker did not attempt this operation, typically because another operation in the same batched request failed.")
	ErrKafkaStorageError = newKafkaError(56, "KAFKA_STORAGE_ERROR", errFlagRetriableMeta,
		"The broker hit a disk error while accessing the log.")
	ErrLogDirNotFound = newKafkaError(57, "LOG_DIR_NOT_FOUND", errFlagNone,
		"The requested log directory is not in the broker's configuration.")
	ErrSASLAuthenticationFailed = newKafkaError(58, "SASL_AUTHENTICATION_FAILED", errFlagNone,
		"SASL authentication failed.")
	ErrUnknownProducerID = newKafkaError(59, "UNKNOWN_PRODUCER_ID", errFlagNone,
		"The broker has no state for this producer id, for example because retention removed all of the producer's records.")
	ErrReassignmentInProgress = newKafkaError(60, "REASSIGNMENT_IN_PROGRESS", errFlagNone,
		"A partition reassignment is in progress.")
	ErrDelegationTokenAuthDisabled = newKafkaError(61, "DELEGATION_TOKEN_AUTH_DISABLED", errFlagNone,
		"Delegation tokens are not enabled.")
	ErrDelegationTokenNotFound = newKafkaError(62, "DELEGATION_TOKEN_NOT_FOUND", errFlagNone,
		"The delegation token was not found on the server.")
	ErrDelegationTokenOwnerMismatch = newKafkaError(63, "DELEGATION_TOKEN_OWNER_MISMATCH", errFlagNone,
		"The principal is not a valid owner or renewer of the delegation token.")
	ErrDelegationTokenRequestNotAllowed = newKafkaError(64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", errFlagNone,
		"Delegation token requests are not allowed on plaintext or one-way TLS channels, nor on channels authenticated with a delegation token.")
	ErrDelegationTokenAuthorizationFailed = newKafkaError(65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", errFlagNone,
		"The client is not authorized for the delegation token operation.")
	ErrDelegationTokenExpired = newKafkaError(66, "DELEGATION_TOKEN_EXPIRED", errFlagNone,
		"The delegation token has expired.")
	ErrInvalidPrincipalType = newKafkaError(67, "INVALID_PRINCIPAL_TYPE", errFlagNone,
		"The principal type is not supported.")
	ErrNonEmptyGroup = newKafkaError(68, "NON_EMPTY_GROUP", errFlagNone,
		"The group is not empty.")
	ErrGroupIDNotFound = newKafkaError(69, "GROUP_ID_NOT_FOUND", errFlagNone,
		"The group id does not exist.")
	ErrFetchSessionIDNotFound = newKafkaError(70, "FETCH_SESSION_ID_NOT_FOUND", errFlagRetriable,
		"The fetch session id was not found.")
	ErrInvalidFetchSessionEpoch = newKafkaError(71, "INVALID_FETCH_SESSION_EPOCH", errFlagRetriable,
		"The fetch session epoch is invalid.")
	ErrListenerNotFound = newKafkaError(72, "LISTENER_NOT_FOUND", errFlagRetriableMeta,
		"The leader broker has no listener matching the one the metadata request was served on.")
	ErrTopicDeletionDisabled = newKafkaError(73, "TOPIC_DELETION_DISABLED", errFlagNone,
		"Topic deletion is disabled.")
	ErrFencedLeaderEpoch = newKafkaError(74, "FENCED_LEADER_EPOCH", errFlagRetriableMeta,
		"The leader epoch in the request is older than the broker's.")
	ErrUnknownLeaderEpoch = newKafkaError(75, "UNKNOWN_LEADER_EPOCH", errFlagRetriable,
		"The leader epoch in the request is newer than the broker's.")
	ErrUnsupportedCompressionType = newKafkaError(76, "UNSUPPORTED_COMPRESSION_TYPE", errFlagNone,
		"The requesting client does not support the partition's compression type.")
	ErrStaleBrokerEpoch = newKafkaError(77, "STALE_BROKER_EPOCH", errFlagNone,
		"The broker epoch has changed.")
	ErrOffsetNotAvailable = newKafkaError(78, "OFFSET_NOT_AVAILABLE", errFlagRetriable,
		"The leader's high watermark has not caught up since a recent election, so offsets cannot be guaranteed to increase monotonically.")
	ErrMemberIDRequired = newKafkaError(79, "MEMBER_ID_REQUIRED", errFlagNone,
		"The member needs a valid member id before it can enter the group.")
	ErrPreferredLeaderNotAvailable = newKafkaError(80, "PREFERRED_LEADER_NOT_AVAILABLE", errFlagRetriableMeta,
		"The preferred leader is not available.")
	ErrGroupMaxSizeReached = newKafkaError(81, "GROUP_MAX_SIZE_REACHED", errFlagNone,
		"The group has reached its maximum size.")
	ErrFencedInstanceID = newKafkaError(82, "FENCED_INSTANCE_ID", errFlagNone,
		"Another member registered the same group.instance.id with a different member id, fencing this static member.")
	ErrEligibleLeadersNotAvailable = newKafkaError(83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", errFlagRetriableMeta,
		"No eligible leader is available for the partition.")
	ErrElectionNotNeeded = newKafkaError(84, "ELECTION_NOT_NEEDED", errFlagRetriableMeta,
		"The partition does not need a leader election.")
	ErrNoReassignmentInProgress = newKafkaError(85, "NO_REASSIGNMENT_IN_PROGRESS", errFlagNone,
		"No partition reassignment is in progress.")
	ErrGroupSubscribedToTopic = newKafkaError(86, "GROUP_SUBSCRIBED_TO_TOPIC", errFlagNone,
		"A group's offsets for a topic cannot be deleted while the group is subscribed to it.")
	ErrInvalidRecord = newKafkaError(87, "INVALID_RECORD", errFlagNone,
		"The broker rejected the record because it failed validation.")
	ErrUnstableOffsetCommit = newKafkaError(88, "UNSTABLE_OFFSET_COMMIT", errFlagRetriable,
		"Unstable offsets are pending and must be cleared first.")
	ErrThrottlingQuotaExceeded = newKafkaError(89, "THROTTLING_QUOTA_EXCEEDED", errFlagRetriable,
		"The throttling quota was exceeded.")
	ErrProducerFenced = newKafkaError(90, "PRODUCER_FENCED", errFlagNone,
		"A newer producer with the same transactional id has fenced this one.")
	ErrResourceNotFound = newKafkaError(91, "RESOURCE_NOT_FOUND", errFlagNone,
		"The request referred to a resource that does not exist.")
	ErrDuplicateResource = newKafkaError(92, "DUPLICATE_RESOURCE", errFlagNone,
		"The request referred to the same resource more than once.")
	ErrUnacceptableCredential = newKafkaError(93, "UNACCEPTABLE_CREDENTIAL", errFlagNone,
		"The requested credential does not meet the acceptability criteria.")
	ErrInconsistentVoterSet = newKafkaError(94, "INCONSISTENT_VOTER_SET", errFlagNone,
		"The sender or the recipient of a voter-only request is not one of the expected voters.")
	ErrInvalidUpdateVersion = newKafkaError(95, "INVALID_UPDATE_VERSION", errFlagNone,
		"The update version is invalid.")
	ErrFeatureUpdateFailed = newKafkaError(96, "FEATURE_UPDATE_FAILED", errFlagNone,
		"The finalized features could not be updated because of an unexpected server error.")
	ErrPrincipalDeserializationFailure = newKafkaError(97, "PRINCIPAL_DESERIALIZATION_FAILURE", errFlagNone,
		"The request principal could not be deserialized while forwarding, which points to a problem in the brokers' security setup.")
	ErrSnapshotNotFound = newKafkaError(98, "SNAPSHOT_NOT_FOUND", errFlagNone,
		"The requested snapshot was not found.")
	ErrPositionOutOfRange = newKafkaError(99, "POSITION_OUT_OF_RANGE", errFlagNone,
		"The requested position is negative or not less than the snapshot size.")
	ErrUnknownTopicID = newKafkaError(100, "UNKNOWN_TOPIC_ID", errFlagRetriableMeta,
		"This server does not host a topic with this id.")
	ErrDuplicateBrokerRegistration = newKafkaError(101, "DUPLICATE_BROKER_REGISTRATION", errFlagNone,
		"The broker id is already in use.")
	ErrBrokerIDNotRegistered = newKafkaError(102, "BROKER_ID_NOT_REGISTERED", errFlagNone,
		"The broker id is not registered.")
	ErrInconsistentTopicID = newKafkaError(103, "INCONSISTENT_TOPIC_ID", errFlagRetriableMeta,
		"The topic id in the request does not match the log's topic id.")
	ErrInconsistentClusterID = newKafkaError(104, "INCONSISTENT_CLUSTER_ID", errFlagNone,
		"The cluster id in the request does not match the server's.")
	ErrTransactionalIDNotFound = newKafkaError(105, "TRANSACTIONAL_ID_NOT_FOUND", errFlagNone,
		"The transactional id was not found.")
	ErrFetchSessionTopicIDError = newKafkaError(106, "FETCH_SESSION_TOPIC_ID_ERROR", errFlagRetriable,
		"The fetch session saw inconsistent use of topic ids.")
	ErrIneligibleReplica = newKafkaError(107, "INELIGIBLE_REPLICA", errFlagNone,
		"The new in-sync replica set contains an ineligible replica.")
	ErrNewLeaderElected = newKafkaError(108, "NEW_LEADER_ELECTED", errFlagNone,
		"The AlterPartition request updated the partition, but the leader has changed.")
	ErrOffsetMovedToTieredStorage = newKafkaError(109, "OFFSET_MOVED_TO_TIERED_STORAGE", errFlagNone,
		"The requested offset has moved to tiered storage.")
	ErrFencedMemberEpoch = newKafkaError(110, "FENCED_MEMBER_EPOCH", errFlagNone,
		"The group coordinator fenced the member epoch; the member must give up its partitions and rejoin.")
	ErrUnreleasedInstanceID = newKafkaError(111, "UNRELEASED_INSTANCE_ID", errFlagNone,
		"The instance id is still held by another group member, which must leave first.")
	ErrUnsupportedAssignor = newKafkaError(112, "UNSUPPORTED_ASSIGNOR", errFlagNone,
		"The group does not support the assignor or its version range.")
	ErrStaleMemberEpoch = newKafkaError(113, "STALE_MEMBER_EPOCH", errFlagNone,
		"The member epoch is stale; the member must retry once ConsumerGroupHeartbeat has given it the new epoch.")
	ErrMismatchedEndpointType = newKafkaError(114, "MISMATCHED_ENDPOINT_TYPE", errFlagNone,
		"The request was sent to an endpoint of the wrong type.")
	ErrUnsupportedEndpointType = newKafkaError(115, "UNSUPPORTED_ENDPOINT_TYPE", errFlagNone,
		"This endpoint type is not supported yet.")
	ErrUnknownControllerID = newKafkaError(116, "UNKNOWN_CONTROLLER_ID", errFlagNone,
		"The controller id is not known.")
	ErrUnknownSubscriptionID = newKafkaError(117, "UNKNOWN_SUBSCRIPTION_ID", errFlagNone,
		"The telemetry push used an unknown or outdated subscription id.")
	ErrTelemetryTooLarge = newKafkaError(118, "TELEMETRY_TOO_LARGE", errFlagNone,
		"The telemetry push is larger than the broker accepts.")
	ErrInvalidRegistration = newKafkaError(119, "INVALID_REGISTRATION", errFlagNone,
		"The controller considers the broker registration invalid.")
	ErrTransactionAbortable = newKafkaError(120, "TRANSACTION_ABORTABLE", errFlagNone,
		"The transaction hit a server error; aborting it makes the transactional id usable again.")
	ErrInvalidRecordState = newKafkaError(121, "INVALID_RECORD_STATE", errFlagNone,
		"The record state is invalid, so the delivery acknowledgement could not be completed.")
	ErrShareSessionNotFound = newKafkaError(122, "SHARE_SESSION_NOT_FOUND", errFlagRetriable,
		"The share session was not found.")
	ErrInvalidShareSessionEpoch = newKafkaError(123, "INVALID_SHARE_SESSION_EPOCH", errFlagRetriable,
		"The share session epoch is invalid.")
	ErrFencedStateEpoch = newKafkaError(124, "FENCED_STATE_EPOCH", errFlagNone,
		"The share coordinator rejected the request because the share-group state epoch did not match.")
	ErrInvalidVoterKey = newKafkaError(125, "INVALID_VOTER_KEY", errFlagNone,
		"The voter key does not match the receiving replica's key.")
	ErrDuplicateVoter = newKafkaError(126, "DUPLICATE_VOTER", errFlagNone,
		"The voter is already in the voter set.")
	ErrVoterNotFound = newKafkaError(127, "VOTER_NOT_FOUND", errFlagNone,
		"The voter is not in the voter set.")
	ErrInvalidRegularExpression = newKafkaError(128, "INVALID_REGULAR_EXPRESSION", errFlagNone,
		"The regular expression is invalid.")
	ErrRebootstrapRequired = newKafkaError(129, "REBOOTSTRAP_REQUIRED", errFlagNone,
		"The client's metadata is stale; it should rebootstrap to obtain fresh metadata.")
	ErrStreamsInvalidTopology = newKafkaError(130, "STREAMS_INVALID_TOPOLOGY", errFlagNone,
		"The supplied streams topology is invalid.")
	ErrStreamsInvalidTopologyEpoch = newKafkaError(131, "STREAMS_INVALID_TOPOLOGY_EPOCH", errFlagNone,
		"The supplied streams topology epoch is invalid.")
	ErrStreamsTopologyFenced = newKafkaError(132, "STREAMS_TOPOLOGY_FENCED", errFlagNone,
		"The supplied streams topology epoch is outdated.")
	ErrShareSessionLimitReached = newKafkaError(133, "SHARE_SESSION_LIMIT_REACHED", errFlagRetriable,
		"The share session limit has been reached.")
	ErrGroupDeletionFailed = newKafkaError(134, "GROUP_DELETION_FAILED", errFlagNone,
		"The group could not be deleted.")
	ErrStreamsTopologyDescriptionUpdateFailed = newKafkaError(135, "STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED", errFlagNone,
		"The streams topology description could not be updated.")
	ErrControllerIDNotRegistered = newKafkaError(136, "CONTROLLER_ID_NOT_REGISTERED", errFlagNone,
		"The controller id is not registered.")
)

// errorsByCode holds the sentinels at index code-minErrorCode. The slot of code 0
// (NONE) is nil: it is not an error.
var errorsByCode = [...]*Error{
	ErrUnknownServerError,
	nil, // 0 NONE
	ErrOffsetOutOfRange,
	ErrCorruptMessage,
	ErrUnknownTopicOrPartition,
	ErrInvalidFetchSize,
	ErrLeaderNotAvailable,
	ErrNotLeaderOrFollower,
	ErrRequestTimedOut,
	ErrBrokerNotAvailable,
	ErrReplicaNotAvailable,
	ErrMessageTooLarge,
	ErrStaleControllerEpoch,
	ErrOffsetMetadataTooLarge,
	ErrNetworkException,
	ErrCoordinatorLoadInProgress,
	ErrCoordinatorNotAvailable,
	ErrNotCoordinator,
	ErrInvalidTopicException,
	ErrRecordListTooLarge,
	ErrNotEnoughReplicas,
	ErrNotEnoughReplicasAfterAppend,
	ErrInvalidRequiredAcks,
	ErrIllegalGeneration,
	ErrInconsistentGroupProtocol,
	ErrInvalidGroupID,
	ErrUnknownMemberID,
	ErrInvalidSessionTimeout,
	ErrRebalanceInProgress,
	ErrInvalidCommitOffsetSize,
	ErrTopicAuthorizationFailed,
	ErrGroupAuthorizationFailed,
	ErrClusterAuthorizationFailed,
	ErrInvalidTimestamp,
	ErrUnsupportedSASLMechanism,
	ErrIllegalSASLState,
	ErrUnsupportedVersion,
	ErrTopicAlreadyExists,
	ErrInvalidPartitions,
	ErrInvalidReplicationFactor,
	ErrInvalidReplicaAssignment,
	ErrInvalidConfig,
	ErrNotController,
	ErrInvalidRequest,
	ErrUnsupportedForMessageFormat,
	ErrPolicyViolation,
	ErrOutOfOrderSequenceNumber,
	ErrDuplicateSequenceNumber,
	ErrInvalidProducerEpoch,
	ErrInvalidTxnState,
	ErrInvalidProducerIDMapping,
	ErrInvalidTransactionTimeout,
	ErrConcurrentTransactions,
	ErrTransactionCoordinatorFenced,
	ErrTransactionalIDAuthorizationFailed,
	ErrSecurityDisabled,
	ErrOperationNotAttempted,
	ErrKafkaStorageError,
	ErrLogDirNotFound,
	ErrSASLAuthenticationFailed,
	ErrUnknownProducerID,
	ErrReassignmentInProgress,
	ErrDelegationTokenAuthDisabled,
	ErrDelegationTokenNotFound,
	ErrDelegationTokenOwnerMismatch,
	ErrDelegationTokenRequestNotAllowed,
	ErrDelegationTokenAuthorizationFailed,
	ErrDelegationTokenExpired,
	ErrInvalidPrincipalType,
	ErrNonEmptyGroup,
	ErrGroupIDNotFound,
	ErrFetchSessionIDNotFound,
	ErrInvalidFetchSessionEpoch,
	ErrListenerNotFound,
	ErrTopicDeletionDisabled,
	ErrFencedLeaderEpoch,
	ErrUnknownLeaderEpoch,
	ErrUnsupportedCompressionType,
	ErrStaleBrokerEpoch,
	ErrOffsetNotAvailable,
	ErrMemberIDRequired,
	ErrPreferredLeaderNotAvailable,
	ErrGroupMaxSizeReached,
	ErrFencedInstanceID,
	ErrEligibleLeadersNotAvailable,
	ErrElectionNotNeeded,
	ErrNoReassignmentInProgress,
	ErrGroupSubscribedToTopic,
	ErrInvalidRecord,
	ErrUnstableOffsetCommit,
	ErrThrottlingQuotaExceeded,
	ErrProducerFenced,
	ErrResourceNotFound,
	ErrDuplicateResource,
	ErrUnacceptableCredential,
	ErrInconsistentVoterSet,
	ErrInvalidUpdateVersion,
	ErrFeatureUpdateFailed,
	ErrPrincipalDeserializationFailure,
	ErrSnapshotNotFound,
	ErrPositionOutOfRange,
	ErrUnknownTopicID,
	ErrDuplicateBrokerRegistration,
	ErrBrokerIDNotRegistered,
	ErrInconsistentTopicID,
	ErrInconsistentClusterID,
	ErrTransactionalIDNotFound,
	ErrFetchSessionTopicIDError,
	ErrIneligibleReplica,
	ErrNewLeaderElected,
	ErrOffsetMovedToTieredStorage,
	ErrFencedMemberEpoch,
	ErrUnreleasedInstanceID,
	ErrUnsupportedAssignor,
	ErrStaleMemberEpoch,
	ErrMismatchedEndpointType,
	ErrUnsupportedEndpointType,
	ErrUnknownControllerID,
	ErrUnknownSubscriptionID,
	ErrTelemetryTooLarge,
	ErrInvalidRegistration,
	ErrTransactionAbortable,
	ErrInvalidRecordState,
	ErrShareSessionNotFound,
	ErrInvalidShareSessionEpoch,
	ErrFencedStateEpoch,
	ErrInvalidVoterKey,
	ErrDuplicateVoter,
	ErrVoterNotFound,
	ErrInvalidRegularExpression,
	ErrRebootstrapRequired,
	ErrStreamsInvalidTopology,
	ErrStreamsInvalidTopologyEpoch,
	ErrStreamsTopologyFenced,
	ErrShareSessionLimitReached,
	ErrGroupDeletionFailed,
	ErrStreamsTopologyDescriptionUpdateFailed,
	ErrControllerIDNotRegistered,
}
