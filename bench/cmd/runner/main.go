// Command runner runs one benchmark scenario for one client and prints its
// result as one JSON line. benchall starts one runner process per client
// and scenario so that CPU time (getrusage) and peak RSS belong to that
// client alone. With -versions it prints the module versions compiled in.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/bench/internal/clients"
	"github.com/gregorkafka/gregor/bench/internal/harness"
)

func main() {
	var cfg harness.Config
	brokers := flag.String("brokers", "127.0.0.1:9092", "comma-separated bootstrap brokers")
	flag.StringVar(&cfg.Client, "client", "", "client: "+strings.Join(clients.Names(), ", "))
	flag.StringVar(&cfg.Mode, "mode", harness.ModeAsync, "async, sync or rate")
	flag.StringVar(&cfg.Topic, "topic", "bench", "topic")
	flag.IntVar(&cfg.Records, "n", 1_000_000, "async: records; sync: upper bound on calls")
	flag.IntVar(&cfg.RecordSize, "size", 100, "record value bytes")
	flag.IntVar(&cfg.Goroutines, "g", 8, "sync: goroutines")
	flag.IntVar(&cfg.Rate, "rate", 10000, "rate: records/s")
	flag.DurationVar(&cfg.Duration, "d", 3*time.Second, "sync and rate: duration")
	linger := flag.String("linger", "default", `linger for every client, or "default" for each client's own`)
	flag.StringVar(&cfg.Compression, "compression", "none", "none, gzip, snappy, lz4, zstd")
	flag.IntVar(&cfg.BatchBytes, "batch-bytes", 0, "batch size limit in bytes where configurable (0: client default)")
	flag.IntVar(&cfg.Warmup, "warmup", 1000, "async/rate: records acknowledged before measuring")
	flag.DurationVar(&cfg.AckTimeout, "ack-timeout", 2*time.Minute, "how long to wait for outstanding acknowledgements")
	versions := flag.Bool("versions", false, "print compiled-in client module versions as JSON and exit")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured part of the run (after warm-up, up to the last acknowledgement) to this file")
	cpuHz := flag.Int("cpuprofile-hz", 100, "CPU profile sampling rate (Hz); a 1-2 s run needs more than the default 100 to split its CPU into categories")
	memProfile := flag.String("memprofile", "", "write an allocation profile (every allocation sampled per 512 KiB) at the end of the run")
	flag.Parse()
	if *memProfile != "" {
		runtime.MemProfileRate = 512 << 10
		defer func() {
			if f, err := os.Create(*memProfile); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	var profFile *os.File
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail(err)
		}
		profFile = f
		cfg.Measuring = func(start bool) {
			if !start {
				pprof.StopCPUProfile()
				return
			}
			if *cpuHz != 100 {
				// StartCPUProfile always asks for 100 Hz; a rate set
				// before it stays in force (the runtime prints a warning
				// on stderr and keeps it), and the profile records the
				// rate actually used, so sample weights stay right.
				runtime.SetCPUProfileRate(*cpuHz)
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				fail(err)
			}
		}
		defer f.Close()
	}

	if *versions {
		printVersions()
		return
	}
	cfg.Brokers = strings.Split(*brokers, ",")
	if *linger != "default" {
		d, err := time.ParseDuration(*linger)
		if err != nil {
			fail(fmt.Errorf("runner: -linger: %w", err))
		}
		cfg.Linger, cfg.LingerSet = d, true
	}
	res, err := harness.Run(cfg)
	out := struct {
		harness.Result
		Error string `json:"error,omitempty"`
	}{Result: res}
	if err != nil {
		out.Error = err.Error()
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	if err != nil {
		if profFile != nil {
			profFile.Close()
		}
		os.Exit(1)
	}
}

func printVersions() {
	v := map[string]string{"go": runtime.Version()}
	bi, _ := debug.ReadBuildInfo()
	want := map[string]string{}
	for _, n := range clients.Names() {
		c, _ := clients.Lookup(n)
		want[c.Module] = n
	}
	for _, d := range bi.Deps {
		if n, ok := want[d.Path]; ok {
			ver := d.Version
			if d.Replace != nil {
				ver = "local (" + d.Replace.Path + ")"
			}
			v[n] = ver
		}
	}
	for n, why := range clients.Unavailable() {
		v[n] = "unavailable: " + why
	}
	_ = json.NewEncoder(os.Stdout).Encode(v)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}
