package main

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gregorkafka/gregor/bench/internal/harness"
)

func run(scenario, client string, x harness.Result) Run {
	x.Client = client
	if x.Records == 0 {
		x.Records = 1000
	}
	return Run{Scenario: scenario, Result: x, Verified: "ok"}
}

// testReport is a run with hand-picked numbers whose verdicts are known.
func testReport() *Report {
	rep := &Report{Broker: "sink", Records: 1_000_000, RecordSize: 100, Partitions: 8, Compression: "none"}
	for _, l := range []string{"0", "5ms"} {
		rep.Scenarios = append(rep.Scenarios, Scenario{ID: "throughput-linger-" + l, Mode: harness.ModeAsync, Linger: l})
	}
	rep.Scenarios = append(rep.Scenarios,
		Scenario{ID: "throughput-lz4", Mode: harness.ModeAsync, Linger: "0", Codec: "lz4", Title: "Async throughput, compression lz4"},
		Scenario{ID: syncScenarioID("1"), Mode: harness.ModeSync},
		Scenario{ID: syncScenarioID("64"), Mode: harness.ModeSync},
		Scenario{ID: "rate-1000", Mode: harness.ModeRate})
	rep.Runs = []Run{
		run("throughput-linger-0", "gregor", harness.Result{RecPerSec: 3_000_000, CPUNsPerRec: 500, AllocsPer: 1.02}),
		run("throughput-linger-0", "franz-go", harness.Result{RecPerSec: 1_500_000, CPUNsPerRec: 900, AllocsPer: 1.06}),
		run("throughput-linger-5ms", "gregor", harness.Result{RecPerSec: 2_000_000}),
		run("throughput-lz4", "gregor", harness.Result{RecPerSec: 1_000_000}),
		run(syncScenarioID("1"), "gregor", harness.Result{RecPerSec: 10_000, P50us: 80}),
		run(syncScenarioID("1"), "franz-go", harness.Result{RecPerSec: 12_000, P50us: 70}),
		run(syncScenarioID("64"), "gregor", harness.Result{RecPerSec: 300_000, P99us: 900}),
		run(syncScenarioID("64"), "franz-go", harness.Result{RecPerSec: 150_000, P99us: 1000}),
		run("rate-1000", "gregor", harness.Result{RecPerSec: 1000, P50us: 700, P99us: 5000}),
	}
	rep.Baseline = &Run{Scenario: "throughput-linger-0", Result: harness.Result{Client: "null", Records: 1000, CPUNsPerRec: 50, AllocsPer: 1}}
	return rep
}

type verdictRow struct{ Issue, Goal, Verdict string }

func verdicts(ts []Target) []verdictRow {
	var out []verdictRow
	for _, t := range ts {
		goal, _, _ := strings.Cut(t.Goal, " (")
		out = append(out, verdictRow{t.Issue, goal, t.Verdict})
	}
	return out
}

