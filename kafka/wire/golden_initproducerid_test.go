package wire

// Golden bytes for InitProducerId (key 22), per InitProducerId{Request,
// Response}.json: flexible v2+, request ProducerId/ProducerEpoch v3+
// (default -1).

var _ = registerGolden(
	goldenCase{name: "InitProducerIdRequest", key: APIKeyInitProducerId, build: func(v int16) (Message, Message, []byte) {
		// Idempotent-only producer: null transactional id, max timeout.
		mk := func() *InitProducerIdRequest {
			return &InitProducerIdRequest{TransactionalID: nil, TransactionTimeoutMs: 2147483647, ProducerID: 77, ProducerEpoch: 3}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 2}
		g.nstr(nil)
		g.i32(2147483647)
		if v >= 3 {
			g.i64(77)
			g.i16(3)
		} else {
			want.ProducerID, want.ProducerEpoch = -1, -1
		}
		g.tags0()
		return in, want, g.b
	}},
	goldenCase{name: "InitProducerIdRequestTxn", key: APIKeyInitProducerId, build: func(v int16) (Message, Message, []byte) {
		mk := func() *InitProducerIdRequest {
			return &InitProducerIdRequest{TransactionalID: sp("tx-1"), TransactionTimeoutMs: 60000, ProducerID: -1, ProducerEpoch: -1}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 2}
		g.nstr(sp("tx-1"))
		g.i32(60000)
		if v >= 3 {
			g.i64(-1)
			g.i16(-1)
		}
		g.tags0()
		return in, want, g.b
	}},
	goldenCase{name: "InitProducerIdResponse", key: APIKeyInitProducerId, build: func(v int16) (Message, Message, []byte) {
		mk := func() *InitProducerIdResponse {
			return &InitProducerIdResponse{ThrottleTimeMs: 1, ErrorCode: 0, ProducerID: 4000, ProducerEpoch: 2}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 2}
		g.i32(1)
		g.i16(0)
		g.i64(4000)
		g.i16(2)
		g.tags0()
		return in, want, g.b
	}},
)
