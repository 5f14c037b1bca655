package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/pprof/profile"
	"github.com/gregorkafka/gregor/bench/internal/harness"
)

const (
	gk  = "github.com/gregorkafka/gregor/kafka."
	kgo = "github.com/twmb/franz-go/pkg/kgo."
	hr  = "github.com/gregorkafka/gregor/bench/internal/harness.Run"
	ad  = "github.com/gregorkafka/gregor/bench/internal/clients.(*gregor).Produce"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stack []string // leaf first
		want  string
	}{
		{"record allocation in the adapter", []string{"runtime.memclrNoHeapPointers", "runtime.mallocgc", "runtime.newobject", ad, hr, "main.main"}, catHarness},
		{"harness loop itself", []string{hr, "main.main", "runtime.main"}, catHarness},
		{"callback counting", []string{"runtime.selectnbsend", "github.com/gregorkafka/gregor/bench/internal/harness.(*counters).done",
			"github.com/gregorkafka/gregor/bench/internal/clients.newGregor.func1", gk + "(*Client).runCallbacks", "runtime.goexit"}, catHarness},
		{"allocation inside the client", []string{"runtime.nextFreeFast", "runtime.mallocgc", gk + "(*Client).enqueue", gk + "(*Client).Produce", ad, hr}, catGC},
		{"record encoding", []string{"runtime.memmove", "github.com/gregorkafka/gregor/kafka/wire.(*BatchBuilder).Append", gk + "(*Client).routeAt", ad, hr}, catEncode},
		{"buffer growth in the encoder", []string{"runtime.memclrNoHeapPointers", "slices.Grow[go.shape.[]uint8,go.shape.uint8]",
			"github.com/gregorkafka/gregor/kafka/wire.(*BatchBuilder).Append", ad, hr}, catGC},
		{"crc", []string{"hash/crc32.castagnoliSSE42Triple", "hash/crc32.Update", gk + "(*sender).seal", "runtime.goexit"}, catEncode},
		{"franz-go request encoding", []string{"github.com/twmb/franz-go/pkg/kbin.AppendVarint", kgo + "promisedRec.appendTo", kgo + "(*brokerCxn).writeRequest"}, catEncode},
		{"write syscall", []string{"internal/runtime/syscall/linux.Syscall6", "syscall.RawSyscall6", "syscall.Syscall", "syscall.write",
			"internal/poll.(*FD).Write", "net.(*conn).Write", "github.com/gregorkafka/gregor/kafka/conn.(*Conn).writeLoop"}, catIO},
		{"franz-go clock", []string{"time.runtimeNow", "time.Now", kgo + "(*Client).produce", "github.com/gregorkafka/gregor/bench/internal/clients.(*franz).Produce", hr}, catClock},
		{"gregor clock", []string{"runtime.nanotime", gk + "(*clock).now", gk + "(*Client).Produce", ad, hr}, catClock},
		{"mutex", []string{"internal/sync.(*Mutex).Unlock", "sync.(*Mutex).Unlock", gk + "(*Client).routeAt", ad, hr}, catSync},
		{"futex under a channel send is synchronisation", []string{"runtime.futex", "runtime.futexsleep", "runtime.lock2", "runtime.lockWithRank",
			"runtime.lock", "runtime.chansend", "runtime.chansend1", gk + "(*sender).kick"}, catSync},
		{"futex under an idle M is the scheduler", []string{"runtime.futex", "runtime.futexsleep", "runtime.notesleep", "runtime.mPark",
			"runtime.stopm", "runtime.findRunnable", "runtime.schedule", "runtime.park_m", "runtime.mcall"}, catSched},
		{"heap lock is allocation", []string{"runtime.lock2", "runtime.lock", "runtime.(*mheap).alloc", "runtime.(*mcentral).grow",
			"runtime.mallocgc", kgo + "(*recBuf).bufferRecord"}, catGC},
		{"background mark worker", []string{"internal/runtime/gc/scan.scanSpanPackedAVX512", "runtime.scanSpan", "runtime.gcDrain",
			"runtime.gcBgMarkWorker.func2", "runtime.systemstack", "runtime.gcBgMarkWorker", "runtime.goexit"}, catGC},
		{"preemption", []string{"runtime.asyncPreempt", gk + "(*Client).enqueue", ad, hr}, catSched},
		{"client bookkeeping", []string{gk + "(*sticky).onAppend", gk + "(*Client).routeAt", ad, hr}, catClient},
		{"stdlib helper inside the client", []string{"time.Time.Truncate", kgo + "(*Client).produce", "github.com/gregorkafka/gregor/bench/internal/clients.(*franz).Produce", hr}, catClient},
		{"map lookup in franz-go", []string{"aeshashbody", "internal/runtime/maps.(*Map).getWithoutKeySmallFastStr", kgo + "(*Client).partitionsForTopicProduce"}, catClient},
		{"unattributed runtime", []string{"runtime.memmove", "runtime.copystack", "runtime.newstack", "runtime.morestack"}, catOther},
		{"empty stack", nil, catOther},
	} {
		if got := classify(tc.stack); got != tc.want {
			t.Errorf("%s: classify = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestIsStd(t *testing.T) {
	for fn, want := range map[string]bool{
		"runtime.mallocgc":          true,
		"internal/poll.(*FD).Write": true,
		"hash/crc32.Update":         true,
		"gcWriteBarrier":            true,
		"main.main":                 true,
		"sync/atomic.(*Pointer[go.shape.struct { github.com/x/y.T }]).Load":                             true,
		"slices.Sort[go.shape.[]github.com/x/y.T]":                                                      true,
		"github.com/twmb/franz-go/pkg/kgo.(*Client).Produce":                                            false,
		"github.com/gregorkafka/gregor/kafka/batch.(*Partition[go.shape.struct { x int }]).AppendSized": false,
		"go.uber.org/zap.(*Logger).Info":                                                                false,
	} {
		if got := isStd(fn); got != want {
			t.Errorf("isStd(%q) = %v, want %v", fn, got, want)
		}
	}
}

// synth builds a CPU profile shaped like the runtime's (samples/count and
// cpu/nanoseconds) from stacks, leaf first; each inner slice of a stack
// entry is one location with inlined frames, innermost first.
func synth(samples []struct {
	n     int64
	stack [][]string
}) *profile.Profile {
	const period = 4_000_000
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     period,
	}
	funcs := map[string]*profile.Function{}
	fn := func(name string) *profile.Function {
		if f := funcs[name]; f != nil {
			return f
		}
		f := &profile.Function{ID: uint64(len(funcs) + 1), Name: name, SystemName: name}
		funcs[name] = f
		p.Function = append(p.Function, f)
		return f
	}
	for _, s := range samples {
		var locs []*profile.Location
		for _, frames := range s.stack {
			loc := &profile.Location{ID: uint64(len(p.Location) + 1), Address: uint64(0x1000 + len(p.Location))}
			for _, name := range frames {
				loc.Line = append(loc.Line, profile.Line{Function: fn(name), Line: 1})
			}
			p.Location = append(p.Location, loc)
			locs = append(locs, loc)
		}
		p.Sample = append(p.Sample, &profile.Sample{Location: locs, Value: []int64{s.n, s.n * period}})
	}
	return p
}

func testProfile() *profile.Profile {
	return synth([]struct {
		n     int64
		stack [][]string
	}{
		{20, [][]string{{"runtime.nextFreeFast", "runtime.mallocgc"}, {"runtime.newobject"}, {ad}, {hr}}}, // harness: record
		{30, [][]string{{"runtime.memmove"}, {"github.com/gregorkafka/gregor/kafka/wire.(*BatchBuilder).Append"}, {gk + "(*Client).routeAt"}, {ad}, {hr}}},
		{10, [][]string{{"hash/crc32.castagnoliSSE42Triple"}, {gk + "(*sender).seal"}}}, // encoding
		{15, [][]string{{gk + "(*Client).enqueue"}, {gk + "(*Client).Produce"}, {ad}, {hr}}},
		// An inlined clock read: the leaf location holds nanotime inlined
		// into the client's clock, innermost first.
		{5, [][]string{{"runtime.nanotime", gk + "(*clock).now"}, {gk + "(*Client).Produce"}, {ad}, {hr}}},
		{10, [][]string{{"internal/runtime/syscall/linux.Syscall6"}, {"syscall.write"}, {"internal/poll.(*FD).Write"}, {"github.com/gregorkafka/gregor/kafka/conn.(*Conn).writeLoop"}}},
		{10, [][]string{{"runtime.scanObject"}, {"runtime.gcDrain"}, {"runtime.gcBgMarkWorker"}}},
	})
}

func TestAnalyse(t *testing.T) {
	cats, top, samples, ns := analyse(testProfile(), 1000, 3)
	if samples != 100 || ns != 100*4_000_000 {
		t.Errorf("samples, ns = %d, %d; want 100, 400000000", samples, ns)
	}
	want := []CategoryCost{
		{Name: catHarness, Samples: 20, Share: 0.20, NsPerRec: 200},
		{Name: catClock, Samples: 5, Share: 0.05, NsPerRec: 50},
		{Name: catSync},
		{Name: catEncode, Samples: 40, Share: 0.40, NsPerRec: 400},
		{Name: catIO, Samples: 10, Share: 0.10, NsPerRec: 100},
		{Name: catGC, Samples: 10, Share: 0.10, NsPerRec: 100},
		{Name: catSched},
		{Name: catClient, Samples: 15, Share: 0.15, NsPerRec: 150},
		{Name: catOther},
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	if d := cmp.Diff(want, cats, approx); d != "" {
		t.Errorf("categories (-want +got):\n%s", d)
	}
	wantTop := []FuncCost{
		{Func: "runtime.memmove", Category: catEncode, Share: 0.30, NsPerRec: 300},
		{Func: "runtime.nextFreeFast", Category: catHarness, Share: 0.20, NsPerRec: 200},
		{Func: gk + "(*Client).enqueue", Category: catClient, Share: 0.15, NsPerRec: 150},
	}
	if d := cmp.Diff(wantTop, top, approx); d != "" {
		t.Errorf("top (-want +got):\n%s", d)
	}
	var sum float64
	for _, c := range cats {
		sum += c.NsPerRec
	}
	if math.Abs(sum-1000) > 1e-6 {
		t.Errorf("categories add up to %v ns/rec, want the run's 1000", sum)
	}
}

func TestAnalyseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := testProfile().Write(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	pr := ProfileRun{Path: path, Run: Run{Result: harness.Result{CPUNsPerRec: 500}}}
	if err := analyseFile(&pr); err != nil {
		t.Fatal(err)
	}
	if pr.Samples != 100 || len(pr.Top) != 7 || pr.category(catEncode).NsPerRec != 200 {
		t.Errorf("got %d samples, %d top functions, encoding %v ns/rec; want 100, 7, 200", pr.Samples, len(pr.Top), pr.category(catEncode).NsPerRec)
	}

	bad := filepath.Join(t.TempDir(), "bad.pprof")
	os.WriteFile(bad, []byte("not a profile"), 0o644)
	if err := analyseFile(&ProfileRun{Path: bad}); err == nil {
		t.Error("analyseFile accepted garbage")
	}
	if err := analyseFile(&ProfileRun{Path: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("analyseFile accepted a missing file")
	}
}

func TestProfileMarkdown(t *testing.T) {
	mk := func(client string, total float64, shares map[string]float64) ProfileRun {
		pr := ProfileRun{Client: client, Scenario: "throughput-linger-0", Records: 3_000_000, Hz: 250, Samples: 400,
			SampledNs: int64(0.8 * total * 3_000_000), Path: "bench/results/profiles/x/" + client + ".cpu.pprof", Run: Run{Result: harness.Result{CPUNsPerRec: total}}}
		for _, c := range categoryOrder {
			pr.Categories = append(pr.Categories, CategoryCost{Name: c, Share: shares[c], NsPerRec: shares[c] * total})
		}
		pr.Top = []FuncCost{{Func: "github.com/gregorkafka/gregor/kafka/batch.(*Partition[go.shape.struct { a int }]).AppendSized", Category: catClient, Share: 0.1, NsPerRec: total / 10}}
		return pr
	}
	rep := &Report{Profiles: []ProfileRun{
		mk("gregor", 600, map[string]float64{catHarness: 0.2, catEncode: 0.3, catIO: 0.2, catClient: 0.3}),
		mk("franz-go", 900, map[string]float64{catHarness: 0.1, catEncode: 0.1, catIO: 0.1, catGC: 0.3, catClient: 0.4}),
	}}
	got := profileVerdict(rep)
	want := "In the profiled runs gregor used 0.600 µs CPU/record and franz-go 0.900: a ratio of 0.67× with the harness. " +
		"Net of the harness's own share in these profiles (0.120 and 0.090 µs/rec), 0.59× (target ≤ 0.50×, judged net of the harness). " +
		"Reaching 0.50× means 0.075 µs/rec less; the categories furthest above half of franz-go's: " +
		"encoding (0.180 vs 0.090 µs, +0.135 over half), request I/O (0.120 vs 0.090 µs, +0.075 over half)."
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("verdict (-want +got):\n%s", d)
	}
	md := profileMarkdown(rep)
	for _, s := range []string{"## Where the CPU goes (profiles of this run)", "| encoding | 0.180 µs | 30.0% (0) | 0.090 µs | 10.0% (0) |",
		"| **total (getrusage)** | **0.600 µs** | 400 samples, 80% of the CPU | **0.900 µs** | 400 samples, 80% of the CPU |",
		"`kafka/batch.(*Partition[…]).AppendSized`", "go tool pprof -top bench/results/profiles/x/gregor.cpu.pprof", want} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q", s)
		}
	}

	rep.Profiles[1].Error = "runner: exit status 1"
	if got := profileVerdict(rep); !strings.HasPrefix(got, "No gregor and franz-go profiles") {
		t.Errorf("verdict with a failed franz-go profile = %q", got)
	}
	if md := profileMarkdown(rep); !strings.Contains(md, "Profiled run of franz-go **failed**: runner: exit status 1") {
		t.Error("markdown hides the failed profiled run")
	}
	if profileMarkdown(&Report{}) != "" {
		t.Error("a run without profiles gets a profile section")
	}
}

