package wire

// Golden bytes for ListOffsets (key 2) and CreateTopics (key 19).
// ListOffsets: IsolationLevel and ThrottleTimeMs v2+, CurrentLeaderEpoch and
// LeaderEpoch v4+, flexible v6+, TimeoutMs v10+.
// CreateTopics: flexible v5+; response NumPartitions, ReplicationFactor,
// Configs (nullable) and tag 0 TopicConfigErrorCode v5+, TopicId v7+.

var _ = registerGolden(
	goldenCase{name: "ListOffsetsRequest", key: APIKeyListOffsets, build: func(v int16) (Message, Message, []byte) {
		mk := func() *ListOffsetsRequest {
			return &ListOffsetsRequest{
				ReplicaID: -1, IsolationLevel: 1,
				Topics: []ListOffsetsRequestTopic{{Name: "orders", Partitions: []ListOffsetsRequestPartition{
					{PartitionIndex: 0, CurrentLeaderEpoch: 4, Timestamp: -1},
					{PartitionIndex: 1, CurrentLeaderEpoch: -1, Timestamp: -2},
				}}},
				TimeoutMs: 5000,
			}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 6}
		g.i32(-1)
		if v >= 2 {
			g.i8(1)
		} else {
			want.IsolationLevel = 0
		}
		g.arr(1)
		g.str("orders")
		g.arr(2)
		for i, ts := range []int64{-1, -2} {
			g.i32(int32(i))
			if v >= 4 {
				g.i32(want.Topics[0].Partitions[i].CurrentLeaderEpoch)
			} else {
				want.Topics[0].Partitions[i].CurrentLeaderEpoch = -1
			}
			g.i64(ts)
			g.tags0()
		}
		g.tags0()
		if v >= 10 {
			g.i32(5000)
		} else {
			want.TimeoutMs = 0
		}
		g.tags0()
		return in, want, g.b
	}},
	goldenCase{name: "ListOffsetsResponse", key: APIKeyListOffsets, build: func(v int16) (Message, Message, []byte) {
		mk := func() *ListOffsetsResponse {
			return &ListOffsetsResponse{ThrottleTimeMs: 9, Topics: []ListOffsetsResponseTopic{{Name: "orders",
				Partitions: []ListOffsetsResponsePartition{{PartitionIndex: 0, ErrorCode: 0, Timestamp: -1, Offset: 1234, LeaderEpoch: 4}}}}}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 6}
		if v >= 2 {
			g.i32(9)
		} else {
			want.ThrottleTimeMs = 0
		}
		g.arr(1)
		g.str("orders")
		g.arr(1)
		g.i32(0)
		g.i16(0)
		g.i64(-1)
		g.i64(1234)
		if v >= 4 {
			g.i32(4)
		} else {
			want.Topics[0].Partitions[0].LeaderEpoch = -1
		}
		g.tags0()
		g.tags0()
		g.tags0()
		return in, want, g.b
	}},
	goldenCase{name: "CreateTopicsRequest", key: APIKeyCreateTopics, build: func(v int16) (Message, Message, []byte) {
		mk := func() *CreateTopicsRequest {
			return &CreateTopicsRequest{
				Topics: []CreateTopicsRequestTopic{{
					Name: "orders", NumPartitions: -1, ReplicationFactor: -1,
					Assignments: []CreateTopicsRequestAssignment{{PartitionIndex: 0, BrokerIDs: []int32{1, 2}}},
					Configs:     []CreateTopicsRequestConfig{{Name: "min.insync.replicas", Value: sp("2")}, {Name: "x", Value: nil}},
				}},
				TimeoutMs: 30000, ValidateOnly: true,
			}
		}
		g := &gb{flex: v >= 5}
		g.arr(1)
		g.str("orders")
		g.i32(-1)
		g.i16(-1)
		g.arr(1)
		g.i32(0)
		g.i32s(1, 2)
		g.tags0()
		g.arr(2)
		g.str("min.insync.replicas")
		g.nstr(sp("2"))
		g.tags0()
		g.str("x")
		g.nstr(nil)
		g.tags0()
		g.tags0()
		g.i32(30000)
		g.boolean(true)
		g.tags0()
		return mk(), mk(), g.b
	}},
	goldenCase{name: "CreateTopicsResponse", key: APIKeyCreateTopics, build: func(v int16) (Message, Message, []byte) {
		mk := func() *CreateTopicsResponse {
			return &CreateTopicsResponse{ThrottleTimeMs: 0, Topics: []CreateTopicsResponseTopic{{
				Name: "orders", TopicID: uuidOf(5), ErrorCode: 0, ErrorMessage: nil, TopicConfigErrorCode: 29,
				NumPartitions: 3, ReplicationFactor: 1,
				Configs: []CreateTopicsResponseConfig{{Name: "cleanup.policy", Value: sp("delete"), ReadOnly: false, ConfigSource: 5, IsSensitive: false}},
			}, {
				Name: "bad", ErrorCode: 37, ErrorMessage: sp("invalid partitions"), NumPartitions: -1, ReplicationFactor: -1, Configs: nil,
			}}}
		}
		in, want := mk(), mk()
		t0, t1 := &want.Topics[0], &want.Topics[1]
		g := &gb{flex: v >= 5}
		g.i32(0)
		g.arr(2)
		g.str("orders")
		if v >= 7 {
			g.uuid(uuidOf(5))
		} else {
			t0.TopicID = [16]byte{}
		}
		g.i16(0)
		g.nstr(nil)
		if v >= 5 {
			g.i32(3)
			g.i16(1)
			g.arr(1)
			g.str("cleanup.policy")
			g.nstr(sp("delete"))
			g.boolean(false)
			g.i8(5)
			g.boolean(false)
			g.tags0()
			g.b = AppendUvarint(g.b, 1)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) { t.i16(29) }))
		} else {
			t0.NumPartitions, t0.ReplicationFactor, t0.Configs, t0.TopicConfigErrorCode = -1, -1, nil, 0
		}
		g.str("bad")
		if v >= 7 {
			g.uuid([16]byte{})
		}
		g.i16(37)
		g.nstr(sp("invalid partitions"))
		if v >= 5 {
			g.i32(-1)
			g.i16(-1)
			g.arr(-1) // null Configs
		}
		g.tags0()
		g.tags0()
		_ = t1
		return in, want, g.b
	}},
)
