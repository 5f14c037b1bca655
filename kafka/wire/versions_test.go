package wire

import (
	"errors"
	"strings"
	"testing"
)

func brokerVersions(ranges ...[3]int16) *ApiVersionsResponse {
	resp := &ApiVersionsResponse{}
	for _, r := range ranges {
		resp.APIKeys = append(resp.APIKeys, ApiVersionsResponseAPIKey{APIKey: r[0], MinVersion: r[1], MaxVersion: r[2]})
	}
	return resp
}

func TestNegotiateVersions(t *testing.T) {
	vs := NegotiateVersions(brokerVersions(
		[3]int16{APIKeyApiVersions, 0, 4},
		[3]int16{APIKeyMetadata, 0, 12}, // 3.9
		[3]int16{999, 0, 3},             // unknown to us: ignored
	))
	if v, ok := vs.Get(APIKeyApiVersions); !ok || v != 4 {
		t.Errorf("ApiVersions = %d, %v; want 4", v, ok)
	}
	if v, ok := vs.Get(APIKeyMetadata); !ok || v != 12 {
		t.Errorf("Metadata = %d, %v; want 12 (broker max)", v, ok)
	}
	if _, ok := vs.Get(999); ok {
		t.Error("unknown key reported supported")
	}
	if _, ok := vs.Get(-1); ok {
		t.Error("negative key reported supported")
	}
	if lo, hi, ok := vs.Broker(APIKeyMetadata); !ok || lo != 0 || hi != 12 {
		t.Errorf("Broker(Metadata) = %d %d %v", lo, hi, ok)
	}

	// Newer broker: our maximum wins.
	vs = NegotiateVersions(brokerVersions([3]int16{APIKeyMetadata, 0, 99}))
	if v, _ := vs.Get(APIKeyMetadata); v != 13 {
		t.Errorf("Metadata with newer broker = %d, want 13", v)
	}
}

func TestNegotiateVersionsFloors(t *testing.T) {
	// A broker that only speaks Metadata v0 is below our client floor of 1.
	vs := NegotiateVersions(brokerVersions([3]int16{APIKeyMetadata, 0, 0}))
	_, err := vs.Require(APIKeyMetadata)
	var uv *UnsupportedVersionError
	if !errors.As(err, &uv) {
		t.Fatalf("Require = %v, want *UnsupportedVersionError", err)
	}
	want := UnsupportedVersionError{Key: APIKeyMetadata, BrokerMin: 0, BrokerMax: 0, OurMin: 1, OurMax: 13}
	if *uv != want {
		t.Errorf("error = %+v, want %+v", *uv, want)
	}
	if !strings.Contains(err.Error(), "Metadata") || !strings.HasPrefix(err.Error(), "wire: ") {
		t.Errorf("message %q should name the API and start with wire:", err)
	}

	// Not listed at all.
	_, err = NegotiateVersions(brokerVersions()).Require(APIKeyApiVersions)
	if !errors.As(err, &uv) || uv.BrokerMin != -1 || uv.BrokerMax != -1 || !strings.Contains(err.Error(), "at all") {
		t.Errorf("unlisted API: err = %v", err)
	}
}

func TestApiVersionsRetryVersion(t *testing.T) {
	tests := []struct {
		name string
		resp *ApiVersionsResponse
		want int16
	}{
		{"broker range given", brokerVersions([3]int16{APIKeyApiVersions, 0, 2}), 2},
		{"broker newer", brokerVersions([3]int16{APIKeyApiVersions, 0, 9}), 4},
		{"range missing", brokerVersions(), 0},
	}
	for _, tt := range tests {
		if got := ApiVersionsRetryVersion(tt.resp); got != tt.want {
			t.Errorf("%s: ApiVersionsRetryVersion = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestGetAtMost(t *testing.T) {
	// A 4.1 broker advertises Produce 0-13 (min 0 per KAFKA-18659).
	vs := NegotiateVersions(brokerVersions([3]int16{APIKeyProduce, 0, 13}))
	if v, ok := vs.Get(APIKeyProduce); !ok || v != 13 {
		t.Fatalf("Produce = %d, %v; want 13", v, ok)
	}
	tests := []struct {
		limit int16
		want  int16
		ok    bool
	}{{20, 13, true}, {12, 12, true}, {11, 11, true}, {3, 3, true}, {2, 0, false}}
	for _, tt := range tests {
		if v, ok := vs.GetAtMost(APIKeyProduce, tt.limit); v != tt.want || ok != tt.ok {
			t.Errorf("GetAtMost(Produce, %d) = %d, %v; want %d, %v", tt.limit, v, ok, tt.want, tt.ok)
		}
	}
	// A 2.x broker with Produce 0-8: the broker's max already applies.
	vs = NegotiateVersions(brokerVersions([3]int16{APIKeyProduce, 0, 8}))
	if v, ok := vs.GetAtMost(APIKeyProduce, 11); !ok || v != 8 {
		t.Errorf("GetAtMost(Produce, 11) vs 0-8 broker = %d, %v; want 8", v, ok)
	}
	// Broker floor above the cap.
	vs = NegotiateVersions(brokerVersions([3]int16{APIKeyProduce, 9, 13}))
	if _, ok := vs.GetAtMost(APIKeyProduce, 8); ok {
		t.Error("GetAtMost below the broker's min reported ok")
	}
	if _, ok := NegotiateVersions(brokerVersions()).GetAtMost(APIKeyProduce, 11); ok {
		t.Error("GetAtMost for an unlisted API reported ok")
	}
}
