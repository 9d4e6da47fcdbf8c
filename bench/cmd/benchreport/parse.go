package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is one sub-benchmark's line of go test output:
//
//	BenchmarkScan/scale=1e5/system=ours-2   100   1234567 ns/op   301.0 pages/op
type result struct {
	workload string // the benchmark's name without "Benchmark": "Scan"
	scale    string // "1e5"
	system   string // "ours"
	iters    int
	metrics  map[string]float64 // by unit: "ns/op", "pages/op", …
	runs     int                // how many runs merge folded into this one
}

var lineRE = regexp.MustCompile(`^Benchmark([^/\s]+)/scale=([^/\s]+)/system=(\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)

// parse reads the results out of go test -bench output, ignoring every other line.
func parse(r io.Reader) ([]result, error) {
	var out []result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		m := lineRE.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		iters, err := strconv.Atoi(m[4])
		if err != nil {
			return nil, fmt.Errorf("%q: %w", sc.Text(), err)
		}
		res := result{workload: m[1], scale: m[2], system: m[3], iters: iters, metrics: map[string]float64{}}
		f := strings.Fields(m[5])
		if len(f)%2 != 0 {
			return nil, fmt.Errorf("%q: metrics do not come in value-unit pairs", sc.Text())
		}
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", sc.Text(), err)
			}
			res.metrics[f[i+1]] = v
		}
		if _, ok := res.metrics["ns/op"]; !ok {
			return nil, fmt.Errorf("%q: no ns/op", sc.Text())
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// merge folds the results of one sub-benchmark run several times (go test -count) into one:
// the median of each metric, and the iterations added up.
func merge(rs []result) []result {
	type key struct{ workload, scale, system string }
	var order []key
	groups := map[key][]result{}
	for _, r := range rs {
		k := key{r.workload, r.scale, r.system}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]result, 0, len(order))
	for _, k := range order {
		g := groups[k]
		m := result{workload: k.workload, scale: k.scale, system: k.system, metrics: map[string]float64{}, runs: len(g)}
		vals := map[string][]float64{}
		for _, r := range g {
			m.iters += r.iters
			for u, v := range r.metrics {
				vals[u] = append(vals[u], v)
			}
		}
		for u, v := range vals {
			m.metrics[u] = median(v)
		}
		out = append(out, m)
	}
	return out
}

// median returns the median of v, the mean of the middle two for an even count.
func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
