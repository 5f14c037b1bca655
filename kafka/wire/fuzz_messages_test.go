package wire

// Fuzz targets for every request and response decoder. Run each for minutes
// with:
//
//	go test ./kafka/wire -run '^$' -fuzz FuzzDecodeRequest -fuzztime 10m
//	go test ./kafka/wire -run '^$' -fuzz FuzzDecodeResponse -fuzztime 10m
//
// The first two input bytes choose the API (index into the implemented keys)
// and the version (modulo its range); the rest is the body. The corpus is
// seeded with every golden message at every version. A plain `go test` runs
// the seeds only.

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// implementedKeys lists the API keys of apiTable in key order.
func implementedKeys() []int16 {
	var keys []int16
	for k := range apiTable {
		if apiTable[k].name != "" {
			keys = append(keys, int16(k))
		}
	}
	return keys
}

func newMessage(key int16, request bool) Message {
	if request {
		return NewRequest(key)
	}
	return NewResponse(key)
}

func fuzzDecode(f *testing.F, request bool) {
	keys := implementedKeys()
	index := map[int16]byte{}
	for i, k := range keys {
		index[k] = byte(i)
	}
	for _, c := range allGoldenCases {
		lo, hi, _ := SupportedVersions(c.key)
		for v := lo; v <= hi; v++ {
			in, _, golden := c.build(v)
			if _, isReq := in.(Request); isReq != request {
				continue
			}
			f.Add(append([]byte{index[c.key], byte(v - lo)}, golden...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		key := keys[int(data[0])%len(keys)]
		lo, hi, _ := SupportedVersions(key)
		v := lo + int16(int(data[1])%int(hi-lo+1))
		body := data[2:]

		m1 := newMessage(key, request)
		r := NewReader(body)
		m1.DecodeFrom(r, v)
		if err := r.Err(); err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			return
		}
		// Whatever decodes must re-encode to bytes that decode to the same
		// message, and re-encode identically.
		enc := m1.AppendTo(nil, v)
		m2 := newMessage(key, request)
		r2 := NewReader(enc)
		m2.DecodeFrom(r2, v)
		if err := r2.Complete(); err != nil {
			t.Fatalf("%s v%d: re-decoding our own encoding: %v", APIName(key), v, err)
		}
		// reflect.DeepEqual first: cmp is slow on the large messages the
		// fuzzer builds, and is only needed to explain a failure.
		if !reflect.DeepEqual(m1, m2) {
			t.Fatalf("%s v%d: round trip mismatch (-first +second):\n%s", APIName(key), v, cmp.Diff(m1, m2))
		}
		if enc2 := m2.AppendTo(nil, v); !bytes.Equal(enc, enc2) {
			t.Fatalf("%s v%d: re-encoding differs", APIName(key), v)
		}
	})
}

func FuzzDecodeRequest(f *testing.F)  { fuzzDecode(f, true) }
func FuzzDecodeResponse(f *testing.F) { fuzzDecode(f, false) }

// TestDecodeTruncated cuts every golden message at every length: each
// strict prefix must fail with a typed error, never panic or succeed.
func TestDecodeTruncated(t *testing.T) {
	for _, c := range allGoldenCases {
		lo, hi, _ := SupportedVersions(c.key)
		for v := lo; v <= hi; v++ {
			in, _, golden := c.build(v)
			_, isReq := in.(Request)
			for n := range len(golden) {
				m := newMessage(c.key, isReq)
				r := NewReader(golden[:n])
				m.DecodeFrom(r, v)
				err := r.Err()
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalidLength) {
					t.Fatalf("%s v%d cut at %d/%d: err = %v, want ErrTruncated or ErrInvalidLength", c.name, v, n, len(golden), err)
				}
			}
		}
	}
}
