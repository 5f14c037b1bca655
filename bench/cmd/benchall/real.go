package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// realKafka is a single-node Apache Kafka 4.4 broker (combined broker and
// controller) started from the jars that scripts/kafka-libs.sh caches, as
// documented in shared/docs/real-kafka.md. internal/realkafka does the same
// for tests but is internal to the root module, so the bench module cannot
// import it.
type realKafka struct {
	cmd     *exec.Cmd
	dir     string
	brokers string
	cp      string
	logArg  string
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startRealKafka starts the broker. advertise, if not zero, is the port
// the broker tells clients to connect to (a counting proxy in front of it,
// see proxy.go); zero advertises the broker's own port.
func startRealKafka(partitions, advertise int) (*realKafka, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command("bash", filepath.Join(root, "scripts", "kafka-libs.sh"), "4.4.0").Output()
	if err != nil {
		return nil, fmt.Errorf("benchall: kafka-libs.sh 4.4.0: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	libs := lines[len(lines)-1]
	k := &realKafka{cp: libs + "/*", logArg: "-Dlog4j2.configurationFile=" + filepath.Join(root, "testdata", "kafka", "log4j2.properties")}
	if k.dir, err = os.MkdirTemp("", "benchall-kafka"); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cport, err := freePort()
	if err != nil {
		return nil, err
	}
	k.brokers = fmt.Sprintf("127.0.0.1:%d", port)
	if advertise == 0 {
		advertise = port
	}
	props := fmt.Sprintf(`process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:%[2]d
listeners=PLAINTEXT://127.0.0.1:%[1]d,CONTROLLER://127.0.0.1:%[2]d
advertised.listeners=PLAINTEXT://127.0.0.1:%[5]d
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=%[3]s
auto.create.topics.enable=true
num.partitions=%[4]d
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
`, port, cport, filepath.Join(k.dir, "data"), partitions, advertise)
	propsFile := filepath.Join(k.dir, "server.properties")
	if err := os.WriteFile(propsFile, []byte(props), 0o644); err != nil {
		return nil, err
	}
	id, err := exec.Command("java", "-Xmx128m", k.logArg, "-cp", k.cp, "kafka.tools.StorageTool", "random-uuid").Output()
	if err != nil {
		return nil, fmt.Errorf("benchall: StorageTool random-uuid: %w", err)
	}
	if out, err := exec.Command("java", "-Xmx256m", k.logArg, "-cp", k.cp, "kafka.tools.StorageTool", "format",
		"-t", strings.TrimSpace(string(id)), "-c", propsFile).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("benchall: StorageTool format: %v: %s", err, firstLines(string(out), 3))
	}
	logFile, err := os.Create(filepath.Join(k.dir, "server.log"))
	if err != nil {
		return nil, err
	}
	k.cmd = exec.Command("java", "-Xmx1g", "-Xms1g", k.logArg, "-cp", k.cp, "kafka.Kafka", propsFile)
	k.cmd.Stdout, k.cmd.Stderr = logFile, logFile
	if err := k.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(logFile.Name())
		if bytes.Contains(b, []byte("Kafka Server started")) {
			return k, nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	k.stop()
	return nil, fmt.Errorf("benchall: Kafka did not start within 120 s (log in %s)", logFile.Name())
}

func (k *realKafka) stop() {
	if k.cmd != nil && k.cmd.Process != nil {
		_ = k.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = k.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = k.cmd.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(k.dir)
}

var perfFinal = regexp.MustCompile(`(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th`)

// JavaRun is one ProducerPerformance run on the real broker.
type JavaRun struct {
	Scenario  string  `json:"scenario"`
	Linger    string  `json:"linger"`
	Command   string  `json:"command"` // as run, the classpath shortened to <kafka 4.4.0 libs>
	Summary   string  `json:"summary"` // its final line
	RecPerSec float64 `json:"rec_per_sec"`
	MBPerSec  float64 `json:"mb_per_sec"`
	P50ms     float64 `json:"p50_ms"`
	P99ms     float64 `json:"p99_ms"`
	Error     string  `json:"error,omitempty"`
}

// javaArgs is ProducerPerformance's command line with the settings of the
// throughput runs: acks=all, idempotent, 5 in flight, the scenario's linger,
// 1 MiB batches, the report's compression.
func javaArgs(cp, logArg, brokers, topic string, n, size int, linger, compression string) []string {
	lingerMs := "0"
	if d, err := time.ParseDuration(linger); err == nil {
		lingerMs = fmt.Sprint(d.Milliseconds())
	}
	if compression == "" {
		compression = "none"
	}
	return []string{"java", "-Xmx512m", logArg, "-cp", cp, "org.apache.kafka.tools.ProducerPerformance",
		"--topic", topic, "--num-records", fmt.Sprint(n), "--record-size", fmt.Sprint(size), "--throughput", "-1",
		"--producer-props", "bootstrap.servers=" + brokers, "acks=all", "enable.idempotence=true",
		"max.in.flight.requests.per.connection=5", "linger.ms=" + lingerMs, "batch.size=1048576",
		"compression.type=" + compression}
}

// producerPerformance runs Java's ProducerPerformance into jr.
func producerPerformance(jr *JavaRun, k *realKafka, topic string, n, size int, compression string) {
	args := javaArgs(k.cp, k.logArg, k.brokers, topic, n, size, jr.Linger, compression)
	shown := append([]string(nil), args...)
	for i, a := range shown {
		switch {
		case a == k.cp:
			shown[i] = "'<kafka 4.4.0 libs>/*'"
		case a == k.logArg:
			shown[i] = "-Dlog4j2.configurationFile=testdata/kafka/log4j2.properties"
		case a == "bootstrap.servers="+k.brokers:
			shown[i] = "bootstrap.servers=<broker>"
		case a == topic:
			shown[i] = "<topic>"
		}
	}
	jr.Command = strings.Join(shown, " ")
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	m := perfFinal.FindStringSubmatch(string(out))
	if m == nil {
		jr.Error = fmt.Sprintf("benchall: ProducerPerformance: %v: %s", err, firstLines(string(out), 3))
		return
	}
	f := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
	jr.Summary, jr.RecPerSec, jr.MBPerSec, jr.P50ms, jr.P99ms = m[0], f(2), f(3), f(6), f(8)
}
