package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// costNoiseCores is the broker CPU difference (cores busy) read as
// run-to-run noise on the shared 2-core machine: the same client in the
// same cell has measured 0.12 and 0.51 cores in one session.
const costNoiseCores = 0.1

// costCell is one client's figures at one target of a -broker-cost run:
// the median of its runs there (a cell repeated with -cost-rounds).
type costCell struct {
	p50Call, reqPerSec, recPerReq, cores, cpuPerRec float64
	runs                                            int
}

func costCells(rep *CostReport) map[[2]string]costCell {
	vals := map[[2]string][][5]float64{}
	for _, r := range rep.Runs {
		if r.Error != "" {
			continue
		}
		k := [2]string{r.Target, r.Client}
		vals[k] = append(vals[k], [5]float64{r.callP50(), r.ReqPerSec, r.RecPerReq, r.CPUUtil, r.CPUPerRec})
	}
	out := map[[2]string]costCell{}
	for k, vs := range vals {
		med := func(i int) float64 {
			x := make([]float64, len(vs))
			for j, v := range vs {
				x[j] = v[i]
			}
			slices.Sort(x)
			return x[len(x)/2]
		}
		out[k] = costCell{med(0), med(1), med(2), med(3), med(4), len(vs)}
	}
	return out
}

// costTargets judges the product decision for #9 on a -broker-cost run:
// at 1k records/s gregor's p50 from the call is below franz-go's and
// Java's (Java's whole milliseconds taken as printed, so "5 ms" needs
// < 5.0 ms); gregor's broker cost is no worse than Java's at every rate and
// than franz-go's from 10k records/s up: Produce requests/s at the fixed
// rates and broker cores busy within costNoiseCores; at "max", where the
// clients' rates differ, by broker CPU per record (the cost itself;
// records per request are shown, not judged: a client that pushes twice the
// records through bigger-but-fewer-per-record requests can cost the broker
// less per record, as measured).
func costTargets(rep *CostReport) []Target {
	cells := costCells(rep)
	var out []Target
	add := func(goal string, t Target) {
		t.Issue, t.Goal = "#9", goal
		out = append(out, t)
	}
	g, f, j := cells[[2]string{"1000", "gregor"}], cells[[2]string{"1000", "franz-go"}], cells[[2]string{"1000", "java"}]
	goal := "async at 1,000 rec/s on real Kafka 4.4: p50 from the call below franz-go's and Java's"
	if g.runs == 0 || f.runs == 0 || j.runs == 0 {
		add(goal, Target{Measured: "no 1,000 rec/s result for gregor, franz-go or java", Verdict: verdictMissing})
	} else {
		add(goal, Target{Measured: fmt.Sprintf("p50 %s vs franz-go %s (%.2f×) and Java %s (%.2f×)", fmtLatency(g.p50Call),
			fmtLatency(f.p50Call), g.p50Call/f.p50Call, fmtLatency(j.p50Call), g.p50Call/j.p50Call),
			Verdict: verdict(g.p50Call < f.p50Call && g.p50Call < j.p50Call)})
	}
	var targets []string
	for _, r := range rep.Runs {
		if !slices.Contains(targets, r.Target) {
			targets = append(targets, r.Target)
		}
	}
	var reqs, cpus []string
	reqOK, cpuOK, any := true, true, false
	for _, t := range targets {
		rate, err := strconv.Atoi(t)
		isMax := err != nil
		g := cells[[2]string{t, "gregor"}]
		if g.runs == 0 {
			continue
		}
		for _, other := range []string{"java", "franz-go"} {
			o := cells[[2]string{t, other}]
			if o.runs == 0 || (other == "franz-go" && !isMax && rate < 10000) {
				continue
			}
			any = true
			if isMax {
				// The clients' rates differ at saturation, so requests/s
				// compare nothing; records per request are shown, and the
				// cost itself is judged by broker CPU per record below.
				reqs = append(reqs, fmt.Sprintf("%s vs %s: %.0f vs %.0f records/request (shown, not judged)", t, other, g.recPerReq, o.recPerReq))
			} else {
				ok := g.reqPerSec <= o.reqPerSec
				reqOK = reqOK && ok
				reqs = append(reqs, fmt.Sprintf("%s vs %s: %.0f vs %.0f req/s%s", t, other, g.reqPerSec, o.reqPerSec, mark(ok)))
			}
			if isMax {
				ok := g.cpuPerRec <= o.cpuPerRec
				cpuOK = cpuOK && ok
				cpus = append(cpus, fmt.Sprintf("%s vs %s: %.2f vs %.2f µs/record%s", t, other, g.cpuPerRec, o.cpuPerRec, mark(ok)))
				continue
			}
			ok := g.cores <= o.cores+costNoiseCores
			cpuOK = cpuOK && ok
			cpus = append(cpus, fmt.Sprintf("%s vs %s: %.2f vs %.2f cores%s", t, other, g.cores, o.cores, mark(ok)))
		}
	}
	if !any {
		return out
	}
	add("real Kafka 4.4: Produce requests/s ≤ Java's at every fixed rate, ≤ franz-go's from 10k rec/s",
		Target{Measured: strings.Join(reqs, "; "), Verdict: verdict(reqOK)})
	add(fmt.Sprintf("real Kafka 4.4: broker cores busy ≤ Java's at every rate, ≤ franz-go's from 10k rec/s, within %.1f (per record at max)", costNoiseCores),
		Target{Measured: strings.Join(cpus, "; "), Verdict: verdict(cpuOK)})
	return out
}

func mark(ok bool) string {
	if ok {
		return ""
	}
	return " (**over**)"
}
