package wire

// Golden bytes for Metadata (key 3), per Metadata{Request,Response}.json.
// Request: Topics nullable v1+, TopicId v10+, Name nullable v10+,
// AllowAutoTopicCreation v4+, IncludeClusterAuthorizedOperations v8-10,
// IncludeTopicAuthorizedOperations v8+, flexible v9+.
// Response: ThrottleTimeMs v3+, Rack v1+, ClusterId v2+, ControllerId v1+,
// IsInternal v1+, LeaderEpoch v7+, OfflineReplicas v5+, TopicId v10+,
// authorized operations v8+ (cluster v8-10), Name nullable v12+, top-level
// ErrorCode v13+.

var _ = registerGolden(
	goldenCase{name: "MetadataRequest", key: APIKeyMetadata, build: func(v int16) (Message, Message, []byte) {
		mk := func() *MetadataRequest {
			return &MetadataRequest{
				Topics: []MetadataRequestTopic{
					{TopicID: uuidOf(1), Name: sp("orders")},
					{Name: sp("payments")},
				},
				AllowAutoTopicCreation:             true,
				IncludeClusterAuthorizedOperations: true,
				IncludeTopicAuthorizedOperations:   true,
			}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 9}
		g.arr(2)
		for i, name := range []string{"orders", "payments"} {
			if v >= 10 {
				g.uuid(in.Topics[i].TopicID)
			} else {
				want.Topics[i].TopicID = [16]byte{}
			}
			g.str(name)
			g.tags0()
		}
		if v >= 4 {
			g.boolean(true)
		}
		if v >= 8 && v <= 10 {
			g.boolean(true)
		} else {
			want.IncludeClusterAuthorizedOperations = false
		}
		if v >= 8 {
			g.boolean(true)
		} else {
			want.IncludeTopicAuthorizedOperations = false
		}
		g.tags0()
		return in, want, g.b
	}},
	// nil Topics: null (all topics) from v1, the empty array at v0, which
	// v0 also reads as all topics, so both decode back to nil.
	goldenCase{name: "MetadataRequestAllTopics", key: APIKeyMetadata, build: func(v int16) (Message, Message, []byte) {
		in, want := &MetadataRequest{}, &MetadataRequest{AllowAutoTopicCreation: v < 4}
		g := &gb{flex: v >= 9}
		if v >= 1 {
			g.arr(-1)
		} else {
			g.arr(0)
		}
		if v >= 4 {
			g.boolean(false)
		}
		if v >= 8 && v <= 10 {
			g.boolean(false)
		}
		if v >= 8 {
			g.boolean(false)
		}
		g.tags0()
		if v < 4 {
			// AllowAutoTopicCreation defaults to true where absent.
			in.AllowAutoTopicCreation = true
		}
		return in, want, g.b
	}},
	goldenCase{name: "MetadataResponse", key: APIKeyMetadata, build: func(v int16) (Message, Message, []byte) {
		mk := func() *MetadataResponse {
			return &MetadataResponse{
				ThrottleTimeMs: 3,
				Brokers: []MetadataResponseBroker{
					{NodeID: 1, Host: "b1", Port: 9092, Rack: sp("r1")},
					{NodeID: 2, Host: "b2", Port: 9093},
				},
				ClusterID:    sp("cluster"),
				ControllerID: 2,
				Topics: []MetadataResponseTopic{{
					ErrorCode:  0,
					Name:       sp("orders"),
					TopicID:    uuidOf(9),
					IsInternal: true,
					Partitions: []MetadataResponsePartition{{
						ErrorCode: 0, PartitionIndex: 0, LeaderID: 1, LeaderEpoch: 5,
						ReplicaNodes: []int32{1, 2}, IsrNodes: []int32{1}, OfflineReplicas: []int32{2},
					}},
					TopicAuthorizedOperations: 0x0f,
				}, {
					ErrorCode: 3, // UNKNOWN_TOPIC_OR_PARTITION, no partitions
					Name:      sp("gone"),
				}},
				ClusterAuthorizedOperations: 0x1f,
				ErrorCode:                   0,
			}
		}
		in, want := mk(), mk()
		if v >= 13 {
			in.ErrorCode, want.ErrorCode = 129, 129
		}
		g := &gb{flex: v >= 9}
		if v >= 3 {
			g.i32(3)
		} else {
			want.ThrottleTimeMs = 0
		}
		g.arr(2)
		for i, b := range in.Brokers {
			g.i32(b.NodeID)
			g.str(b.Host)
			g.i32(b.Port)
			if v >= 1 {
				g.nstr(b.Rack)
			} else {
				want.Brokers[i].Rack = nil
			}
			g.tags0()
		}
		if v >= 2 {
			g.nstr(sp("cluster"))
		} else {
			want.ClusterID = nil
		}
		if v >= 1 {
			g.i32(2)
		} else {
			want.ControllerID = -1
		}
		g.arr(2)
		// topic 0
		g.i16(0)
		g.str("orders")
		if v >= 10 {
			g.uuid(uuidOf(9))
		} else {
			want.Topics[0].TopicID = [16]byte{}
		}
		if v >= 1 {
			g.boolean(true)
		} else {
			want.Topics[0].IsInternal = false
		}
		g.arr(1)
		p := &want.Topics[0].Partitions[0]
		g.i16(0)
		g.i32(0)
		g.i32(1)
		if v >= 7 {
			g.i32(5)
		} else {
			p.LeaderEpoch = -1
		}
		g.i32s(1, 2)
		g.i32s(1)
		if v >= 5 {
			g.i32s(2)
		} else {
			p.OfflineReplicas = nil
		}
		g.tags0()
		if v >= 8 {
			g.i32(0x0f)
		} else {
			want.Topics[0].TopicAuthorizedOperations = -2147483648
		}
		g.tags0()
		// topic 1: empty partitions decode as nil
		g.i16(3)
		g.str("gone")
		if v >= 10 {
			g.uuid([16]byte{})
		}
		if v >= 1 {
			g.boolean(false)
		}
		g.arr(0)
		if v >= 8 {
			g.i32(0)
		} else {
			want.Topics[1].TopicAuthorizedOperations = -2147483648
		}
		g.tags0()
		if v >= 8 && v <= 10 {
			g.i32(0x1f)
		} else {
			want.ClusterAuthorizedOperations = -2147483648
		}
		if v >= 13 {
			g.i16(129)
		}
		g.tags0()
		return in, want, g.b
	}},
)
