package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gregorkafka/gregor/bench/internal/harness"
)

// Target is one of the goals of issues #7 (performance) and #9 (latency
// without tuning), judged from the numbers of one run. The report computes
// every verdict from what it measured, so a target can never read "met"
// on stale or hand-copied figures.
type Target struct {
	Issue    string `json:"issue"`
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	// Verdict is "met", "NOT met" or "not measured" (with the reason in
	// Measured).
	Verdict string `json:"verdict"`
}

const (
	verdictMet     = "met"
	verdictNotMet  = "NOT met"
	verdictMissing = "not measured"
)

func verdict(ok bool) string {
	if ok {
		return verdictMet
	}
	return verdictNotMet
}

// result returns client's result in scenario id among runs, or nil when it
// did not run, failed, or the sink's count disagreed with it: a target is
// never judged on a run whose records did not all arrive.
func result(runs []Run, id, client string) *harness.Result {
	for i := range runs {
		r := &runs[i]
		checked := r.Verified == "ok" || strings.HasPrefix(r.Verified, "not checked")
		if r.Scenario == id && r.Result.Client == client && r.Error == "" && checked && r.Result.Records > 0 {
			return &r.Result
		}
	}
	return nil
}

// checked reports whether r counts for a target (see result).
func checked(r *Run) bool {
	ok := r.Verified == "ok" || strings.HasPrefix(r.Verified, "not checked")
	return r.Error == "" && ok && r.Result.Records > 0
}

// paired returns f(a)/f(b) for every round in which client a's run in
// scenario scA and client b's in scB both count: runs of one round ran
// back to back, so the ratio cancels what drifts between rounds (the
// machine is shared; a neighbour's load moves every client of a round
// alike).
func paired(runs []Run, scA, a, scB, b string, f func(*harness.Result) float64) []float64 {
	byRound := func(sc, cl string) map[int]*harness.Result {
		m := make(map[int]*harness.Result)
		for i := range runs {
			r := &runs[i]
			if r.Scenario == sc && r.Result.Client == cl && checked(r) {
				m[r.Round] = &r.Result
			}
		}
		return m
	}
	ra, rb := byRound(scA, a), byRound(scB, b)
	var out []float64
	for _, k := range slices.Sorted(maps.Keys(ra)) {
		x, y := ra[k], rb[k]
		if y == nil || f(y) <= 0 {
			continue
		}
		out = append(out, f(x)/f(y))
	}
	return out
}

// median is the median of xs (the mean of the middle two for an even
// count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread formats the median of ratios with their range and count.
func spread(xs []float64) string {
	return fmt.Sprintf("%.2f× (median of %d rounds' ratios, range %.2f-%.2f)", median(xs), len(xs), slices.Min(xs), slices.Max(xs))
}

// lingerEquivalence is how far below the fixed linger the default may
// measure at saturation and still count as "no worse": the two send
// batches of the same size there (the same work; the default's are even
// fuller), so the ratio's expected value is 1 and a one-sided ">= 1" would
// be a coin toss; 3% is about the noise of the median of the 15 pairs
// benchall runs (single runs vary +-10% on this machine).
const lingerEquivalence = 0.97

// missing explains why a target could not be judged.
func missing(what ...string) Target {
	return Target{Measured: "no " + strings.Join(what, " or ") + " result in this run", Verdict: verdictMissing}
}

