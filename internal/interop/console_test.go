package interop

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gregorkafka/gregor/internal/realkafka"
	"github.com/gregorkafka/gregor/kafka/wire"
)

const consoleConsumer = "org.apache.kafka.tools.consumer.ConsoleConsumer"

// consoleRecord is one record as Kafka's ConsoleConsumer (DefaultMessageFormatter)
// printed it. Null key, value and header values come back nil, empty ones as
// empty non-nil slices, as in testRecord.
type consoleRecord struct {
	TimestampType string
	TS            int64
	Offset        int64
	Headers       []wire.RecordHeader
	Key           []byte
	Value         []byte
}

// readWithConsoleConsumer runs Kafka's own console consumer once over every
// topic matching include (a regex; one JVM for all topics keeps the test
// fast) until it has n messages, printing timestamp, offset, headers, key and
// value with the separators of fixture_test.go.
//
// Formatter properties are --property in 3.9 and --formatter-property from
// 4.3 (where --property is deprecated); both lines name the same properties
// (print.timestamp, print.offset, print.headers, print.key, key.separator,
// line.separator, headers.separator, null.literal), read from the 3.9.2 and
// 4.4.0 DefaultMessageFormatter. The header key/value separator is a fixed ":"
// and header keys are printed in the platform charset, so fixture header keys
// are ASCII without ':'.
func readWithConsoleConsumer(ctx context.Context, rk *realkafka.Cluster, include string, n int) ([]consoleRecord, string, error) {
	propFlag := "--formatter-property"
	if strings.HasPrefix(rk.Version(), "3.") {
		propFlag = "--property"
	}
	args := []string{
		"--bootstrap-server", rk.Bootstrap(),
		"--include", include,
		"--from-beginning",
		"--max-messages", strconv.Itoa(n),
		"--timeout-ms", "30000",
	}
	for _, p := range []string{
		"print.timestamp=true", "print.offset=true", "print.headers=true", "print.key=true", "print.value=true",
		"key.separator=" + fieldSep, "line.separator=" + lineSep, "headers.separator=" + headerSep,
		"null.literal=" + nullLiteral,
	} {
		args = append(args, propFlag, p)
	}
	out, err := rk.RunTool(ctx, consoleConsumer, args...)
	if err != nil {
		return nil, out, err
	}
	recs, err := parseConsole(out)
	return recs, out, err
}

// parseConsole parses DefaultMessageFormatter output:
//
//	CreateTime:<ts> FS Offset:<n> FS <hkey>:<hval> HS ... FS <key> FS <value> LS
func parseConsole(out string) ([]consoleRecord, error) {
	var recs []consoleRecord
	lines := strings.Split(out, lineSep)
	if last := lines[len(lines)-1]; last != "" {
		return nil, fmt.Errorf("console output does not end with the line separator: trailing %q", clip(last, 300))
	}
	for i, line := range lines[:len(lines)-1] {
		f := strings.Split(line, fieldSep)
		if len(f) != 5 {
			return nil, fmt.Errorf("line %d: %d fields, want 5: %q", i, len(f), clip(line, 300))
		}
		var r consoleRecord
		tsType, ts, ok := strings.Cut(f[0], ":")
		if !ok {
			return nil, fmt.Errorf("line %d: timestamp field %q", i, f[0])
		}
		var err error
		r.TimestampType = tsType
		if r.TS, err = strconv.ParseInt(ts, 10, 64); err != nil {
			return nil, fmt.Errorf("line %d: timestamp: %w", i, err)
		}
		off, ok := strings.CutPrefix(f[1], "Offset:")
		if !ok {
			return nil, fmt.Errorf("line %d: offset field %q", i, f[1])
		}
		if r.Offset, err = strconv.ParseInt(off, 10, 64); err != nil {
			return nil, fmt.Errorf("line %d: offset: %w", i, err)
		}
		if f[2] != "NO_HEADERS" {
			for _, h := range strings.Split(f[2], headerSep) {
				k, v, ok := strings.Cut(h, ":")
				if !ok {
					return nil, fmt.Errorf("line %d: header %q has no ':'", i, clip(h, 300))
				}
				r.Headers = append(r.Headers, wire.RecordHeader{Key: k, Value: nullable(v)})
			}
		}
		r.Key, r.Value = nullable(f[3]), nullable(f[4])
		recs = append(recs, r)
	}
	return recs, nil
}

func nullable(s string) []byte {
	if s == nullLiteral {
		return nil
	}
	return []byte(s)
}

// groupOf returns the group (codec name or versionsGroup) a record's id header
// names ("<group>/...").
func groupOf(headers []wire.RecordHeader) string {
	for _, h := range headers {
		if h.Key == idHeader {
			c, _, _ := bytes.Cut(h.Value, []byte("/"))
			return string(c)
		}
	}
	return ""
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + fmt.Sprintf("...(%d bytes in all)", len(s))
	}
	return s
}
