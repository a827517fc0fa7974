// Measuring one configuration: choose each server's share of work, then
// run every server once per round, round after round.

package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// An endpoint is what the clients ask for.
type endpoint struct {
	Path  string // with its query: "/echo/hello"
	Title string // for headings: "GET /echo/hello: 5 bytes of text"
}

// The endpoints of the throughput runs.
var (
	textEndpoint = endpoint{"/echo/hello", "GET /echo/hello (5 bytes of text)"}
	fileEndpoint = endpoint{"/files/" + fileName, "GET /files/" + fileName + " (a 64 KiB file)"}
)

// fileName is the stored file the clients download, fileSize its size.
const (
	fileName = "bench64k"
	fileSize = 64 << 10
)

// fileData returns fileSize deterministic bytes that do not compress: the
// same file on every server and in every run.
func fileData() []byte {
	b := make([]byte, fileSize)
	x := uint32(2463534242)
	for i := range b {
		// xorshift32: a few lines, no package, the same bytes every time.
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// A config is one measurement: which tool, which endpoint, keep-alive or
// a new connection per request, and how many connections at once.
type config struct {
	Tool     string // "load" or "wrk"
	Endpoint endpoint
	Close    bool
	Conns    int
}

// mode says keep-alive or close, as the tables do.
func (c config) mode() string {
	if c.Close {
		return "Connection: close"
	}
	return "keep-alive"
}

func (c config) String() string {
	return fmt.Sprintf("%s, GET %s, %s, %s", c.Tool, c.Endpoint.Path, c.mode(), conns(c.Conns))
}

// A series is one configuration's results: a sample per column per round.
type series struct {
	Config  config
	Columns []string            // in table order
	Rounds  map[string][]sample // column -> one sample per round
}

// A bench is one run of the tool: the programs, the running servers, and
// what has gone wrong so far.
type bench struct {
	bin      string // build folder
	tmp      string
	script   string // wrk's done script
	servers  map[string]*server
	progress io.Writer
	verbose  bool
	// problems are the failures the run goes on past, so that the report
	// still shows them; any makes the tool exit 1 at the end.
	problems []string
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.progress, format+"\n", args...)
}

func (b *bench) vlogf(format string, args ...any) {
	if b.verbose {
		b.logf(format, args...)
	}
}

// runSeries measures cfg on every column of cols for the given rounds:
// every column once per round, round after round (in runOrder), so that
// whatever else the machine does at some moment falls on all of them
// alike. With the load client, each column first gets a calibration that
// sizes its runs to about target (a process per connection costs
// thousands of times a goroutine), with at least minPerConn requests on
// each connection.
func (b *bench) runSeries(ctx context.Context, cfg config, cols []column, rounds, minPerConn int, target, wrkFor time.Duration) (series, error) {
	sr := series{Config: cfg, Rounds: map[string][]sample{}}
	perConn := map[string]int{}
	for _, col := range cols {
		sr.Columns = append(sr.Columns, col.Name)
		if cfg.Tool == "load" {
			n, err := b.calibrate(ctx, cfg, col, target, minPerConn)
			if err != nil {
				return sr, err
			}
			perConn[col.Name] = n
		}
	}
	if cfg.Tool == "load" {
		perConn = sameWork(perConn)
		for _, col := range cols {
			b.vlogf("        %-16s -n %d (%d requests a run)", col.Name+":", perConn[col.Name], perConn[col.Name]*cfg.Conns)
		}
	}
	for r := range rounds {
		for _, col := range runOrder(cols, r) {
			s, err := b.runOnce(ctx, cfg, col, perConn[col.Name], wrkFor)
			if err != nil {
				return sr, err
			}
			b.check(cfg, col, fmt.Sprintf("round %d", r+1), s)
			b.vlogf("        round %d/%d  %-16s %s", r+1, rounds, col.Name+":", sampleText(s))
			sr.Rounds[col.Name] = append(sr.Rounds[col.Name], s)
		}
	}
	return sr, nil
}

// runOrder is the order the columns run in round r. The reference runs
// right after the first column (ours, goroutine: the pair the goals are
// about), so that the two are measured as close together as can be; and
// every other round runs the list backwards (A B C, C B A, …), so that
// neither of two columns always runs first, or always after the same one.
func runOrder(cols []column, r int) []column {
	order := slices.Clone(cols)
	if i := slices.IndexFunc(order, func(c column) bool { return c.Name == reference }); i > 1 {
		ref := order[i]
		order = slices.Insert(slices.Delete(order, i, i+1), 1, ref)
	}
	if r%2 == 1 {
		slices.Reverse(order)
	}
	return order
}

// runOnce makes one run against col's server and waits for the server to
// settle after it.
func (b *bench) runOnce(ctx context.Context, cfg config, col column, perConn int, wrkFor time.Duration) (sample, error) {
	srv := b.servers[col.Name]
	url := "http://" + srv.addr + cfg.Endpoint.Path
	var s sample
	var err error
	if cfg.Tool == "wrk" {
		s, err = runWrk(ctx, b.script, url, cfg.Conns, wrkFor, cfg.Close)
	} else {
		s, err = runLoad(ctx, b.bin+"/load", url, cfg.Conns, perConn, cfg.Close)
	}
	if err != nil {
		return s, fmt.Errorf("%s against %s: %w", cfg, col.Name, err)
	}
	if err := srv.settle(ctx); err != nil {
		return s, fmt.Errorf("%s: %w", cfg, err)
	}
	return s, nil
}

// calibrate finds how many requests per connection make a load run of
// col take about target: it starts with one and grows, as a Go benchmark
// grows b.N, until a run takes a fifth of target, then scales by the rate
// measured, keeping at least minPerConn. These runs warm the server up
// too; they are not reported.
func (b *bench) calibrate(ctx context.Context, cfg config, col column, target time.Duration, minPerConn int) (int, error) {
	const maxTotal = 200_000 // requests per run, whatever the rate
	maxN := max(1, maxTotal/cfg.Conns)
	enough := target.Seconds() / 5
	n := 1
	for {
		s, err := b.runOnce(ctx, cfg, col, n, 0)
		if err != nil {
			return 0, err
		}
		b.check(cfg, col, "calibration", s)
		if s.Seconds >= enough || n >= maxN {
			want := int(math.Ceil(target.Seconds() * s.RPS / float64(cfg.Conns)))
			return min(max(want, minPerConn, 1), maxN), nil
		}
		grow := int(math.Ceil(float64(n) * 1.5 * enough / max(s.Seconds, 1e-6)))
		n = min(max(grow, n+1), n*50, maxN)
	}
}

// sameWork gives every server that is at least half as fast as the
// reference the reference's requests per connection, so that the servers
// compared most closely do exactly the same work (the end of a run, when
// the last connections finish alone, weighs the same on each); slower
// ones keep their own, smaller share, so that no run takes too long.
func sameWork(perConn map[string]int) map[string]int {
	ref, ok := perConn[reference]
	if !ok {
		return perConn
	}
	out := make(map[string]int, len(perConn))
	for name, n := range perConn {
		if 2*n >= ref {
			n = ref
		}
		out[name] = n
	}
	return out
}

// check records a run's failures as a problem when none were expected.
func (b *bench) check(cfg config, col column, when string, s sample) {
	strict := col.Strict || (cfg.Tool == "load" && col.StrictLoad)
	if col.StrictUpTo > 0 && cfg.Conns > col.StrictUpTo {
		strict = false
	}
	if s.Failed > 0 && strict {
		b.problems = append(b.problems, fmt.Sprintf("%s, %s, %s: %d of %d requests failed (%s)",
			cfg, col.Name, when, s.Failed, s.Requests, kindsText(s.Kinds)))
	}
}

// sampleText is one run in a few words, for the progress lines.
func sampleText(s sample) string {
	t := fmt.Sprintf("%s req/s, p50 %s ms, p99 %s ms, %d requests in %.2fs", formatRate(s.RPS), formatMS(s.P50), formatMS(s.P99), s.Requests, s.Seconds)
	if s.Failed > 0 {
		t += fmt.Sprintf(", %d failed (%s)", s.Failed, kindsText(s.Kinds))
	}
	return t
}

// slug makes a column's name fit a file name: "ours, goroutine" ->
// "ours-goroutine".
func slug(name string) string {
	return strings.NewReplacer(", ", "-", "/", "-", " ", "-").Replace(name)
}