// computeTargets judges every target this run (and, for #9's real-Kafka
// latency, the -broker-cost run in cost, if any) can measure.
func computeTargets(rep *Report, cost *CostReport) []Target {
	var out []Target
	add := func(issue, goal string, t Target) {
		t.Issue, t.Goal = issue, goal
		out = append(out, t)
	}
	tp0 := "throughput-linger-0"
	if id := firstScenario(rep, harness.ModeAsync); id != "" && result(rep.Runs, tp0, "gregor") == nil {
		tp0 = id
	}
	g, f := result(rep.Runs, tp0, "gregor"), result(rep.Runs, tp0, "franz-go")
	sink := rep.Broker == "sink"
	where := "sink"
	if !sink {
		where = "broker " + rep.Broker
	}

	// #7, sink.
	if g == nil || f == nil {
		add("#7", "records/s ≥ 1.5× franz-go ("+where+", async, "+tp0+")", missing("gregor", "franz-go"))
		add("#7", "client CPU/record ≤ 0.5× franz-go's", missing("gregor", "franz-go"))
	} else {
		rate := func(x *harness.Result) float64 { return x.RecPerSec }
		cpu := func(x *harness.Result) float64 { return x.CPUNsPerRec }
		r := g.RecPerSec / f.RecPerSec
		m := fmt.Sprintf("%.2f× (%s vs %s rec/s)", r, fmtInt(g.RecPerSec), fmtInt(f.RecPerSec))
		if ps := paired(rep.RoundRuns, tp0, "gregor", tp0, "franz-go", rate); len(ps) > 0 {
			r = median(ps)
			m = spread(ps) + fmt.Sprintf("; median runs %s vs %s rec/s", fmtInt(g.RecPerSec), fmtInt(f.RecPerSec))
		}
		add("#7", "records/s ≥ 1.5× franz-go ("+where+", async, "+tp0+")", Target{Measured: m, Verdict: verdict(r >= 1.5)})

		// Client CPU is the client's: the harness's own loop (allocating
		// each record, counting callbacks; the null client's CPU) is
		// taken off both sides before the ratio. The null client's
		// records die young, so the harness costs the real clients more
		// than that (GC of records they hold): taking off the smaller
		// figure is conservative for gregor, the cheaper of the two.
		c := g.CPUNsPerRec / f.CPUNsPerRec
		gross := fmt.Sprintf("%.2f× (%.2f vs %.2f µs/rec, harness included)", c, g.CPUNsPerRec/1e3, f.CPUNsPerRec/1e3)
		if ps := paired(rep.RoundRuns, tp0, "gregor", tp0, "franz-go", cpu); len(ps) > 0 {
			c = median(ps)
			gross = spread(ps) + fmt.Sprintf(" harness included (median runs %.2f vs %.2f µs/rec)", g.CPUNsPerRec/1e3, f.CPUNsPerRec/1e3)
		}
		goal, m := "client CPU/record ≤ 0.5× franz-go's (same run)", gross
		if b := rep.Baseline; b != nil && b.Error == "" && b.Result.CPUNsPerRec < f.CPUNsPerRec && b.Result.CPUNsPerRec < g.CPUNsPerRec {
			h := b.Result.CPUNsPerRec
			net := func(x *harness.Result) float64 { return x.CPUNsPerRec - h }
			c = (g.CPUNsPerRec - h) / (f.CPUNsPerRec - h)
			m = fmt.Sprintf("%.2f× net of the harness's own %.2f µs/rec (null client)", c, h/1e3)
			if ps := paired(rep.RoundRuns, tp0, "gregor", tp0, "franz-go", net); len(ps) > 0 {
				c = median(ps)
				m = spread(ps) + fmt.Sprintf(" net of the harness's own %.2f µs/rec (null client)", h/1e3)
			}
			m += "; gross " + gross
			goal = "client CPU/record ≤ 0.5× franz-go's (same run, the harness's own CPU taken off both)"
		}
		if c > 0.5 && profileFor(rep, "gregor") != nil && profileFor(rep, "franz-go") != nil {
			m += "; where the CPU goes: [profiles of this run](#where-the-cpu-goes-profiles-of-this-run)"
		}
		add("#7", goal, Target{Measured: m, Verdict: verdict(c <= 0.5)})
	}
	if g == nil {
		add("#7", "≤ 1 allocation per record in steady state", missing("gregor"))
	} else if b := rep.Baseline; b != nil && b.Error == "" && b.Result.Records > 0 {
		lib := g.AllocsPer - b.Result.AllocsPer
		add("#7", "≤ 1 allocation per record in steady state", Target{
			Measured: fmt.Sprintf("%.2f/rec in gregor: %.2f measured, of which %.2f is the harness's own record (null client)",
				lib, g.AllocsPer, b.Result.AllocsPer), Verdict: verdict(lib <= 1)})
	} else {
		add("#7", "≤ 1 allocation per record in steady state", Target{
			Measured: fmt.Sprintf("%.2f/rec including the harness's record (no harness baseline in this run)", g.AllocsPer),
			Verdict:  verdict(g.AllocsPer <= 1)})
	}

	// #7, real Kafka (-real).
	realID := firstRealScenario(rep)
	rg, rf := result(rep.RealRuns, realID, "gregor"), result(rep.RealRuns, realID, "franz-go")
	switch {
	case len(rep.RealRuns) == 0 && rep.RealError == "":
		add("#7", "real Kafka 4.4 records/s ≥ 1.2× franz-go", Target{Measured: "needs -real", Verdict: verdictMissing})
		add("#7", "real Kafka 4.4 records/s ≥ Java ProducerPerformance", Target{Measured: "needs -real", Verdict: verdictMissing})
	default:
		if rg == nil || rf == nil {
			add("#7", "real Kafka 4.4 records/s ≥ 1.2× franz-go", missing("real-Kafka gregor", "franz-go"))
		} else {
			r := rg.RecPerSec / rf.RecPerSec
			m := fmt.Sprintf("%.2f× (%s vs %s rec/s)", r, fmtInt(rg.RecPerSec), fmtInt(rf.RecPerSec))
			if ps := paired(rep.RealRoundRuns, realID, "gregor", realID, "franz-go", func(x *harness.Result) float64 { return x.RecPerSec }); len(ps) > 0 {
				r = median(ps)
				m = spread(ps) + fmt.Sprintf("; median runs %s vs %s rec/s", fmtInt(rg.RecPerSec), fmtInt(rf.RecPerSec))
			}
			add("#7", "real Kafka 4.4 records/s ≥ 1.2× franz-go ("+realID+")", Target{Measured: m, Verdict: verdict(r >= 1.2)})
		}
		var j *JavaRun
		for i := range rep.JavaRuns {
			if rep.JavaRuns[i].Scenario == realID && rep.JavaRuns[i].Error == "" && rep.JavaRuns[i].RecPerSec > 0 {
				j = &rep.JavaRuns[i]
			}
		}
		if rg == nil || j == nil {
			add("#7", "real Kafka 4.4 records/s ≥ Java ProducerPerformance", missing("real-Kafka gregor", "Java"))
		} else {
			r := rg.RecPerSec / j.RecPerSec
			add("#7", "real Kafka 4.4 records/s ≥ Java ProducerPerformance ("+realID+")", Target{
				Measured: fmt.Sprintf("%.2f× (%s vs %s rec/s)", r, fmtInt(rg.RecPerSec), fmtInt(j.RecPerSec)), Verdict: verdict(r >= 1)})
		}
	}

	// ProduceSync: #7's 64-goroutine target, then #9's.
	s64g, s64f := result(rep.Runs, syncScenarioID("64"), "gregor"), result(rep.Runs, syncScenarioID("64"), "franz-go")
	calls := func(x *harness.Result) float64 { return x.RecPerSec }
	p99 := func(x *harness.Result) float64 { return x.P99us }
	var s64r, s64p float64
	var s64m string
	if s64g != nil && s64f != nil && s64f.P99us > 0 {
		s64r, s64p = s64g.RecPerSec/s64f.RecPerSec, s64g.P99us/s64f.P99us
		s64m = fmt.Sprintf("p99 %.2f× (%s vs %s) at %.2f× calls/s (%s vs %s)", s64p, fmtLatency(s64g.P99us), fmtLatency(s64f.P99us),
			s64r, fmtInt(s64g.RecPerSec), fmtInt(s64f.RecPerSec))
		id := syncScenarioID("64")
		if pr, pp := paired(rep.RoundRuns, id, "gregor", id, "franz-go", calls), paired(rep.RoundRuns, id, "gregor", id, "franz-go", p99); len(pr) > 0 && len(pp) > 0 {
			s64r, s64p = median(pr), median(pp)
			s64m = "p99 " + spread(pp) + " at calls/s " + spread(pr) + fmt.Sprintf("; median runs p99 %s vs %s, %s vs %s calls/s",
				fmtLatency(s64g.P99us), fmtLatency(s64f.P99us), fmtInt(s64g.RecPerSec), fmtInt(s64f.RecPerSec))
		}
	}
	if s64m == "" {
		add("#7", "ProduceSync ×64: p99 ≤ franz-go's at ≥ its calls/s", missing("ProduceSync ×64"))
	} else {
		add("#7", "ProduceSync ×64: p99 ≤ franz-go's at ≥ its calls/s", Target{Measured: s64m, Verdict: verdict(s64p <= 1 && s64r >= 1)})
	}
	if r := result(rep.Runs, "rate-1000", "gregor"); r == nil {
		add("#9", "async Produce at 1,000 rec/s, defaults: p50 ≤ 1 ms ("+where+")", missing("1,000 rec/s"))
	} else {
		add("#9", "async Produce at 1,000 rec/s, defaults: p50 ≤ 1 ms ("+where+")", Target{
			Measured: fmt.Sprintf("p50 %s (p99 %s)", fmtLatency(r.P50us), fmtLatency(r.P99us)), Verdict: verdict(r.P50us <= 1000)})
	}
	s1g, s1f := result(rep.Runs, syncScenarioID("1"), "gregor"), result(rep.Runs, syncScenarioID("1"), "franz-go")
	if s1g == nil || s1f == nil || s1f.P50us <= 0 {
		add("#9", "ProduceSync ×1: p50 ≤ franz-go's", missing("ProduceSync ×1"))
	} else {
		p := s1g.P50us / s1f.P50us
		m := fmt.Sprintf("%.2f× (%s vs %s)", p, fmtLatency(s1g.P50us), fmtLatency(s1f.P50us))
		id := syncScenarioID("1")
		if ps := paired(rep.RoundRuns, id, "gregor", id, "franz-go", func(x *harness.Result) float64 { return x.P50us }); len(ps) > 0 {
			p = median(ps)
			m = spread(ps) + fmt.Sprintf("; median runs %s vs %s", fmtLatency(s1g.P50us), fmtLatency(s1f.P50us))
		}
		add("#9", "ProduceSync ×1: p50 ≤ franz-go's", Target{Measured: m, Verdict: verdict(p <= 1)})
	}
	if s64m == "" {
		add("#9", "ProduceSync ×64: ≥ 1.5× franz-go's calls/s with p99 ≤ its p99", missing("ProduceSync ×64"))
	} else {
		add("#9", "ProduceSync ×64: ≥ 1.5× franz-go's calls/s with p99 ≤ its p99", Target{Measured: s64m, Verdict: verdict(s64r >= 1.5 && s64p <= 1)})
	}
	// #9: "saturation throughput no worse than with a fixed linger": gregor
	// with its default (linger 0, adaptive) against gregor with the fixed
	// linger of the other throughput table: from the back-to-back pairs
	// when the run has them (an equivalence within lingerEquivalence), else
	// from the two tables' median runs.
	var fixed string
	for _, sc := range rep.Scenarios {
		if sc.Mode == harness.ModeAsync && sc.Codec == "" && sc.ID != tp0 {
			fixed = sc.ID
			break
		}
	}
	if ps := paired(rep.LingerPairs, tp0, "gregor", fixed, "gregor", func(x *harness.Result) float64 { return x.RecPerSec }); len(ps) > 0 {
		r := median(ps)
		add("#9", fmt.Sprintf("saturation records/s with default batching no worse than with a fixed linger (gregor %s vs %s, back to back; equal within %.0f%%)",
			tp0, fixed, (1-lingerEquivalence)*100), Target{Measured: spread(ps), Verdict: verdict(r >= lingerEquivalence)})
	} else if gf := result(rep.Runs, fixed, "gregor"); g == nil || gf == nil {
		add("#9", "saturation records/s with default batching no worse than with a fixed linger", missing("gregor throughput"))
	} else {
		r := g.RecPerSec / gf.RecPerSec
		add("#9", "saturation records/s with default batching no worse than with a fixed linger (gregor "+tp0+" vs "+fixed+")", Target{
			Measured: fmt.Sprintf("%.2f× (%s vs %s rec/s)", r, fmtInt(g.RecPerSec), fmtInt(gf.RecPerSec)), Verdict: verdict(r >= 1)})
	}

	// #9 on real Kafka: from the separate -broker-cost run.
	if cost == nil {
		add("#9", "async at 1,000 rec/s on real Kafka 4.4: p50 from the call below franz-go's and Java's",
			Target{Measured: "no latency.json (run -broker-cost)", Verdict: verdictMissing})
	} else {
		for _, t := range costTargets(cost) {
			add(t.Issue, t.Goal+" (from latency.json, "+cost.Date.Format("2006-01-02 15:04 UTC")+", commit "+cost.Env.Commit+")", t)
		}
	}
	return out
}

// firstRealScenario is the first scenario with real-Kafka runs.
func firstRealScenario(rep *Report) string {
	for _, sc := range rep.Scenarios {
		for _, r := range rep.RealRuns {
			if r.Scenario == sc.ID {
				return sc.ID
			}
		}
	}
	return ""
}

func targetsMarkdown(ts []Target) string {
	var b strings.Builder
	b.WriteString("## Targets\n\n")
	b.WriteString("The goals of issues #7 (performance) and #9 (latency without tuning) that this run can measure, each judged from\n")
	b.WriteString("this run's own numbers (ratios within the run; the row for real-Kafka latency comes from latency.json as stated).\n\n")
	b.WriteString("| issue | target | measured | verdict |\n|---|---|---|---|\n")
	for _, t := range ts {
		v := t.Verdict
		if v == verdictNotMet {
			v = "**" + v + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.Issue, t.Goal, strings.ReplaceAll(t.Measured, "|", "\\|"), v)
	}
	b.WriteString("\n")
	return b.String()
}
