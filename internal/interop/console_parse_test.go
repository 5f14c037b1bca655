package interop

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// TestParseConsole pins the parser to DefaultMessageFormatter's layout (as
// 3.9.2 and 4.4.0 print it with the test's separators), so a broken parser
// cannot make the real-broker test pass or fail for the wrong reason. Runs
// without Kafka.
func TestParseConsole(t *testing.T) {
	out := strings.Join([]string{
		"CreateTime:1700000000000", "Offset:0", "id:none/plain/0" + headerSep + "h-null:" + nullLiteral + headerSep + "h-empty:" + headerSep + "h:a:b", "k", "v\n\t\x00" + lineSep,
		"CreateTime:1700000000007", "Offset:1", "NO_HEADERS", nullLiteral, nullLiteral + lineSep,
		"LogAppendTime:-1", "Offset:2", "id:x", "", "" + lineSep,
	}, fieldSep)
	// strings.Join put a field separator after each line separator; drop them.
	out = strings.ReplaceAll(out, lineSep+fieldSep, lineSep)
	got, err := parseConsole(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []consoleRecord{
		{TimestampType: "CreateTime", TS: 1700000000000, Offset: 0, Key: []byte("k"), Value: []byte("v\n\t\x00"),
			Headers: []wire.RecordHeader{{Key: "id", Value: []byte("none/plain/0")}, {Key: "h-null"}, {Key: "h-empty", Value: []byte{}}, {Key: "h", Value: []byte("a:b")}}},
		{TimestampType: "CreateTime", TS: 1700000000007, Offset: 1},
		{TimestampType: "LogAppendTime", TS: -1, Offset: 2, Key: []byte{}, Value: []byte{}, Headers: []wire.RecordHeader{{Key: "id", Value: []byte("x")}}},
	}
	if diff := cmp.Diff(want, got, bytesExact); diff != "" {
		t.Errorf("parseConsole (-want +got):\n%s", diff)
	}
	if groupOf(got[0].Headers) != "none" || groupOf(got[1].Headers) != "" {
		t.Errorf("groupOf: %q, %q", groupOf(got[0].Headers), groupOf(got[1].Headers))
	}

	for name, bad := range map[string]string{
		"no trailing separator": "CreateTime:1" + fieldSep + "Offset:0" + fieldSep + "NO_HEADERS" + fieldSep + "k" + fieldSep + "v",
		"missing field":         "CreateTime:1" + fieldSep + "Offset:0" + fieldSep + "k" + fieldSep + "v" + lineSep,
		"bad timestamp":         "CreateTime:x" + fieldSep + "Offset:0" + fieldSep + "NO_HEADERS" + fieldSep + "k" + fieldSep + "v" + lineSep,
		"bad offset":            "CreateTime:1" + fieldSep + "Partition:0" + fieldSep + "NO_HEADERS" + fieldSep + "k" + fieldSep + "v" + lineSep,
		"header without colon":  "CreateTime:1" + fieldSep + "Offset:0" + fieldSep + "h" + fieldSep + "k" + fieldSep + "v" + lineSep,
	} {
		if recs, err := parseConsole(bad); err == nil {
			t.Errorf("%s: parsed %+v, want an error", name, recs)
		}
	}
	if recs, err := parseConsole(""); err != nil || len(recs) != 0 {
		t.Errorf("empty output: %v, %v", recs, err)
	}
}

// TestFixtureAvoidsSeparators guards the fixture's promise that no byte string
// contains an output separator or equals the null literal, which would make
// the console comparison ambiguous.
func TestFixtureAvoidsSeparators(t *testing.T) {
	check := func(what string, b []byte) {
		s := string(b)
		if strings.ContainsAny(s, fieldSep+lineSep+headerSep) || (b != nil && s == nullLiteral) {
			t.Errorf("%s %q holds a separator or the null literal", what, clip(s, 80))
		}
	}
	for _, c := range codecs {
		for _, b := range fixture(c, 0) {
			for _, r := range b.records {
				check("key", r.Key)
				check("value", r.Value)
				for _, h := range r.Headers {
					if strings.Contains(h.Key, ":") || strings.ContainsAny(h.Key, fieldSep+lineSep+headerSep) {
						t.Errorf("header key %q holds ':' or a separator", h.Key)
					}
					for _, ch := range h.Key {
						if ch > 0x7e {
							t.Errorf("header key %q is not ASCII (the formatter prints keys in the platform charset)", h.Key)
						}
					}
					check("header value", h.Value)
				}
			}
		}
	}
}
