package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// buildTools builds the runner and sink binaries into dir. The runner is
// built with every client if it can be; a client whose code does not
// compile (gregor mid-change, confluent without cgo) is compiled out with
// its tag and the reason recorded, never silently dropped.
func buildTools(dir string) (runner, sink string, notes []string, err error) {
	sink = filepath.Join(dir, "sink")
	if out, err := exec.Command("go", "build", "-o", sink, "./cmd/sink").CombinedOutput(); err != nil {
		return "", "", nil, fmt.Errorf("benchall: building sink: %v\n%s", err, out)
	}
	runner = filepath.Join(dir, "runner")
	for _, tags := range [][]string{nil, {"nogregor"}, {"noconfluent"}, {"nogregor", "noconfluent"}} {
		args := []string{"build", "-o", runner}
		if len(tags) > 0 {
			args = append(args, "-tags", strings.Join(tags, ","))
		}
		out, err := exec.Command("go", append(args, "./cmd/runner")...).CombinedOutput()
		if err == nil {
			return runner, sink, notes, nil
		}
		notes = append(notes, fmt.Sprintf("build with tags %q failed: %s", strings.Join(tags, ","), firstLines(string(out), 3)))
	}
	return "", "", notes, fmt.Errorf("benchall: runner does not build: %s", strings.Join(notes, "; "))
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}