func TestShortFunc(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/gregorkafka/gregor/kafka/batch.(*Partition[go.shape.struct { a *github.com/x.T }]).AppendSized": "kafka/batch.(*Partition[…]).AppendSized",
		"github.com/twmb/franz-go/pkg/kgo.(*Client).produce":                                                        "kgo.(*Client).produce",
		"runtime.mallocgc": "runtime.mallocgc",
	} {
		if got := shortFunc(in); got != want {
			t.Errorf("shortFunc(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCPUTargetLinksProfiles: an unmet CPU target points at the profile
// section when this run has one, and only then.
func TestCPUTargetLinksProfiles(t *testing.T) {
	const link = "(#where-the-cpu-goes-profiles-of-this-run)"
	cpuRow := func(rep *Report) Target {
		for _, tg := range computeTargets(rep, nil) {
			if strings.HasPrefix(tg.Goal, "client CPU/record") {
				return tg
			}
		}
		t.Fatal("no CPU target")
		return Target{}
	}
	rep := testReport()
	if tg := cpuRow(rep); tg.Verdict != verdictNotMet || strings.Contains(tg.Measured, link) {
		t.Errorf("without profiles: %+v", tg)
	}
	for _, c := range []string{"gregor", "franz-go"} {
		rep.Profiles = append(rep.Profiles, ProfileRun{Client: c, Categories: []CategoryCost{{Name: catHarness}}})
	}
	if tg := cpuRow(rep); !strings.Contains(tg.Measured, link) {
		t.Errorf("with profiles the unmet CPU target does not link them: %q", tg.Measured)
	}
}
