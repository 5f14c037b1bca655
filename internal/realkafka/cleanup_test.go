package realkafka

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv, when set to a directory, turns the test binary into a helper that
// starts a one-node cluster there, prints "READY", and waits to be killed.
const helperEnv = "GREGOR_REALKAFKA_HELPER_DIR"

func helperHang() {
	c, err := Start(WithDir(os.Getenv(helperEnv)))
	if err != nil {
		os.Stdout.WriteString("ERR " + strings.ReplaceAll(err.Error(), "\n", " | ") + "\n")
		os.Exit(2)
	}
	os.Stdout.WriteString("READY " + c.Dir() + "\n")
	time.Sleep(10 * time.Minute) // the parent SIGKILLs us long before
	os.Exit(3)
}

// leftoverJVMs returns the PIDs of live kafka.Kafka JVMs whose arguments point into
// one of dirs. Only our own brokers count: other people's JVMs are none of our business.
func leftoverJVMs(dirs []string) []int {
	if runtime.GOOS != "linux" || len(dirs) == 0 {
		return nil
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []int
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte("kafka.Kafka")) {
			continue
		}
		for _, arg := range strings.Split(string(b), "\x00") {
			for _, d := range dirs {
				if strings.HasPrefix(arg, d) {
					pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
					pids = append(pids, pid)
					goto next
				}
			}
		}
	next:
	}
	return pids
}

// TestJVMsDieWithKilledTestBinary SIGKILLs a test binary that runs a broker (no
// t.Cleanup, no deferred code can run) and checks the JVM goes too: Pdeathsig.
func TestJVMsDieWithKilledTestBinary(t *testing.T) {
	SkipIfUnavailable(t)
	if runtime.GOOS != "linux" {
		t.Skip("Pdeathsig is Linux-only")
	}
	if err := checkJava(); err != nil {
		if !Required() {
			t.Skip(err.Error())
		}
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if !strings.HasPrefix(s, "READY") {
			if strings.Contains(s, "unavailable") && !Required() {
				t.Skip(s)
			}
			t.Fatalf("helper: %q", s)
		}
	case <-time.After(100 * time.Second):
		t.Fatal("helper did not start its broker in time")
	}
	if jvms := leftoverJVMs([]string{dir}); len(jvms) != 1 {
		t.Fatalf("helper runs %d broker JVMs (%v); want 1", len(jvms), jvms)
	}

	killed := time.Now()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	for {
		jvms := leftoverJVMs([]string{dir})
		if len(jvms) == 0 {
			t.Logf("broker JVM gone %v after its test binary was SIGKILLed", time.Since(killed).Round(time.Millisecond))
			return
		}
		if time.Since(killed) > 15*time.Second {
			t.Fatalf("broker JVM %v still alive 15s after its test binary was SIGKILLed", jvms)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
