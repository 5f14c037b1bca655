package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gregorkafka/gregor/bench/internal/harness"
)

// profileConfig is what the -profile-* flags ask for.
type profileConfig struct {
	clients []string
	records int
	hz      int
	dir     string
}

// runProfiles makes one extra run per client in the first throughput
// scenario (async, linger 0) with the runner's CPU profile on, after the
// measured runs, and splits each profile into categories. The runs go
// against a fresh sink like every other run and are checked the same way.
func runProfiles(rep *Report, runnerBin, sinkBin, brokers string, pc profileConfig) {
	var sc *Scenario
	for i := range rep.Scenarios {
		if rep.Scenarios[i].Mode == harness.ModeAsync {
			sc = &rep.Scenarios[i]
			break
		}
	}
	if sc == nil || len(pc.clients) == 0 {
		return
	}
	dir := filepath.Join(pc.dir, rep.Date.Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Printf("profiles: %v", err)
		return
	}
	for _, cl := range pc.clients {
		pr := ProfileRun{Client: cl, Scenario: sc.ID, Records: pc.records, Hz: pc.hz,
			Path: filepath.Join(dir, cl+".cpu.pprof")}
		args := append(rep.runArgs(*sc, cl), "-n", fmt.Sprint(pc.records),
			"-cpuprofile", pr.Path, "-cpuprofile-hz", fmt.Sprint(pc.hz))
		pr.Run = runOne(runnerBin, sinkBin, brokers, rep.Partitions, *sc, cl, args)
		switch {
		case pr.Run.Error != "":
			pr.Error = pr.Run.Error
		case pr.Run.Verified != "ok" && !strings.HasPrefix(pr.Run.Verified, "not checked"):
			pr.Error = "run not verified: " + pr.Run.Verified
		default:
			if err := analyseFile(&pr); err != nil {
				pr.Error = err.Error()
			}
		}
		pr.Path = displayPath(pr.Path)
		rep.Profiles = append(rep.Profiles, pr)
		log.Printf("profile %-10s %s: %.0f ns/rec, %d samples %s", cl, pr.Path, pr.Run.Result.CPUNsPerRec, pr.Samples, pr.Error)
	}
}

// displayPath is p relative to the repository root (benchall runs in
// bench/, so the root is ".."), or absolute when p is outside it.
func displayPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	root, err := filepath.Abs("..")
	if err != nil {
		return abs
	}
	if rel, err := filepath.Rel(root, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return abs
}

// profileFor is client's analysed profile, or nil.
func profileFor(rep *Report, client string) *ProfileRun {
	for i := range rep.Profiles {
		if p := &rep.Profiles[i]; p.Client == client && p.Error == "" && len(p.Categories) > 0 {
			return p
		}
	}
	return nil
}

func (p *ProfileRun) category(name string) CategoryCost {
	for _, c := range p.Categories {
		if c.Name == name {
			return c
		}
	}
	return CategoryCost{Name: name}
}

// shortFunc trims a function name for a table: no module host, no
// generic shapes.
func shortFunc(fn string) string {
	if i := strings.Index(fn, "[go.shape"); i >= 0 {
		if j := strings.LastIndex(fn, "]"); j > i {
			fn = fn[:i] + "[…]" + fn[j+1:]
		}
	}
	for _, p := range []string{"github.com/gregorkafka/gregor/", "github.com/twmb/franz-go/pkg/", "github.com/"} {
		if strings.HasPrefix(fn, p) {
			return strings.TrimPrefix(fn, p)
		}
	}
	return fn
}

