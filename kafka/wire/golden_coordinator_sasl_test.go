package wire

// Golden bytes for FindCoordinator (key 10), SaslHandshake (17) and
// SaslAuthenticate (36), per their request/response JSON.
// FindCoordinator: KeyType v1+, single Key v0-3 / CoordinatorKeys v4+,
// response ErrorMessage and ThrottleTimeMs v1+, flat fields v0-3 /
// Coordinators v4+, flexible v3+. SaslHandshake: never flexible.
// SaslAuthenticate: SessionLifetimeMs v1+, flexible v2+.

var _ = registerGolden(
	goldenCase{name: "FindCoordinatorRequest", key: APIKeyFindCoordinator, build: func(v int16) (Message, Message, []byte) {
		mk := func() *FindCoordinatorRequest {
			return &FindCoordinatorRequest{CoordinatorKey: "tx-1", KeyType: 1, CoordinatorKeys: []string{"tx-1", "tx-2"}}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 3}
		if v <= 3 {
			g.str("tx-1")
			want.CoordinatorKeys = nil
		} else {
			want.CoordinatorKey = ""
		}
		if v >= 1 {
			g.i8(1)
		} else {
			want.KeyType = 0
		}
		if v >= 4 {
			g.arr(2)
			g.str("tx-1")
			g.str("tx-2")
		}
		g.tags0()
		return in, want, g.b
	}},
	goldenCase{name: "FindCoordinatorResponse", key: APIKeyFindCoordinator, build: func(v int16) (Message, Message, []byte) {
		mk := func() *FindCoordinatorResponse {
			return &FindCoordinatorResponse{
				ThrottleTimeMs: 2, ErrorCode: 15, ErrorMessage: sp("not available"), NodeID: 3, Host: "b3", Port: 9094,
				Coordinators: []FindCoordinatorResponseCoordinator{
					{Key: "tx-1", NodeID: 3, Host: "b3", Port: 9094},
					{Key: "tx-2", NodeID: -1, Host: "", Port: -1, ErrorCode: 15, ErrorMessage: sp("not available")},
				},
			}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 3}
		if v >= 1 {
			g.i32(2)
		} else {
			want.ThrottleTimeMs = 0
		}
		if v <= 3 {
			g.i16(15)
			if v >= 1 {
				g.nstr(sp("not available"))
			} else {
				want.ErrorMessage = nil
			}
			g.i32(3)
			g.str("b3")
			g.i32(9094)
			want.Coordinators = nil
		} else {
			want.ErrorCode, want.ErrorMessage, want.NodeID, want.Host, want.Port = 0, nil, 0, "", 0
			g.arr(2)
			g.str("tx-1")
			g.i32(3)
			g.str("b3")
			g.i32(9094)
			g.i16(0)
			g.nstr(nil)
			g.tags0()
			g.str("tx-2")
			g.i32(-1)
			g.str("")
			g.i32(-1)
			g.i16(15)
			g.nstr(sp("not available"))
			g.tags0()
		}
		g.tags0()
		return in, want, g.b
	}},
	goldenCase{name: "SaslHandshakeRequest", key: APIKeySaslHandshake, build: func(v int16) (Message, Message, []byte) {
		g := &gb{}
		g.str("SCRAM-SHA-512")
		return &SaslHandshakeRequest{Mechanism: "SCRAM-SHA-512"}, &SaslHandshakeRequest{Mechanism: "SCRAM-SHA-512"}, g.b
	}},
	goldenCase{name: "SaslHandshakeResponse", key: APIKeySaslHandshake, build: func(v int16) (Message, Message, []byte) {
		mk := func() *SaslHandshakeResponse {
			return &SaslHandshakeResponse{ErrorCode: 33, Mechanisms: []string{"PLAIN", "SCRAM-SHA-256"}}
		}
		g := &gb{}
		g.i16(33)
		g.arr(2)
		g.str("PLAIN")
		g.str("SCRAM-SHA-256")
		return mk(), mk(), g.b
	}},
	goldenCase{name: "SaslAuthenticateRequest", key: APIKeySaslAuthenticate, build: func(v int16) (Message, Message, []byte) {
		tok := []byte("\x00user\x00pass")
		g := &gb{flex: v >= 2}
		g.bytes(tok)
		g.tags0()
		return &SaslAuthenticateRequest{AuthBytes: tok}, &SaslAuthenticateRequest{AuthBytes: tok}, g.b
	}},
	goldenCase{name: "SaslAuthenticateResponse", key: APIKeySaslAuthenticate, build: func(v int16) (Message, Message, []byte) {
		mk := func() *SaslAuthenticateResponse {
			return &SaslAuthenticateResponse{ErrorCode: 0, ErrorMessage: nil, AuthBytes: []byte("s=1"), SessionLifetimeMs: 3600000}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 2}
		g.i16(0)
		g.nstr(nil)
		g.bytes([]byte("s=1"))
		if v >= 1 {
			g.i64(3600000)
		} else {
			want.SessionLifetimeMs = 0
		}
		g.tags0()
		return in, want, g.b
	}},
)
