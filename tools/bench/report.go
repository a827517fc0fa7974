// The report: the run's samples as markdown tables and Mermaid charts,
// every figure computed here from the samples, none typed by hand.

package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A report is everything one run measured, and what it needs to say how.
type report struct {
	Machine   machine
	Command   string
	Took      time.Duration
	Short     bool
	Rounds    int // for the load client, the slow handler and the memory
	WrkRounds int // 0 when wrk did not run
	WrkFor    time.Duration
	Target    time.Duration // how long a load run is sized to last
	Columns   []column
	Series    []series // throughput, in the order they ran
	Slow      *series
	SlowDelay time.Duration
	Memory    *memResult
	Peaks     []peak
}

// machine is where the run happened.
type machine struct {
	CPUs   int
	CPU    string // /proc/cpuinfo's model name
	Kernel string // uname -r
	Go     string
	Wrk    string // wrk's version, "" if not installed
	NoFile uint64 // the open-files limit the servers ran with
}

// render writes the report as markdown.
func render(r *report) []byte {
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }

	p("# part4-concurrency: every model against net/http\n\n")
	p("<!-- Written by %s: do not edit by hand; run it again. -->\n\n", "`go run ./tools/bench`")
	p("Every concurrency model of [part4-concurrency](../../part4-concurrency/) beside net/http's own\n")
	p("server running the very same handler (`-server net/http`, the reference), with parts 2 and 3\n")
	p("for the history of the course: the same machine, the same clients, one run. Every table and\n")
	p("chart below comes from that run. [README.md](README.md) says how to read benchmarks here.\n\n")

	p("## The run\n\n")
	p("- Command: `%s`, from the root of the repository; it took %s.\n", r.Command, roundDuration(r.Took))
	p("- Machine: %d CPUs (%s), Linux %s, %s; open-files limit %d.\n", r.Machine.CPUs, r.Machine.CPU, r.Machine.Kernel, r.Machine.Go, r.Machine.NoFile)
	if r.WrkRounds > 0 {
		p("- Clients: the course's load client ([cmd/load](../../part4-concurrency/cmd/load/)), and %s.\n", r.Machine.Wrk)
	} else {
		p("- Clients: the course's load client ([cmd/load](../../part4-concurrency/cmd/load/)); wrk did not run.\n")
	}
	p("  They run on the same machine as the servers and share its CPUs.\n")
	rounds := fmt.Sprintf("%d for the load client", r.Rounds)
	if r.WrkRounds > 0 {
		rounds += fmt.Sprintf(", %d for wrk", r.WrkRounds)
	}
	p("- Rounds: %s. Each measurement runs every server once, then every server\n", rounds)
	p("  again, and so on, so that whatever else the machine does at a moment falls on all of them\n")
	p("  alike: forwards in one round, backwards in the next, with net/http right after (or before)\n")
	p("  ours, goroutine. Figures are medians over the rounds.\n")
	p("- Ratios such as 0.93× divide a server's figure by net/http's **from the same round**, then\n")
	p("  take the median over the rounds. For requests per second, above 1× is faster than net/http;\n")
	p("  for latency and memory, below 1× is better.\n")
	p("- Work: a load-client run makes a fixed number of requests (`load -c C -n N`: C connections,\n")
	p("  N requests each). Short calibration runs find the N that makes a run last about %s for\n", roundDuration(r.Target))
	p("  net/http; a server at least half as fast gets the same N, so that the servers compared\n")
	p("  most closely do the same work, and a slower one its own, smaller N (a process per\n")
	p("  connection costs thousands of times what a goroutine does). With keep-alive, each\n")
	p("  connection makes at least %d requests. The process model starts a process for each\n", minKeepAlive)
	p("  connection, so its keep-alive figures include those starts: the more connections and the\n")
	p("  fewer requests each (see \"requests a run\"), the more they weigh.\n")
	if r.WrkRounds > 0 {
		p("  A wrk run lasts %s (`-t` is 2, or 1 for one connection; `--timeout 10s` as the load client's).\n", roundDuration(r.WrkFor))
	}
	p("- Failed: requests that got an error or a status other than 200, summed over the rounds.\n")
	p("  The process model serves at most %d connections at once (its default cap, Apache prefork's);\n", processModelCap)
	p("  past that, clients wait in the kernel's backlog, and one that waits longer than the\n")
	p("  client's timeout counts as failed.\n")
	if r.Short {
		p("- **This is a `-short` run**: few rounds, few levels, small runs. Its numbers only show that\n")
		p("  the tool works.\n")
	}
	p("\n")

	p("### The servers\n\n")
	p("| server | program and flags | serves |\n|---|---|---|\n")
	for _, c := range r.Columns {
		p("| %s | `%s` | %s |\n", c.Name, strings.TrimSpace(c.Bin+" "+strings.Join(c.Args, " ")), serves(c))
	}
	p("\nEach server is started once for the whole run, on a free loopback port, with `-files` in a\n")
	p("temporary folder (where the 64 KiB file is first stored with `PUT /files/%s`) and its log\n", fileName)
	p("going to a file. After every run the bench waits until the server has finished with it (a\n")
	p("request answered; for the process model, no child left) before the next run starts.\n\n")

	glance(&w, r, "ours, goroutine")
	glance(&w, r, "ours, epoll")
	for _, tool := range []string{"load", "wrk"} {
		groups := groupSeries(r.Series, tool)
		if len(groups) == 0 {
			continue
		}
		if tool == "load" {
			p("## The load client\n\n")
		} else {
			p("## wrk\n\n")
			p("The same runs with another client, written in C: a check that the load client, written in\n")
			p("Go like the servers, is not what sets the pace.\n\n")
		}
		for _, g := range groups {
			throughputSection(&w, r, g)
		}
	}
	if r.Slow != nil {
		slowSection(&w, r)
	}
	if r.Memory != nil {
		memorySection(&w, r)
	}
	if len(r.Peaks) > 0 {
		peakSection(&w, r)
	}
	return []byte(w.String())
}

