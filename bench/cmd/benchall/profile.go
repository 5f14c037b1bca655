package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

// ProfileRun is one extra, profiled throughput run of one client. Its
// numbers are not in the throughput tables: profiling costs a little CPU,
// and the run exists to say where the CPU goes, not how much there is.
type ProfileRun struct {
	Client   string `json:"client"`
	Scenario string `json:"scenario"`
	Records  int    `json:"records"`
	// Path is the runner's -cpuprofile output (gitignored, not committed),
	// covering the measured part of the run only.
	Path string `json:"cpuprofile"`
	Hz   int    `json:"cpuprofile_hz"`
	Run  Run    `json:"run"`
	// Samples and SampledNs are what the profile holds; SampledNs is
	// usually below the run's getrusage CPU because the kernel delivers at
	// most one profiling signal per thread per tick.
	Samples    int64          `json:"samples"`
	SampledNs  int64          `json:"sampled_ns"`
	Categories []CategoryCost `json:"categories"`
	Top        []FuncCost     `json:"top_flat"`
	Error      string         `json:"error,omitempty"`
}

// CategoryCost is one category's share of a profile, and that share of
// the run's getrusage CPU per record.
type CategoryCost struct {
	Name     string  `json:"name"`
	Samples  int64   `json:"samples"`
	Share    float64 `json:"share"`
	NsPerRec float64 `json:"ns_per_rec"`
}

// FuncCost is one function's flat (self) CPU: samples whose leaf frame is
// in it, with the category those samples were put in most often.
type FuncCost struct {
	Func     string  `json:"func"`
	Category string  `json:"category"`
	Share    float64 `json:"share"`
	NsPerRec float64 `json:"ns_per_rec"`
}

// Categories, in the order of the report's tables.
const (
	catHarness = "harness"
	catClock   = "clock reads"
	catSync    = "locks, atomics, channels"
	catEncode  = "encoding"
	catIO      = "request I/O"
	catGC      = "GC and allocation"
	catSched   = "scheduler"
	catClient  = "client's own logic"
	catOther   = "other runtime"
)

var categoryOrder = []string{catHarness, catClock, catSync, catEncode, catIO, catGC, catSched, catClient, catOther}

// harnessPrefixes are the benchmark's own packages: the record loop and
// callback counting (harness) and the adapters (clients), which allocate
// each record and wrap the callback.
var harnessPrefixes = []string{
	"github.com/gregorkafka/gregor/bench/internal/harness.",
	"github.com/gregorkafka/gregor/bench/internal/clients.",
}

// neutralFuncs are frames that say nothing about why CPU was spent (a
// runtime lock, a futex, a copy, a raw syscall, an internal atomic): the
// classification skips them and lets their caller decide, so a lock
// taken by the heap counts as allocation and one taken by a channel as
// synchronisation.
var neutralFuncs = []string{
	"runtime.lock", "runtime.unlock", "runtime.lock2", "runtime.unlock2", "runtime.lockWithRank", "runtime.unlockWithRank",
	"runtime.futex", "runtime.futexsleep", "runtime.futexwakeup", "runtime.procyield", "runtime.osyield",
	"runtime.memmove", "runtime.memclrNoHeapPointers", "runtime.typedmemmove", "runtime.typedmemclr", "runtime.add",
	"runtime.systemstack", "runtime.mcall", "runtime.acquirem", "runtime.releasem",
	"internal/runtime/syscall/linux.Syscall6", "syscall.RawSyscall6", "syscall.Syscall", "syscall.Syscall6",
}

var neutralPrefixes = []string{"internal/runtime/atomic."}

