package wire

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gb builds golden bytes by hand from the primitive encoders, following
// protocol.md §1.3 and Kafka's message JSON field by field. It shares no code
// with the generator: a golden test compares two independent readings of the
// spec.
type gb struct {
	b    []byte
	flex bool
}

func (g *gb) i8(v int8)       { g.b = AppendInt8(g.b, v) }
func (g *gb) boolean(v bool)  { g.b = AppendBool(g.b, v) }
func (g *gb) i16(v int16)     { g.b = AppendInt16(g.b, v) }
func (g *gb) i32(v int32)     { g.b = AppendInt32(g.b, v) }
func (g *gb) i64(v int64)     { g.b = AppendInt64(g.b, v) }
func (g *gb) uuid(v [16]byte) { g.b = AppendUUID(g.b, v) }

func (g *gb) str(s string) {
	if g.flex {
		g.b = AppendCompactString(g.b, s)
	} else {
		g.b = AppendString(g.b, s)
	}
}

func (g *gb) nstr(s *string) {
	if g.flex {
		g.b = AppendCompactNullableString(g.b, s)
	} else {
		g.b = AppendNullableString(g.b, s)
	}
}

func (g *gb) bytes(b []byte) {
	if g.flex {
		g.b = AppendCompactBytes(g.b, b)
	} else {
		g.b = AppendBytes(g.b, b)
	}
}

func (g *gb) nbytes(b []byte) {
	if g.flex {
		g.b = AppendCompactNullableBytes(g.b, b)
	} else {
		g.b = AppendNullableBytes(g.b, b)
	}
}

// arr writes an array count; -1 is null.
func (g *gb) arr(n int) {
	if g.flex {
		g.b = AppendCompactArrayLen(g.b, n)
	} else {
		g.b = AppendArrayLen(g.b, n)
	}
}

func (g *gb) i32s(vs ...int32) {
	g.arr(len(vs))
	for _, v := range vs {
		g.i32(v)
	}
}

// tags0 ends a struct: an empty tagged-field section in flexible versions.
func (g *gb) tags0() {
	if g.flex {
		g.b = AppendEmptyTags(g.b)
	}
}

// tagged builds the bytes of one tagged field with fn, using compact
// encodings, and returns them for AppendTag.
func tagged(fn func(g *gb)) []byte {
	t := &gb{flex: true}
	fn(t)
	return t.b
}

func sp(s string) *string { return &s }

func uuidOf(b byte) (u [16]byte) {
	for i := range u {
		u[i] = b + byte(i)
	}
	return u
}

// checkGolden asserts, at version v, that in encodes to golden and that
// golden decodes to want (a fresh message of the same kind), consuming the
// whole input. Encoding want must give golden too: a decoded message
// re-encodes to the same bytes.
func checkGolden(t *testing.T, v int16, in, want Message, golden []byte) {
	t.Helper()
	if got := in.AppendTo(nil, v); !cmp.Equal(golden, got) {
		t.Errorf("v%d AppendTo mismatch (-want +got):\n%s", v, cmp.Diff(golden, got))
	}
	if got := want.AppendTo(nil, v); !cmp.Equal(golden, got) {
		t.Errorf("v%d AppendTo(want) mismatch (-want +got):\n%s", v, cmp.Diff(golden, got))
	}
	var got Message
	if _, isReq := in.(Request); isReq {
		got = NewRequest(in.Key())
	} else {
		got = NewResponse(in.Key())
	}
	r := NewReader(golden)
	got.DecodeFrom(r, v)
	if err := r.Complete(); err != nil {
		t.Fatalf("v%d DecodeFrom: %v", v, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("v%d DecodeFrom mismatch (-want +got):\n%s", v, diff)
	}
}

// goldenCase is one message kind's hand-written golden builder; build
// returns the message to encode, the message decoding must produce (absent
// fields at their defaults) and the bytes.
type goldenCase struct {
	name  string
	key   int16
	build func(v int16) (in, want Message, golden []byte)
}

// allGoldenCases is filled by the per-API golden test files.
var allGoldenCases []goldenCase

func registerGolden(c ...goldenCase) bool {
	allGoldenCases = append(allGoldenCases, c...)
	return true
}

// TestGolden runs every golden builder at every version of its API's codec
// range, so each version boundary (field added or removed, flexible switch)
// is covered in both directions.
func TestGolden(t *testing.T) {
	seen := map[int16]int{}
	for _, c := range allGoldenCases {
		seen[c.key]++
		t.Run(c.name, func(t *testing.T) {
			lo, hi, ok := SupportedVersions(c.key)
			if !ok {
				t.Fatalf("key %d not supported", c.key)
			}
			for v := lo; v <= hi; v++ {
				in, want, golden := c.build(v)
				checkGolden(t, v, in, want, golden)
			}
		})
	}
	for k := int16(0); int(k) < len(apiTable); k++ {
		if _, _, ok := SupportedVersions(k); ok && seen[k] < 2 {
			t.Errorf("%s: want golden cases for request and response, have %d", APIName(k), seen[k])
		}
	}
}
