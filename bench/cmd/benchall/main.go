// Command benchall runs every producer benchmark for every client and
// writes docs/benchmarks.md with its charts. Run it from bench/:
//
//	cd bench && go run ./cmd/benchall -quick
//
// Each client and scenario runs in its own runner process against its own
// sink broker process (see internal/sink), so CPU time, allocations and
// peak RSS belong to one client. With -brokers it targets an already
// running broker instead (a real Kafka); the sink's record counts then
// cannot be checked.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/bench/internal/harness"
)

// Scenario groups runs that belong in one table.
type Scenario struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Mode  string `json:"mode"`
	// Linger is the equalised linger of a throughput scenario ("" in the
	// latency scenarios, which keep each client's default).
	Linger string `json:"linger,omitempty"`
	// Codec overrides -compression for this scenario (the compression
	// throughput runs); "" uses -compression.
	Codec string `json:"codec,omitempty"`
	Args  []string
}

// Run is one client in one scenario.
type Run struct {
	Scenario string `json:"scenario"`
	// Round is the round the run belongs to (0-based): the runs of one
	// round ran back to back, so their ratios cancel the machine's drift.
	Round    int            `json:"round,omitempty"`
	Result   harness.Result `json:"result"`
	Error    string         `json:"error,omitempty"`
	Verified string         `json:"verified"`
}

// Report is everything benchall measured, written as JSON next to the doc.
type Report struct {
	Date       time.Time  `json:"date"`
	Env        Env        `json:"env"`
	Broker     string     `json:"broker"`
	Quick      bool       `json:"quick"`
	Partitions int        `json:"partitions"`
	RecordSize int        `json:"record_size"`
	Records    int        `json:"records"`
	Duration   string     `json:"duration"`
	Goroutines int        `json:"goroutines"`
	Build      []string   `json:"build_notes"`
	Scenarios  []Scenario `json:"scenarios"`
	Runs       []Run      `json:"runs"`
	// Compression is -compression: the codec of every run whose scenario
	// sets none.
	Compression string `json:"compression"`
	// SlowN caps the records of a linger-0 throughput run for the clients
	// in SlowClients (kafka-go sends one small request per partition at a
	// time there, ~100x slower than the rest); 0 means no cap.
	SlowN       int      `json:"slow_records,omitempty"`
	SlowClients []string `json:"slow_clients,omitempty"`
	// Baseline is the null client (harness loop plus one record allocation,
	// nothing sent) in the first throughput scenario: the part of every
	// client's CPU and allocations per record that is the harness's.
	Baseline  *Run      `json:"harness_baseline,omitempty"`
	RealRuns  []Run     `json:"real_runs,omitempty"`      // -real: throughput scenarios on Kafka 4.4
	RealJava  []string  `json:"real_java,omitempty"`      // -real: ProducerPerformance summaries, per throughput linger
	JavaRuns  []JavaRun `json:"real_java_runs,omitempty"` // -real: the same, parsed, with the command line
	RealError string    `json:"real_error,omitempty"`
	// PageCacheReset says whether the page cache was dropped before every
	// real-Kafka run (resetPageCache; needs root).
	PageCacheReset bool `json:"page_cache_reset,omitempty"`
	// Rounds is how many times each client ran each throughput and sync
	// scenario on the sink (rotated order); Runs holds the median runs.
	Rounds int `json:"rounds,omitempty"`
	// RealRounds is how many times each client ran each real-Kafka
	// scenario (rotated order); RealRuns holds each client's median run.
	RealRounds int `json:"real_rounds,omitempty"`
	// RoundRuns is every sink run of every round (Runs holds the medians):
	// the targets compare gregor and franz-go round by round.
	RoundRuns []Run `json:"round_runs,omitempty"`
	// RealRoundRuns is every real-Kafka run of every round (RealRuns holds
	// the medians).
	RealRoundRuns []Run `json:"real_round_runs,omitempty"`
	// LingerPairs are gregor's saturation runs with its default batching
	// and with the fixed linger of the second throughput table, back to
	// back in each round (which first alternating), for #9's "no worse
	// than a fixed linger".
	LingerPairs []Run    `json:"linger_pairs,omitempty"`
	Targets     []Target `json:"targets"`
	// Profiles are the extra CPU-profiled runs (-profile-clients), with
	// their -cpuprofile paths and the CPU split into categories.
	Profiles []ProfileRun `json:"profiles,omitempty"`
}