func TestComputeTargets(t *testing.T) {
	rep := testReport()
	got := computeTargets(rep, nil)
	want := []verdictRow{
		{"#7", "records/s ≥ 1.5× franz-go", verdictMet},
		{"#7", "client CPU/record ≤ 0.5× franz-go's", verdictNotMet}, // 500/900 = 0.56
		{"#7", "≤ 1 allocation per record in steady state", verdictMet},
		{"#7", "real Kafka 4.4 records/s ≥ 1.2× franz-go", verdictMissing},
		{"#7", "real Kafka 4.4 records/s ≥ Java ProducerPerformance", verdictMissing},
		{"#7", "ProduceSync ×64: p99 ≤ franz-go's at ≥ its calls/s", verdictMet},
		{"#9", "async Produce at 1,000 rec/s, defaults: p50 ≤ 1 ms", verdictMet},
		{"#9", "ProduceSync ×1: p50 ≤ franz-go's", verdictNotMet},
		{"#9", "ProduceSync ×64: ≥ 1.5× franz-go's calls/s with p99 ≤ its p99", verdictMet},
		{"#9", "saturation records/s with default batching no worse than with a fixed linger", verdictMet},
		{"#9", "async at 1,000 rec/s on real Kafka 4.4: p50 from the call below franz-go's and Java's", verdictMissing},
	}
	if d := cmp.Diff(want, verdicts(got)); d != "" {
		t.Fatalf("verdicts (-want +got):\n%s", d)
	}
	if m := got[0].Measured; !strings.HasPrefix(m, "2.00× (3,000,000 vs 1,500,000") {
		t.Errorf("throughput measured %q", m)
	}
	if m := got[1].Measured; !strings.HasPrefix(m, "0.53× net of the harness's own 0.05 µs/rec") || !strings.Contains(m, "gross 0.56×") {
		t.Errorf("CPU measured %q", m)
	}
	if m := got[2].Measured; !strings.HasPrefix(m, "0.02/rec in gregor: 1.02 measured, of which 1.00") {
		t.Errorf("allocs measured %q", m)
	}

	// A run the sink did not fully count is not judged.
	rep.Runs[0].Verified = "sink counted 5 of 10 produced, 0 errors"
	if v := computeTargets(rep, nil)[0].Verdict; v != verdictMissing {
		t.Errorf("unverified run judged %q", v)
	}
}

// With every round's runs, the gregor/franz-go targets are the medians of
// the rounds' ratios (one disturbed round does not decide), and #9's
// saturation target comes from the back-to-back linger pairs, met within
// lingerEquivalence.
func TestComputeTargetsPaired(t *testing.T) {
	rep := testReport()
	round := func(k int, sc, cl string, x harness.Result) Run {
		r := run(sc, cl, x)
		r.Round = k
		return r
	}
	tp := "throughput-linger-0"
	// Net of the 50 ns harness: 0.35, 0.38, 0.80 (round 2 disturbed):
	// median 0.38, met, where the median runs alone (0.53 net) are not.
	for k, c := range [][2]float64{{400, 1050}, {410, 1000}, {850, 1050}} {
		rep.RoundRuns = append(rep.RoundRuns,
			round(k, tp, "gregor", harness.Result{RecPerSec: 3e6, CPUNsPerRec: c[0]}),
			round(k, tp, "franz-go", harness.Result{RecPerSec: 1.5e6, CPUNsPerRec: c[1]}))
	}
	// ProduceSync x1: 0.9, 0.95, 1.3: median 0.95, met.
	for k, p := range [][2]float64{{90, 100}, {95, 100}, {130, 100}} {
		id := syncScenarioID("1")
		rep.RoundRuns = append(rep.RoundRuns,
			round(k, id, "gregor", harness.Result{RecPerSec: 1e4, P50us: p[0]}),
			round(k, id, "franz-go", harness.Result{RecPerSec: 1e4, P50us: p[1]}))
	}
	pairs := func(ratios ...float64) []Run {
		var out []Run
		for k, r := range ratios {
			out = append(out, round(k, tp, "gregor", harness.Result{RecPerSec: 3e6 * r}),
				round(k, "throughput-linger-5ms", "gregor", harness.Result{RecPerSec: 3e6}))
		}
		return out
	}
	rep.LingerPairs = pairs(0.98, 1.02, 0.9)
	got := computeTargets(rep, nil)
	byGoal := map[string]Target{}
	for _, tg := range got {
		goal, _, _ := strings.Cut(tg.Goal, " (")
		byGoal[goal] = tg
	}
	cpu := byGoal["client CPU/record ≤ 0.5× franz-go's"]
	if cpu.Verdict != verdictMet || !strings.HasPrefix(cpu.Measured, "0.38× (median of 3 rounds' ratios, range 0.35-0.80) net of the harness") {
		t.Errorf("CPU: %s %q", cpu.Verdict, cpu.Measured)
	}
	if s1 := byGoal["ProduceSync ×1: p50 ≤ franz-go's"]; s1.Verdict != verdictMet || !strings.HasPrefix(s1.Measured, "0.95× (median of 3") {
		t.Errorf("ProduceSync x1: %s %q", s1.Verdict, s1.Measured)
	}
	sat := "saturation records/s with default batching no worse than with a fixed linger"
	if v := byGoal[sat]; v.Verdict != verdictMet || !strings.HasPrefix(v.Measured, "0.98× (median of 3") {
		t.Errorf("saturation, pairs 0.98/1.02/0.90: %s %q", v.Verdict, v.Measured)
	}
	rep.LingerPairs = pairs(0.95, 0.96, 1.0)
	for _, tg := range computeTargets(rep, nil) {
		if strings.HasPrefix(tg.Goal, sat) && tg.Verdict != verdictNotMet {
			t.Errorf("saturation, pairs 0.95/0.96/1.00 (median 0.96): %s %q", tg.Verdict, tg.Measured)
		}
	}
}

