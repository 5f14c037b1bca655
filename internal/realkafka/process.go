package realkafka

import (
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// JVMs must never outlive the test binary, even when it is SIGKILLed or panics on a
// test timeout, because a stray broker keeps its ports and 1 GiB of heap on a
// 2-core CI host. On Linux every JVM is started with Pdeathsig=SIGKILL. The kernel
// sends that signal when the *thread* that forked the child exits, not the process,
// and the Go runtime may retire threads, so all JVMs are forked from one goroutine
// locked to its OS thread (the spawner). The spawner lives exactly as long as at
// least one JVM does, so no goroutine is left behind once every cluster is closed.

type spawnReq struct {
	cmd *exec.Cmd
	res chan error
}

var spawner struct {
	mu   sync.Mutex
	reqs chan spawnReq
	live int
}

func spawnLoop(reqs <-chan spawnReq) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for r := range reqs {
		r.res <- r.cmd.Start()
	}
}

// process is one started JVM. done is closed once it has been reaped; err is then
// its exit error.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// launch starts cmd on the spawner thread, in its own process group, with
// Pdeathsig where supported, and reaps it in the background. logFile (may be nil)
// is closed after the process exits.
func launch(cmd *exec.Cmd, logFile *os.File) (*process, error) {
	setProcAttrs(cmd)
	spawner.mu.Lock()
	if spawner.reqs == nil {
		spawner.reqs = make(chan spawnReq)
		go spawnLoop(spawner.reqs)
	}
	reqs := spawner.reqs
	spawner.live++
	spawner.mu.Unlock()

	res := make(chan error, 1)
	reqs <- spawnReq{cmd: cmd, res: res}
	if err := <-res; err != nil {
		released()
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		if logFile != nil {
			_ = logFile.Close()
		}
		released()
		close(p.done)
	}()
	return p, nil
}

// released drops one live JVM; the last one stops the spawner.
func released() {
	spawner.mu.Lock()
	defer spawner.mu.Unlock()
	spawner.live--
	if spawner.live == 0 && spawner.reqs != nil {
		close(spawner.reqs)
		spawner.reqs = nil
	}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL to the process group and waits until the process is reaped.
func (p *process) kill() {
	killGroup(p.cmd.Process.Pid)
	<-p.done
}

// stop sends SIGTERM (Kafka's shutdown hook runs a controlled shutdown) and
// escalates to SIGKILL after grace. It reports whether the process exited on its own.
func (p *process) stop(grace time.Duration) bool {
	termGroup(p.cmd.Process.Pid)
	select {
	case <-p.done:
		return true
	case <-time.After(grace):
		p.kill()
		return false
	}
}