// categoryRules are matched against each frame from the leaf up; the
// first frame that matches a rule decides the sample's category. A rule
// matches a function whose name starts with one of its prefixes.
var categoryRules = []struct {
	cat      string
	prefixes []string
}{
	{catClock, []string{"time.Now", "time.Since", "time.Until", "time.now", "time.runtimeNow", "time.runtimeNano",
		"runtime.nanotime", "runtime.walltime", "runtime.vdso"}},
	{catSync, []string{"sync.", "sync/atomic.", "internal/sync.", "runtime.chansend", "runtime.chanrecv", "runtime.closechan",
		"runtime.selectgo", "runtime.selectnb", "runtime.semacquire", "runtime.semrelease", "runtime.sync_runtime_", "runtime.notifyList",
		"internal/sync.runtime_"}},
	{catEncode, []string{"github.com/gregorkafka/gregor/kafka/wire.", "hash/crc32.", "encoding/binary.",
		"github.com/twmb/franz-go/pkg/kbin.", "github.com/twmb/franz-go/pkg/kmsg.",
		"github.com/twmb/franz-go/pkg/kgo.(*produceRequest).AppendTo", "github.com/twmb/franz-go/pkg/kgo.seqRecBatch.appendTo",
		"github.com/twmb/franz-go/pkg/kgo.promisedRec.appendTo", "github.com/twmb/franz-go/pkg/kgo.(*recBatch).calculateRecordNumbers",
		"github.com/twmb/franz-go/pkg/kgo.messageSet1Length", "github.com/twmb/franz-go/pkg/kgo.recordNumbers.",
		"github.com/twmb/franz-go/pkg/kgo.(*compressor)", "github.com/klauspost/compress/", "github.com/pierrec/lz4/", "compress/"}},
	{catIO, []string{"syscall.", "internal/poll.", "net.", "os.(*File).Read", "os.(*File).Write", "bufio.", "io.ReadFull", "io.ReadAtLeast",
		"runtime.netpoll", "internal/runtime/syscall/linux.EpollWait", "runtime.entersyscall", "runtime.exitsyscall", "runtime.reentersyscall",
		"github.com/gregorkafka/gregor/kafka/conn.(*Conn).write", "github.com/gregorkafka/gregor/kafka/conn.(*Conn).read",
		"github.com/twmb/franz-go/pkg/kgo.(*brokerCxn).writeConn", "github.com/twmb/franz-go/pkg/kgo.(*brokerCxn).readConn",
		"github.com/twmb/franz-go/pkg/kgo.(*brokerCxn).writeRequest", "github.com/twmb/franz-go/pkg/kgo.(*brokerCxn).readResponse"}},
	{catGC, []string{"runtime.mallocgc", "runtime.newobject", "runtime.newarray", "runtime.makeslice", "runtime.growslice", "slices.Grow[",
		"runtime.makemap", "runtime.gc", "runtime.(*gc", "runtime.scan", "runtime.markroot", "runtime.greyobject", "runtime.shade",
		"runtime.findObject", "runtime.(*mheap)", "runtime.(*mcache)", "runtime.(*mcentral)", "runtime.(*mspan)", "runtime.(*spanSet)",
		"runtime.(*spanInlineMarkBits)", "runtime.(*sweepLocked)", "runtime.sweepone", "runtime.bgsweep", "runtime.bgscavenge",
		"runtime.(*scavengerState)", "runtime.(*pageAlloc)", "runtime.madvise", "runtime.sysUsed", "runtime.sysUnused",
		"runtime.wbBuf", "gcWriteBarrier", "runtime.bulkBarrier", "runtime.tryDeferToSpanScan", "runtime.typePointers",
		"runtime.heapBits", "runtime.heapSetType", "runtime.spanOf", "runtime.spanClass", "runtime.arenaIndex", "runtime.nextFreeFast",
		"runtime.deductAssistCredit", "runtime.markBits", "runtime.(*markBits)", "runtime.memclrNoHeapPointersChunked",
		"runtime.(*gcCPULimiterState)", "runtime.(*limiterEvent)", "runtime.freeSomeWbufs", "runtime.(*gcWork)", "internal/runtime/gc/"}},
	{catSched, []string{"runtime.schedule", "runtime.findRunnable", "runtime.park_m", "runtime.gopark", "runtime.goready",
		"runtime.ready", "runtime.runq", "runtime.globrunq", "runtime.stealWork", "runtime.notesleep", "runtime.notewakeup",
		"runtime.wakep", "runtime.startm", "runtime.stopm", "runtime.mPark", "runtime.execute", "runtime.gogo", "runtime.newproc",
		"runtime.gosched", "runtime.goschedImpl", "runtime.gopreempt_m", "runtime.asyncPreempt", "runtime.preemptPark",
		"runtime.sysmon", "runtime.usleep", "runtime.resetspinning", "runtime.checkTimers", "runtime.(*timers)", "runtime.(*timer)",
		"runtime.casgstatus", "runtime.injectglist", "runtime.handoffp", "runtime.acquirep", "runtime.releasep", "runtime.goyield",
		"runtime.netpollBreak", "runtime.semasleep", "runtime.semawakeup"}},
}

