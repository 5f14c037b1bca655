package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/kafka/wire"
)

// CostRun is one client at one offered rate against the real broker, with
// what it cost the broker. Target "max" is saturation (async, as fast as
// the client goes).
type CostRun struct {
	Client    string  `json:"client"`
	Target    string  `json:"target"`
	Records   int64   `json:"records"`     // records the client sent (warm-up included)
	RecPerSec float64 `json:"rec_per_sec"` // as the client measured it
	// Go clients: from the time each record was due (0 for Java, which
	// cannot say).
	P50us  float64 `json:"p50_us"`
	P99us  float64 `json:"p99_us"`
	P999us float64 `json:"p999_us"`
	// From the Produce call (Go) or send() (Java's ProducerPerformance,
	// whole milliseconds, truncated): the figures to compare across all
	// three clients.
	P50CallUs  float64   `json:"p50_call_us,omitempty"`
	P99CallUs  float64   `json:"p99_call_us,omitempty"`
	P999CallUs float64   `json:"p999_call_us,omitempty"`
	Requests   int       `json:"requests"`    // Produce requests the proxy saw
	Window     float64   `json:"window_s"`    // first to last Produce request
	ReqPerSec  float64   `json:"req_per_sec"` // Requests / Window
	RecPerReq  float64   `json:"rec_per_req"`
	BrokerCPU  float64   `json:"broker_cpu_s"` // broker JVM CPU seconds in the window
	CPUPerRec  float64   `json:"broker_cpu_us_per_rec"`
	CPUUtil    float64   `json:"broker_cores_busy"`
	Shape      *ReqShape `json:"shape,omitempty"`
	Settings   string    `json:"settings,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// ReqShape is what the proxy saw of a run's requests: the shape of its
// Produce requests and every other request it sent in the window.
type ReqShape struct {
	ProduceVersion int            `json:"produce_version"` // highest seen
	PartsPerReq    float64        `json:"partitions_per_req"`
	BatchesPerReq  float64        `json:"batches_per_req"`
	RecPerReq      float64        `json:"records_per_req"` // from the batch headers
	BytesPerReq    float64        `json:"bytes_per_req"`
	ReadsPerReq    float64        `json:"client_reads_per_req"` // ~segments the client sent each Produce in
	RTTp50us       float64        `json:"broker_rtt_p50_us"`    // proxy -> broker -> proxy, Produce
	RTTp90us       float64        `json:"broker_rtt_p90_us"`
	Other          map[string]int `json:"other_requests,omitempty"` // API key -> count, in the window
}

// steadyRate is the requests/s of the middle 80 % of a run's requests
// (sorted times): the whole window would count a Go client's warm-up
// request and the pause after it, and Java's catch-up burst after its
// first metadata fetch, each worth several percent of a 5 s run.
func steadyRate(times []time.Time) float64 {
	n := len(times)
	if n < 2 {
		return 0
	}
	i, j := n/10, n-1-n/10
	if j <= i {
		i, j = 0, n-1
	}
	if d := times[j].Sub(times[i]).Seconds(); d > 0 {
		return float64(j-i) / d
	}
	return 0
}

// callP50 is the p50 to compare across clients: from the Produce call
// (send() for Java); reports written before it existed hold only P50us.
func (r CostRun) callP50() float64 {
	if r.P50CallUs > 0 {
		return r.P50CallUs
	}
	return r.P50us
}

// shapeOf summarises the requests the proxy saw during one run: Produce
// requests from the first to the last, other requests in that window
// widened by a second on each side (a client's metadata and producer-id
// requests come just before its first Produce).
func shapeOf(reqs []reqInfo) (*ReqShape, []time.Time) {
	var sh ReqShape
	var produce []time.Time
	var rtts []float64
	for _, r := range reqs {
		if r.key != wire.APIKeyProduce {
			continue
		}
		produce = append(produce, r.at)
		sh.ProduceVersion = max(sh.ProduceVersion, int(r.version))
		sh.PartsPerReq += float64(r.parts)
		sh.BatchesPerReq += float64(r.batches)
		sh.RecPerReq += float64(r.records)
		sh.BytesPerReq += float64(r.size)
		sh.ReadsPerReq += float64(r.reads)
		if r.rtt > 0 {
			rtts = append(rtts, float64(r.rtt)/1e3)
		}
	}
	if len(produce) == 0 {
		return nil, nil
	}
	n := float64(len(produce))
	sh.PartsPerReq /= n
	sh.BatchesPerReq /= n
	sh.RecPerReq /= n
	sh.BytesPerReq /= n
	sh.ReadsPerReq /= n
	if len(rtts) > 0 {
		slices.Sort(rtts)
		sh.RTTp50us = rtts[len(rtts)/2]
		sh.RTTp90us = rtts[len(rtts)*9/10]
	}
	from, to := produce[0].Add(-time.Second), produce[len(produce)-1].Add(time.Second)
	for _, r := range reqs {
		if r.key != wire.APIKeyProduce && !r.at.Before(from) && !r.at.After(to) {
			if sh.Other == nil {
				sh.Other = map[string]int{}
			}
			sh.Other[wire.APIName(r.key)]++
		}
	}
	return &sh, produce
}

// CostReport is the output of -broker-cost.
type CostReport struct {
	Date     time.Time `json:"date"`
	Env      Env       `json:"env"`
	Duration string    `json:"duration"`
	MaxN     int       `json:"max_records"`
	Runs     []CostRun `json:"runs"`
	// IdleCores is the broker's CPU with no client connected (controller,
	// timers): part of every row's "broker cores busy".
	IdleCores float64 `json:"broker_idle_cores"`
	// PageCacheReset: the page cache was dropped before every run
	// (resetPageCache).
	PageCacheReset bool   `json:"page_cache_reset,omitempty"`
	Error          string `json:"error,omitempty"`
}

// runBrokerCost measures async callback latency and broker cost (Produce
// requests/s and broker CPU per record) at fixed rates and at saturation,
// for each client in clients ("java" is ProducerPerformance), every one
// with its default batching, against one real Kafka 4.4 broker behind a
// counting proxy. Each cell runs rounds times, the clients' order rotated
// each round, so a repeated cell does not always follow the same client.
func runBrokerCost(rep *CostReport, runnerBin string, clients, rates []string, partitions, size, maxN, rounds int, dur time.Duration) {
	var goClients []string
	for _, c := range clients {
		if c != "java" {
			goClients = append(goClients, c)
		}
	}
	// The proxy needs the broker's port and the broker needs the proxy's:
	// listen first, then start the broker advertising the proxy.
	px, err := startProxy("")
	if err != nil {
		rep.Error = err.Error()
		return
	}
	log.Printf("starting Kafka 4.4 behind a counting proxy on %s", px.addr())
	k, err := startRealKafka(partitions, px.port())
	if err != nil {
		px.stop()
		rep.Error = err.Error()
		return
	}
	px.mu.Lock()
	px.target = k.brokers
	px.mu.Unlock()
	defer k.stop()
	defer px.stop()
	cpu := startCPUSampler(k.cmd.Process.Pid)
	defer cpu.stop()
	// Warm the broker up (JIT, log segments) so the first measured client
	// does not pay for it.
	for _, cl := range goClients {
		wt := fmt.Sprintf("cost-warmup-%s-%d", cl, time.Now().UnixNano())
		if err := createTopic(px.addr(), wt, partitions); err == nil {
			var cr CostRun
			cr.Client = cl
			goRun(&cr, runnerBin, px.addr(), wt, "20000", size, maxN, 3*time.Second)
			log.Printf("broker warm-up with %s: %.0f rec/s %s", cl, cr.RecPerSec, cr.Error)
		}
	}

	// The broker's own CPU with no client: the floor under every row.
	idleFrom := time.Now()
	time.Sleep(3 * time.Second)
	rep.IdleCores = cpu.between(idleFrom, time.Now()).Seconds() / time.Since(idleFrom).Seconds()
	log.Printf("broker idle: %.3f cores", rep.IdleCores)

	targets := append([]string(nil), rates...)
	if maxN > 0 {
		targets = append(targets, "max")
	}
	for _, target := range targets {
		var order []string
		for r := range max(rounds, 1) {
			for i := range clients {
				order = append(order, clients[(i+r)%len(clients)])
			}
		}
		for _, cl := range order {
			cr := CostRun{Client: cl, Target: target}
			topic := fmt.Sprintf("cost-%s-%s-%d", target, cl, time.Now().UnixNano())
			if err := createTopic(px.addr(), topic, partitions); err != nil {
				cr.Error = err.Error()
				rep.Runs = append(rep.Runs, cr)
				continue
			}
			rep.PageCacheReset = resetPageCache()
			m := px.mark()
			if cl == "java" {
				javaRun(&cr, k, px.addr(), topic, target, size, maxN, dur)
			} else {
				goRun(&cr, runnerBin, px.addr(), topic, target, size, maxN, dur)
			}
			sh, times := shapeOf(px.since(m))
			cr.Shape = sh
			cr.Requests = len(times)
			if len(times) > 1 {
				from, to := times[0], times[len(times)-1]
				cr.Window = to.Sub(from).Seconds()
				cr.ReqPerSec = steadyRate(times)
				cr.BrokerCPU = cpu.between(from, to).Seconds()
				cr.CPUUtil = cr.BrokerCPU / cr.Window
			}
			if cr.Requests > 0 {
				cr.RecPerReq = float64(cr.Records) / float64(cr.Requests)
			}
			if cr.Records > 0 {
				cr.CPUPerRec = cr.BrokerCPU * 1e6 / float64(cr.Records)
			}
			var rtt float64
			if sh != nil {
				rtt = sh.RTTp50us
			}
			log.Printf("cost %-6s %-8s %9.0f rec/s p50 call %6.0fµs due %6.0fµs p99 call %6.0fµs  %5.0f req/s  %7.1f rec/req  broker %6.2f µs/rec %4.2f cores, rtt p50 %4.0fµs %s",
				target, cl, cr.RecPerSec, cr.callP50(), cr.P50us, cr.P99CallUs, cr.ReqPerSec, cr.RecPerReq, cr.CPUPerRec, cr.CPUUtil, rtt, cr.Error)
			rep.Runs = append(rep.Runs, cr)
		}
	}
}

func goRun(cr *CostRun, runnerBin, brokers, topic, target string, size, maxN int, dur time.Duration) {
	args := []string{"-client", cr.Client, "-brokers", brokers, "-topic", topic, "-size", fmt.Sprint(size),
		"-linger", "default", "-warmup", "100"}
	if target == "max" {
		args = append(args, "-mode", "async", "-n", fmt.Sprint(maxN))
	} else {
		args = append(args, "-mode", "rate", "-rate", target, "-d", dur.String())
	}
	r, errMsg, parsed := execRunner(exec.Command(runnerBin, args...))
	if !parsed {
		cr.Error = errMsg
		return
	}
	cr.Records, cr.RecPerSec, cr.Settings, cr.Error = r.Produced, r.RecPerSec, r.Settings, errMsg
	cr.P50us, cr.P99us, cr.P999us = r.P50us, r.P99us, r.P999us
	cr.P50CallUs, cr.P99CallUs, cr.P999CallUs = r.P50CallUs, r.P99CallUs, r.P999CallUs
}

var perfLine = regexp.MustCompile(`(\d+) records sent, ([\d.]+) records/sec \([\d.]+ MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th`)

// javaRun runs ProducerPerformance with the producer's defaults (Kafka 4.x:
// acks=all, idempotence on, linger.ms 5, batch.size 16 KiB); only the
// bootstrap address is set. Its percentiles are whole milliseconds.
func javaRun(cr *CostRun, k *realKafka, brokers, topic, target string, size, maxN int, dur time.Duration) {
	n, tput := maxN, "-1"
	if target != "max" {
		r, _ := strconv.Atoi(target)
		n, tput = int(float64(r)*dur.Seconds()), target
	}
	cr.Settings = "ProducerPerformance, producer defaults (acks=all, idempotent, linger.ms=5, batch.size=16384)"
	out, err := exec.Command("java", "-Xmx512m", k.logArg, "-cp", k.cp, "org.apache.kafka.tools.ProducerPerformance",
		"--topic", topic, "--num-records", fmt.Sprint(n), "--record-size", fmt.Sprint(size), "--throughput", tput,
		"--producer-props", "bootstrap.servers="+brokers).CombinedOutput()
	m := perfLine.FindStringSubmatch(string(out))
	if m == nil {
		cr.Error = fmt.Sprintf("ProducerPerformance: %v: %s", err, firstLines(string(out), 3))
		return
	}
	f := func(i int) float64 { v, _ := strconv.ParseFloat(m[i], 64); return v }
	cr.Records, cr.RecPerSec = int64(f(1)), f(2)
	cr.P50CallUs, cr.P99CallUs, cr.P999CallUs = f(5)*1e3, f(7)*1e3, f(8)*1e3
}

func writeCostReport(rep *CostReport, dir string, clients []string) {
	raw, _ := json.MarshalIndent(rep, "", "  ")
	must(os.WriteFile(filepath.Join(dir, "latency.json"), raw, 0o644))
	must(os.WriteFile(filepath.Join(dir, "latency-real.svg"), []byte(costSVG(rep, clients)), 0o644))
	must(os.WriteFile(filepath.Join(dir, "latency.md"), []byte(costMarkdown(rep, clients)), 0o644))
	log.Printf("wrote %s", filepath.Join(dir, "latency.md"))
}

func costMarkdown(rep *CostReport, clients []string) string {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	w("# Latency and broker cost on a real Kafka 4.4: gregor, franz-go, Java\n\n")
	w("Commit %s. How gregor decides when to send: [producer.md](producer.md#batching-adaptive-by-default).\n\n", rep.Env.Commit)
	w("_Generated by `cd bench && go run ./cmd/benchall -broker-cost` on %s. Do not edit by hand: rerun it. Raw numbers: [latency.json](latency.json)._\n\n",
		rep.Date.Format("2006-01-02 15:04 UTC"))
	w("**Ratios within one run, not absolute numbers.** %s (%d cores), load average %s at the start; the broker, the clients and the\n", rep.Env.CPU, rep.Env.Cores, rep.Env.Load)
	w("counting proxy share the same cores.")
	if rep.PageCacheReset {
		w(" The page cache was dropped before every run (`bench/cmd/benchall/pagecache.go`: on this VM the broker's copies\n")
		w("into the page cache otherwise become several times dearer after a few runs, for every client alike).")
	}
	w("\n\n")
	w("Setup: Apache Kafka 4.4.0, one node (broker and controller), 8 partitions, replication factor 1; keyless records\n")
	w("of 100 value bytes; **every client with its default options** (acks=all and idempotence are the default in all three).\n")
	w("Fixed-rate runs offer the rate for %s from one goroutine (Java: `ProducerPerformance --throughput N`); \"max\" sends\n", rep.Duration)
	w("%d records as fast as the client takes them.\n\n", rep.MaxN)
	w("* **p50, p99 from due / from call**: async callback latency. *From due*: from the time the harness meant to\n")
	w("  produce the record (its schedule), so it also holds the harness's own lateness (a sleep that overslept) and any\n")
	w("  blocking in Produce; Go clients only. *From call*: from the Produce call (Go) or send() (Java: ProducerPerformance's\n")
	w("  own figure, whole milliseconds, **truncated**, so Java's \"5 ms\" is 5.0-5.99 ms). **Compare clients on the from-call\n")
	w("  figures**: that is what ProducerPerformance measures; a Go client counts as below Java's \"N ms\" only below N.0 ms.\n")
	w("* **requests/s**: Produce requests counted by a TCP proxy in front of the broker (the broker advertises the\n")
	w("  proxy, so every client goes through it; it reads each frame's header), over the middle 80 %% of the run's\n")
	w("  requests (steady state: leaves out a Go client's warm-up request and Java's catch-up burst after its first\n")
	w("  metadata fetch). records/req is all records sent (warm-up included) over all requests.\n")
	w("* **broker CPU**: the broker JVM's utime+stime (/proc/<pid>/stat) from the run's first to its last Produce; per record\n")
	w("  and in cores busy. It includes the broker's idle work (controller, timers): %.3f cores measured with no client\n", rep.IdleCores)
	w("  before the runs.\n")
	w("* One run per cell on a shared 2-core machine: differences under ~0.1 broker cores are within run-to-run noise.\n\n")
	if rep.Error != "" {
		w("**Run failed:** %s\n\n", rep.Error)
	}
	w("![latency and broker cost vs rate](latency-real.svg)\n\n")
	if ts := costTargets(rep); len(ts) > 0 {
		w("**Targets of this run** (the product decision of [producer.md](producer.md#batching-adaptive-by-default); a\n")
		w("repeated cell is judged on each client's median):\n\n| target | measured | verdict |\n|---|---|---|\n")
		for _, t := range ts {
			v := t.Verdict
			if v == verdictNotMet {
				v = "**" + v + "**"
			}
			w("| %s | %s | %s |\n", t.Goal, strings.ReplaceAll(t.Measured, "|", "\\|"), v)
		}
		w("\n")
	}
	w("| rate | client | achieved rec/s | p50 from call | p99 from call | p50 from due | p99 from due | Produce req/s | records/req | broker CPU/rec | broker cores busy | note |\n")
	w("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range rep.Runs {
		if r.Error != "" && r.Records == 0 {
			w("| %s | %s | – | – | – | – | – | – | – | – | – | %s |\n", r.Target, r.Client, r.Error)
			continue
		}
		w("| %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %.2f µs | %.2f | %s |\n", r.Target, r.Client, fmtInt(r.RecPerSec),
			fmtLatency(r.callP50()), fmtLatency(r.P99CallUs), fmtLatency(r.P50us), fmtLatency(r.P99us),
			fmtInt(r.ReqPerSec), r.RecPerReq, r.CPUPerRec, r.CPUUtil, r.Error)
	}
	w("\n**Request shape** as the proxy saw it (Produce requests of the window; other requests within a second of it):\n")
	w("Produce version, topic-partitions, record batches, records (from the batch headers) and bytes per request; reads of\n")
	w("the client's socket per request (about the TCP segments it sent each request in: the proxy forwards whole frames, so\n")
	w("the broker always gets one write per request); the broker's Produce round trip measured at the proxy.\n\n")
	w("| rate | client | Produce v | partitions/req | batches/req | records/req | bytes/req | client reads/req | broker RTT p50 | p90 | other requests |\n")
	w("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range rep.Runs {
		sh := r.Shape
		if sh == nil {
			continue
		}
		var other []string
		for k, n := range sh.Other {
			other = append(other, fmt.Sprintf("%s %d", k, n))
		}
		slices.Sort(other)
		w("| %s | %s | %d | %.2f | %.2f | %.1f | %s | %.2f | %s | %s | %s |\n", r.Target, r.Client, sh.ProduceVersion, sh.PartsPerReq,
			sh.BatchesPerReq, sh.RecPerReq, fmtInt(sh.BytesPerReq), sh.ReadsPerReq, fmtLatency(sh.RTTp50us), fmtLatency(sh.RTTp90us), strings.Join(other, ", "))
	}
	w("\nSettings as each client reported them:\n\n")
	seen := map[string]bool{}
	for _, r := range rep.Runs {
		if r.Settings != "" && !seen[r.Client] {
			seen[r.Client] = true
			w("* %s: %s\n", r.Client, r.Settings)
		}
	}
	return b.String()
}

// costSVG draws p50 callback latency (left) and Produce requests/s (right)
// against the offered rate, log axes, one line per client.
func costSVG(rep *CostReport, clients []string) string {
	const W, H, panel, left, top, bottom = 900, 380, 360, 70, 50, 50
	clients = append(append([]string(nil), clients...), "java")
	var rates []float64
	for _, r := range rep.Runs {
		if v, err := strconv.ParseFloat(r.Target, 64); err == nil && (len(rates) == 0 || rates[len(rates)-1] != v) {
			rates = append(rates, v)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", W, H)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/><text x="10" y="22" font-size="15" font-weight="bold">Real Kafka 4.4, client defaults: async p50 latency and Produce requests/s vs offered rate (lower is better)</text>` + "\n")
	if len(rates) < 2 {
		b.WriteString("</svg>\n")
		return b.String()
	}
	xlo, xhi := math.Log10(rates[0]), math.Log10(rates[len(rates)-1])
	ph := float64(H - top - bottom)
	for pi, metric := range []struct {
		name string
		get  func(CostRun) float64
		fmt  func(float64) string
	}{
		{"p50 callback latency (from the call)", func(r CostRun) float64 { return r.callP50() }, fmtLatency},
		{"Produce requests/s at the broker", func(r CostRun) float64 { return r.ReqPerSec }, fmtInt},
	} {
		x0 := float64(left + pi*(panel+100))
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range rep.Runs {
			if v := metric.get(r); v > 0 && r.Target != "max" {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if math.IsInf(lo, 0) {
			continue
		}
		ylo, yhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if yhi == ylo {
			yhi++
		}
		X := func(r float64) float64 { return x0 + panel*(math.Log10(r)-xlo)/(xhi-xlo) }
		Y := func(v float64) float64 { return float64(top) + ph*(1-(math.Log10(math.Max(v, 1e-9))-ylo)/(yhi-ylo)) }
		fmt.Fprintf(&b, `<text x="%.0f" y="%d" font-weight="bold">%s</text>`+"\n", x0, top-12, metric.name)
		for e := ylo; e <= yhi; e++ {
			y := Y(math.Pow(10, e))
			fmt.Fprintf(&b, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="#e2e8f0"/><text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n",
				x0, x0+panel, y, y, x0-6, y+4, metric.fmt(math.Pow(10, e)))
		}
		for _, r := range rates {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s/s</text>`+"\n", X(r), H-bottom+18, fmtInt(r))
		}
		for _, c := range clients {
			var pts []string
			for _, r := range rep.Runs {
				rate, err := strconv.ParseFloat(r.Target, 64)
				if r.Client != c || err != nil || metric.get(r) <= 0 {
					continue
				}
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", X(rate), Y(metric.get(r))))
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, X(rate), Y(metric.get(r)), color(c))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", color(c), strings.Join(pts, " "))
		}
	}
	for i, c := range clients {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", left+i*120, H-14, color(c), left+i*120+20, H-8, c)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
