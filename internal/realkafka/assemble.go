package realkafka

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Kafka versions the harness knows. Version39 is the newest 3.9 release Maven
// Central serves (3.9.3 does not exist there).
const (
	DefaultVersion = "4.4.0"
	Version39      = "3.9.2"
)

// UnavailableError says real Kafka cannot run on this machine (no java, java too
// old, no mvn, jars not assembled). StartCluster turns it into t.Skip unless the
// environment demands real Kafka (CI=true or GREGOR_REAL_KAFKA=1).
type UnavailableError struct {
	Reason string
	Err    error // underlying error, may be nil
}

func (e *UnavailableError) Error() string {
	s := "realkafka: real Kafka unavailable: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s + " (install OpenJDK 17+ and Maven, then run: scripts/kafka-libs.sh --all && go test ./...)"
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// ResolveVersion maps the aliases "3.9.x"/"3.9" and "4.4.x"/"4.4"/"latest" to the
// pinned releases; any other string is returned unchanged.
func ResolveVersion(v string) string {
	switch strings.TrimSpace(v) {
	case "", "latest", "4.4", "4.4.x":
		return DefaultVersion
	case "3.9", "3.9.x":
		return Version39
	}
	return strings.TrimSpace(v)
}

// Versions returns the Kafka versions a test suite should cover, from
// GREGOR_KAFKA_VERSIONS (comma-separated, aliases allowed), by default
// DefaultVersion and Version39.
func Versions() []string {
	env := os.Getenv("GREGOR_KAFKA_VERSIONS")
	if strings.TrimSpace(env) == "" {
		return []string{DefaultVersion, Version39}
	}
	var out []string
	for _, v := range strings.Split(env, ",") {
		if strings.TrimSpace(v) != "" {
			out = append(out, ResolveVersion(v))
		}
	}
	return out
}

// is4x reports whether version belongs to the 4.x line (log4j2, share coordinator).
func is4x(version string) bool { return !strings.HasPrefix(version, "3.") }

// repoRoot is the module root, found from this source file so tests of any package
// (each runs in its own directory) reach testdata/kafka and scripts/.
var repoRoot = sync.OnceValue(func() string {
	if r := os.Getenv("GREGOR_ROOT"); r != "" {
		return r
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
})

// CacheDir is where assembled jars live: $GREGOR_KAFKA_CACHE, else
// $XDG_CACHE_HOME/gregor-kafka, else ~/.cache/gregor-kafka. It must match
// scripts/kafka-libs.sh.
func CacheDir() string {
	if d := os.Getenv("GREGOR_KAFKA_CACHE"); d != "" {
		return d
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "gregor-kafka")
}

var ensureMu sync.Mutex

// Ensure makes sure the jars of a Kafka version are in the cache, running
// scripts/kafka-libs.sh (and so mvn) only when the cache marker is missing or stale,
// and returns the java classpath ("<libs>/*"; pass it as one argument, java
// expands the star). Concurrent test binaries serialise on the script's flock.
func Ensure(version string) (classpath string, err error) {
	version = ResolveVersion(version)
	pom := filepath.Join(repoRoot(), "testdata", "kafka", "pom-"+version+".xml")
	pomBytes, err := os.ReadFile(pom)
	if err != nil {
		return "", fmt.Errorf("realkafka: no pom for Kafka %s: %w", version, err)
	}
	libs := filepath.Join(CacheDir(), version, "libs")
	if cached(libs, pomBytes) {
		return filepath.Join(libs, "*"), nil
	}

	ensureMu.Lock()
	defer ensureMu.Unlock()
	if cached(libs, pomBytes) {
		return filepath.Join(libs, "*"), nil
	}
	if _, err := exec.LookPath("mvn"); err != nil {
		return "", &UnavailableError{Reason: "mvn not found and no cached jars for Kafka " + version, Err: err}
	}
	script := filepath.Join(repoRoot(), "scripts", "kafka-libs.sh")
	cmd := exec.Command("bash", script, version)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "GREGOR_KAFKA_CACHE="+CacheDir())
	if err := cmd.Run(); err != nil {
		return "", &UnavailableError{
			Reason: fmt.Sprintf("assembling Kafka %s jars failed: %s", version, tail(stderr.String(), 15)),
			Err:    err,
		}
	}
	if !cached(libs, pomBytes) {
		return "", fmt.Errorf("realkafka: %s ran but %s has no valid marker (stdout %q)", script, libs, stdout.String())
	}
	return filepath.Join(libs, "*"), nil
}

// cached reports whether libs holds a complete assembly of exactly this pom.
func cached(libs string, pom []byte) bool {
	marker, err := os.ReadFile(filepath.Join(filepath.Dir(libs), "libs.ok"))
	if err != nil {
		return false
	}
	sum := sha256.Sum256(pom)
	if strings.TrimSpace(string(marker)) != hex.EncodeToString(sum[:]) {
		return false
	}
	st, err := os.Stat(libs)
	return err == nil && st.IsDir()
}

var javaVersionRE = regexp.MustCompile(`version "(\d+)(?:\.(\d+))?`)

// checkJava verifies a java of major version >= 17 (Kafka 4.x brokers need 17) is on PATH.
var checkJava = sync.OnceValue(func() error {
	path, err := exec.LookPath("java")
	if err != nil {
		return &UnavailableError{Reason: "java not found", Err: err}
	}
	out, err := exec.Command(path, "-version").CombinedOutput()
	if err != nil {
		return &UnavailableError{Reason: "java -version failed: " + tail(string(out), 5), Err: err}
	}
	m := javaVersionRE.FindStringSubmatch(string(out))
	if m == nil {
		return &UnavailableError{Reason: "cannot parse java -version output: " + tail(string(out), 5)}
	}
	major, _ := strconv.Atoi(m[1])
	if major == 1 && m[2] != "" { // "1.8.0_x"
		major, _ = strconv.Atoi(m[2])
	}
	if major < 17 {
		return &UnavailableError{Reason: fmt.Sprintf("java %d found, Kafka brokers need 17 or newer", major)}
	}
	return nil
})

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// isUnavailable reports whether err means "cannot run here" rather than "broken".
func isUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}