func main() {
	quick := flag.Bool("quick", false, "short runs: 1M records, 2 s latency runs")
	n := flag.Int("n", 0, "records per throughput run (default 2M, quick 1M)")
	size := flag.Int("size", 100, "record value bytes")
	partitions := flag.Int("partitions", 8, "partitions of the sink's topics")
	clientList := flag.String("clients", "gregor,franz-go,sarama,kafka-go,confluent", "clients to run, in table order")
	lingers := flag.String("tp-lingers", "0,5ms", "equalised lingers for the throughput runs")
	rates := flag.String("rates", "1000,10000,100000", "fixed rates (records/s) for the async latency runs")
	dur := flag.Duration("d", 0, "duration of sync and fixed-rate runs (default 5s, quick 2s)")
	gList := flag.String("g", "1,8,64", "goroutines of the sync latency runs, one scenario each")
	compression := flag.String("compression", "none", "compression for every run (the -tp-codecs runs excepted)")
	codecs := flag.String("tp-codecs", "lz4,zstd", "extra throughput runs at linger 0, one per codec (empty: none)")
	slowN := flag.Int("slow-n", -1, "records of a linger-0 throughput run for the -slow clients (default 100,000; 0: same as -n)")
	slowClients := flag.String("slow", "kafka-go", "clients whose linger-0 throughput runs use -slow-n records")
	brokers := flag.String("brokers", "", "use this running broker instead of the sink (e.g. a real Kafka)")
	real := flag.Bool("real", false, "also run the throughput scenarios and Java's ProducerPerformance against a real single-node Kafka 4.4 started from scripts/kafka-libs.sh jars")
	lingerPairs := flag.Int("linger-pairs", 15, "back-to-back pairs of gregor's default batching vs the fixed linger (#9's saturation target; ~1.5 s a pair)")
	rounds := flag.Int("rounds", 3, "runs of each client per throughput and sync scenario, in rotated order; the median is reported")
	realRounds := flag.Int("real-rounds", 3, "-real: runs of each Go client per scenario, in rotated order; the median is reported")
	out := flag.String("out", "../docs", "directory for benchmarks.md, its SVGs and benchmarks.json")
	cost := flag.Bool("broker-cost", false, "only run the real-Kafka latency and broker-cost runs (gregor, franz-go, Java at -rates and saturation) and write latency.md")
	costN := flag.Int("cost-max-n", 500_000, "-broker-cost: records of the saturation runs (0: no saturation runs)")
	costClients := flag.String("cost-clients", "gregor,franz-go,java", "-broker-cost: clients, java being ProducerPerformance")
	costRounds := flag.Int("cost-rounds", 1, "-broker-cost: runs of each cell, the clients' order rotated each round (to repeat single cells: -rates 10000 -cost-max-n 0 -out /tmp/x)")
	costRewrite := flag.Bool("cost-rewrite", false, "rewrite latency.md and latency-real.svg in -out from its latency.json (no run)")
	profClients := flag.String("profile-clients", "gregor,franz-go", "clients given one extra CPU-profiled run in the first throughput scenario (empty: none)")
	profN := flag.Int("profile-n", 3_000_000, "records of each profiled run")
	profHz := flag.Int("profile-hz", 250, "CPU profile rate of the profiled runs (Linux delivers at most one signal per thread per tick)")
	profDir := flag.String("profile-dir", "results/profiles", "directory for the profiles (gitignored), one subdirectory per run")
	flag.Parse()

	if *n == 0 {
		*n = 2_000_000
		if *quick {
			*n = 1_000_000
		}
	}
	if *slowN < 0 {
		*slowN = 100_000
	}
	if *dur == 0 {
		*dur = 5 * time.Second
		if *quick {
			*dur = 2 * time.Second
		}
	}

	if *costRewrite {
		crep := loadCostReport(*out)
		if crep == nil {
			log.Fatalf("no usable latency.json in %s", *out)
		}
		var gos []string
		for _, r := range crep.Runs {
			if r.Client != "java" && !slices.Contains(gos, r.Client) {
				gos = append(gos, r.Client)
			}
		}
		writeCostReport(crep, *out, gos)
		return
	}

	tmp, err := os.MkdirTemp("", "benchall")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	log.Printf("building runner and sink")
	runnerBin, sinkBin, notes, err := buildTools(tmp)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range notes {
		log.Print(n)
	}

	if *cost {
		crep := CostReport{Date: time.Now().UTC(), Env: collectEnv(runnerBin), Duration: dur.String(), MaxN: *costN}
		cls := strings.Split(*costClients, ",")
		runBrokerCost(&crep, runnerBin, cls, strings.Split(*rates, ","), *partitions, *size, *costN, *costRounds, *dur)
		must(os.MkdirAll(*out, 0o755))
		writeCostReport(&crep, *out, slices.DeleteFunc(slices.Clone(cls), func(c string) bool { return c == "java" }))
		return
	}

	rep := Report{Date: time.Now().UTC(), Env: collectEnv(runnerBin), Quick: *quick, Partitions: *partitions,
		RecordSize: *size, Records: *n, Duration: dur.String(), Build: notes, Broker: "sink", Compression: *compression}
	if *slowN > 0 && *slowN < *n && *slowClients != "" {
		rep.SlowN, rep.SlowClients = *slowN, strings.Split(*slowClients, ",")
	}
	if *brokers != "" {
		rep.Broker = *brokers
	}
	tpArgs := func(l string) []string {
		return []string{"-mode", "async", "-n", fmt.Sprint(*n), "-linger", l, "-batch-bytes", "1048576", "-warmup", "10000"}
	}
	for _, l := range strings.Split(*lingers, ",") {
		rep.Scenarios = append(rep.Scenarios, Scenario{ID: "throughput-linger-" + l, Mode: harness.ModeAsync, Linger: l,
			Title: fmt.Sprintf("Async throughput, linger %s for every client, batches ~1 MiB", l), Args: tpArgs(l)})
	}
	if *codecs != "" {
		for _, c := range strings.Split(*codecs, ",") {
			rep.Scenarios = append(rep.Scenarios, Scenario{ID: "throughput-" + c, Mode: harness.ModeAsync, Linger: "0", Codec: c,
				Title: fmt.Sprintf("Async throughput, compression %s, linger 0 for every client, batches ~1 MiB", c), Args: tpArgs("0")})
		}
	}
	for _, g := range strings.Split(*gList, ",") {
		id := syncScenarioID(g)
		rep.Scenarios = append(rep.Scenarios, Scenario{ID: id, Mode: harness.ModeSync,
			Title: fmt.Sprintf("Synchronous produce latency, %s calling ProduceSync, each client's default linger and batching", goroutines(g)),
			Args:  []string{"-mode", "sync", "-g", g, "-d", dur.String(), "-n", "0", "-linger", "default"}})
		if rep.Goroutines == 0 {
			rep.Goroutines, _ = strconv.Atoi(g)
		}
	}
	for _, r := range strings.Split(*rates, ",") {
		rep.Scenarios = append(rep.Scenarios, Scenario{ID: "rate-" + r, Mode: harness.ModeRate,
			Title: fmt.Sprintf("Async latency at a fixed %s records/s, each client's default linger and batching", r),
			Args:  []string{"-mode", "rate", "-rate", r, "-d", dur.String(), "-linger", "default", "-warmup", "1000"}})
	}

	clients := strings.Split(*clientList, ",")
	rep.Rounds = max(*rounds, 1)
	for i, sc := range rep.Scenarios {
		if i == 0 && sc.Mode == harness.ModeAsync {
			b := runBaseline(runnerBin, sc, rep.runArgs(sc, clientsNull))
			rep.Baseline = &b
			log.Printf("%-24s %-10s %12.0f rec/s  cpu %7.0f ns/rec  allocs %6.2f/rec  %s", sc.ID, clientsNull, b.Result.RecPerSec,
				b.Result.CPUNsPerRec, b.Result.AllocsPer, b.Error)
		}
		// Throughput and sync runs last a second or two, so one run is at
		// the mercy of a GC cycle or a neighbour: each client runs them
		// rep.Rounds times, the order rotated every round (nobody always
		// goes first), and its median run is reported. Fixed-rate runs
		// are long enough on their own.
		rounds := 1
		if sc.Mode != harness.ModeRate {
			rounds = rep.Rounds
		}
		runs := make(map[string][]Run)
		for k := 0; k < rounds; k++ {
			// gregor and franz-go back to back first (which of them first
			// alternating), as in the real-Kafka rounds: the targets
			// compare them round by round.
			for _, cl := range realOrder(clients, k) {
				run := runOne(runnerBin, sinkBin, *brokers, *partitions, sc, cl, rep.runArgs(sc, cl))
				run.Round = k
				runs[cl] = append(runs[cl], run)
				rep.RoundRuns = append(rep.RoundRuns, run)
				r := run.Result
				log.Printf("%-24s %-10s %12.0f rec/s  cpu %7.0f ns/rec  allocs %6.2f/rec  rss %6.1f MiB  p50 %9.0fµs p99 %9.0fµs  %s %s",
					sc.ID, cl, r.RecPerSec, r.CPUNsPerRec, r.AllocsPer, r.PeakRSSMiB, r.P50us, r.P99us, run.Verified, run.Error)
			}
		}
		for _, cl := range clients {
			rep.Runs = append(rep.Runs, medianRun(runs[cl]))
		}
		if i == 0 && sc.Mode == harness.ModeAsync && slices.Contains(clients, "gregor") {
			rep.LingerPairs = runLingerPairs(&rep, runnerBin, sinkBin, *brokers, *partitions, sc, strings.Split(*lingers, ","), tpArgs, *lingerPairs)
		}
	}

	if *profClients != "" {
		runProfiles(&rep, runnerBin, sinkBin, *brokers, profileConfig{clients: strings.Split(*profClients, ","),
			records: *profN, hz: *profHz, dir: *profDir})
	}

	if *real {
		rep.RealRounds = max(*realRounds, 1)
		runReal(&rep, runnerBin, clients)
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	costRep := loadCostReport(*out)
	rep.Targets = computeTargets(&rep, costRep)
	raw, _ := json.MarshalIndent(rep, "", "  ")
	must(os.WriteFile(filepath.Join(*out, "benchmarks.json"), raw, 0o644))
	must(os.WriteFile(filepath.Join(*out, "benchmarks-throughput.svg"), []byte(throughputSVG(&rep, clients)), 0o644))
	must(os.WriteFile(filepath.Join(*out, "benchmarks-latency.svg"), []byte(latencySVG(&rep, clients)), 0o644))
	must(os.WriteFile(filepath.Join(*out, "benchmarks.md"), []byte(markdown(&rep, clients, costRep)), 0o644))
	log.Printf("wrote %s", filepath.Join(*out, "benchmarks.md"))
}

// syncScenarioID names the ProduceSync scenario with g goroutines.
func syncScenarioID(g string) string {
	if g == "8" {
		return "sync-defaults" // the ID of earlier reports
	}
	return "sync-" + g
}

// clientsNull is the harness baseline's client name (internal/clients.Null;
// benchall does not import the clients, which pull in every peer).
const clientsNull = "null"

// runArgs is the runner's command line for one client in one scenario:
// the scenario's own arguments, then the report-wide ones, then the
// per-client record cap. Later flags win in package flag.
func (rep *Report) runArgs(sc Scenario, client string) []string {
	args := append([]string(nil), sc.Args...)
	codec := rep.Compression
	if sc.Codec != "" {
		codec = sc.Codec
	}
	args = append(args, "-size", fmt.Sprint(rep.RecordSize), "-compression", codec)
	if n := rep.recordsFor(sc, client); sc.Mode == harness.ModeAsync && n != rep.Records {
		args = append(args, "-n", fmt.Sprint(n))
	}
	return args
}

// recordsFor is how many records client sends in throughput scenario sc.
func (rep *Report) recordsFor(sc Scenario, client string) int {
	if rep.SlowN > 0 && sc.Linger != "" {
		if d, err := time.ParseDuration(sc.Linger); err == nil && d == 0 {
			for _, c := range rep.SlowClients {
				if c == client {
					return rep.SlowN
				}
			}
		}
	}
	return rep.Records
}

// runBaseline runs the null client, which needs no broker.
func runBaseline(runnerBin string, sc Scenario, args []string) Run {
	run := Run{Scenario: sc.ID, Result: harness.Result{Client: clientsNull, Mode: sc.Mode}, Verified: "nothing sent (harness baseline)"}
	cmd := exec.Command(runnerBin, append([]string{"-client", clientsNull, "-brokers", "127.0.0.1:9", "-topic", "baseline"}, args...)...)
	run.Result, run.Error, _ = execRunner(cmd)
	return run
}

// execRunner runs one runner process and parses the result it prints.
// errMsg is the runner's own error; if its output could not be read,
// parsed is false and errMsg says why (with the first lines of its
// stderr).
func execRunner(cmd *exec.Cmd) (res harness.Result, errMsg string, parsed bool) {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	var out struct {
		harness.Result
		Error string `json:"error"`
	}
	if jerr := json.Unmarshal(stdout, &out); jerr != nil {
		return harness.Result{}, fmt.Sprintf("runner: %v; %s", err, firstLines(stderr.String(), 3)), false
	}
	return out.Result, out.Error, true
}

// loadCostReport reads the latency.json of an earlier -broker-cost run in
// dir, or returns nil: the real-Kafka latency chart and #9's real-Kafka
// target come from it, since Java runs only against a real broker.
func loadCostReport(dir string) *CostReport {
	raw, err := os.ReadFile(filepath.Join(dir, "latency.json"))
	if err != nil {
		return nil
	}
	var c CostReport
	if json.Unmarshal(raw, &c) != nil || len(c.Runs) == 0 {
		return nil
	}
	return &c
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// runOne starts a sink (unless brokers is set), runs the runner, and checks
// the sink's count of records for the run's topic against what the client
// produced (including warm-up).
func runOne(runnerBin, sinkBin, brokers string, partitions int, sc Scenario, client string, args []string) Run {
	run := Run{Scenario: sc.ID, Result: harness.Result{Client: client, Mode: sc.Mode}}
	topic := fmt.Sprintf("bench-%s-%s-%d", sc.ID, client, time.Now().UnixNano())
	var sp *sinkProc
	if brokers == "" {
		var err error
		if sp, err = startSink(sinkBin, partitions); err != nil {
			run.Error = err.Error()
			return run
		}
		defer sp.stop()
		brokers = sp.addr
	} else if err := createTopic(brokers, topic, partitions); err != nil {
		run.Error = err.Error()
		return run
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, runnerBin, append([]string{"-client", client, "-brokers", brokers, "-topic", topic}, args...)...)
	res, errMsg, parsed := execRunner(cmd)
	if !parsed {
		run.Error = errMsg
		return run
	}
	run.Result, run.Error = res, errMsg
	if run.Result.Client == "" {
		run.Result.Client, run.Result.Mode = client, sc.Mode
	}
	if sp == nil {
		run.Verified = "not checked (external broker)"
		return run
	}
	st, err := sp.topic(topic)
	switch {
	case err != nil:
		run.Verified = "sink stats: " + err.Error()
	case st.Records == run.Result.Produced && run.Result.Errors == 0:
		run.Verified = "ok"
	default:
		run.Verified = "sink counted " + strconv.FormatInt(st.Records, 10) + " of " + strconv.FormatInt(run.Result.Produced, 10) +
			" produced, " + strconv.FormatInt(run.Result.Errors, 10) + " errors"
	}
	return run
}

// runReal repeats the throughput scenarios without a codec of their own
// against a real Kafka 4.4 broker, and runs Java's ProducerPerformance with
// the same settings after the Go clients of each.
func runReal(rep *Report, runnerBin string, clients []string) {
	log.Printf("starting Kafka 4.4")
	k, err := startRealKafka(rep.Partitions, 0)
	if err != nil {
		rep.RealError = err.Error()
		log.Print(err)
		return
	}
	defer k.stop()
	// Warm the broker (JIT, log segments) with a discarded run, so the
	// first client measured does not pay for a cold JVM.
	if sc := rep.Scenarios[0]; sc.Mode == harness.ModeAsync && len(clients) > 0 {
		args := append(rep.runArgs(sc, clients[0]), "-n", fmt.Sprint(min(rep.Records, 200_000)))
		w := runOne(runnerBin, "", k.brokers, rep.Partitions, sc, clients[0], args)
		log.Printf("real broker warm-up with %s: %.0f rec/s %s", clients[0], w.Result.RecPerSec, w.Error)
	}
	for _, sc := range rep.Scenarios {
		if sc.Mode != harness.ModeAsync || sc.Codec != "" {
			continue
		}
		// A real broker's speed drifts within a run (JIT, log segment
		// rolls, page cache), so each client runs realRounds times and
		// its median run is reported, in realOrder.
		runs := make(map[string][]Run)
		for r := 0; r < rep.RealRounds; r++ {
			for _, cl := range realOrder(clients, r) {
				rep.PageCacheReset = resetPageCache()
				run := runOne(runnerBin, "", k.brokers, rep.Partitions, sc, cl, rep.runArgs(sc, cl))
				run.Round = r
				runs[cl] = append(runs[cl], run)
				rep.RealRoundRuns = append(rep.RealRoundRuns, run)
				log.Printf("real %-24s %-10s %12.0f rec/s  cpu %7.0f ns/rec  round %d %s", sc.ID, cl, run.Result.RecPerSec, run.Result.CPUNsPerRec, r+1, run.Error)
			}
		}
		for _, cl := range clients {
			rep.RealRuns = append(rep.RealRuns, medianRun(runs[cl]))
		}
		jt := fmt.Sprintf("bench-java-%s-%d", sc.ID, time.Now().UnixNano())
		jr := JavaRun{Scenario: sc.ID, Linger: sc.Linger}
		if err := createTopic(k.brokers, jt, rep.Partitions); err != nil {
			jr.Error = err.Error()
		} else {
			rep.PageCacheReset = resetPageCache() && rep.PageCacheReset
			producerPerformance(&jr, k, jt, rep.Records, rep.RecordSize, rep.Compression)
		}
		sum := jr.Summary
		if jr.Error != "" {
			sum = "failed: " + jr.Error
		}
		rep.JavaRuns = append(rep.JavaRuns, jr)
		rep.RealJava = append(rep.RealJava, "linger "+sc.Linger+": "+sum)
		log.Printf("real java linger %s: %s", sc.Linger, sum)
	}
}

// runLingerPairs runs gregor in scenario sc (its default batching: linger
// 0 is gregor's adaptive policy) and with the first nonzero fixed linger of
// lingers, back to back pairs times, which first alternating (the median
// of n pair ratios is uncertain by ~12%/sqrt(n) here: 15 pairs put it at
// ~3%, the equivalence margin). The two do the same work at saturation (batches of the same
// size; see docs/producer.md), so the target is an equivalence, judged on
// the pairs' ratios rather than on runs minutes apart.
func runLingerPairs(rep *Report, runnerBin, sinkBin, brokers string, partitions int, sc Scenario, lingers []string, tpArgs func(string) []string, pairs int) []Run {
	var fixed string
	for _, l := range lingers {
		if l != "0" && l != "0s" {
			fixed = l
			break
		}
	}
	if fixed == "" {
		return nil
	}
	fsc := Scenario{ID: "throughput-linger-" + fixed, Mode: harness.ModeAsync, Linger: fixed, Args: tpArgs(fixed)}
	var out []Run
	for k := 0; k < pairs; k++ {
		order := []Scenario{sc, fsc}
		if k%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, s := range order {
			run := runOne(runnerBin, sinkBin, brokers, partitions, s, "gregor", rep.runArgs(s, "gregor"))
			run.Round = k
			out = append(out, run)
			log.Printf("linger pair %d %-24s gregor %12.0f rec/s  cpu %7.0f ns/rec  %s %s", k, s.ID, run.Result.RecPerSec,
				run.Result.CPUNsPerRec, run.Verified, run.Error)
		}
	}
	return out
}

// realOrder is the clients' order in round r of the real-Kafka runs. The
// first two clients (the table's headline pair, gregor and franz-go) run
// back to back at the start of every round, which of them goes first
// alternating, and the others follow in rotated order. A plain rotation
// put the pair at different places in each round, and a real broker slows
// down within a round (a client that ran after the slow clients' minutes
// of traffic met a different broker): the pair's ratio swung from 0.83x to
// 1.26x between runs while adjacent pairs agreed.
func realOrder(clients []string, r int) []string {
	if len(clients) < 2 {
		return clients
	}
	order := []string{clients[0], clients[1]}
	if r%2 == 1 {
		order[0], order[1] = order[1], order[0]
	}
	rest := clients[2:]
	for i := range rest {
		order = append(order, rest[(i+r)%len(rest)])
	}
	return order
}

// medianRun returns the run with the median records/s (the lower middle
// of an even count); failed runs sort first, so a client that failed in
// most rounds reports a failure.
func medianRun(runs []Run) Run {
	if len(runs) == 0 {
		return Run{}
	}
	sorted := slices.Clone(runs)
	slices.SortStableFunc(sorted, func(a, b Run) int {
		af, bf := a.Error != "", b.Error != ""
		switch {
		case af != bf:
			if af {
				return -1
			}
			return 1
		case a.Result.RecPerSec < b.Result.RecPerSec:
			return -1
		case a.Result.RecPerSec > b.Result.RecPerSec:
			return 1
		}
		return 0
	})
	return sorted[(len(sorted)-1)/2]
}

func goroutines(g string) string {
	if g == "1" {
		return "1 goroutine"
	}
	return g + " goroutines"
}
