package interop

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// versionsTopic receives one small batch per Produce version; its records'
// id headers start with versionsGroup instead of a codec name.
const (
	versionsTopic = "interop-versions"
	versionsGroup = "versions"
)

// commonRange returns the versions of key both the broker (as negotiated on
// conn) and kafka/wire speak: more than the producer will use, since Produce
// v3 to v12 and Fetch v4 to v16 are still what older or capped clients send.
func commonRange(t *testing.T, conn *rawConn, key int16) (lo, hi int16) {
	t.Helper()
	bmin, bmax, ok := conn.vs.Broker(key)
	wmin, wmax, _ := wire.SupportedVersions(key)
	if !ok || max(bmin, wmin) > min(bmax, wmax) {
		t.Fatalf("%s: broker %d-%d, wire %d-%d: no common version", wire.APIName(key), bmin, bmax, wmin, wmax)
	}
	return max(bmin, wmin), min(bmax, wmax)
}

// produceEveryVersion sends a two-record batch at every Produce version both
// sides support, rotating codecs (zstd only from v7), and first checks that
// the broker refuses zstd below v7 with UNSUPPORTED_COMPRESSION_TYPE, the error
// a producer must map to a codec fallback. It returns the topic's log.
func produceEveryVersion(t *testing.T, conn *rawConn, topicID [16]byte, base int64) []sentBatch {
	t.Helper()
	lo, hi := commonRange(t, conn, wire.APIKeyProduce)
	batchAt := func(v int16, c wire.Codec) testBatch {
		b := testBatch{name: fmt.Sprintf("v%d", v)}
		for i := range 2 {
			b.records = append(b.records, testRecord{
				TS:      base + int64(v)*10 + int64(i),
				Key:     fmt.Appendf(nil, "v%d-key-%d", v, i),
				Value:   fmt.Appendf(nil, "Produce v%d, %s, record %d", v, c, i),
				Headers: []wire.RecordHeader{{Key: idHeader, Value: fmt.Appendf(nil, "%s/v%d/%d", versionsGroup, v, i)}},
			})
		}
		return b
	}
	if lo < 7 {
		b := batchAt(lo, wire.CodecZstd)
		_, err := conn.produce(versionsTopic, topicID, build(t, b, wire.CodecZstd, -1, -1), lo)
		if !errors.Is(err, wire.ErrUnsupportedCompressionType) {
			t.Errorf("zstd batch at Produce v%d: got %v, want UNSUPPORTED_COMPRESSION_TYPE", lo, err)
		}
	}
	var log []sentBatch
	next := int64(0)
	for v := lo; v <= hi; v++ {
		c := codecs[int(v)%4] // none, gzip, snappy, lz4
		if v >= 7 {
			c = codecs[int(v)%len(codecs)]
		}
		b := batchAt(v, c)
		raw := build(t, b, c, -1, -1)
		off, err := conn.produce(versionsTopic, topicID, raw, v)
		if err != nil {
			t.Fatalf("Produce v%d (%s): %v", v, c, err)
		}
		if off != next {
			t.Errorf("Produce v%d: base offset %d, want %d", v, off, next)
		}
		log = append(log, sentBatch{batch: b, codec: c, raw: raw, base: off})
		next += int64(len(b.records))
	}
	return log
}
