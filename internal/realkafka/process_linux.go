package realkafka

import (
	"os/exec"
	"syscall"
)

func setProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // own group: signals reach the JVM and nothing else
		Pdeathsig: syscall.SIGKILL, // dies with the spawner thread, i.e. with the test binary
	}
}

func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
func termGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGTERM) }
