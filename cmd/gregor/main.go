// Command gregor is the gregor Kafka client's command-line tool.
//
//	gregor perf     measure producer throughput and latency (embedded cluster by default)
//	gregor produce  send lines from stdin to a topic
//
// Without --brokers both run against an embedded in-process cluster
// (kafkatest), so they work on a machine with no Kafka at all.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/kafka"
	"github.com/gregorkafka/gregor/kafka/sasl"
	"github.com/gregorkafka/gregor/kafkatest"
)

func main() {
	if len(os.Args) < 2 {
		usage(os.Stderr)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch os.Args[1] {
	case "perf":
		err = runPerf(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case "produce":
		err = runProduce(ctx, os.Args[2:], os.Stdin, os.Stdout, os.Stderr)
	case "-h", "--help", "help":
		usage(os.Stdout)
		return
	default:
		fmt.Fprintf(os.Stderr, "gregor: unknown command %q\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "gregor:", err)
		os.Exit(1)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: gregor <command> [flags]

commands:
  perf     measure producer throughput and latency (see gregor perf -h)
  produce  send lines from stdin to a topic (see gregor produce -h)

Without --brokers, commands run against an embedded in-process Kafka cluster.
`)
}

// clientFlags are the producer settings shared by the commands. Like zap's
// Config, it only builds the same options a program would pass.
type clientFlags struct {
	brokers     string
	acks        string
	compression string
	linger      time.Duration
	inFlight    int
	idempotence bool
	batchBytes  int
	partitions  int
	conns       int
	tls         bool
	tlsCA       string
	sasl        string
	saslUser    string
}

// saslPasswordEnv holds the SASL password: a flag would show it in ps and
// in shell histories.
const saslPasswordEnv = "GREGOR_SASL_PASSWORD"

func (f *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.brokers, "brokers", "", "comma-separated bootstrap brokers; empty runs an embedded in-process cluster")
	fs.StringVar(&f.acks, "acks", "all", "acks: all, leader or none")
	fs.StringVar(&f.compression, "compression", "none", "codec: none, gzip, snappy, lz4, zstd")
	fs.DurationVar(&f.linger, "linger", 0, "upper bound on batch linger (0 = adaptive: send when the connection has room)")
	fs.IntVar(&f.inFlight, "max-in-flight", 5, "produce requests in flight per broker")
	fs.BoolVar(&f.idempotence, "idempotence", true, "idempotent producer (needs acks=all)")
	fs.IntVar(&f.batchBytes, "batch-bytes", 1<<20, "max batch size in bytes")
	fs.IntVar(&f.partitions, "partitions", 8, "partitions of the topic on the embedded cluster")
	fs.IntVar(&f.conns, "produce-conns", 2, "produce connections per broker")
	fs.BoolVar(&f.tls, "tls", false, "connect with TLS (system roots, plus --tls-ca); the embedded cluster then speaks TLS too")
	fs.StringVar(&f.tlsCA, "tls-ca", "", "PEM file of CA certificates to trust (implies --tls)")
	fs.StringVar(&f.sasl, "sasl", "", "SASL mechanism: plain, scram-sha-256 or scram-sha-512 (password from $"+saslPasswordEnv+"); the embedded cluster then requires it too")
	fs.StringVar(&f.saslUser, "sasl-user", "", "SASL user name")
}

// mechanism returns the SASL mechanism the flags name, nil for none.
func (f *clientFlags) mechanism() (sasl.Mechanism, error) {
	if f.sasl == "" {
		if f.saslUser != "" {
			return nil, fmt.Errorf("--sasl-user without --sasl")
		}
		return nil, nil
	}
	if f.saslUser == "" {
		return nil, fmt.Errorf("--sasl %s needs --sasl-user (and the password in $%s)", f.sasl, saslPasswordEnv)
	}
	pass := os.Getenv(saslPasswordEnv)
	switch strings.ToLower(f.sasl) {
	case "plain":
		return sasl.Plain{User: f.saslUser, Pass: pass}, nil
	case "scram-sha-256":
		return sasl.ScramSHA256{User: f.saslUser, Pass: pass}, nil
	case "scram-sha-512":
		return sasl.ScramSHA512{User: f.saslUser, Pass: pass}, nil
	}
	return nil, fmt.Errorf("--sasl %q: want plain, scram-sha-256 or scram-sha-512", f.sasl)
}

// tlsConfig returns the TLS configuration the flags ask for, nil for none.
func (f *clientFlags) tlsConfig() (*tls.Config, error) {
	if !f.tls && f.tlsCA == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.tlsCA != "" {
		pem, err := os.ReadFile(f.tlsCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca %s: no PEM certificate in it", f.tlsCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func (f *clientFlags) options() ([]kafka.Option, error) {
	var acks kafka.Acks
	switch f.acks {
	case "all", "-1":
		acks = kafka.AcksAll
	case "leader", "1":
		acks = kafka.AcksLeader
	case "none", "0":
		acks = kafka.AcksNone
	default:
		return nil, fmt.Errorf("--acks %q: want all, leader or none", f.acks)
	}
	codecs := map[string]kafka.Compression{
		"none": kafka.CompressionNone, "gzip": kafka.CompressionGzip, "snappy": kafka.CompressionSnappy,
		"lz4": kafka.CompressionLZ4, "zstd": kafka.CompressionZstd,
	}
	codec, ok := codecs[f.compression]
	if !ok {
		return nil, fmt.Errorf("--compression %q: want none, gzip, snappy, lz4 or zstd", f.compression)
	}
	opts := []kafka.Option{
		kafka.WithClientID("gregor-cli"),
		kafka.WithAcks(acks),
		kafka.WithCompression(codec),
		kafka.WithMaxInFlight(f.inFlight),
		kafka.WithBatchMaxBytes(f.batchBytes),
		kafka.WithProduceConnections(f.conns),
	}
	m, err := f.mechanism()
	if err != nil {
		return nil, err
	}
	if m != nil {
		opts = append(opts, kafka.WithSASL(m))
	}
	tc, err := f.tlsConfig()
	if err != nil {
		return nil, err
	}
	if tc != nil && f.brokers != "" {
		opts = append(opts, kafka.WithTLS(tc)) // the embedded cluster brings its own (cluster)
	}
	if f.linger > 0 {
		opts = append(opts, kafka.WithLinger(f.linger))
	}
	if !f.idempotence || acks != kafka.AcksAll {
		opts = append(opts, kafka.WithIdempotence(false))
	}
	return opts, nil
}

// cluster returns the broker addresses to use, starting an embedded
// cluster with the topic when no brokers were given (with TLS and SASL as
// the flags ask: then the client options to reach it). stop releases it.
func (f *clientFlags) cluster(topic string, stderr io.Writer) (addrs []string, extra []kafka.Option, stop func(), err error) {
	if f.brokers != "" {
		return strings.Split(f.brokers, ","), nil, func() {}, nil
	}
	kopts := []kafkatest.Option{kafkatest.Topic(topic, f.partitions)}
	if f.sasl != "" {
		kopts = append(kopts, kafkatest.SASL(map[string]string{f.saslUser: os.Getenv(saslPasswordEnv)}))
	}
	if f.tls || f.tlsCA != "" {
		kopts = append(kopts, kafkatest.TLS())
	}
	c, err := kafkatest.NewCluster(kopts...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("starting the embedded cluster: %w", err)
	}
	if tc := c.TLSConfig(); tc != nil {
		extra = append(extra, kafka.WithTLS(tc))
	}
	fmt.Fprintf(stderr, "embedded kafkatest cluster at %s, topic %q with %d partitions (use --brokers for a real one)\n",
		strings.Join(c.Addrs(), ","), topic, f.partitions)
	return c.Addrs(), extra, func() { _ = c.Close() }, nil
}

// client builds the Client the flags describe, on the embedded cluster
// when no brokers were given. stop closes the client, then the cluster.
func (f *clientFlags) client(topic string, stderr io.Writer) (c *kafka.Client, stop func(), err error) {
	opts, err := f.options()
	if err != nil {
		return nil, nil, err
	}
	addrs, extra, stopCluster, err := f.cluster(topic, stderr)
	if err != nil {
		return nil, nil, err
	}
	c, err = kafka.NewClient(append(append(opts, extra...), kafka.WithBrokers(addrs...))...)
	if err != nil {
		stopCluster()
		return nil, nil, err
	}
	return c, func() { _ = c.Close(); stopCluster() }, nil
}
