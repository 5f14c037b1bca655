package realkafka

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// encodeMetadataV1 is the test-side inverse of decodeMetadata.
func encodeMetadataV1(m *Metadata) []byte {
	var b []byte
	i32 := func(v int32) { b = binary.BigEndian.AppendUint32(b, uint32(v)) }
	i16 := func(v int16) { b = binary.BigEndian.AppendUint16(b, uint16(v)) }
	str := func(s string) { b = appendString(b, s) }
	i32(int32(len(m.Brokers)))
	for _, br := range m.Brokers {
		i32(br.NodeID)
		str(br.Host)
		i32(br.Port)
		i16(-1) // rack
	}
	i32(m.ControllerID)
	i32(int32(len(m.Topics)))
	for _, t := range m.Topics {
		i16(t.ErrorCode)
		str(t.Name)
		if t.Internal {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		i32(int32(len(t.Partitions)))
		for _, p := range t.Partitions {
			i16(p.ErrorCode)
			i32(p.Index)
			i32(p.Leader)
			i32(int32(len(p.Replicas)))
			for _, r := range p.Replicas {
				i32(r)
			}
			i32(int32(len(p.ISR)))
			for _, r := range p.ISR {
				i32(r)
			}
		}
	}
	return b
}

func sampleMetadata() *Metadata {
	return &Metadata{
		ControllerID: 2,
		Brokers:      []Broker{{1, "127.0.0.1", 9092}, {2, "127.0.0.1", 9093}},
		Topics: []TopicMetadata{
			{Name: "orders", Partitions: []PartitionMetadata{
				{Index: 0, Leader: 1, Replicas: []int32{1, 2}, ISR: []int32{1, 2}},
				{Index: 1, Leader: -1, ErrorCode: 5, Replicas: []int32{2, 1}, ISR: []int32{}},
			}},
			{Name: "__consumer_offsets", Internal: true, Partitions: []PartitionMetadata{}},
		},
	}
}

func TestDecodeMetadataRoundTrip(t *testing.T) {
	want := sampleMetadata()
	want.Topics[1].Partitions = nil // decoder leaves empty slices nil
	got, err := decodeMetadata(encodeMetadataV1(sampleMetadata()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decodeMetadata mismatch (-want +got):\n%s", diff)
	}
	if l, err := leaderIn(got, "orders", 1); l != -1 || err != nil {
		t.Errorf("leaderIn(orders, 1) = %d, %v; want -1, nil", l, err)
	}
	if _, err := leaderIn(got, "orders", 7); err == nil {
		t.Error("leaderIn(orders, 7) = nil error; want missing partition")
	}
}

func TestDecodeRejectsTruncatedAndHugeArrays(t *testing.T) {
	full := encodeMetadataV1(sampleMetadata())
	for cut := range len(full) {
		if _, err := decodeMetadata(full[:cut]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("decodeMetadata(first %d of %d bytes) error = %v; want ErrMalformed", cut, len(full), err)
		}
	}
	huge := binary.BigEndian.AppendUint32(nil, 1<<30) // a billion brokers in 4 bytes
	if _, err := decodeMetadata(huge); !errors.Is(err, ErrMalformed) {
		t.Errorf("huge broker count: error = %v; want ErrMalformed", err)
	}
	if _, err := decodeMetadata(append(full, 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("trailing byte: error = %v; want ErrMalformed", err)
	}
}

func TestDecodeCreateTopicsError(t *testing.T) {
	b := binary.BigEndian.AppendUint32(nil, 0) // throttle
	b = binary.BigEndian.AppendUint32(b, 1)
	b = appendString(b, "orders")
	b = binary.BigEndian.AppendUint16(b, uint16(CodeTopicAlreadyExists))
	b = appendString(b, "Topic 'orders' already exists.")
	err := decodeCreateTopics(b)
	var be *BrokerError
	if !errors.As(err, &be) || be.Code != CodeTopicAlreadyExists || be.Name != "orders" {
		t.Fatalf("decodeCreateTopics = %v; want BrokerError code 36 for orders", err)
	}
}

func TestDecodeCreateTopicsShortestSuccess(t *testing.T) {
	b := binary.BigEndian.AppendUint32(nil, 0) // throttle
	b = binary.BigEndian.AppendUint32(b, 1)
	b = appendString(b, "x")
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint16(b, 0xffff) // null message
	if err := decodeCreateTopics(b); err != nil {
		t.Fatalf("decodeCreateTopics(one-letter topic, no error) = %v", err)
	}
}

func TestDecodeAPIVersions(t *testing.T) {
	b := binary.BigEndian.AppendUint16(nil, 0)
	b = binary.BigEndian.AppendUint32(b, 2)
	for _, v := range []int16{3, 0, 13, 18, 0, 4} {
		b = binary.BigEndian.AppendUint16(b, uint16(v))
	}
	got, err := decodeAPIVersions(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]APIVersion{{3, 0, 13}, {18, 0, 4}}, got); diff != "" {
		t.Errorf("decodeAPIVersions mismatch (-want +got):\n%s", diff)
	}
}

func TestNewClusterID(t *testing.T) {
	for range 1000 {
		id := newClusterID()
		if len(id) != 22 || id[0] == '-' {
			t.Fatalf("newClusterID() = %q; want 22 chars not starting with '-'", id)
		}
	}
}

// FuzzDecodeMetadata: no input may panic the decoders; whatever decodes must
// re-encode to the same bytes.
func FuzzDecodeMetadata(f *testing.F) {
	f.Add(encodeMetadataV1(sampleMetadata()))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeAPIVersions(b)
		_ = decodeCreateTopics(b)
		m, err := decodeMetadata(b)
		if err != nil {
			return
		}
		m2, err := decodeMetadata(encodeMetadataV1(m))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if diff := cmp.Diff(m, m2); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
	})
}
