package realkafka

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
)

// RunTool runs one of Kafka's Java command-line tools with the cluster's
// classpath and log config, e.g.
//
//	c.RunTool(ctx, "org.apache.kafka.tools.consumer.ConsoleConsumer",
//		"--bootstrap-server", c.Bootstrap(), "--topic", "t", "--from-beginning", "--max-messages", "10")
//
// It returns the tool's stdout; a non-zero exit is an error that carries the last
// lines of stderr. ctx cancellation kills the JVM. The tool JVM starts at C1 only
// (quick start): for ProducerPerformance numbers, pass real workloads long enough
// that this does not matter, or run java yourself with Classpath().
func (c *Cluster) RunTool(ctx context.Context, mainClass string, args ...string) (stdout string, err error) {
	return c.runJava(ctx, mainClass, args...)
}

func (c *Cluster) runJava(ctx context.Context, mainClass string, args ...string) (string, error) {
	argv := append([]string(nil), toolJVM...)
	argv = append(argv, logConfigFlag(c.version), "-cp", c.classpath, mainClass)
	argv = append(argv, args...)
	cmd := exec.Command("java", argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	p, err := launch(cmd, nil)
	if err != nil {
		return "", fmt.Errorf("realkafka: start %s: %w", mainClass, err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.kill()
		return stdout.String(), fmt.Errorf("realkafka: %s: %w", mainClass, ctx.Err())
	}
	if p.err != nil {
		return stdout.String(), fmt.Errorf("realkafka: %s: %w\n%s", mainClass, p.err, tail(stderr.String()+stdout.String(), 20))
	}
	return stdout.String(), nil
}
