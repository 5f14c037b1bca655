package wire

import "testing"

// Golden bytes for Produce (key 0), per Produce{Request,Response}.json.
// Request: topic Name v0-12 / TopicId v13+, flexible v9+.
// Response: LogStartOffset v5+, RecordErrors and ErrorMessage v8+, flexible
// v9+, tags CurrentLeader (partition, tag 0) and NodeEndpoints (top, tag 0)
// v10+, TopicId instead of Name v13+.

var _ = registerGolden(
	goldenCase{name: "ProduceRequest", key: APIKeyProduce, build: func(v int16) (Message, Message, []byte) {
		batch := []byte{0, 1, 2, 3, 4, 5, 6, 7}
		mk := func() *ProduceRequest {
			return &ProduceRequest{
				TransactionalID: sp("txn"),
				Acks:            -1,
				TimeoutMs:       30000,
				TopicData: []ProduceRequestTopic{{
					Name:    "orders",
					TopicID: uuidOf(3),
					PartitionData: []ProduceRequestPartition{
						{Index: 0, Records: batch},
						{Index: 1, Records: nil},
					},
				}},
			}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 9}
		g.nstr(sp("txn"))
		g.i16(-1)
		g.i32(30000)
		g.arr(1)
		if v <= 12 {
			g.str("orders")
			want.TopicData[0].TopicID = [16]byte{}
		} else {
			g.uuid(uuidOf(3))
			want.TopicData[0].Name = ""
		}
		g.arr(2)
		g.i32(0)
		g.nbytes(batch)
		g.tags0()
		g.i32(1)
		g.nbytes(nil)
		g.tags0()
		g.tags0() // topic
		g.tags0() // request
		return in, want, g.b
	}},
	goldenCase{name: "ProduceResponse", key: APIKeyProduce, build: func(v int16) (Message, Message, []byte) {
		mk := func() *ProduceResponse {
			return &ProduceResponse{
				Responses: []ProduceResponseTopic{{
					Name:    "orders",
					TopicID: uuidOf(3),
					PartitionResponses: []ProduceResponsePartition{{
						Index: 0, ErrorCode: 0, BaseOffset: 100, LogAppendTimeMs: -1, LogStartOffset: 10,
					}, {
						Index: 1, ErrorCode: 6, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: -1,
						RecordErrors:  []ProduceResponseRecordError{{BatchIndex: 2, BatchIndexErrorMessage: sp("bad")}, {BatchIndex: 3}},
						ErrorMessage:  sp("not leader"),
						CurrentLeader: &ProduceResponseCurrentLeader{LeaderID: 2, LeaderEpoch: 7},
					}},
				}},
				ThrottleTimeMs: 4,
				NodeEndpoints:  []ProduceResponseNodeEndpoint{{NodeID: 2, Host: "b2", Port: 9092, Rack: sp("r")}},
			}
		}
		in, want := mk(), mk()
		p0, p1 := &want.Responses[0].PartitionResponses[0], &want.Responses[0].PartitionResponses[1]
		g := &gb{flex: v >= 9}
		g.arr(1)
		if v <= 12 {
			g.str("orders")
			want.Responses[0].TopicID = [16]byte{}
		} else {
			g.uuid(uuidOf(3))
			want.Responses[0].Name = ""
		}
		g.arr(2)
		// partition 0
		g.i32(0)
		g.i16(0)
		g.i64(100)
		g.i64(-1)
		if v >= 5 {
			g.i64(10)
		} else {
			p0.LogStartOffset = -1
		}
		if v >= 8 {
			g.arr(0)
			g.nstr(nil)
		}
		g.tags0()
		// partition 1
		g.i32(1)
		g.i16(6)
		g.i64(-1)
		g.i64(-1)
		if v >= 5 {
			g.i64(-1)
		}
		if v >= 8 {
			g.arr(2)
			g.i32(2)
			g.nstr(sp("bad"))
			g.tags0()
			g.i32(3)
			g.nstr(nil)
			g.tags0()
			g.nstr(sp("not leader"))
		} else {
			p1.RecordErrors, p1.ErrorMessage = nil, nil
		}
		if v >= 10 {
			g.b = AppendUvarint(g.b, 1)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) { t.i32(2); t.i32(7); t.tags0() }))
		} else {
			p1.CurrentLeader = nil
			g.tags0()
		}
		g.tags0() // topic
		g.i32(4)
		if v >= 10 {
			g.b = AppendUvarint(g.b, 1)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) {
				t.arr(1)
				t.i32(2)
				t.str("b2")
				t.i32(9092)
				t.nstr(sp("r"))
				t.tags0()
			}))
		} else {
			want.NodeEndpoints = nil
			g.tags0()
		}
		return in, want, g.b
	}},
)

func TestProduceExpectsResponse(t *testing.T) {
	var nr NoResponder = &ProduceRequest{Acks: 0}
	if nr.ExpectsResponse() {
		t.Error("acks=0 request expects a response")
	}
	for _, acks := range []int16{1, -1} {
		if !(&ProduceRequest{Acks: acks}).ExpectsResponse() {
			t.Errorf("acks=%d request expects no response", acks)
		}
	}
}
