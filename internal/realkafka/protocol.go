package realkafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"
)

// This file hand-encodes the three requests the harness needs (ApiVersions v0,
// Metadata v1, CreateTopics v2). It deliberately does not import kafka/wire: the
// harness must keep working, and keep judging the broker, while the client's own
// codec is being written and possibly broken. All three versions are non-flexible
// and accepted by every broker from 3.9 to 4.4 (KIP-896 kept Metadata v0-3 and set
// the CreateTopics floor at v2).

// API keys and versions used here.
const (
	apiCreateTopics = 19
	apiMetadata     = 3
	apiAPIVersions  = 18
)

// Broker error codes the harness looks at.
const (
	CodeNone               int16 = 0
	CodeTopicAlreadyExists int16 = 36
)

const clientID = "gregor-realkafka"

// ErrMalformed is wrapped by errors about responses the harness cannot parse.
var ErrMalformed = errors.New("realkafka: malformed response")

// BrokerError is a non-zero error code returned by a broker.
type BrokerError struct {
	API     string // request that failed, e.g. "CreateTopics"
	Name    string // topic, when the error is per topic
	Code    int16
	Message string // broker's message, may be empty
}

func (e *BrokerError) Error() string {
	s := fmt.Sprintf("realkafka: %s", e.API)
	if e.Name != "" {
		s += fmt.Sprintf(" %q", e.Name)
	}
	s += fmt.Sprintf(": broker error code %d", e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Metadata is the part of a Metadata v1 response the harness uses.
type Metadata struct {
	ControllerID int32
	Brokers      []Broker
	Topics       []TopicMetadata
}

// Broker is one broker of a Metadata response, as advertised to clients.
type Broker struct {
	NodeID int32
	Host   string
	Port   int32
}

// Addr returns "host:port".
func (b Broker) Addr() string { return net.JoinHostPort(b.Host, fmt.Sprint(b.Port)) }

// TopicMetadata is one topic of a Metadata response.
type TopicMetadata struct {
	ErrorCode  int16
	Name       string
	Internal   bool
	Partitions []PartitionMetadata
}

// PartitionMetadata is one partition of a Metadata response; Leader is -1 while
// the partition has none.
type PartitionMetadata struct {
	ErrorCode int16
	Index     int32
	Leader    int32
	Replicas  []int32
	ISR       []int32
}

// Topic returns the named topic, or nil.
func (m *Metadata) Topic(name string) *TopicMetadata {
	for i := range m.Topics {
		if m.Topics[i].Name == name {
			return &m.Topics[i]
		}
	}
	return nil
}

// HasBroker reports whether the response lists node id.
func (m *Metadata) HasBroker(id int32) bool {
	for _, b := range m.Brokers {
		if b.NodeID == id {
			return true
		}
	}
	return false
}

// APIVersion is one entry of an ApiVersions response.
type APIVersion struct {
	Key, Min, Max int16
}

var correlation atomic.Int32

// exchange sends one request on a fresh connection and returns the response body
// (after the correlation id). A fresh connection per call keeps the harness free
// of connection state that a killed broker could leave half-broken.
func exchange(ctx context.Context, addr string, key, version int16, body []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	return exchangeOn(ctx, nc, key, version, body)
}

// exchangeOn sends one request on nc (plain or TLS) and returns the response body,
// bounding the exchange by ctx. The caller owns nc.
func exchangeOn(ctx context.Context, nc net.Conn, key, version int16, body []byte) ([]byte, error) {
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	id := correlation.Add(1)
	req := make([]byte, 4, 64+len(body))
	req = binary.BigEndian.AppendUint16(req, uint16(key))
	req = binary.BigEndian.AppendUint16(req, uint16(version))
	req = binary.BigEndian.AppendUint32(req, uint32(id))
	req = appendString(req, clientID)
	req = append(req, body...)
	binary.BigEndian.PutUint32(req, uint32(len(req)-4))
	if _, err := nc.Write(req); err != nil {
		return nil, err
	}
	var hdr [8]byte
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		return nil, err
	}
	size := int32(binary.BigEndian.Uint32(hdr[:4]))
	if size < 4 || size > 64<<20 {
		return nil, fmt.Errorf("%w: frame size %d", ErrMalformed, size)
	}
	if got := int32(binary.BigEndian.Uint32(hdr[4:])); got != id {
		return nil, fmt.Errorf("%w: correlation id %d, want %d", ErrMalformed, got, id)
	}
	resp := make([]byte, size-4)
	if _, err := io.ReadFull(nc, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// RequestAPIVersions sends ApiVersions v0 to addr and returns the broker's ranges.
func RequestAPIVersions(ctx context.Context, addr string) ([]APIVersion, error) {
	resp, err := exchange(ctx, addr, apiAPIVersions, 0, nil)
	if err != nil {
		return nil, err
	}
	return decodeAPIVersions(resp)
}

func decodeAPIVersions(b []byte) ([]APIVersion, error) {
	r := reader{b: b}
	code := r.int16()
	n := r.arrayLen(6)
	var out []APIVersion
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, APIVersion{Key: r.int16(), Min: r.int16(), Max: r.int16()})
	}
	if err := r.done("ApiVersions"); err != nil {
		return nil, err
	}
	if code != CodeNone {
		return out, &BrokerError{API: "ApiVersions", Code: code}
	}
	return out, nil
}

// RequestMetadata sends Metadata v1 for all topics to addr.
func RequestMetadata(ctx context.Context, addr string) (*Metadata, error) {
	body := binary.BigEndian.AppendUint32(nil, 0xffffffff) // null topics = all
	resp, err := exchange(ctx, addr, apiMetadata, 1, body)
	if err != nil {
		return nil, err
	}
	return decodeMetadata(resp)
}

func decodeMetadata(b []byte) (*Metadata, error) {
	r := reader{b: b}
	m := &Metadata{}
	nb := r.arrayLen(12)
	for i := 0; i < nb && r.err == nil; i++ {
		br := Broker{NodeID: r.int32(), Host: r.string(), Port: r.int32()}
		r.nullableString() // rack
		m.Brokers = append(m.Brokers, br)
	}
	m.ControllerID = r.int32()
	nt := r.arrayLen(9)
	for i := 0; i < nt && r.err == nil; i++ {
		t := TopicMetadata{ErrorCode: r.int16(), Name: r.string(), Internal: r.int8() != 0}
		np := r.arrayLen(18)
		for j := 0; j < np && r.err == nil; j++ {
			p := PartitionMetadata{ErrorCode: r.int16(), Index: r.int32(), Leader: r.int32()}
			p.Replicas = r.int32s()
			p.ISR = r.int32s()
			t.Partitions = append(t.Partitions, p)
		}
		m.Topics = append(m.Topics, t)
	}
	if err := r.done("Metadata"); err != nil {
		return nil, err
	}
	return m, nil
}

// TopicSpec describes a topic for RequestCreateTopic.
type TopicSpec struct {
	Name              string
	Partitions        int32
	ReplicationFactor int16
	Configs           map[string]string
}

// RequestCreateTopic sends CreateTopics v2 for one topic to addr. Any broker
// forwards it to the active controller.
func RequestCreateTopic(ctx context.Context, addr string, spec TopicSpec, timeout time.Duration) error {
	b := binary.BigEndian.AppendUint32(nil, 1)
	b = appendString(b, spec.Name)
	b = binary.BigEndian.AppendUint32(b, uint32(spec.Partitions))
	b = binary.BigEndian.AppendUint16(b, uint16(spec.ReplicationFactor))
	b = binary.BigEndian.AppendUint32(b, 0) // no manual assignments
	b = binary.BigEndian.AppendUint32(b, uint32(len(spec.Configs)))
	for k, v := range spec.Configs {
		b = appendString(b, k)
		b = appendString(b, v)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(timeout.Milliseconds()))
	b = append(b, 0) // validate_only=false
	resp, err := exchange(ctx, addr, apiCreateTopics, 2, b)
	if err != nil {
		return err
	}
	return decodeCreateTopics(resp)
}

func decodeCreateTopics(b []byte) error {
	r := reader{b: b}
	r.int32()          // throttle_time_ms
	n := r.arrayLen(6) // name, error code, null message: 2+2+2 bytes at least
	var first error
	for i := 0; i < n && r.err == nil; i++ {
		name, code, msg := r.string(), r.int16(), r.nullableString()
		if code != CodeNone && first == nil {
			first = &BrokerError{API: "CreateTopics", Name: name, Code: code, Message: msg}
		}
	}
	if err := r.done("CreateTopics"); err != nil {
		return err
	}
	return first
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// reader decodes big-endian Kafka primitives with a sticky error, so decoders read
// straight through and check once.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = fmt.Errorf("%w: need %d bytes at offset %d, have %d", ErrMalformed, n, r.off, len(r.b)-r.off)
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) int8() int8 {
	if s := r.take(1); s != nil {
		return int8(s[0])
	}
	return 0
}

func (r *reader) int16() int16 {
	if s := r.take(2); s != nil {
		return int16(binary.BigEndian.Uint16(s))
	}
	return 0
}

func (r *reader) int32() int32 {
	if s := r.take(4); s != nil {
		return int32(binary.BigEndian.Uint32(s))
	}
	return 0
}

func (r *reader) string() string {
	n := r.int16()
	if n < 0 {
		if r.err == nil {
			r.err = fmt.Errorf("%w: null string at offset %d", ErrMalformed, r.off)
		}
		return ""
	}
	return string(r.take(int(n)))
}

func (r *reader) nullableString() string {
	n := r.int16()
	if n < 0 {
		return ""
	}
	return string(r.take(int(n)))
}

// arrayLen reads an array count; null reads as empty. A count that cannot fit in
// the remaining bytes (at minElem bytes each) is an error, so a corrupt count
// never drives a huge allocation or loop.
func (r *reader) arrayLen(minElem int) int {
	n := r.int32()
	if r.err != nil || n < 0 {
		return 0
	}
	if int64(n)*int64(minElem) > int64(len(r.b)-r.off) {
		r.err = fmt.Errorf("%w: array of %d at offset %d exceeds the %d bytes left", ErrMalformed, n, r.off, len(r.b)-r.off)
		return 0
	}
	return int(n)
}

func (r *reader) int32s() []int32 {
	n := r.arrayLen(4)
	out := make([]int32, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.int32())
	}
	return out
}

// done reports the sticky error, or trailing bytes, naming the response.
func (r *reader) done(what string) error {
	if r.err != nil {
		return fmt.Errorf("realkafka: decode %s: %w", what, r.err)
	}
	if r.off != len(r.b) {
		return fmt.Errorf("realkafka: decode %s: %w: %d trailing bytes", what, ErrMalformed, len(r.b)-r.off)
	}
	return nil
}