// isStd reports whether fn is in the standard library or runtime: its
// import path has no dot in its first element ("runtime.x",
// "internal/poll.x", "hash/crc32.x"), unlike "github.com/...". Type
// arguments and receivers are cut off first, since a shape may name a
// module path. Assembly stubs without a package ("gcWriteBarrier") and
// package main count as standard too.
func isStd(fn string) bool {
	if i := strings.IndexAny(fn, "[("); i >= 0 {
		fn = fn[:i]
	}
	first, _, found := strings.Cut(fn, "/")
	return !found || !strings.Contains(first, ".")
}

func hasPrefix(fn string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

func isNeutral(fn string) bool {
	for _, n := range neutralFuncs {
		if fn == n {
			return true
		}
	}
	return hasPrefix(fn, neutralPrefixes)
}

// classify returns the category of one sample's stack, leaf first.
//
// The harness comes first: a sample whose innermost non-standard-library
// frame is the harness's or an adapter's is the harness's cost, whatever
// runtime work it is (allocating the record, counting the callback).
// Otherwise the first frame from the leaf that matches a rule decides,
// skipping neutral frames. A sample no rule matches is the client's own
// logic if a frame of non-standard code is on its stack, else other
// runtime work.
func classify(stack []string) string {
	owner := ""
	for _, fn := range stack {
		if !isStd(fn) {
			owner = fn
			break
		}
	}
	if owner != "" && hasPrefix(owner, harnessPrefixes) {
		return catHarness
	}
	for _, fn := range stack {
		if isNeutral(fn) {
			continue
		}
		for _, r := range categoryRules {
			if hasPrefix(fn, r.prefixes) {
				return r.cat
			}
		}
	}
	if owner != "" {
		return catClient
	}
	return catOther
}

// stackOf is a sample's functions, leaf first, inlined frames included.
func stackOf(s *profile.Sample) []string {
	var out []string
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			if l.Function != nil {
				out = append(out, l.Function.Name)
			}
		}
	}
	return out
}

// analyse splits p's CPU into categories and its top flat functions. The
// shares come from the profile's sample values; nsPerRec, the run's own
// getrusage CPU per record, turns them into CPU per record.
func analyse(p *profile.Profile, nsPerRec float64, top int) (cats []CategoryCost, funcs []FuncCost, samples, sampledNs int64) {
	vi := len(p.SampleType) - 1 // cpu nanoseconds (the Go profile's second value)
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			vi = i
		}
	}
	byCat := map[string]int64{}
	byCatN := map[string]int64{}
	type fc struct {
		v    int64
		cats map[string]int64
	}
	byFunc := map[string]*fc{}
	var total int64
	for _, s := range p.Sample {
		v := s.Value[vi]
		stack := stackOf(s)
		c := classify(stack)
		byCat[c] += v
		byCatN[c] += s.Value[0]
		total += v
		samples += s.Value[0]
		leaf := "(unknown)"
		if len(stack) > 0 {
			leaf = stack[0]
		}
		f := byFunc[leaf]
		if f == nil {
			f = &fc{cats: map[string]int64{}}
			byFunc[leaf] = f
		}
		f.v += v
		f.cats[c] += v
	}
	if total == 0 {
		return nil, nil, samples, 0
	}
	for _, c := range categoryOrder {
		sh := float64(byCat[c]) / float64(total)
		cats = append(cats, CategoryCost{Name: c, Samples: byCatN[c], Share: sh, NsPerRec: sh * nsPerRec})
	}
	for name, f := range byFunc {
		best, bv := "", int64(-1)
		for _, c := range categoryOrder {
			if f.cats[c] > bv {
				best, bv = c, f.cats[c]
			}
		}
		sh := float64(f.v) / float64(total)
		funcs = append(funcs, FuncCost{Func: name, Category: best, Share: sh, NsPerRec: sh * nsPerRec})
	}
	sort.Slice(funcs, func(i, j int) bool {
		if funcs[i].Share != funcs[j].Share {
			return funcs[i].Share > funcs[j].Share
		}
		return funcs[i].Func < funcs[j].Func
	})
	if len(funcs) > top {
		funcs = funcs[:top]
	}
	return cats, funcs, samples, total
}

// analyseFile reads the runner's -cpuprofile output and fills pr's
// categories from it.
func analyseFile(pr *ProfileRun) error {
	f, err := os.Open(pr.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return fmt.Errorf("benchall: %s: %w", pr.Path, err)
	}
	if len(p.Sample) == 0 {
		return fmt.Errorf("benchall: %s: no samples", pr.Path)
	}
	pr.Categories, pr.Top, pr.Samples, pr.SampledNs = analyse(p, pr.Run.Result.CPUNsPerRec, 12)
	return nil
}