// profileMarkdown is the "Where the CPU goes" section: per client a table
// of CPU per record by category and the top functions by flat CPU, then
// the ratio with and without the harness's share.
func profileMarkdown(rep *Report) string {
	if len(rep.Profiles) == 0 {
		return ""
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	pr0 := rep.Profiles[0]
	w("## Where the CPU goes (profiles of this run)\n\n")
	w("One extra run per client after the tables above: scenario %s, %s records, with the runner's CPU profile (%d Hz)\n",
		pr0.Scenario, fmtInt(float64(pr0.Records)), pr0.Hz)
	w("covering the measured part only (after the warm-up, up to the last acknowledgement). These runs are not in the tables.\n")
	w("Each category's share of the profile's samples is multiplied by that run's own getrusage CPU/record, so the rows add\n")
	w("up to it. Each sample goes to one category:\n\n")
	w("1. **%s** if the innermost frame outside the standard library is in `bench/internal/harness` or the client's adapter in\n", catHarness)
	w("   `bench/internal/clients` (the record loop, allocating each record, counting callbacks), whatever runtime work it is.\n")
	w("2. Otherwise the first frame from the leaf that matches a rule: **%s** (time.Now/Since, nanotime), **%s**\n", catClock, catSync)
	w("   (package sync, sync/atomic, channel and select operations), **%s** (gregor's `kafka/wire`, franz-go's kbin/kmsg and\n", catEncode)
	w("   its record/batch/request append functions, CRC, compression), **%s** (syscalls, net, internal/poll, netpoll, the\n", catIO)
	w("   connections' read/write functions), **%s** (mallocgc, slice growth, mark, sweep, scan, write barriers,\n", catGC)
	w("   scavenger), **%s** (schedule, findRunnable, park/ready, preemption, timers, sysmon). Runtime locks, futexes,\n", catSched)
	w("   memmove/memclr, raw syscalls and runtime-internal atomics are skipped so that their caller decides (a heap lock is\n")
	w("   allocation, a channel's lock is synchronisation). The exact name lists are in `bench/cmd/benchall/profile.go`.\n")
	w("3. Otherwise **%s** if the stack has a frame of the client's code (its own bookkeeping: partitioning, accumulating,\n", catClient)
	w("   completing batches), else **%s**.\n\n", catOther)
	w("GC work on the runtime's own goroutines is in %s even when the harness's records caused it, so the harness row is\n", catGC)
	w("a lower bound. The kernel checks a thread's profiling timer once per tick, so above ~100 Hz some periods are lost\n")
	w("and the profile holds less CPU than getrusage counts (the total row says how much); the shares are what is used.\n")
	w("A category of n samples is uncertain by about ±√n samples.\n\n")

	clients := []string{}
	for _, p := range rep.Profiles {
		clients = append(clients, p.Client)
	}
	w("| category |")
	for _, c := range clients {
		w(" %s CPU/rec | %s share |", c, c)
	}
	w("\n|---|")
	for range clients {
		w("--:|--:|")
	}
	w("\n")
	for _, cat := range categoryOrder {
		w("| %s |", cat)
		for _, c := range clients {
			if p := profileFor(rep, c); p != nil {
				x := p.category(cat)
				w(" %.3f µs | %.1f%% (%d) |", x.NsPerRec/1e3, 100*x.Share, x.Samples)
			} else {
				w(" – | – |")
			}
		}
		w("\n")
	}
	w("| **total (getrusage)** |")
	for _, c := range clients {
		if p := profileFor(rep, c); p != nil {
			cover := 0.0
			if t := p.Run.Result.CPUNsPerRec * float64(p.Records); t > 0 {
				cover = float64(p.SampledNs) / t
			}
			w(" **%.3f µs** | %d samples, %.0f%% of the CPU |", p.Run.Result.CPUNsPerRec/1e3, p.Samples, 100*cover)
		} else {
			w(" – | – |")
		}
	}
	w("\n\n")
	for _, p := range rep.Profiles {
		if p.Error != "" {
			w("Profiled run of %s **failed**: %s\n\n", p.Client, strings.ReplaceAll(p.Error, "|", "\\|"))
			continue
		}
		w("Top %d functions of %s by flat CPU (`go tool pprof -top %s`):\n\n", len(p.Top), p.Client, p.Path)
		w("| function | CPU/rec | share | category |\n|---|--:|--:|---|\n")
		for _, f := range p.Top {
			w("| `%s` | %.3f µs | %.1f%% | %s |\n", strings.ReplaceAll(shortFunc(f.Func), "|", "\\|"), f.NsPerRec/1e3, 100*f.Share, f.Category)
		}
		w("\n")
	}
	w("%s\n\n", profileVerdict(rep))
	return b.String()
}

// profileVerdict is the generated sentence under the profile tables: the
// CPU ratio of the profiled runs and the same ratio without the
// harness's share, and the categories where gregor spends more than half
// of franz-go's.
func profileVerdict(rep *Report) string {
	g, f := profileFor(rep, "gregor"), profileFor(rep, "franz-go")
	if g == nil || f == nil {
		return "No gregor and franz-go profiles in this run to compare."
	}
	gt, ft := g.Run.Result.CPUNsPerRec, f.Run.Result.CPUNsPerRec
	gh, fh := g.category(catHarness).NsPerRec, f.category(catHarness).NsPerRec
	s := fmt.Sprintf("In the profiled runs gregor used %.3f µs CPU/record and franz-go %.3f: a ratio of %.2f× with the harness.",
		gt/1e3, ft/1e3, gt/ft)
	net := gt / ft
	if ft > fh {
		net = (gt - gh) / (ft - fh)
		s += fmt.Sprintf(" Net of the harness's own share in these profiles (%.3f and %.3f µs/rec), %.2f× (target ≤ 0.50×, judged net of the harness).", gh/1e3, fh/1e3, net)
	}
	// Where the gap to the target is: each category's excess over half
	// of franz-go's, largest first.
	type excess struct {
		cat    string
		g, f   float64
		excess float64
	}
	var over []excess
	for _, cat := range categoryOrder {
		if cat == catHarness {
			continue
		}
		gc, fc := g.category(cat).NsPerRec, f.category(cat).NsPerRec
		if e := gc - 0.5*fc; e > 0 && e >= 0.02*gt {
			over = append(over, excess{cat, gc, fc, e})
		}
	}
	sort.SliceStable(over, func(i, j int) bool { return over[i].excess > over[j].excess })
	if gap := (gt - gh) - 0.5*(ft-fh); net > 0.5 && gap > 0 && len(over) > 0 {
		var parts []string
		for _, o := range over {
			parts = append(parts, fmt.Sprintf("%s (%.3f vs %.3f µs, +%.3f over half)", o.cat, o.g/1e3, o.f/1e3, o.excess/1e3))
		}
		s += fmt.Sprintf(" Reaching 0.50× means %.3f µs/rec less; the categories furthest above half of franz-go's: %s.",
			gap/1e3, strings.Join(parts, ", "))
	}
	return s
}
