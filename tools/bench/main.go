// Command bench measures every concurrency model of part4-concurrency
// against net/http's server running the same handler, side by side in one
// run, with parts 2 and 3 beside them for the history of the course, and
// writes the tables and charts of docs/benchmarks/part4-models.md.
//
// Run it from the repository root:
//
//	go run ./tools/bench          # the full run: writes docs/benchmarks/part4-models.md
//	go run ./tools/bench -short   # under a minute, the report on stdout (CI)
//
// It builds the parts and the course's load client with one go build,
// starts each server once on a free loopback port, and then, for each
// configuration (client, endpoint, keep-alive or not, connections), runs
// every server in turn, round after round. It measures requests per
// second and latency with the load client and, when it is installed,
// with wrk; a slow handler; the memory an idle connection costs; and each
// server's peak memory. It exits 1 if a server fails to start, an output
// cannot be parsed, or a request fails where none may (any request to
// our goroutine or epoll model, or to net/http); the report is written
// first. The epoll model runs on Linux only: elsewhere its column is left
// out.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"example.com/webserver/tools/internal/course"
)

// docPath is where the full run writes its report, from the repository root.
const docPath = "docs/benchmarks/part4-models.md"

// minKeepAlive is the fewest requests a kept-alive connection makes in a
// throughput run, so that opening it (for the process model, starting a
// process) is shared among several requests.
const minKeepAlive = 10

// options are what one run does: a preset (full or -short), then the flags.
type options struct {
	Short     bool
	Rounds    int // load client, slow handler, memory
	WrkRounds int
	Wrk       bool
	Out       string // "-" for stdout
	Verbose   bool

	Levels    []int         // connections at once
	Target    time.Duration // how long a load-client run is sized to last
	WrkFor    time.Duration // how long a wrk run lasts
	WrkLevels []int
	WrkEnds   []endpoint
	WrkModes  []bool // Connection: close or not

	IdleConns    int // memory: idle connections per server
	ProcessIdle  int // and for the process model, a process each
	SlowDelay    time.Duration
	SlowConns    int
	commandShown string
}

// preset returns the full run's options, or -short's: fewer rounds and
// levels and smaller runs, so that it ends within a minute.
func preset(short bool) options {
	if short {
		return options{
			Short: true, Rounds: 2, WrkRounds: 1, Wrk: true, Out: "-",
			Levels: []int{1, 64}, Target: 100 * time.Millisecond, WrkFor: time.Second,
			WrkLevels: []int{64}, WrkEnds: []endpoint{textEndpoint}, WrkModes: []bool{false},
			IdleConns: 500, ProcessIdle: 10, SlowDelay: 20 * time.Millisecond, SlowConns: 64,
		}
	}
	return options{
		Rounds: 7, WrkRounds: 5, Wrk: true, Out: docPath,
		Levels: []int{1, 8, 64, 512}, Target: 500 * time.Millisecond, WrkFor: time.Second,
		WrkLevels: []int{1, 8, 64, 512}, WrkEnds: []endpoint{textEndpoint, fileEndpoint}, WrkModes: []bool{false, true},
		IdleConns: 5000, ProcessIdle: 20, SlowDelay: 100 * time.Millisecond, SlowConns: 64,
	}
}

