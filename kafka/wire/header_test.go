package wire

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRequestHeader(t *testing.T) {
	tests := []struct {
		name     string
		key, ver int16
		corr     int32
		clientID *string
		want     string // hex
	}{
		{"v1 metadata v8", APIKeyMetadata, 8, 7, sp("c"), "0003" + "0008" + "00000007" + "0001" + "63"},
		{"v2 metadata v9", APIKeyMetadata, 9, 7, sp("c"), "0003" + "0009" + "00000007" + "0001" + "63" + "00"},
		{"null client id", APIKeyApiVersions, 0, -1, nil, "0012" + "0000" + "ffffffff" + "ffff"},
		// client_id stays int16-length in v2 (flexibleVersions "none").
		{"v2 apiversions v3", APIKeyApiVersions, 3, 1, sp("ab"), "0012" + "0003" + "00000001" + "0002" + "6162" + "00"},
		{"unknown key is v1", 999, 20, 1, nil, "03e7" + "0014" + "00000001" + "ffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustHex(t, tt.want)
			got := AppendRequestHeader(nil, tt.key, tt.ver, tt.corr, tt.clientID)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("AppendRequestHeader mismatch (-want +got):\n%s", diff)
			}
			r := NewReader(want)
			key, ver, corr, cid := ReadRequestHeader(r)
			if err := r.Complete(); err != nil {
				t.Fatal(err)
			}
			if key != tt.key || ver != tt.ver || corr != tt.corr || !cmp.Equal(cid, tt.clientID) {
				t.Errorf("ReadRequestHeader = %d %d %d %v; want %d %d %d %v", key, ver, corr, cid, tt.key, tt.ver, tt.corr, tt.clientID)
			}
		})
	}
}

// A flexible header with a tag we do not know is read past, not rejected;
// a newer ApiVersions version than ours still parses as header v2.
func TestReadRequestHeaderSkipsTags(t *testing.T) {
	b := mustHex(t, "0012"+"0009"+"0000002a"+"ffff"+"01"+"05"+"02"+"abcd"+"ee")
	r := NewReader(b)
	key, ver, corr, _ := ReadRequestHeader(r)
	if key != APIKeyApiVersions || ver != 9 || corr != 42 {
		t.Fatalf("got %d %d %d", key, ver, corr)
	}
	if got := r.Raw(1); r.Err() != nil || got[0] != 0xee {
		t.Fatalf("body not positioned after tags: %v %x", r.Err(), got)
	}
}

func TestResponseHeader(t *testing.T) {
	tests := []struct {
		name     string
		key, ver int16
		want     string
	}{
		{"v0 metadata v8", APIKeyMetadata, 8, "0000000b"},
		{"v1 metadata v9", APIKeyMetadata, 9, "0000000b" + "00"},
		// KIP-511: ApiVersions responses use header v0 at every version.
		{"apiversions v3 is v0", APIKeyApiVersions, 3, "0000000b"},
		{"apiversions v4 is v0", APIKeyApiVersions, 4, "0000000b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustHex(t, tt.want)
			if diff := cmp.Diff(want, AppendResponseHeader(nil, tt.key, tt.ver, 11)); diff != "" {
				t.Errorf("AppendResponseHeader mismatch (-want +got):\n%s", diff)
			}
			r := NewReader(want)
			if id := ReadResponseHeader(r, tt.key, tt.ver); id != 11 || r.Complete() != nil {
				t.Errorf("ReadResponseHeader = %d, %v; want 11", id, r.Complete())
			}
		})
	}
	r := NewReader(mustHex(t, "000000"))
	ReadResponseHeader(r, APIKeyMetadata, 1)
	if !errors.Is(r.Err(), ErrTruncated) {
		t.Errorf("truncated header: err = %v, want ErrTruncated", r.Err())
	}
}

func TestAppendRequestFrame(t *testing.T) {
	req := &ApiVersionsRequest{ClientSoftwareName: "gregor", ClientSoftwareVersion: "1"}
	prefix := []byte{0xaa}
	got := AppendRequest(prefix, req, 3, 5, sp("c"))
	body := mustHex(t, "0012"+"0003"+"00000005"+"0001"+"63"+"00"+"07"+"677265676f72"+"02"+"31"+"00")
	want := append([]byte{0xaa, 0, 0, 0, byte(len(body))}, body...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AppendRequest mismatch (-want +got):\n%s", diff)
	}

	resp := &ApiVersionsResponse{APIKeys: []ApiVersionsResponseAPIKey{{APIKey: 18, MaxVersion: 4}}, FinalizedFeaturesEpoch: -1}
	frame := AppendResponse(nil, resp, 3, 9)
	r := NewReader(frame)
	if n := r.Int32(); int(n) != len(frame)-4 {
		t.Fatalf("size = %d, want %d", n, len(frame)-4)
	}
	if id := ReadResponseHeader(r, APIKeyApiVersions, 3); id != 9 {
		t.Fatalf("correlation id = %d", id)
	}
	var dec ApiVersionsResponse
	dec.DecodeFrom(r, 3)
	if err := r.Complete(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(resp, &dec); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}
