package interop

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gregorkafka/gregor/internal/realkafka"
	"github.com/gregorkafka/gregor/kafka/wire"
)

// TestWireBatchesRealKafka produces record batches built by kafka/wire, in
// every codec, plain and idempotent, to a real single-node broker of each
// version realkafka.Versions lists, then proves the broker stored exactly what
// was sent twice over: Kafka's own Java console consumer must print every key,
// value, header and timestamp back, and a Fetch decoded by
// wire.DecodeRecordBatches must return the batches byte for byte (only the
// base offset and partition leader epoch, which the CRC does not cover, may
// differ; so the broker neither recompressed nor rewrote the max timestamp).
func TestWireBatchesRealKafka(t *testing.T) {
	for _, version := range realkafka.Versions() {
		t.Run(version, func(t *testing.T) { testWireBatches(t, version) })
	}
}

// sentBatch is what one topic's log must contain, batch by batch.
type sentBatch struct {
	batch testBatch
	codec wire.Codec
	raw   []byte
	base  int64
}

func testWireBatches(t *testing.T, version string) {
	t0 := time.Now()
	rk := realkafka.StartCluster(t, realkafka.WithVersion(version))
	tStarted := time.Now()
	// Records name their group (codec, or versionsGroup) in their id header;
	// each group has its own topic.
	type group struct{ name, topic string }
	var groups []group
	for _, c := range codecs {
		groups = append(groups, group{c.String(), topicFor(c)})
	}
	groups = append(groups, group{versionsGroup, versionsTopic})
	var topics []string
	for _, g := range groups {
		topics = append(topics, g.topic)
		if err := rk.CreateTopic(g.topic, 1, 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	conn := dialRaw(t, rk.Addrs()[0])
	produceV, fetchV := conn.version(wire.APIKeyProduce), conn.version(wire.APIKeyFetch)
	if produceV < 7 {
		t.Fatalf("negotiated Produce v%d: zstd needs v7+", produceV)
	}
	t.Logf("Kafka %s: Produce v%d, Fetch v%d, Metadata v%d, InitProducerId v%d", rk.Version(), produceV, fetchV,
		conn.version(wire.APIKeyMetadata), conn.version(wire.APIKeyInitProducerId))
	ids, err := conn.topicIDs(topics)
	if err != nil {
		t.Fatal(err)
	}
	pid, epoch, err := conn.initProducerID()
	if err != nil {
		t.Fatal(err)
	}
	if pid < 0 || epoch < 0 {
		t.Fatalf("InitProducerId: producer id %d epoch %d", pid, epoch)
	}

	// Whole seconds a minute ago: recent enough for any retention and
	// timestamp-skew check; groups 10 s apart keep every timestamp distinct.
	base := time.Now().Add(-time.Minute).Truncate(time.Second).UnixMilli()
	sent := map[string][]sentBatch{}
	for i, c := range codecs {
		topic := topicFor(c)
		sent[c.String()] = produceFixture(t, conn, produceV, topic, ids[topic], c, fixture(c, base+int64(i)*10_000), pid, epoch)
	}
	sent[versionsGroup] = produceEveryVersion(t, conn, ids[versionsTopic], base+int64(len(codecs))*10_000)
	plo, phi := commonRange(t, conn, wire.APIKeyProduce)
	t.Logf("produced %d batches in 5 codecs at Produce v%d, and one batch at each of v%d-v%d", len(codecs)*len(fixture(wire.CodecNone, 0)), produceV, plo, phi)
	tProduced := time.Now()

	total := 0
	for _, g := range groups {
		t.Run("fetch/"+g.name, func(t *testing.T) {
			checkFetched(t, conn, fetchV, g.topic, ids[g.topic], sent[g.name], pid, epoch)
		})
		total += len(expectedLog(batchesOf(sent[g.name])))
	}
	// Every Fetch version decodes the same stored bytes (the codec "none"
	// topic: Fetch below v10 cannot carry zstd).
	lo, hi := commonRange(t, conn, wire.APIKeyFetch)
	t.Run(fmt.Sprintf("fetch/none/v%d-v%d", lo, hi), func(t *testing.T) {
		for v := lo; v <= hi; v++ {
			checkFetched(t, conn, v, topicFor(wire.CodecNone), ids[topicFor(wire.CodecNone)], sent[wire.CodecNone.String()], pid, epoch)
		}
	})
	tFetched := time.Now()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	recs, out, err := readWithConsoleConsumer(ctx, rk, "interop-.*", total)
	if err != nil {
		t.Fatalf("console consumer: %v\nstdout: %s", err, clip(out, 2000))
	}
	byGroup := map[string][]consoleRecord{}
	for _, r := range recs {
		byGroup[groupOf(r.Headers)] = append(byGroup[groupOf(r.Headers)], r)
	}
	for _, g := range groups {
		t.Run("console/"+g.name, func(t *testing.T) {
			checkConsole(t, byGroup[g.name], expectedLog(batchesOf(sent[g.name])))
		})
		delete(byGroup, g.name)
	}
	for name, rs := range byGroup {
		t.Errorf("console consumer printed %d records of unknown group %q", len(rs), name)
	}
	tDone := time.Now()
	t.Logf("Kafka %s timings: broker start %v, produce %v, fetch+decode %v, console consumer %v, total %v",
		rk.Version(), tStarted.Sub(t0).Round(time.Millisecond), tProduced.Sub(tStarted).Round(time.Millisecond),
		tFetched.Sub(tProduced).Round(time.Millisecond), tDone.Sub(tFetched).Round(time.Millisecond),
		tDone.Sub(t0).Round(time.Millisecond))
}

func batchesOf(s []sentBatch) []testBatch {
	out := make([]testBatch, len(s))
	for i := range s {
		out[i] = s[i].batch
	}
	return out
}

// produceFixture builds and produces one topic's batches in order, checking
// every base offset: consecutive for new batches, the original's for a
// duplicate. It returns the batches the log must hold (duplicates excluded).
func produceFixture(t *testing.T, conn *rawConn, v int16, topic string, topicID [16]byte, c wire.Codec, batches []testBatch, pid int64, epoch int16) []sentBatch {
	t.Helper()
	built := map[string]sentBatch{}
	var log []sentBatch
	next := int64(0)
	for _, b := range batches {
		var raw []byte
		switch {
		case b.duplicateOf != "":
			raw = built[b.duplicateOf].raw
		case b.sameRecordsAs != "":
			// The same records produced again at a later sequence: rewrite the
			// producer state of the built bytes, as a producer does after an
			// epoch bump, and check it equals a fresh build.
			raw = slices.Clone(built[b.sameRecordsAs].raw)
			if err := wire.SetProducerState(raw, pid, epoch, b.seq); err != nil {
				t.Fatal(err)
			}
			if fresh := build(t, b, c, pid, epoch); !bytes.Equal(fresh, raw) {
				t.Fatalf("%s %s: SetProducerState bytes differ from a fresh build", topic, b.name)
			}
		default:
			raw = build(t, b, c, pid, epoch)
		}
		off, err := conn.produce(topic, topicID, raw, v)
		if err != nil {
			t.Fatalf("%s batch %s (%d records, %d bytes): %v", topic, b.name, len(b.records), len(raw), err)
		}
		want := next
		if b.duplicateOf != "" {
			want = built[b.duplicateOf].base
		}
		if off != want {
			t.Errorf("%s batch %s: base offset %d, want %d", topic, b.name, off, want)
		}
		sb := sentBatch{batch: b, codec: c, raw: raw, base: off}
		built[b.name] = sb
		if b.duplicateOf == "" {
			log = append(log, sb)
			next += int64(len(b.records))
		}
	}
	return log
}

func build(t *testing.T, b testBatch, c wire.Codec, pid int64, epoch int16) []byte {
	t.Helper()
	var bb wire.BatchBuilder
	for _, r := range b.records {
		bb.Append(r.TS, r.Key, r.Value, r.Headers)
	}
	p := wire.BatchParams{Codec: c}
	if b.idempotent {
		p.Idempotent, p.ProducerID, p.ProducerEpoch, p.BaseSequence = true, pid, epoch, b.seq
	}
	raw, err := bb.Build(nil, p)
	if err != nil {
		t.Fatalf("build %s: %v", b.name, err)
	}
	return raw
}

// checkFetched fetches the topic and compares what the broker stored with what
// was sent: the same batches, byte for byte from the magic on (the CRC is
// checked by DecodeRecordBatches and covers attributes to the end), and
// every decoded record field.
func checkFetched(t *testing.T, conn *rawConn, v int16, topic string, topicID [16]byte, sent []sentBatch, pid int64, epoch int16) {
	t.Helper()
	got, err := conn.fetchAll(topic, topicID, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(sent) {
		t.Fatalf("fetched %d batches, want %d (duplicates must not be appended)", len(got), len(sent))
	}
	for i, s := range sent {
		g := got[i]
		d := g.decoded
		if c := s.codec; d.BaseOffset != s.base || d.Codec() != c || d.IsTransactional() || d.IsControl() || d.LogAppendTime() {
			t.Errorf("batch %s: base offset %d codec %v attributes %#x; want offset %d, codec %v, CreateTime, not transactional or control",
				s.batch.name, d.BaseOffset, d.Codec(), d.Attributes, s.base, s.codec)
		}
		if d.PartitionLeaderEpoch < 0 {
			t.Errorf("batch %s: partition leader epoch %d not set by the broker", s.batch.name, d.PartitionLeaderEpoch)
		}
		wantPID, wantEpoch, wantSeq := int64(-1), int16(-1), int32(-1)
		if s.batch.idempotent {
			wantPID, wantEpoch, wantSeq = pid, epoch, s.batch.seq
		}
		if d.ProducerID != wantPID || d.ProducerEpoch != wantEpoch || d.BaseSequence != wantSeq {
			t.Errorf("batch %s: producer %d/%d/%d, want %d/%d/%d", s.batch.name,
				d.ProducerID, d.ProducerEpoch, d.BaseSequence, wantPID, wantEpoch, wantSeq)
		}
		if at := firstRewrite(s.raw, g.raw); at >= 0 {
			t.Errorf("batch %s: the broker rewrote the batch: stored bytes differ from sent ones at byte %d (%s); sent %d bytes, stored %d",
				s.batch.name, at, batchField(at), len(s.raw), len(g.raw))
		}
		var want []wire.Record
		for j, r := range s.batch.records {
			want = append(want, wire.Record{Offset: s.base + int64(j), Timestamp: r.TS, Key: r.Key, Value: r.Value, Headers: r.Headers})
		}
		if diff := cmp.Diff(want, d.Records, bytesExact); diff != "" {
			t.Errorf("batch %s records (-sent +fetched):\n%s", s.batch.name, clip(diff, 4000))
		}
	}
}

// bytesExact compares byte slices fast (the fixture holds a 160 KiB value,
// slow to diff element by element) while keeping null and empty apart.
var bytesExact = cmp.Comparer(func(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) })

// firstRewrite returns the first byte at which a stored batch differs from the
// sent one, ignoring baseOffset (0-7) and partitionLeaderEpoch (12-15), which
// the broker assigns; -1 if none. A difference anywhere else means the broker
// rewrote the batch (recompressed it, fixed its max timestamp...), which it
// does only when it disagrees with what the producer wrote. The CRC (17-20)
// is reported only if nothing after it differs, since any rewrite changes it.
func firstRewrite(sent, stored []byte) int {
	crc := -1
	for i := 0; i < min(len(sent), len(stored)); i++ {
		switch {
		case i < 8 || (i >= 12 && i < 16) || sent[i] == stored[i]:
		case i >= 17 && i < 21:
			if crc < 0 {
				crc = i
			}
		default:
			return i
		}
	}
	if len(sent) != len(stored) {
		return min(len(sent), len(stored))
	}
	return crc
}

// batchField names the batch header field holding byte at.
func batchField(at int) string {
	fields := []struct {
		end  int
		name string
	}{{12, "batchLength"}, {17, "magic"}, {21, "crc"}, {23, "attributes"}, {27, "lastOffsetDelta"},
		{35, "baseTimestamp"}, {43, "maxTimestamp"}, {51, "producerId"}, {53, "producerEpoch"},
		{57, "baseSequence"}, {61, "recordsCount"}}
	for _, f := range fields {
		if at < f.end {
			return f.name
		}
	}
	return "records"
}

// checkConsole compares the console consumer's records of one topic with the
// log the test produced, offset by offset.
func checkConsole(t *testing.T, got []consoleRecord, log []testRecord) {
	slices.SortFunc(got, func(a, b consoleRecord) int { return int(a.Offset - b.Offset) })
	var want []consoleRecord
	for i, r := range log {
		want = append(want, consoleRecord{TimestampType: "CreateTime", TS: r.TS, Offset: int64(i), Headers: r.Headers, Key: r.Key, Value: r.Value})
	}
	if diff := cmp.Diff(want, got, bytesExact); diff != "" {
		t.Errorf("console consumer output (-produced +printed):\n%s", clip(diff, 4000))
	}
}