// serves says how a column serves its clients.
func serves(c column) string {
	switch {
	case c.Name == reference:
		return "net/http's http.Server, the same handler: the reference"
	case c.Process:
		return "a process per connection (re-exec of the binary), keep-alive"
	case c.Bin == "part4-concurrency" && slices.Contains(c.Args, "epoll"):
		return "an event loop per core on epoll (Linux): idle connections hold no goroutine"
	case c.Bin == "part4-concurrency" && slices.Contains(c.Args, "iterative"):
		return "one connection at a time, one request each"
	case c.Bin == "part4-concurrency":
		return "a goroutine per connection, keep-alive"
	}
	return "one connection at a time, one request each: a keep-alive run is a close run here"
}

// A group is the series of one tool, endpoint and mode, one per level of
// concurrency: one table and one chart.
type group struct {
	Tool     string
	Endpoint endpoint
	Close    bool
	Series   []series // by connections, ascending
}

func (g group) title() string {
	return fmt.Sprintf("%s, %s", g.Endpoint.Title, mode(g.Close))
}

func mode(closeEach bool) string {
	return config{Close: closeEach}.mode()
}

// groupSeries gathers tool's series into groups, in the order they ran.
func groupSeries(all []series, tool string) []group {
	var gs []group
	for _, s := range all {
		if s.Config.Tool != tool {
			continue
		}
		i := slices.IndexFunc(gs, func(g group) bool {
			return g.Endpoint == s.Config.Endpoint && g.Close == s.Config.Close
		})
		if i < 0 {
			gs = append(gs, group{Tool: tool, Endpoint: s.Config.Endpoint, Close: s.Config.Close})
			i = len(gs) - 1
		}
		gs[i].Series = append(gs[i].Series, s)
	}
	for _, g := range gs {
		slices.SortFunc(g.Series, func(a, b series) int { return a.Config.Conns - b.Config.Conns })
	}
	return gs
}

// A row is one server's figures in one series.
type row struct {
	Column             string
	RPS, RPSRatio      float64
	P50, P99, P99Ratio float64
	Failed             int
	Kinds              map[string]int
	Requests           float64 // median per run
}

