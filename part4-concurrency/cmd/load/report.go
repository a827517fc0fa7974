// The report: percentiles, and the summary printed as text or JSON.

package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest latency that at least p% of the
// requests did not exceed. It returns 0 for no latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (s summary) rps() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// round keeps about three significant digits: "3.12ms", "87µs", "1.204s".
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func printText(w io.Writer, cfg config, s summary) {
	mode := "keep-alive"
	if cfg.Close {
		mode = "a new one per request"
	}
	fmt.Fprintf(w, "URL          %s\n", cfg.URL)
	fmt.Fprintf(w, "connections  %d (%s), %d requests each, pipeline %d\n", cfg.Conns, mode, cfg.Requests, max(cfg.Pipeline, 1))
	fmt.Fprintf(w, "requests     %d in %.3fs: %.1f per second\n", s.Requests, s.Elapsed.Seconds(), s.rps())
	if len(s.Latencies) == 0 {
		fmt.Fprintf(w, "latency      none: no responses\n")
	} else {
		fmt.Fprintf(w, "latency      p50 %v  p90 %v  p99 %v  max %v\n", round(percentile(s.Latencies, 50)),
			round(percentile(s.Latencies, 90)), round(percentile(s.Latencies, 99)), round(s.Latencies[len(s.Latencies)-1]))
	}
	var st []string
	for _, code := range slices.Sorted(maps.Keys(s.Statuses)) {
		st = append(st, fmt.Sprintf("%d: %d", code, s.Statuses[code]))
	}
	fmt.Fprintf(w, "statuses     %s\n", cmp.Or(strings.Join(st, ", "), "none"))
	if len(s.Errors) == 0 {
		fmt.Fprintf(w, "errors       none\n")
	} else {
		// Most frequent first: the line to read is the first one.
		kinds := slices.SortedFunc(maps.Keys(s.Errors), func(a, b string) int {
			return cmp.Or(cmp.Compare(s.Errors[b], s.Errors[a]), strings.Compare(a, b))
		})
		total, parts := 0, []string{}
		for _, k := range kinds {
			total += s.Errors[k]
			parts = append(parts, fmt.Sprintf("%s: %d", k, s.Errors[k]))
		}
		fmt.Fprintf(w, "errors       %d (%s)\n", total, strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "dials        %d\n", s.Dials)
}

// jsonSummary is the -json output, for tools that run load and read its
// results; latencies are in milliseconds.
type jsonSummary struct {
	Requests    int            `json:"requests"`
	Errors      map[string]int `json:"errors"`
	Statuses    map[int]int    `json:"statuses"`
	Seconds     float64        `json:"seconds"`
	RPS         float64        `json:"rps"`
	P50         float64        `json:"p50_ms"`
	P90         float64        `json:"p90_ms"`
	P99         float64        `json:"p99_ms"`
	Max         float64        `json:"max_ms"`
	Connections int            `json:"connections"`
}

func printJSON(w io.Writer, s summary) error {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 } // to the µs
	j := jsonSummary{
		Requests: s.Requests, Errors: s.Errors, Statuses: s.Statuses,
		Seconds: math.Round(s.Elapsed.Seconds()*1e6) / 1e6, RPS: math.Round(s.rps()*10) / 10,
		P50: ms(percentile(s.Latencies, 50)), P90: ms(percentile(s.Latencies, 90)),
		P99: ms(percentile(s.Latencies, 99)), Max: ms(percentile(s.Latencies, 100)),
		Connections: s.Dials,
	}
	if j.Errors == nil {
		j.Errors = map[string]int{} // {} rather than null: one shape for readers
	}
	if j.Statuses == nil {
		j.Statuses = map[int]int{}
	}
	return json.NewEncoder(w).Encode(j)
}