func TestComputeTargetsRealAndCost(t *testing.T) {
	rep := testReport()
	rep.RealRuns = []Run{
		run("throughput-linger-0", "gregor", harness.Result{RecPerSec: 500_000}),
		run("throughput-linger-0", "franz-go", harness.Result{RecPerSec: 450_000}),
	}
	for i := range rep.RealRuns {
		rep.RealRuns[i].Verified = "not checked (external broker)"
	}
	rep.JavaRuns = []JavaRun{{Scenario: "throughput-linger-0", Linger: "0", RecPerSec: 400_000}}
	cost := &CostReport{Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Runs: []CostRun{
		{Client: "gregor", Target: "1000", P50us: 900}, {Client: "franz-go", Target: "1000", P50us: 5000},
		{Client: "java", Target: "1000", P50us: 800},
	}}
	got := verdicts(computeTargets(rep, cost))
	want := map[string]string{
		"real Kafka 4.4 records/s ≥ 1.2× franz-go":                                              verdictNotMet, // 1.11×
		"real Kafka 4.4 records/s ≥ Java ProducerPerformance":                                   verdictMet,
		"async at 1,000 rec/s on real Kafka 4.4: p50 from the call below franz-go's and Java's": verdictNotMet, // Java's is lower
	}
	for _, v := range got {
		if w, ok := want[v.Goal]; ok && w != v.Verdict {
			t.Errorf("%s: %s, want %s", v.Goal, v.Verdict, w)
		}
		delete(want, v.Goal)
	}
	if len(want) != 0 {
		t.Errorf("targets missing: %v", want)
	}
}

func TestRunArgs(t *testing.T) {
	rep := testReport()
	rep.SlowN, rep.SlowClients = 100_000, []string{"kafka-go"}
	sc := Scenario{ID: "throughput-lz4", Mode: harness.ModeAsync, Linger: "0", Codec: "lz4", Args: []string{"-n", "1000000"}}
	got := rep.runArgs(sc, "kafka-go")
	want := []string{"-n", "1000000", "-size", "100", "-compression", "lz4", "-n", "100000"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("kafka-go lz4 args (-want +got):\n%s", d)
	}
	sc = Scenario{ID: "throughput-linger-5ms", Mode: harness.ModeAsync, Linger: "5ms", Args: []string{"-n", "1000000"}}
	if d := cmp.Diff([]string{"-n", "1000000", "-size", "100", "-compression", "none"}, rep.runArgs(sc, "kafka-go")); d != "" {
		t.Errorf("kafka-go linger 5ms args (-want +got):\n%s", d)
	}
}

