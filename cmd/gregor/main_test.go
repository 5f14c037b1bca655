package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/kafka"
	"github.com/gregorkafka/gregor/kafkatest"
)

func TestPerfEmbeddedReportsEveryRecord(t *testing.T) {
	for _, args := range [][]string{
		{"--records", "20000", "--progress=false"},
		{"--records", "2000", "--sync", "16", "--progress=false", "--compression", "lz4"},
		{"--records", "300", "--throughput", "3000", "--progress=false", "--acks", "leader"},
	} {
		var out, errOut bytes.Buffer
		if err := runPerf(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("perf %v: %v\nstderr: %s", args, err, errOut.String())
		}
		n := args[1]
		if !regexp.MustCompile(`^` + n + ` records sent, [0-9.]+ records/sec .* p99 [0-9.]+ ms`).MatchString(out.String()) {
			t.Errorf("perf %v output = %q; want a summary of %s records", args, out.String(), n)
		}
	}
}

func TestProduceLinesWithKeys(t *testing.T) {
	var out, errOut bytes.Buffer
	in := strings.NewReader("k1:v1\nk2:v2\nno-key-line\n")
	err := runProduce(context.Background(), []string{"--topic", "lines", "--key-separator", ":", "-v", "--partitions", "3"}, in, &out, &errOut)
	if err != nil {
		t.Fatalf("produce: %v\nstderr: %s", err, errOut.String())
	}
	if got := strings.Count(out.String(), "\n"); got != 3 {
		t.Errorf("produce printed %d offsets; want 3:\n%s", got, out.String())
	}
	if !strings.Contains(errOut.String(), "3 records produced") {
		t.Errorf("stderr = %q; want the count of produced records", errOut.String())
	}
}

// --sasl authenticates (the embedded cluster then requires it); a wrong
// password fails with the broker's reason.
func TestPerfSASL(t *testing.T) {
	t.Setenv(saslPasswordEnv, "s3cret")
	var out, errOut bytes.Buffer
	args := []string{"--records", "1000", "--progress=false", "--sasl", "scram-sha-512", "--sasl-user", "perf", "--tls"}
	if err := runPerf(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("perf %v: %v\nstderr: %s", args, err, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "1000 records sent") {
		t.Fatalf("perf output %q", out.String())
	}
	kc := kafkatest.New(t, kafkatest.Topic("gregor-perf", 1), kafkatest.SASL(map[string]string{"perf": "other"}))
	args = []string{"--records", "10", "--progress=false", "--brokers", kc.Addrs()[0], "--sasl", "plain", "--sasl-user", "perf"}
	err := runPerf(context.Background(), args, &out, &errOut)
	if !errors.Is(err, kafka.ErrAuthentication) && !strings.Contains(errOut.String()+fmt.Sprint(err), "SASL_AUTHENTICATION_FAILED") {
		t.Fatalf("wrong password: %v\nstderr: %s", err, errOut.String())
	}
}

func TestBadFlagsFailClearly(t *testing.T) {
	for _, args := range [][]string{{"--acks", "two"}, {"--compression", "brotli"}, {"--records", "0"},
		{"--sasl", "gssapi", "--sasl-user", "u"}, {"--sasl", "plain"}, {"--sasl-user", "u"},
		{"--brokers", "127.0.0.1:1", "--tls-ca", "/nonexistent"}, {"--produce-conns", "0"}} {
		var out, errOut bytes.Buffer
		if err := runPerf(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("perf %v succeeded; want an error", args)
		}
	}
}