// rows summarises a series: medians and median ratios per column.
func rows(s series) []row {
	ref := s.Rounds[reference]
	var out []row
	for _, name := range s.Columns {
		rs := s.Rounds[name]
		r := row{
			Column: name,
			RPS:    median(field(rs, rps)), RPSRatio: medianRatio(field(rs, rps), field(ref, rps)),
			P50: median(field(rs, p50)), P99: median(field(rs, p99)),
			P99Ratio: medianRatio(field(rs, p99), field(ref, p99)),
			Requests: median(field(rs, requests)), Kinds: map[string]int{},
		}
		for _, x := range rs {
			r.Failed += x.Failed
			for k, n := range x.Kinds {
				r.Kinds[k] += n
			}
		}
		out = append(out, r)
	}
	return out
}

// glance is a summary table: one of ours (the goroutine model, then the
// epoll model) against net/http in
// every throughput run.
func glance(w *strings.Builder, r *report, ours string) {
	if !slices.ContainsFunc(r.Columns, func(c column) bool { return c.Name == ours }) {
		return
	}
	var levels []int
	for _, s := range r.Series {
		if !slices.Contains(levels, s.Config.Conns) {
			levels = append(levels, s.Config.Conns)
		}
	}
	slices.Sort(levels)
	if len(levels) == 0 {
		return
	}
	fmt.Fprintf(w, "## At a glance: %s against net/http\n\n", ours)
	fmt.Fprintf(w, "Each cell: requests per second as a ratio to net/http's (above 1× is faster), then p99\n")
	fmt.Fprintf(w, "latency as a ratio to net/http's (below 1× is quicker).\n\n")
	fmt.Fprintf(w, "| run |")
	for _, c := range levels {
		fmt.Fprintf(w, " %s |", conns(c))
	}
	fmt.Fprintf(w, "\n|---|")
	for range levels {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintf(w, "\n")
	for _, tool := range []string{"load", "wrk"} {
		for _, g := range groupSeries(r.Series, tool) {
			name := "load client"
			if tool == "wrk" {
				name = "wrk"
			}
			fmt.Fprintf(w, "| %s: GET %s, %s |", name, g.Endpoint.Path, mode(g.Close))
			for _, c := range levels {
				cell := ""
				for _, s := range g.Series {
					if s.Config.Conns != c {
						continue
					}
					for _, x := range rows(s) {
						if x.Column == ours {
							cell = fmt.Sprintf("%s req/s, %s p99", formatRatio(x.RPSRatio), formatRatio(x.P99Ratio))
						}
					}
				}
				fmt.Fprintf(w, " %s |", cell)
			}
			fmt.Fprintf(w, "\n")
		}
	}
	fmt.Fprintf(w, "\n")
}

// throughputSection is one group: its chart and its table.
func throughputSection(w *strings.Builder, r *report, g group) {
	fmt.Fprintf(w, "### %s\n\n", g.title())
	var levels []string
	lines := map[string][]float64{}
	for _, s := range g.Series {
		levels = append(levels, strconv.Itoa(s.Config.Conns))
		for _, x := range rows(s) {
			lines[x.Column] = append(lines[x.Column], x.RPS)
		}
	}
	cols := g.Series[0].Columns
	if len(levels) > 1 {
		var ls [][]float64
		for _, c := range cols {
			ls = append(ls, lines[c])
		}
		tool := "load client"
		if g.Tool == "wrk" {
			tool = "wrk"
		}
		lineChart(w, r, fmt.Sprintf("%s: GET %s, %s", tool, g.Endpoint.Path, mode(g.Close)),
			"connections at once", levels, "requests per second", cols, ls)
	}
	table(w, g.Series, true)
}

// table writes the rows of series, one block of rows per level.
func table(w *strings.Builder, ss []series, withConns bool) {
	if withConns {
		fmt.Fprintf(w, "| connections ")
	}
	fmt.Fprintf(w, "| server | req/s | × net/http | p50 ms | p99 ms | p99 × net/http | failed | requests a run |\n")
	if withConns {
		fmt.Fprintf(w, "|---:")
	}
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|\n")
	var notes []string
	for _, s := range ss {
		for i, x := range rows(s) {
			if withConns {
				c := ""
				if i == 0 {
					c = strconv.Itoa(s.Config.Conns)
				}
				fmt.Fprintf(w, "| %s ", c)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %d | %s |\n", x.Column,
				formatRate(x.RPS), formatRatioRef(x.RPSRatio, x.Column), formatMS(x.P50), formatMS(x.P99),
				formatRatioRef(x.P99Ratio, x.Column), x.Failed, formatCount(x.Requests))
			if x.Failed > 0 {
				notes = append(notes, fmt.Sprintf("%s at %s: %s", x.Column, conns(s.Config.Conns), kindsText(x.Kinds)))
			}
		}
	}
	fmt.Fprintf(w, "\n")
	if len(notes) > 0 {
		fmt.Fprintf(w, "Failed requests, by kind: %s.\n\n", strings.Join(notes, "; "))
	}
}

// lineChart writes a Mermaid xychart-beta line chart, one line per name,
// coloured by the names' columns, and the sentence that says which line
// is which: these charts have no legend.
func lineChart(w *strings.Builder, r *report, title, xTitle string, xs []string, yTitle string, names []string, lines [][]float64) {
	var colors, legend []string
	for _, n := range names {
		c := colorOf(r, n)
		colors = append(colors, colorHex[c])
		legend = append(legend, fmt.Sprintf("%s: %s", c, n))
	}
	chartHead(w, colors)
	fmt.Fprintf(w, "xychart-beta\n    title \"%s\"\n", title)
	fmt.Fprintf(w, "    x-axis \"%s\" [%s]\n", xTitle, quoted(xs))
	fmt.Fprintf(w, "    y-axis \"%s\"\n", yTitle)
	for _, l := range lines {
		fmt.Fprintf(w, "    line [%s]\n", chartValues(l))
	}
	fmt.Fprintf(w, "```\n\nLines: %s.\n\n", strings.Join(legend, "; "))
}

// chartHead opens a Mermaid block whose plots take colors in order.
func chartHead(w *strings.Builder, colors []string) {
	fmt.Fprintf(w, "```mermaid\n---\nconfig:\n  themeVariables:\n    xyChart:\n      plotColorPalette: \"%s\"\n---\n", strings.Join(colors, ", "))
}

func colorOf(r *report, name string) string {
	for _, c := range r.Columns {
		if c.Name == name {
			return c.Color
		}
	}
	return "grey"
}

// slowSection is the slow handler's table: many clients waiting at once.
func slowSection(w *strings.Builder, r *report) {
	s := r.Slow
	c, d := s.Config.Conns, r.SlowDelay
	fmt.Fprintf(w, "## A slow handler: GET %s, %d connections\n\n", s.Config.Endpoint.Path, c)
	fmt.Fprintf(w, "Each request waits %v in the handler (part 4's `/sleep`; parts 2 and 3 have none), on\n", d)
	fmt.Fprintf(w, "%d kept-alive connections at once, with the load client. While one handler waits, a\n", c)
	fmt.Fprintf(w, "concurrent server serves the others: at best %s requests per second (%d connections, each\n", formatRate(float64(c)/d.Seconds()), c)
	fmt.Fprintf(w, "answered every %v). A server that serves one connection at a time answers %s per second at\n", d, formatRate(1/d.Seconds()))
	fmt.Fprintf(w, "best, whatever the number of clients, and the last client in the queue waits for all the others.\n\n")
	table(w, []series{*s}, false)
}

// memorySection is the memory each idle kept-alive connection costs.
func memorySection(w *strings.Builder, r *report) {
	m := r.Memory
	fmt.Fprintf(w, "## Memory per idle connection\n\n")
	fmt.Fprintf(w, "A server started afresh for each round (so that no memory kept from earlier connections\n")
	fmt.Fprintf(w, "hides the cost of new ones) with `%s`, warmed up with 8 connections,\n", strings.Join(idleFlags, " "))
	fmt.Fprintf(w, "then %s connections opened 64 at a time, each sending one request and reading its\n", formatCount(float64(m.Conns)))
	fmt.Fprintf(w, "answer, then held open and idle. Per connection: (VmRSS with them − VmRSS before) / connections,\n")
	fmt.Fprintf(w, "from /proc/PID/status. Medians over %d rounds.\n\n", len(firstRounds(m)))
	fmt.Fprintf(w, "| server | idle connections | VmRSS before, MiB | VmRSS with them, MiB | per connection, KiB | × net/http |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|\n")
	ref := m.Rounds[reference]
	var barNames []string
	var bars []float64
	process := ""
	for _, name := range m.Columns {
		ms := m.Rounds[name]
		per := make([]float64, len(ms))
		refPer := make([]float64, len(ref))
		var before, after []float64
		for i, x := range ms {
			per[i] = x.perConn()
			before = append(before, float64(x.Before))
			after = append(after, float64(x.After))
		}
		for i, x := range ref {
			refPer[i] = x.perConn()
		}
		isProcess := len(ms) > 0 && ms[0].Children > 0
		n := m.Conns
		if isProcess {
			n = m.ProcessConns
			process = name
		}
		fmt.Fprintf(w, "| %s | %s | %.1f | %.1f | %s | %s |\n", name, formatCount(float64(n)),
			median(before)/1024, median(after)/1024, formatKiB(median(per)/1024), formatRatioRef(medianRatio(per, refPer), name))
		if !isProcess {
			barNames = append(barNames, name)
			bars = append(bars, median(per)/1024)
		}
	}
	fmt.Fprintf(w, "\n")
	if process != "" {
		fmt.Fprintf(w, "%s serves each connection in a process of its own, so it is measured apart, on %d\n", process, m.ProcessConns)
		fmt.Fprintf(w, "connections (%d processes): its figure per connection adds, to the parent's growth, the\n", m.ProcessConns)
		fmt.Fprintf(w, "PSS of each child (its resident memory, with the pages it shares with the other processes,\n")
		fmt.Fprintf(w, "the program's code above all, counted as a share). Its VmRSS columns are the parent's.\n\n")
	}
	if len(bars) > 1 {
		chartHead(w, []string{colorHex["blue"]})
		fmt.Fprintf(w, "xychart-beta\n    title \"KiB of memory per idle kept-alive connection\"\n")
		fmt.Fprintf(w, "    x-axis [%s]\n    y-axis \"KiB per connection\" 0 --> %s\n    bar [%s]\n```\n\n",
			quoted(barNames), strconv.FormatFloat(niceCeil(slices.Max(bars)), 'f', -1, 64), chartValues(bars))
		if process != "" {
			fmt.Fprintf(w, "%s is left out of the chart: its bar would dwarf the others.\n\n", process)
		}
	}
}

// firstRounds returns the rounds of the memory result's first column.
func firstRounds(m *memResult) []memSample {
	if len(m.Columns) == 0 {
		return nil
	}
	return m.Rounds[m.Columns[0]]
}

// peakSection is each server's highest resident memory over the run.
func peakSection(w *strings.Builder, r *report) {
	fmt.Fprintf(w, "## Peak memory\n\n")
	fmt.Fprintf(w, "Each throughput server's VmHWM (its highest resident memory) from /proc/PID/status, read at\n")
	fmt.Fprintf(w, "the end of the run, before it was stopped: the peak over every run above, most likely the\n")
	fmt.Fprintf(w, "64 KiB file at the most connections.\n\n")
	fmt.Fprintf(w, "| server | peak RSS, MiB | × net/http |\n|---|---:|---:|\n")
	var ref float64
	for _, pk := range r.Peaks {
		if pk.Column == reference {
			ref = float64(pk.KiB)
		}
	}
	var process string
	for _, pk := range r.Peaks {
		fmt.Fprintf(w, "| %s | %.1f | %s |\n", pk.Column, float64(pk.KiB)/1024, formatRatioRef(ratio(float64(pk.KiB), ref), pk.Column))
		for _, c := range r.Columns {
			if c.Name == pk.Column && c.Process {
				process = c.Name
			}
		}
	}
	fmt.Fprintf(w, "\n")
	if process != "" {
		fmt.Fprintf(w, "For %s, the parent's alone: its children, a process per connection, come and go\n", process)
		fmt.Fprintf(w, "with their connections and are not counted here (see memory per idle connection).\n\n")
	}
}
