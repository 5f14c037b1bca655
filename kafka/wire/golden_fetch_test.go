package wire

// Golden bytes for Fetch (key 1), per Fetch{Request,Response}.json over our
// range 4-17. Request: LogStartOffset v5+, session fields and
// ForgottenTopicsData v7+, CurrentLeaderEpoch v9+, RackId v11+, flexible
// v12+ with LastFetchedEpoch and tag 0 ClusterId, TopicId for names v13+,
// ReplicaId v0-14 then tag 1 ReplicaState v15+, partition tag 0
// ReplicaDirectoryId v17. Response: LogStartOffset v5+, ErrorCode/SessionId
// v7+, PreferredReadReplica v11+, partition tags 0-2 v12+, NodeEndpoints
// tag 0 v16+.

var _ = registerGolden(
	goldenCase{name: "FetchRequest", key: APIKeyFetch, build: func(v int16) (Message, Message, []byte) {
		mk := func() *FetchRequest {
			return &FetchRequest{
				ClusterID: sp("c1"), ReplicaID: -1, ReplicaState: &FetchRequestReplicaState{ReplicaID: 5, ReplicaEpoch: 9},
				MaxWaitMs: 500, MinBytes: 1, MaxBytes: 52428800, IsolationLevel: 1, SessionID: 0, SessionEpoch: -1,
				Topics: []FetchRequestTopic{{Topic: "orders", TopicID: uuidOf(2), Partitions: []FetchRequestPartition{{
					Partition: 0, CurrentLeaderEpoch: 3, FetchOffset: 42, LastFetchedEpoch: 2, LogStartOffset: -1,
					PartitionMaxBytes: 1048576, ReplicaDirectoryID: uuidOf(7),
				}}}},
				ForgottenTopicsData: []FetchRequestForgottenTopic{{Topic: "old", TopicID: uuidOf(4), Partitions: []int32{1, 2}}},
				RackID:              "rack-a",
			}
		}
		in, want := mk(), mk()
		p, ft := &want.Topics[0].Partitions[0], &want.ForgottenTopicsData[0]
		g := &gb{flex: v >= 12}
		if v <= 14 {
			g.i32(-1)
		}
		g.i32(500)
		g.i32(1)
		g.i32(52428800)
		g.i8(1)
		if v >= 7 {
			g.i32(0)
			g.i32(-1)
		}
		g.arr(1)
		if v <= 12 {
			g.str("orders")
			want.Topics[0].TopicID = [16]byte{}
		} else {
			g.uuid(uuidOf(2))
			want.Topics[0].Topic = ""
		}
		g.arr(1)
		g.i32(0)
		if v >= 9 {
			g.i32(3)
		} else {
			p.CurrentLeaderEpoch = -1
		}
		g.i64(42)
		if v >= 12 {
			g.i32(2)
		} else {
			p.LastFetchedEpoch = -1
		}
		if v >= 5 {
			g.i64(-1) // LogStartOffset; absent below v5 and -1 by default
		}
		g.i32(1048576)
		if v >= 17 {
			g.b = AppendUvarint(g.b, 1)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) { t.uuid(uuidOf(7)) }))
		} else {
			p.ReplicaDirectoryID = [16]byte{}
			g.tags0()
		}
		g.tags0() // topic
		if v >= 7 {
			g.arr(1)
			if v <= 12 {
				g.str("old")
				ft.TopicID = [16]byte{}
			} else {
				g.uuid(uuidOf(4))
				ft.Topic = ""
			}
			g.i32s(1, 2)
			g.tags0()
		} else {
			want.ForgottenTopicsData, want.SessionEpoch = nil, -1
		}
		if v >= 11 {
			g.str("rack-a")
		} else {
			want.RackID = ""
		}
		switch {
		case v >= 15:
			want.ReplicaID = -1
			g.b = AppendUvarint(g.b, 2)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) { t.nstr(sp("c1")) }))
			g.b = AppendTag(g.b, 1, tagged(func(t *gb) { t.i32(5); t.i64(9); t.tags0() }))
		case v >= 12:
			want.ReplicaState = nil
			g.b = AppendUvarint(g.b, 1)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) { t.nstr(sp("c1")) }))
		default:
			want.ReplicaState, want.ClusterID = nil, nil
		}
		return in, want, g.b
	}},
	goldenCase{name: "FetchResponse", key: APIKeyFetch, build: func(v int16) (Message, Message, []byte) {
		recs := []byte{9, 8, 7}
		mk := func() *FetchResponse {
			return &FetchResponse{
				ThrottleTimeMs: 1, ErrorCode: 0, SessionID: 77,
				Responses: []FetchResponseTopic{{Topic: "orders", TopicID: uuidOf(2), Partitions: []FetchResponsePartition{{
					PartitionIndex: 0, ErrorCode: 0, HighWatermark: 100, LastStableOffset: 90, LogStartOffset: 5,
					DivergingEpoch:       &FetchResponseDivergingEpoch{Epoch: 3, EndOffset: 80},
					CurrentLeader:        &FetchResponseCurrentLeader{LeaderID: 1, LeaderEpoch: 4},
					SnapshotID:           &FetchResponseSnapshotID{EndOffset: 70, Epoch: 2},
					AbortedTransactions:  []FetchResponseAbortedTransaction{{ProducerID: 11, FirstOffset: 50}},
					PreferredReadReplica: 2,
					Records:              recs,
				}, {
					PartitionIndex: 1, ErrorCode: 1, HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1,
					AbortedTransactions: nil, PreferredReadReplica: -1, Records: nil,
				}}}},
				NodeEndpoints: []FetchResponseNodeEndpoint{{NodeID: 1, Host: "b1", Port: 9092}},
			}
		}
		in, want := mk(), mk()
		p0 := &want.Responses[0].Partitions[0]
		g := &gb{flex: v >= 12}
		g.i32(1)
		if v >= 7 {
			g.i16(0)
			g.i32(77)
		} else {
			want.SessionID = 0
		}
		g.arr(1)
		if v <= 12 {
			g.str("orders")
			want.Responses[0].TopicID = [16]byte{}
		} else {
			g.uuid(uuidOf(2))
			want.Responses[0].Topic = ""
		}
		g.arr(2)
		// partition 0
		g.i32(0)
		g.i16(0)
		g.i64(100)
		g.i64(90)
		if v >= 5 {
			g.i64(5)
		} else {
			p0.LogStartOffset = -1
		}
		g.arr(1)
		g.i64(11)
		g.i64(50)
		g.tags0()
		if v >= 11 {
			g.i32(2)
		} else {
			p0.PreferredReadReplica = -1
		}
		g.nbytes(recs)
		if v >= 12 {
			g.b = AppendUvarint(g.b, 3)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) { t.i32(3); t.i64(80); t.tags0() }))
			g.b = AppendTag(g.b, 1, tagged(func(t *gb) { t.i32(1); t.i32(4); t.tags0() }))
			g.b = AppendTag(g.b, 2, tagged(func(t *gb) { t.i64(70); t.i32(2); t.tags0() }))
		} else {
			p0.DivergingEpoch, p0.CurrentLeader, p0.SnapshotID = nil, nil, nil
		}
		// partition 1: null aborted transactions and records
		g.i32(1)
		g.i16(1)
		g.i64(-1)
		g.i64(-1)
		if v >= 5 {
			g.i64(-1)
		}
		g.arr(-1)
		if v >= 11 {
			g.i32(-1)
		}
		g.nbytes(nil)
		g.tags0()
		g.tags0() // topic
		if v >= 16 {
			g.b = AppendUvarint(g.b, 1)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) {
				t.arr(1)
				t.i32(1)
				t.str("b1")
				t.i32(9092)
				t.nstr(nil)
				t.tags0()
			}))
		} else {
			want.NodeEndpoints = nil
			g.tags0()
		}
		return in, want, g.b
	}},
)
