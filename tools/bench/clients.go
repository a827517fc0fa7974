// The load generators: the course's own load client, and wrk when it is
// installed; each run's output is parsed into one sample.

package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A sample is what one run measured.
type sample struct {
	Requests int     // answered and failed
	Seconds  float64 // how long the run took
	RPS      float64 // requests per second
	P50, P99 float64 // latency in milliseconds
	Failed   int     // requests that failed or were not answered 200
	// Kinds names the failures: kind -> requests.
	Kinds map[string]int
}

// loadJSON is the one line the load client prints with -json.
type loadJSON struct {
	Requests    int            `json:"requests"`
	Errors      map[string]int `json:"errors"`
	Statuses    map[string]int `json:"statuses"`
	Seconds     float64        `json:"seconds"`
	RPS         float64        `json:"rps"`
	P50         float64        `json:"p50_ms"`
	P99         float64        `json:"p99_ms"`
	Connections int            `json:"connections"`
}

// parseLoad reads the load client's -json output. A response other than
// 200 counts as a failure, as an error does.
func parseLoad(out []byte) (sample, error) {
	var j loadJSON
	if err := json.Unmarshal(bytes.TrimSpace(out), &j); err != nil {
		return sample{}, fmt.Errorf("parse load's -json output %q: %w", out, err)
	}
	if j.Requests <= 0 || j.Seconds <= 0 {
		return sample{}, fmt.Errorf("load's -json output %q: no requests or no time", bytes.TrimSpace(out))
	}
	s := sample{Requests: j.Requests, Seconds: j.Seconds, RPS: j.RPS, P50: j.P50, P99: j.P99, Kinds: map[string]int{}}
	for kind, n := range j.Errors {
		s.Failed += n
		s.Kinds[kind] += n
	}
	for code, n := range j.Statuses {
		if code != "200" {
			s.Failed += n
			s.Kinds["status "+code] += n
		}
	}
	return s, nil
}

// runLoad runs the load client: c connections, n requests each.
func runLoad(ctx context.Context, loadBin, url string, c, n int, closeEach bool) (sample, error) {
	args := []string{"-json", "-c", strconv.Itoa(c), "-n", strconv.Itoa(n)}
	if closeEach {
		args = append(args, "-close")
	}
	args = append(args, url)
	out, err := runTool(ctx, loadBin, args)
	if err != nil {
		return sample{}, err
	}
	return parseLoad(out)
}

// wrkDone is the Lua script wrk runs at the end of a run (-s): it prints
// wrk's summary as one JSON line, so that nothing depends on the layout
// of wrk's text report.
//
//go:embed wrk_done.lua
var wrkDone string

// wrkMarker starts the line wrkDone prints.
const wrkMarker = "bench-wrk "

// wrkJSON is that line, after the marker. Times are in microseconds.
type wrkJSON struct {
	Requests   int     `json:"requests"`
	DurationUS float64 `json:"duration_us"`
	Connect    int     `json:"connect"`
	Read       int     `json:"read"`
	Write      int     `json:"write"`
	Status     int     `json:"status"`
	Timeout    int     `json:"timeout"`
	P50US      float64 `json:"p50_us"`
	P99US      float64 `json:"p99_us"`
}

// parseWrk finds wrkDone's line in wrk's output and reads it. wrk counts
// socket errors by kind, and "status" for responses not 2xx or 3xx.
func parseWrk(out []byte) (sample, error) {
	var line string
	for l := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(l, wrkMarker); ok {
			line = rest
		}
	}
	if line == "" {
		return sample{}, fmt.Errorf("wrk's output has no %q line:\n%s", strings.TrimSpace(wrkMarker), out)
	}
	var j wrkJSON
	if err := json.Unmarshal([]byte(line), &j); err != nil {
		return sample{}, fmt.Errorf("parse wrk's summary %q: %w", strings.TrimSpace(line), err)
	}
	if j.DurationUS <= 0 {
		return sample{}, fmt.Errorf("wrk's summary %q: no duration", strings.TrimSpace(line))
	}
	s := sample{
		Requests: j.Requests, Seconds: j.DurationUS / 1e6,
		RPS: float64(j.Requests) / (j.DurationUS / 1e6),
		P50: j.P50US / 1e3, P99: j.P99US / 1e3, Kinds: map[string]int{},
	}
	for kind, n := range map[string]int{"connect": j.Connect, "read": j.Read, "write": j.Write, "status": j.Status, "timeout": j.Timeout} {
		if n > 0 {
			s.Failed += n
			s.Kinds[kind] = n
		}
	}
	if j.Requests == 0 && s.Failed == 0 {
		return sample{}, fmt.Errorf("wrk's summary %q: no requests and no errors", strings.TrimSpace(line))
	}
	return s, nil
}

// runWrk runs wrk for d with c connections on min(c, 2) threads, with the
// same 10 s request timeout as the load client.
func runWrk(ctx context.Context, script, url string, c int, d time.Duration, closeEach bool) (sample, error) {
	args := []string{
		"-t", strconv.Itoa(min(c, 2)), "-c", strconv.Itoa(c),
		"-d", strconv.Itoa(int(d.Seconds())) + "s", "--timeout", "10s",
		"--latency", "-s", script,
	}
	if closeEach {
		args = append(args, "-H", "Connection: close")
	}
	out, err := runTool(ctx, "wrk", append(args, url))
	if err != nil {
		return sample{}, err
	}
	return parseWrk(out)
}

// wrkVersion returns what wrk says it is ("wrk debian/4.1.0-3+b2"), or
// "" when wrk is not on PATH.
func wrkVersion() string {
	if _, err := exec.LookPath("wrk"); err != nil {
		return ""
	}
	out, _ := exec.Command("wrk", "-v").CombinedOutput() // wrk -v exits 1
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "wrk" {
		return "wrk"
	}
	return f[0] + " " + f[1]
}

// runTool runs a load generator and returns its standard output; a run
// that has not ended after two minutes is stopped and is an error.
func runTool(ctx context.Context, name string, args []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		return nil, fmt.Errorf("%s %s: %w\n%s%s", name, strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// kindsText says what failed: "timeout: 3, connect: 1", most first.
func kindsText(kinds map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(kinds), func(a, b string) int {
		if kinds[a] != kinds[b] {
			return kinds[b] - kinds[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, kinds[k])
	}
	return strings.Join(parts, ", ")
}
