// Tests of the pure parts: statistics, parsing the clients' output, and
// rendering a small fixed data set; no server runs here.
package main

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ from the code")

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{"one", []float64{3}, 3},
		{"odd", []float64{5, 1, 3}, 3},
		{"even", []float64{4, 1, 3, 2}, 2.5},
		{"NaN left out", []float64{math.NaN(), 1, 2, 9}, 2},
		{"none", nil, math.NaN()},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, median(tt.in), cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%s: median(%v) (-want +got):\n%s", tt.name, tt.in, diff)
		}
	}
}

func TestMedianRatioIsTakenRoundByRound(t *testing.T) {
	// Round 3 was slow for both; the ratio of medians would say 0.75
	// (15/20), the median of the same-round ratios says 1.
	xs := []float64{10, 20, 15}
	ref := []float64{10, 20, 30}
	if got := medianRatio(xs, ref); got != 1 {
		t.Errorf("medianRatio(%v, %v) = %v, want 1", xs, ref, got)
	}
	if got := medianRatio([]float64{1}, []float64{0}); !math.IsNaN(got) {
		t.Errorf("ratio to 0 = %v, want NaN", got)
	}
}

func TestParseLoad(t *testing.T) {
	out := `{"requests":100,"errors":{"timeout":2},"statuses":{"200":95,"503":3},"seconds":0.5,"rps":200,"p50_ms":1.5,"p90_ms":2,"p99_ms":4.25,"max_ms":9,"connections":8}` + "\n"
	got, err := parseLoad([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := sample{Requests: 100, Seconds: 0.5, RPS: 200, P50: 1.5, P99: 4.25, Failed: 5, Kinds: map[string]int{"timeout": 2, "status 503": 3}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseLoad (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", "load: want exactly one URL", `{"requests":0,"seconds":0}`} {
		if _, err := parseLoad([]byte(bad)); err == nil {
			t.Errorf("parseLoad(%q): no error", bad)
		}
	}
}

func TestParseWrk(t *testing.T) {
	out, err := os.ReadFile("testdata/wrk-close.txt") // a real run, with wrk_done.lua
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	want := sample{Requests: 17476, Seconds: 1.100205, RPS: 17476 / 1.100205, P50: 0.379, P99: 3.508, Kinds: map[string]int{}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("parseWrk (-want +got):\n%s", diff)
	}

	withErrors := "Running 1s test\n" + wrkMarker + `{"requests":50,"duration_us":2000000,"connect":1,"read":2,"write":0,"status":3,"timeout":4,"p50_us":1000,"p99_us":5000}` + "\n"
	got, err = parseWrk([]byte(withErrors))
	if err != nil {
		t.Fatal(err)
	}
	want = sample{Requests: 50, Seconds: 2, RPS: 25, P50: 1, P99: 5, Failed: 10, Kinds: map[string]int{"connect": 1, "read": 2, "status": 3, "timeout": 4}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseWrk with errors (-want +got):\n%s", diff)
	}

	for _, bad := range []string{
		"Running 1s test @ http://127.0.0.1:1/\n", // no done script
		wrkMarker + "{not json}\n",
		wrkMarker + `{"requests":0,"duration_us":1000000}` + "\n",
	} {
		if _, err := parseWrk([]byte(bad)); err == nil {
			t.Errorf("parseWrk(%q): no error", bad)
		}
	}
}

func TestStatParent(t *testing.T) {
	// A command name may hold spaces and parentheses.
	got, err := statParent("4242 (part4 (x) y) S 17 4242 4242 0 -1 4194560")
	if err != nil || got != 17 {
		t.Errorf("statParent = %d, %v; want 17", got, err)
	}
	if _, err := statParent("garbage"); err == nil {
		t.Error("statParent(garbage): no error")
	}
}

func TestFormats(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatRate(24469.4), "24,469"},
		{formatRate(9.63), "9.63"},
		{formatRate(42.04), "42.0"},
		{formatRate(math.NaN()), "–"},
		{formatMS(0.1844), "0.184"},
		{formatMS(2.724), "2.72"},
		{formatMS(25.41), "25.4"},
		{formatMS(6635.7), "6,636"},
		{formatRatio(0.934), "0.93×"},
		{formatRatio(47.3), "47.3×"},
		{formatRatio(1234), "1,234×"},
		{formatRatioRef(0.5, reference), "1×"},
		{thousands(-1234567), "-1,234,567"},
		{thousands(999), "999"},
		{chartValues([]float64{24469.4, 9.63, math.NaN()}), "24469, 9.6, 0"},
		{quoted([]string{"1", "ours, goroutine"}), `"1", "ours, goroutine"`},
		{roundDuration(12*time.Minute + 34400*time.Millisecond), "12m34s"},
		{roundDuration(440 * time.Millisecond), "400ms"},
		{shellJoin([]string{"-short", "-o", "a b.md"}), `-short -o 'a b.md'`},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for x, want := range map[float64]float64{0.3: 0.5, 11.9: 20, 22.5: 50, 70: 100, 100: 100} {
		if got := niceCeil(x); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestFileDataIsFixed(t *testing.T) {
	a, b := fileData(), fileData()
	if len(a) != 64<<10 || string(a) != string(b) {
		t.Fatalf("fileData: %d bytes, the same twice: %v", len(a), string(a) == string(b))
	}
	seen := map[byte]bool{}
	for _, c := range a {
		seen[c] = true
	}
	if len(seen) < 250 {
		t.Errorf("fileData uses %d byte values: it would compress", len(seen))
	}
}

func TestSameWork(t *testing.T) {
	got := sameWork(map[string]int{reference: 100, "fast": 300, "a bit slower": 60, "slow": 40, "process": 1})
	want := map[string]int{reference: 100, "fast": 100, "a bit slower": 100, "slow": 40, "process": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sameWork (-want +got):\n%s", diff)
	}
}

func TestCheckFlagsFailuresWhereNoneMayBe(t *testing.T) {
	b := &bench{}
	failed := sample{Requests: 10, Failed: 2, Kinds: map[string]int{"timeout": 2}}
	load := config{Tool: "load", Endpoint: textEndpoint, Conns: 8}
	wrk := config{Tool: "wrk", Endpoint: textEndpoint, Conns: 8}
	goroutine, epoll := columnNamed("ours, goroutine"), columnNamed("ours, epoll")
	process, iterative := columnNamed("ours, process"), columnNamed("ours, iterative")
	b.check(load, goroutine, "round 1", failed)
	b.check(wrk, goroutine, "round 1", failed)
	b.check(load, epoll, "round 1", failed)
	b.check(wrk, epoll, "round 1", failed)
	b.check(load, process, "round 1", failed)
	b.check(wrk, process, "round 1", failed)    // wrk may cut off the process model's queue
	b.check(load, iterative, "round 1", failed) // the one-at-a-time models may fail: data
	overCap := config{Tool: "load", Endpoint: textEndpoint, Conns: processModelCap + 1}
	b.check(overCap, process, "round 1", failed) // past its cap, a client may wait too long: data
	b.check(load, goroutine, "round 2", sample{Requests: 10})
	if len(b.problems) != 5 {
		t.Errorf("%d problems, want 5:\n%s", len(b.problems), strings.Join(b.problems, "\n"))
	}
}

// columnNamed returns the column of everyColumn named name.
func columnNamed(name string) column {
	for _, c := range everyColumn {
		if c.Name == name {
			return c
		}
	}
	panic("no column named " + strconv.Quote(name))
}

// columnNames returns the names of cols, in order.
func columnNames(cols []column) []string {
	var n []string
	for _, c := range cols {
		n = append(n, c.Name)
	}
	return n
}

// TestColumns: the epoll model's column comes right after ours, goroutine,
// on Linux only, and every column has a colour and a description of its own.
func TestColumns(t *testing.T) {
	linux := []string{"ours, goroutine", "ours, epoll", "ours, process", "ours, iterative", reference, "part3-gateway", "part2-http"}
	if diff := cmp.Diff(linux, columnNames(columnsFor("linux"))); diff != "" {
		t.Errorf("columns on Linux (-want +got):\n%s", diff)
	}
	other := []string{"ours, goroutine", "ours, process", "ours, iterative", reference, "part3-gateway", "part2-http"}
	if diff := cmp.Diff(other, columnNames(columnsFor("darwin"))); diff != "" {
		t.Errorf("columns elsewhere, without the epoll model (-want +got):\n%s", diff)
	}
	seen := map[string]string{}
	for _, c := range everyColumn {
		if colorHex[c.Color] == "" {
			t.Errorf("%s: colour %q has no hex", c.Name, c.Color)
		}
		if first, ok := seen[c.Color]; ok {
			t.Errorf("%s and %s are both %s", first, c.Name, c.Color)
		}
		seen[c.Color] = c.Name
	}
	epoll := columnNamed("ours, epoll")
	if diff := cmp.Diff([]string{"-model", "epoll"}, epoll.Args); diff != "" {
		t.Errorf("ours, epoll: flags (-want +got):\n%s", diff)
	}
	if got, want := serves(epoll), "an event loop per core on epoll (Linux): idle connections hold no goroutine"; got != want {
		t.Errorf("serves(ours, epoll) = %q, want %q", got, want)
	}
	described := map[string]string{}
	for _, c := range everyColumn[:5] { // part 4's: each serves in a way of its own
		d := serves(c)
		if first, ok := described[d]; ok {
			t.Errorf("%s and %s are both described as %q", first, c.Name, d)
		}
		described[d] = c.Name
	}
}

func TestStartServerThatExits(t *testing.T) {
	// /bin/false stands for a server that cannot start: it exits at once.
	_, err := startServer(column{Name: "broken", Bin: "false"}, "/bin", t.TempDir(), "broken")
	if err == nil || !strings.Contains(err.Error(), "exited at start") {
		t.Errorf("startServer of a program that exits: %v", err)
	}
}

func TestPlan(t *testing.T) {
	short := plan(preset(true), true)
	if len(short) != 9 {
		t.Errorf("-short plans %d measurements, want 8 of the load client and 1 of wrk: %v", len(short), short)
	}
	full := plan(preset(false), false)
	if len(full) != 16 {
		t.Errorf("the full run without wrk plans %d measurements, want 16", len(full))
	}
	if got := len(plan(preset(false), true)); got != 32 {
		t.Errorf("the full run with wrk plans %d measurements, want 32", got)
	}
}

func TestShortNeverWritesTheReport(t *testing.T) {
	if _, err := parseFlags([]string{"-short", "-o", docPath}, &strings.Builder{}); err == nil {
		t.Errorf("-short -o %s: no error", docPath)
	}
	o, err := parseFlags([]string{"-short"}, &strings.Builder{})
	if err != nil || o.Out != "-" || o.Rounds != 2 {
		t.Errorf("-short: out %q, rounds %d, err %v; want stdout, 2 rounds", o.Out, o.Rounds, err)
	}
	o, err = parseFlags([]string{"-rounds", "3"}, &strings.Builder{})
	if err != nil || o.Out != docPath || o.Rounds != 3 || o.WrkRounds != 5 {
		t.Errorf("-rounds 3: out %q, rounds %d and %d, err %v", o.Out, o.Rounds, o.WrkRounds, err)
	}
}

// tinyReport is a small fixed run: two servers, two levels, two rounds.
func tinyReport() *report {
	s := func(rps, p50, p99 float64, n, failed int) sample {
		k := map[string]int{}
		if failed > 0 {
			k["timeout"] = failed
		}
		return sample{Requests: n, Seconds: float64(n) / rps, RPS: rps, P50: p50, P99: p99, Failed: failed, Kinds: k}
	}
	cols := []column{columnNamed("ours, goroutine"), columnNamed(reference)}
	names := []string{cols[0].Name, cols[1].Name}
	text := func(c int, ours, ref []sample) series {
		return series{
			Config:  config{Tool: "load", Endpoint: textEndpoint, Conns: c},
			Columns: names,
			Rounds:  map[string][]sample{names[0]: ours, names[1]: ref},
		}
	}
	slow := series{
		Config:  config{Tool: "load", Endpoint: endpoint{Path: "/sleep?d=100ms"}, Conns: 64},
		Columns: names,
		Rounds: map[string][]sample{
			names[0]: {s(600, 101, 110, 320, 0), s(590, 102, 112, 320, 0)},
			names[1]: {s(610, 101, 109, 320, 0), s(600, 101, 111, 320, 0)},
		},
	}
	return &report{
		Machine: machine{CPUs: 2, CPU: "Test CPU", Kernel: "6.1.0", Go: "go1.25.0", Wrk: "wrk 4.1.0", NoFile: 20000},
		Command: "go run ./tools/bench -rounds 2", Took: 95 * time.Second,
		Rounds: 2, Target: 500 * time.Millisecond, WrkFor: time.Second,
		Columns: cols,
		Series: []series{
			text(8, []sample{s(30000, 0.2, 1.0, 800, 0), s(20000, 0.3, 2.0, 800, 0)},
				[]sample{s(30000, 0.2, 1.0, 800, 0), s(25000, 0.25, 1.6, 800, 0)}),
			text(1, []sample{s(10000, 0.09, 0.2, 100, 0), s(11000, 0.08, 0.3, 100, 1)},
				[]sample{s(12000, 0.07, 0.2, 100, 0), s(11000, 0.08, 0.2, 100, 0)}),
		},
		Slow: &slow, SlowDelay: 100 * time.Millisecond,
		Memory: &memResult{
			Conns: 5000, ProcessConns: 20, Columns: names,
			Rounds: map[string][]memSample{
				names[0]: {{Conns: 5000, Before: 10240, After: 60240}, {Conns: 5000, Before: 10240, After: 70240}},
				names[1]: {{Conns: 5000, Before: 10240, After: 110240}, {Conns: 5000, Before: 10240, After: 110240}},
			},
		},
		Peaks: []peak{{names[0], 40960}, {names[1], 51200}},
	}
}

func TestRows(t *testing.T) {
	got := rows(tinyReport().Series[0])
	want := []row{
		// req/s: median(30000, 20000); ratios 1 and 0.8, median 0.9.
		// p99: median(1, 2); ratios 1 and 1.25, median 1.125.
		{Column: "ours, goroutine", RPS: 25000, RPSRatio: 0.9, P50: 0.25, P99: 1.5, P99Ratio: 1.125, Kinds: map[string]int{}, Requests: 800},
		{Column: "net/http", RPS: 27500, RPSRatio: 1, P50: 0.225, P99: 1.3, P99Ratio: 1, Kinds: map[string]int{}, Requests: 800},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestRender(t *testing.T) {
	got := render(tinyReport())
	golden := filepath.Join("testdata", "tiny.md")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run Render -update writes it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("render mismatch (-want +got):\n%s", diff)
	}
}

// TestRunOrder: the reference runs next to ours, goroutine, and every other
// round goes backwards.
func TestRunOrder(t *testing.T) {
	cols := columnsFor("linux")
	want := [][]string{
		{"ours, goroutine", reference, "ours, epoll", "ours, process", "ours, iterative", "part3-gateway", "part2-http"},
		{"part2-http", "part3-gateway", "ours, iterative", "ours, process", "ours, epoll", reference, "ours, goroutine"},
		{"ours, goroutine", reference, "ours, epoll", "ours, process", "ours, iterative", "part3-gateway", "part2-http"},
	}
	for r, w := range want {
		if diff := cmp.Diff(w, columnNames(runOrder(cols, r))); diff != "" {
			t.Errorf("round %d (-want +got):\n%s", r, diff)
		}
	}
	if diff := cmp.Diff([]string{"ours, goroutine", "ours, epoll"}, columnNames(cols)[:2]); diff != "" {
		t.Errorf("runOrder changed the table's order (-want +got):\n%s", diff)
	}
	// Without the epoll model, the reference still runs next to ours, goroutine.
	if got := columnNames(runOrder(columnsFor("darwin"), 0))[:2]; !cmp.Equal(got, []string{"ours, goroutine", reference}) {
		t.Errorf("elsewhere, round 0 starts %v, want ours, goroutine then %s", got, reference)
	}
}
