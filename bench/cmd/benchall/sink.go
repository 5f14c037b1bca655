package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/gregorkafka/gregor/bench/internal/sink"
)

// sinkProc is a sink broker in its own process, so its CPU is not billed
// to the client under test.
type sinkProc struct {
	cmd   *exec.Cmd
	addr  string
	stats string
}

func startSink(bin string, partitions int) (*sinkProc, error) {
	cmd := exec.Command(bin, "-partitions", fmt.Sprint(partitions))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("benchall: sink did not start: %v", err)
	}
	s := &sinkProc{cmd: cmd}
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "kafka="); ok {
			s.addr = v
		}
		if v, ok := strings.CutPrefix(f, "stats="); ok {
			s.stats = v
		}
	}
	if s.addr == "" || s.stats == "" {
		s.stop()
		return nil, fmt.Errorf("benchall: unexpected sink banner %q", line)
	}
	return s, nil
}

func (s *sinkProc) topic(name string) (sink.TopicStats, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(s.stats)
	if err != nil {
		return sink.TopicStats{}, err
	}
	defer resp.Body.Close()
	var st sink.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return sink.TopicStats{}, err
	}
	return st.Topics[name], nil
}

func (s *sinkProc) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}