// parseFlags reads the command line onto the preset that -short chooses.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	short := fs.Bool("short", false, "a run of under a minute that only shows the tool works (what CI runs); the report goes to stdout unless -o says otherwise")
	rounds := fs.Int("rounds", 0, "rounds of the load client, the slow handler and the memory measurement (default 7, 2 with -short)")
	wrkRounds := fs.Int("wrk-rounds", 0, "rounds of wrk (default 5, 1 with -short)")
	noWrk := fs.Bool("no-wrk", false, "do not run wrk, even if it is on PATH")
	out := fs.String("o", "", "write the report to `FILE`, - for stdout (default "+docPath+", stdout with -short)")
	verbose := fs.Bool("v", false, "print a line for every run to stderr, not only one per measurement")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./tools/bench [flags]   (from the repository root)\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	o := preset(*short)
	if *rounds < 0 || *wrkRounds < 0 {
		return o, errors.New("-rounds and -wrk-rounds must be at least 1")
	}
	if *rounds > 0 {
		o.Rounds = *rounds
	}
	if *wrkRounds > 0 {
		o.WrkRounds = *wrkRounds
	}
	o.Wrk = !*noWrk
	if *out != "" {
		o.Out = *out
	}
	o.Verbose = *verbose
	if o.Short && o.Out != "-" && sameFile(o.Out, docPath) {
		return o, fmt.Errorf("-short does not write %s: its numbers are not the report's", docPath)
	}
	o.commandShown = strings.TrimSpace("go run ./tools/bench " + shellJoin(args))
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run does the whole run and writes the report.
func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	began := time.Now()
	if _, err := os.Stat("go.work"); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	noFile, err := raiseNoFile()
	if err != nil {
		return err
	}
	if need := uint64(o.IdleConns + 1000); noFile < need {
		return fmt.Errorf("the open-files limit is %d: the memory measurement needs %d (see ulimit -Hn)", noFile, need)
	}
	tmp, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			fmt.Fprintf(stderr, "bench: the servers' logs are kept in %s\n", tmp)
			return
		}
		os.RemoveAll(tmp)
	}()

	b := &bench{bin: filepath.Join(tmp, "bin"), tmp: tmp, servers: map[string]*server{}, progress: stderr, verbose: o.Verbose}
	b.logf("bench: building %s", strings.Join(buildTargets, " "))
	if err := course.Build(ctx, ".", b.bin, buildTargets...); err != nil {
		return err
	}
	r := &report{
		Machine: machineInfo(noFile), Command: o.commandShown, Short: o.Short,
		Rounds: o.Rounds, WrkFor: o.WrkFor, Target: o.Target, Columns: allColumns, SlowDelay: o.SlowDelay,
	}
	if o.Wrk && r.Machine.Wrk != "" {
		r.WrkRounds = o.WrkRounds
		b.script = filepath.Join(tmp, "wrk_done.lua")
		if err := os.WriteFile(b.script, []byte(wrkDone), 0o644); err != nil {
			return err
		}
	} else if o.Wrk {
		b.logf("bench: wrk is not on PATH: only the load client runs")
	}

	// The servers, each started once for the whole run: a server that
	// restarted every round would be measured cold every time.
	defer func() {
		for _, s := range b.servers {
			s.stop()
		}
	}()
	data := fileData()
	for _, col := range allColumns {
		s, err := startServer(col, b.bin, tmp, slug(col.Name))
		if err != nil {
			return err
		}
		b.servers[col.Name] = s
		if err := s.storeFile(ctx, fileName, data); err != nil {
			return err
		}
	}
	b.logf("bench: started %d servers", len(allColumns))

	cfgs := plan(o, r.WrkRounds > 0)
	steps := len(cfgs) + 2
	for i, cfg := range cfgs {
		b.logf("bench: [%d/%d] %s", i+1, steps, cfg)
		rounds, minPerConn := o.Rounds, 1
		if cfg.Tool == "wrk" {
			rounds = o.WrkRounds
		}
		if !cfg.Close {
			minPerConn = minKeepAlive
		}
		s, err := b.runSeries(ctx, cfg, allColumns, rounds, minPerConn, o.Target, o.WrkFor)
		if err != nil {
			return err
		}
		r.Series = append(r.Series, s)
	}

	slow := config{Tool: "load", Endpoint: endpoint{Path: "/sleep?d=" + o.SlowDelay.String()}, Conns: o.SlowConns}
	b.logf("bench: [%d/%d] %s (a slow handler)", len(cfgs)+1, steps, slow)
	var sleepers []column
	for _, c := range allColumns {
		if c.Sleep {
			sleepers = append(sleepers, c)
		}
	}
	// One request per connection is enough here, and all a server of one
	// connection at a time can do in a few seconds: 64 of them take 6.4 s.
	s, err := b.runSeries(ctx, slow, sleepers, o.Rounds, 1, o.Target, 0)
	if err != nil {
		return err
	}
	r.Slow = &s

	for _, col := range allColumns {
		pk, err := peakOf(b.servers[col.Name])
		if err != nil {
			return err
		}
		r.Peaks = append(r.Peaks, pk)
		b.servers[col.Name].stop()
	}

	b.logf("bench: [%d/%d] memory per idle connection: %d connections, %d rounds", steps, steps, o.IdleConns, o.Rounds)
	var memCols []column
	for _, c := range allColumns {
		if c.Memory {
			memCols = append(memCols, c)
		}
	}
	if r.Memory, err = b.measureMemory(ctx, memCols, o.IdleConns, o.ProcessIdle, o.Rounds); err != nil {
		return err
	}

	r.Took = time.Since(began)
	if err := writeReport(o.Out, render(r), stdout); err != nil {
		return err
	}
	if o.Out != "-" {
		b.logf("bench: wrote %s (%s)", o.Out, roundDuration(r.Took))
	}
	if len(b.problems) > 0 {
		return fmt.Errorf("%d runs had failed requests where none may fail:\n  %s", len(b.problems), strings.Join(b.problems, "\n  "))
	}
	return nil
}

// plan lists the throughput measurements in the order they run: the load
// client's, then wrk's, each by endpoint, keep-alive then close, and
// connections.
func plan(o options, wrk bool) []config {
	var cfgs []config
	for _, ep := range []endpoint{textEndpoint, fileEndpoint} {
		for _, closeEach := range []bool{false, true} {
			for _, c := range o.Levels {
				cfgs = append(cfgs, config{Tool: "load", Endpoint: ep, Close: closeEach, Conns: c})
			}
		}
	}
	if !wrk {
		return cfgs
	}
	for _, ep := range o.WrkEnds {
		for _, closeEach := range o.WrkModes {
			for _, c := range o.WrkLevels {
				cfgs = append(cfgs, config{Tool: "wrk", Endpoint: ep, Close: closeEach, Conns: c})
			}
		}
	}
	return cfgs
}

// machineInfo says where the run happens.
func machineInfo(noFile uint64) machine {
	m := machine{CPUs: runtime.NumCPU(), CPU: "unknown", Kernel: "unknown", Go: runtime.Version(), Wrk: wrkVersion(), NoFile: noFile}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("uname", "-r").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	// The go command that built the servers, which may differ from the
	// one that built this program when go.work asks for another toolchain.
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	}
	return m
}

// writeReport writes the markdown to path, or to stdout for "-".
func writeReport(path string, md []byte, stdout io.Writer) error {
	if path == "-" {
		_, err := stdout.Write(md)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, md, 0o644)
}

// sameFile reports whether two paths name the same file, existing or not.
func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// shellJoin writes args as a shell would need them typed.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"\\$`*?[]#~&;|<>()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
