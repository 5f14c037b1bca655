//go:build !linux

package realkafka

import (
	"os"
	"os/exec"
)

// Outside Linux there is no Pdeathsig: a SIGKILLed test binary can leave JVMs
// behind. t.Cleanup still kills them on every normal, failing or panicking exit.
func setProcAttrs(cmd *exec.Cmd) {}

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

func termGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Signal(os.Interrupt)
	}
}
