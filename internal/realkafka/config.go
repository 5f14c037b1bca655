package realkafka

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"text/template"
)

// brokerJVM are the broker JVM flags for a small (2-core) host: the G1 settings of
// kafka-run-class.sh with a 256 MiB-1 GiB heap instead of a fixed 1 GiB, and death on
// OOM instead of a limping broker.
var brokerJVM = []string{
	"-Xms256m", "-Xmx1g",
	"-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
	"-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15",
	"-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData",
	"-Djava.awt.headless=true", "-Duser.language=en", "-Duser.country=US",
}

// quickJIT stops at the C1 compiler: a broker is up about a second sooner on two
// cores. Functional tests only; WithFullJIT drops it for anything measuring speed.
const quickJIT = "-XX:TieredStopAtLevel=1"

// toolJVM are the flags for short-lived JVMs (StorageTool, RunTool).
var toolJVM = []string{
	"-Xmx512m", "-XX:+UseSerialGC", "-XX:-UsePerfData", quickJIT,
	"-Djava.awt.headless=true", "-Duser.language=en", "-Duser.country=US",
}

// logConfigFlag returns the -D flag pointing the JVM at the console-only log
// config of its version's logging backend (log4j2 on 4.x, reload4j on 3.9).
func logConfigFlag(version string) string {
	dir := filepath.Join(repoRoot(), "testdata", "kafka")
	if is4x(version) {
		return "-Dlog4j2.configurationFile=" + filepath.Join(dir, "log4j2.properties")
	}
	return "-Dlog4j.configuration=file:" + filepath.Join(dir, "log4j.properties")
}

// brokerConfig fills testdata/kafka/server.properties.tmpl.
type brokerConfig struct {
	NodeID         int32
	Voters         string
	ClientPort     int // PLAINTEXT listener the broker binds
	AdvertisedPort int // what clients are told: the proxy's port WithProxy, else ClientPort
	InternalPort   int
	ControllerPort int
	SASLPort       int        // SASL_PLAINTEXT listener, 0 without WithSASL
	SASLUsers      []SASLUser // PLAIN users of the SASL listener, sorted by name
	TLSPort        int        // SSL listener, 0 without WithTLS
	TLSKeystore    string     // PEM file with the TLS listener's key and chain
	DataDir        string
	AutoCreate     bool
	RF             int
	MinISR         int
	Kafka4         bool
	FastFailover   bool
	Extra          []string // "key=value", appended last so they win
}

var serverTemplate = sync.OnceValues(func() (*template.Template, error) {
	path := filepath.Join(repoRoot(), "testdata", "kafka", "server.properties.tmpl")
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("realkafka: broker config template: %w", err)
	}
	return template.New("server.properties").Option("missingkey=error").Parse(string(text))
})

func writeBrokerConfig(path string, cfg brokerConfig) error {
	tmpl, err := serverTemplate()
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, cfg); err != nil {
		return fmt.Errorf("realkafka: render broker config: %w", err)
	}
	return os.WriteFile(path, []byte(b.String()+"\n"), 0o644)
}

// extraLines renders user properties in a stable order.
func extraLines(props map[string]string) []string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+props[k])
	}
	return out
}

// freePorts reserves n distinct free loopback ports by holding listeners open
// together, then releases them for the JVMs to bind. Another process can grab one
// in between; Start retries the whole cluster when a broker fails to bind.
func freePorts(n int) ([]int, error) {
	lns := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("realkafka: reserve port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// newClusterID returns a random cluster ID as Kafka's Uuid.toString writes it:
// 16 random bytes, base64url without padding (22 chars). IDs starting with '-' are
// rejected as Kafka does, or StorageTool's argument parser would read a flag.
func newClusterID() string {
	for {
		var b [16]byte
		_, _ = rand.Read(b[:])
		id := base64.RawURLEncoding.EncodeToString(b[:])
		if id[0] != '-' {
			return id
		}
	}
}
