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
