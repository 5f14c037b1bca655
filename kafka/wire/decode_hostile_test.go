package wire

import (
	"errors"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hostileInputs claim arrays of 2^31-1 (or 2^32-2 compact) elements in a
// few bytes, at the top level and nested, classic and flexible.
func hostileInputs() []struct {
	name    string
	key     int16
	request bool
	version int16
	body    []byte
} {
	pad := make([]byte, 64)
	return []struct {
		name    string
		key     int16
		request bool
		version int16
		body    []byte
	}{
		{"metadata v1 brokers", APIKeyMetadata, false, 1, append([]byte{0x7f, 0xff, 0xff, 0xff}, pad...)},
		{"fetch v12 responses compact", APIKeyFetch, false, 12,
			append([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x0f}, pad...)},
		{"produce v3 nested partitions", APIKeyProduce, true, 3,
			append([]byte{0xff, 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 'a', 0x7f, 0xff, 0xff, 0xff}, pad...)},
		{"metadata v12 replica nodes", APIKeyMetadata, false, 12, func() []byte {
			g := &gb{flex: true}
			g.i32(0)
			g.arr(0)
			g.nstr(nil)
			g.i32(1)
			g.arr(1)
			g.i16(0)
			g.nstr(sp("t"))
			g.uuid([16]byte{})
			g.boolean(false)
			g.arr(1)
			g.i16(0)
			g.i32(0)
			g.i32(0)
			g.i32(0)
			g.b = append(g.b, 0xfe, 0xff, 0xff, 0xff, 0x0f) // ReplicaNodes
			return append(g.b, pad...)
		}()},
		{"apiversions v3 tag count", APIKeyApiVersions, false, 3, append([]byte{0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x07}, pad...)},
	}
}

// TestDecodeHugeCountsAllocateLittle: a count the remaining input cannot
// hold is rejected before anything is sized by it.
func TestDecodeHugeCountsAllocateLittle(t *testing.T) {
	for _, tt := range hostileInputs() {
		t.Run(tt.name, func(t *testing.T) {
			decode := func() error {
				m := newMessage(tt.key, tt.request)
				r := NewReader(tt.body)
				m.DecodeFrom(r, tt.version)
				return r.Err()
			}
			if err := decode(); !errors.Is(err, ErrInvalidLength) {
				t.Fatalf("err = %v, want ErrInvalidLength", err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range 100 {
				_ = decode()
			}
			runtime.ReadMemStats(&after)
			if perRun := (after.TotalAlloc - before.TotalAlloc) / 100; perRun > 4096 {
				t.Errorf("decoding %d hostile bytes allocated %d bytes per run", len(tt.body), perRun)
			}
			if allocs := testing.AllocsPerRun(20, func() { _ = decode() }); allocs > 8 {
				t.Errorf("%.0f allocations per decode", allocs)
			}
		})
	}
}

// TestUnknownTagsSkipped: tags this package does not know are skipped at
// every nesting level, next to known ones, as KIP-482 requires.
func TestUnknownTagsSkipped(t *testing.T) {
	unknown := func(g *gb, known ...func(*gb)) {
		g.b = AppendUvarint(g.b, uint32(1+len(known)))
		for i, k := range known {
			g.b = AppendTag(g.b, uint32(i), tagged(k))
		}
		g.b = AppendTag(g.b, 77, []byte("future field"))
	}

	// ProduceResponse v10: unknown tags on the partition (beside the known
	// CurrentLeader tag 0), the topic, and the top level (beside NodeEndpoints).
	g := &gb{flex: true}
	g.arr(1)
	g.str("t")
	g.arr(1)
	g.i32(0)
	g.i16(6)
	g.i64(-1)
	g.i64(-1)
	g.i64(-1)
	g.arr(0)
	g.nstr(nil)
	unknown(g, func(t *gb) { t.i32(3); t.i32(8); t.tags0() })
	unknown(g)
	g.i32(0)
	unknown(g, func(t *gb) {
		t.arr(1)
		t.i32(3)
		t.str("b3")
		t.i32(1)
		t.nstr(nil)
		unknown(t)
	})
	want := &ProduceResponse{
		Responses: []ProduceResponseTopic{{Name: "t", PartitionResponses: []ProduceResponsePartition{{
			ErrorCode: 6, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: -1,
			CurrentLeader: &ProduceResponseCurrentLeader{LeaderID: 3, LeaderEpoch: 8},
		}}}},
		NodeEndpoints: []ProduceResponseNodeEndpoint{{NodeID: 3, Host: "b3", Port: 1}},
	}
	var got ProduceResponse
	r := NewReader(g.b)
	got.DecodeFrom(r, 10)
	if err := r.Complete(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("decode mismatch (-want +got):\n%s", diff)
	}

	// A known tag whose size disagrees with its content is an error.
	bad := &gb{flex: true}
	bad.i16(0)
	bad.arr(0)
	bad.i32(0)
	bad.b = AppendUvarint(bad.b, 1)
	bad.b = AppendTag(bad.b, 1, []byte{0, 0, 0, 0, 0, 0, 0, 1, 0xff}) // int64 + 1 stray byte
	var av ApiVersionsResponse
	r = NewReader(bad.b)
	av.DecodeFrom(r, 3)
	if !errors.Is(r.Err(), ErrInvalidLength) {
		t.Errorf("oversized known tag: err = %v, want ErrInvalidLength", r.Err())
	}
}

// TestNullWhereNotNullable: null for a field that the version does not
// allow to be null is a typed error.
func TestNullWhereNotNullable(t *testing.T) {
	tests := []struct {
		name    string
		m       Message
		version int16
		body    []byte
	}{
		// Metadata v0 Topics is not nullable.
		{"metadata v0 null topics", &MetadataRequest{}, 0, []byte{0xff, 0xff, 0xff, 0xff}},
		// Produce v3 topic name is a STRING.
		{"produce v3 null name", &ProduceRequest{}, 3, []byte{0xff, 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		r := NewReader(tt.body)
		tt.m.DecodeFrom(r, tt.version)
		if !errors.Is(r.Err(), ErrInvalidLength) {
			t.Errorf("%s: err = %v, want ErrInvalidLength", tt.name, r.Err())
		}
	}
}
