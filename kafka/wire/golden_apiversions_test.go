package wire

import "fmt"

// Golden bytes for ApiVersions (key 18), per ApiVersions{Request,Response}.json:
// request v3+ adds ClientSoftwareName/Version; response v1+ adds
// ThrottleTimeMs; v3 is flexible and carries the feature tags 0-3.

var _ = registerGolden(
	goldenCase{name: "ApiVersionsRequest", key: APIKeyApiVersions, build: func(v int16) (Message, Message, []byte) {
		mk := func() *ApiVersionsRequest {
			return &ApiVersionsRequest{ClientSoftwareName: "gregor", ClientSoftwareVersion: "0.1.0"}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 3}
		if v >= 3 {
			g.str("gregor")
			g.str("0.1.0")
		} else {
			*want = ApiVersionsRequest{}
		}
		g.tags0()
		return in, want, g.b
	}},
	goldenCase{name: "ApiVersionsResponse", key: APIKeyApiVersions, build: func(v int16) (Message, Message, []byte) {
		// Twelve supported features make tag 0 longer than 127 bytes, so
		// its size needs a two-byte uvarint.
		var feats []ApiVersionsResponseSupportedFeature
		for i := range 12 {
			feats = append(feats, ApiVersionsResponseSupportedFeature{Name: fmt.Sprintf("feature-%02d", i), MinVersion: 0, MaxVersion: int16(i)})
		}
		mk := func() *ApiVersionsResponse {
			return &ApiVersionsResponse{
				ErrorCode: 0,
				APIKeys: []ApiVersionsResponseAPIKey{
					{APIKey: 0, MinVersion: 0, MaxVersion: 12},
					{APIKey: 18, MinVersion: 0, MaxVersion: 4},
				},
				ThrottleTimeMs:         7,
				SupportedFeatures:      append([]ApiVersionsResponseSupportedFeature(nil), feats...),
				FinalizedFeaturesEpoch: 42,
				FinalizedFeatures: []ApiVersionsResponseFinalizedFeature{
					{Name: "transaction.version", MaxVersionLevel: 2, MinVersionLevel: 2},
				},
			}
		}
		in, want := mk(), mk()
		g := &gb{flex: v >= 3}
		g.i16(0)
		g.arr(2)
		for _, k := range [][3]int16{{0, 0, 12}, {18, 0, 4}} {
			g.i16(k[0])
			g.i16(k[1])
			g.i16(k[2])
			g.tags0()
		}
		if v >= 1 {
			g.i32(7)
		} else {
			want.ThrottleTimeMs = 0
		}
		if v >= 3 {
			g.b = AppendUvarint(g.b, 3)
			g.b = AppendTag(g.b, 0, tagged(func(t *gb) {
				t.arr(len(feats))
				for _, f := range feats {
					t.str(f.Name)
					t.i16(f.MinVersion)
					t.i16(f.MaxVersion)
					t.tags0()
				}
			}))
			g.b = AppendTag(g.b, 1, tagged(func(t *gb) { t.i64(42) }))
			g.b = AppendTag(g.b, 2, tagged(func(t *gb) {
				t.arr(1)
				t.str("transaction.version")
				t.i16(2)
				t.i16(2)
				t.tags0()
			}))
		} else {
			want.SupportedFeatures, want.FinalizedFeatures = nil, nil
			want.FinalizedFeaturesEpoch = -1
		}
		return in, want, g.b
	}},
)