func TestMarkdownRealTableHasJava(t *testing.T) {
	rep := testReport()
	rep.RealRuns = []Run{run("throughput-linger-0", "gregor", harness.Result{RecPerSec: 500_000})}
	rep.JavaRuns = []JavaRun{{Scenario: "throughput-linger-0", Linger: "0", RecPerSec: 400_000, MBPerSec: 40, P50ms: 3, P99ms: 9,
		Command: "java -cp '<kafka 4.4.0 libs>/*' org.apache.kafka.tools.ProducerPerformance --num-records 1000000"}}
	rep.Targets = computeTargets(rep, nil)
	md := markdown(rep, []string{"gregor", "franz-go"}, nil)
	for _, s := range []string{
		"## Targets", "| #7 | records/s ≥ 1.5× franz-go", "| java (ProducerPerformance) | 400,000 | 40.0 |",
		"Java command: `java -cp '<kafka 4.4.0 libs>/*' org.apache.kafka.tools.ProducerPerformance --num-records 1000000`",
		"Async throughput, compression lz4", "Harness baseline",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
	if strings.Index(md, "## Targets") > strings.Index(md, "## Setup") {
		t.Error("Targets section is not before Setup")
	}
}

// TestCostSVGSeries checks that the real-Kafka chart benchmarks.md embeds
// is well-formed SVG with a line per client in each panel, Java included.
func TestCostSVGSeries(t *testing.T) {
	rep := &CostReport{}
	for _, rate := range []string{"1000", "10000", "100000", "max"} {
		for i, c := range []string{"gregor", "franz-go", "java"} {
			rep.Runs = append(rep.Runs, CostRun{Client: c, Target: rate, P50us: float64(1000 * (i + 1)), ReqPerSec: float64(100 * (i + 1)), RecPerSec: 1000})
		}
	}
	svg := costSVG(rep, []string{"gregor", "franz-go"})
	var doc struct {
		Polylines []struct {
			Stroke string `xml:"stroke,attr"`
			Points string `xml:"points,attr"`
		} `xml:"polyline"`
		Texts []string `xml:"text"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	lines := map[string]int{}
	for _, p := range doc.Polylines {
		if n := len(strings.Fields(p.Points)); n != 3 {
			t.Errorf("series %s has %d points, want 3 (the fixed rates)", p.Stroke, n)
		}
		lines[p.Stroke]++
	}
	want := map[string]int{color("gregor"): 2, color("franz-go"): 2, color("java"): 2}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("lines per colour (-want +got):\n%s", d)
	}
	for _, c := range []string{"gregor", "franz-go", "java"} {
		found := false
		for _, s := range doc.Texts {
			found = found || s == c
		}
		if !found {
			t.Errorf("legend lacks %s", c)
		}
	}
}

func TestMedianRun(t *testing.T) {
	mk := func(rps float64, err string) Run { return Run{Result: harness.Result{RecPerSec: rps}, Error: err} }
	if got := medianRun([]Run{mk(3, ""), mk(1, ""), mk(2, "")}).Result.RecPerSec; got != 2 {
		t.Fatalf("median of 3,1,2 = %v, want 2", got)
	}
	if got := medianRun([]Run{mk(5, ""), mk(1, "")}).Result.RecPerSec; got != 1 {
		t.Fatalf("median of 5,1 = %v, want the lower middle 1", got)
	}
	if got := medianRun([]Run{mk(9, "x"), mk(8, "y"), mk(1, "")}); got.Error == "" {
		t.Fatalf("two failed rounds of three: median %+v should be a failure", got)
	}
	if got := medianRun(nil); got.Result.RecPerSec != 0 {
		t.Fatalf("median of nothing = %+v", got)
	}
}

func TestSteadyRate(t *testing.T) {
	t0 := time.Unix(0, 0)
	// A warm-up request, a 300 ms pause, then 100 requests 10 ms apart:
	// 100 requests/s, which the whole window (101 in 1.29 s) understates.
	times := []time.Time{t0}
	for i := range 100 {
		times = append(times, t0.Add(300*time.Millisecond+time.Duration(i)*10*time.Millisecond))
	}
	if got := steadyRate(times); got < 99.9 || got > 100.1 {
		t.Errorf("steadyRate = %.2f, want 100", got)
	}
	if got := steadyRate(times[:1]); got != 0 {
		t.Errorf("one request: %v, want 0", got)
	}
}

func TestCostTargets(t *testing.T) {
	run := func(target, client string, p50, req, recPerReq, cores float64) CostRun {
		return CostRun{Target: target, Client: client, P50CallUs: p50, ReqPerSec: req, RecPerReq: recPerReq, CPUUtil: cores, Requests: 1}
	}
	rep := &CostReport{Runs: []CostRun{
		run("1000", "gregor", 4400, 140, 7, 0.2), run("1000", "franz-go", 7000, 90, 11, 0.2), run("1000", "java", 5000, 150, 7, 0.1),
		// Repeated cell: the median (140 req/s) is judged, not the outlier.
		run("10000", "gregor", 0, 88, 112, 0.2), run("10000", "gregor", 0, 140, 112, 0.2), run("10000", "gregor", 0, 89, 112, 0.2),
		run("10000", "franz-go", 0, 94, 106, 0.15), run("10000", "java", 0, 150, 73, 0.3),
		run("max", "gregor", 0, 190, 7700, 0.9), run("max", "franz-go", 0, 80, 13500, 0.75), run("max", "java", 0, 360, 820, 0.5),
	}}
	// At max the rates differ: broker CPU per record is judged, not cores
	// (gregor's 0.9 cores would be over both).
	for i, us := range map[int]float64{8: 0.60, 9: 0.70, 10: 1.64} {
		rep.Runs[i].CPUPerRec = us
	}
	got := costTargets(rep)
	want := []string{verdictMet, verdictMet, verdictMet}
	if len(got) != len(want) {
		t.Fatalf("%d targets, want %d: %+v", len(got), len(want), got)
	}
	for i, tg := range got {
		if tg.Verdict != want[i] {
			t.Errorf("%s: %s (%s), want %s", tg.Goal, tg.Verdict, tg.Measured, want[i])
		}
	}
	// Requests at max are shown, not judged: the clients' rates differ.
	if m := got[1].Measured; strings.Contains(m, "over") || !strings.Contains(m, "max vs franz-go: 7700 vs 13500 records/request (shown, not judged)") {
		t.Errorf("requests measured: %s", m)
	}
	// A fixed-rate cell over a peer's requests/s is not met.
	rep.Runs[6].ReqPerSec = 85 // franz-go at 10k, below gregor's median 89
	if tg := costTargets(rep)[1]; tg.Verdict != verdictNotMet || !strings.Contains(tg.Measured, "10000 vs franz-go: 89 vs 85 req/s (**over**)") {
		t.Errorf("gregor over franz-go at 10k: %s (%s), want %s", tg.Verdict, tg.Measured, verdictNotMet)
	}
	rep.Runs[6].ReqPerSec = 94
	// 1k vs franz-go is not judged on broker cost: 1k vs java, 2 pairs at
	// 10k and at max.
	if n := strings.Count(got[2].Measured, ": "); n != 5 {
		t.Errorf("broker CPU compared %d times, want 5: %s", n, got[2].Measured)
	}
	// Java's "5 ms" is whole milliseconds: 5.0 ms is not below it.
	rep.Runs[0].P50CallUs = 5000
	if v := costTargets(rep)[0].Verdict; v != verdictNotMet {
		t.Errorf("p50 5.0 ms vs Java's 5 ms: %s, want %s", v, verdictNotMet)
	}
}

func TestRealOrder(t *testing.T) {
	clients := []string{"gregor", "franz-go", "sarama", "kafka-go", "confluent"}
	want := [][]string{
		{"gregor", "franz-go", "sarama", "kafka-go", "confluent"},
		{"franz-go", "gregor", "kafka-go", "confluent", "sarama"},
		{"gregor", "franz-go", "confluent", "sarama", "kafka-go"},
	}
	for r, w := range want {
		if diff := cmp.Diff(w, realOrder(clients, r)); diff != "" {
			t.Errorf("round %d (-want +got):\n%s", r, diff)
		}
	}
	if diff := cmp.Diff([]string{"franz-go", "gregor"}, realOrder([]string{"gregor", "franz-go"}, 1)); diff != "" {
		t.Errorf("two clients, round 1 (-want +got):\n%s", diff)
	}
}
