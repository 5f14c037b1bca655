package main

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"

	"github.com/gregorkafka/gregor/bench/internal/harness"
)

var palette = map[string]string{
	"gregor": "#2b6cb0", "franz-go": "#dd6b20", "sarama": "#38a169", "kafka-go": "#805ad5", "confluent": "#c53030",
	"java": "#1a202c",
}

func color(c string) string {
	if v, ok := palette[c]; ok {
		return v
	}
	return "#718096"
}

// throughputSVG draws one group of horizontal bars (records/s) per
// throughput scenario.
func throughputSVG(rep *Report, clients []string) string {
	const width, left, right, barH, gap = 820, 110, 150, 18, 4
	var groups []Scenario
	for _, sc := range rep.Scenarios {
		if sc.Mode == harness.ModeAsync {
			groups = append(groups, sc)
		}
	}
	maxV := 1.0
	for _, r := range rep.Runs {
		for _, g := range groups {
			if r.Scenario == g.ID {
				maxV = math.Max(maxV, r.Result.RecPerSec)
			}
		}
	}
	height := 40 + len(groups)*(30+len(clients)*(barH+gap)) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/><text x="10" y="22" font-size="15" font-weight="bold">Async throughput, records/s (higher is better), %d-byte records</text>`+"\n", rep.RecordSize)
	y := 40
	for _, g := range groups {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+14, html.EscapeString(g.Title))
		y += 24
		for _, c := range clients {
			v := 0.0
			label := "failed"
			for _, r := range runsFor(rep, g.ID) {
				if r.Result.Client == c {
					v = r.Result.RecPerSec
					if v > 0 {
						label = fmtInt(v)
					}
				}
			}
			w := (width - left - right) * v / maxV
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, left-8, y+13, c)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, left, y, w, barH, color(c))
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+w+6, y+13, label)
			y += barH + gap
		}
		y += 6
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// latencySVG draws p50 (dashed) and p99 (solid) callback latency against
// the offered rate, both axes logarithmic.
func latencySVG(rep *Report, clients []string) string {
	const width, height, left, right, top, bottom = 820, 420, 80, 130, 40, 50
	type pt struct{ rate, p50, p99 float64 }
	series := map[string][]pt{}
	var rates []float64
	for _, sc := range rep.Scenarios {
		if sc.Mode != harness.ModeRate {
			continue
		}
		rate, _ := strconv.ParseFloat(strings.TrimPrefix(sc.ID, "rate-"), 64)
		rates = append(rates, rate)
		for _, r := range runsFor(rep, sc.ID) {
			if r.Result.Latencies > 0 {
				series[r.Result.Client] = append(series[r.Result.Client], pt{rate, r.Result.P50us, r.Result.P99us})
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/><text x="10" y="22" font-size="15" font-weight="bold">Async callback latency vs offered rate, client defaults (p99 solid, p50 dashed; lower is better)</text>` + "\n")
	if len(rates) == 0 {
		b.WriteString("</svg>\n")
		return b.String()
	}
	lo, hi := 1.0, 10.0 // µs, log10 range widened to the data
	for _, s := range series {
		for _, p := range s {
			for _, v := range []float64{p.p50, p.p99} {
				if v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	ylo, yhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	xlo, xhi := math.Log10(rates[0]), math.Log10(rates[len(rates)-1])
	if xhi == xlo {
		xhi = xlo + 1
	}
	pw, ph := float64(width-left-right), float64(height-top-bottom)
	X := func(r float64) float64 { return float64(left) + pw*(math.Log10(r)-xlo)/(xhi-xlo) }
	Y := func(v float64) float64 { return float64(top) + ph*(1-(math.Log10(math.Max(v, 1))-ylo)/(yhi-ylo)) }
	for e := ylo; e <= yhi; e++ {
		y := Y(math.Pow(10, e))
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e2e8f0"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			left, width-right, y, y, left-6, y+4, fmtLatency(math.Pow(10, e)))
	}
	for _, r := range rates {
		x := X(r)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#e2e8f0"/><text x="%.1f" y="%d" text-anchor="middle">%s/s</text>`+"\n",
			x, x, top, height-bottom, x, height-bottom+18, fmtInt(r))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">offered rate (records/s)</text>`+"\n", left+int(pw/2), height-12)
	ly := top + 10
	for _, c := range clients {
		s := series[c]
		if len(s) == 0 {
			continue
		}
		for _, q := range []struct {
			get  func(pt) float64
			dash string
		}{{func(p pt) float64 { return p.p99 }, ""}, {func(p pt) float64 { return p.p50 }, ` stroke-dasharray="5,4"`}} {
			var pts []string
			for _, p := range s {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", X(p.rate), Y(q.get(p))))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`+"\n", color(c), q.dash, strings.Join(pts, " "))
			for _, p := range s {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, X(p.rate), Y(q.get(p)), color(c))
			}
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="4" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", width-right+12, ly, color(c), width-right+32, ly+6, c)
		ly += 20
	}
	b.WriteString("</svg>\n")
	return b.String()
}
