// Command load is the course's load client: it opens many connections to a
// web server at once and sends each of them many requests, then reports how
// many succeeded, how fast, and how they failed.
//
// It is the Go version of client3.py from part 3 of Ruslan Spivak's "Let's
// Build A Web Server", done right. client3.py calls os._exit inside its
// inner loop, right after the first connection's first request, so its
// --max-conns and --max-clients do nothing. load makes every request it is
// asked for: c connections times n requests, always. A request that fails
// still counts, as a request with an error, because errors are data: "too
// many open files" or "connection refused" is what the experiment is about.
//
// Usage:
//
//	load [flags] URL
//
//	-c N          connections at once (default 10)
//	-n N          requests per connection (default 100)
//	-close        a new connection for every request, sent with
//	              "Connection: close" (default: keep-alive)
//	-pipeline D   with keep-alive, send D requests in one write before
//	              reading their D responses (default 1)
//	-timeout T    deadline for each request, or each pipelined batch
//	              (default 10s)
//	-json         print the summary as one JSON object
//
// For example, against part 4's server:
//
//	go run ./part4-concurrency/cmd/load -c 8 -n 100 http://127.0.0.1:8888/
//
// The requests are written by hand, as raw HTTP/1.1 bytes built once, so
// that the client does as little work as possible per request and the
// server, not the client, is what gets measured.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// config is what to do; parseArgs fills it from the command line.
type config struct {
	URL      string        // http://host[:port]/path?query
	Conns    int           // -c: connections at once
	Requests int           // -n: requests per connection
	Close    bool          // -close: one connection per request
	Pipeline int           // -pipeline: requests per write (keep-alive only)
	Timeout  time.Duration // -timeout: per request or batch
	Progress io.Writer     // if not nil, a progress line is kept up to date here
}

// summary is what happened.
type summary struct {
	Requests  int            // answered + failed: Conns*Requests unless interrupted
	Errors    map[string]int // kind of error -> requests that failed with it
	Statuses  map[int]int    // status code -> responses
	Elapsed   time.Duration
	Latencies []time.Duration // one per answered request, sorted ascending
	Dials     int             // connections opened
}

func main() {
	cfg, jsonOut, err := parseArgs(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2) // parseArgs has explained why
	}
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		cfg.Progress = os.Stderr // a terminal: worth a live line; a file or pipe: noise
	}
	// Ctrl-C stops the run but still prints what was measured so far.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	s, err := run(ctx, cfg)
	if jsonOut {
		printJSON(os.Stdout, s)
	} else {
		printText(os.Stdout, cfg, s)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: interrupted after %d of %d requests\n", s.Requests, cfg.Conns*cfg.Requests)
		os.Exit(130) // what a shell reports for a command stopped by Ctrl-C
	}
}

// parseArgs reads the flags and the URL; an error means bad usage, and the
// error and the usage message have already been written to stderr.
func parseArgs(args []string, stderr io.Writer) (cfg config, jsonOut bool, err error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: load [flags] URL   (for example: load -c 8 -n 100 http://127.0.0.1:8888/)")
		fs.PrintDefaults()
	}
	fs.IntVar(&cfg.Conns, "c", 10, "connections at once")
	fs.IntVar(&cfg.Requests, "n", 100, "requests per connection")
	fs.BoolVar(&cfg.Close, "close", false, "a new connection for every request, sent with Connection: close")
	fs.IntVar(&cfg.Pipeline, "pipeline", 1, "with keep-alive, requests sent in one write before reading their responses")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "deadline for each request (or pipelined batch)")
	fs.BoolVar(&jsonOut, "json", false, "print the summary as one JSON object")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	switch {
	case fs.NArg() != 1:
		err = errors.New("want exactly one URL")
	case cfg.Conns < 1 || cfg.Requests < 1 || cfg.Pipeline < 1:
		err = errors.New("-c, -n and -pipeline must be at least 1")
	case cfg.Timeout <= 0:
		err = errors.New("-timeout must be positive")
	case cfg.Close && cfg.Pipeline > 1:
		err = errors.New("-pipeline needs keep-alive: it cannot be used with -close")
	}
	if err == nil {
		cfg.URL = fs.Arg(0)
		_, _, err = target(cfg.URL, false)
	}
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		fs.Usage()
	}
	return cfg, jsonOut, err
}

// target returns the address to dial and the request to send for rawURL.
func target(rawURL string, closeConn bool) (addr string, req []byte, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", nil, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return "", nil, fmt.Errorf("%q: want an http:// URL with a host", rawURL)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	head := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: load\r\n"
	if closeConn {
		head += "Connection: close\r\n"
	}
	return net.JoinHostPort(u.Hostname(), port), []byte(head + "\r\n"), nil
}

// counters are shared by all workers for the progress line. Atomics, not a
// mutex: c workers taking one lock per request would queue on it and slow
// down the very thing we measure.
type counters struct{ done, failed atomic.Int64 }

// run makes cfg.Conns*cfg.Requests requests and summarises them. It returns
// an error only for a bad URL or when ctx is cancelled, and then also the
// summary of what was done until then.
func run(ctx context.Context, cfg config) (summary, error) {
	addr, req, err := target(cfg.URL, cfg.Close)
	if err != nil {
		return summary{}, err
	}
	cfg.Pipeline = max(cfg.Pipeline, 1)
	if cfg.Close {
		cfg.Pipeline = 1
	}
	// A batch of D requests is the request D times over, built once and
	// shared: workers only read it.
	batch := bytes.Repeat(req, cfg.Pipeline)

	var count counters
	workers := make([]*worker, cfg.Conns)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{
			cfg: &cfg, addr: addr, batch: batch, reqLen: len(req), count: &count,
			latencies: make([]time.Duration, 0, cfg.Requests),
			statuses:  make(map[int]int),
			errors:    make(map[string]int),
		}
		workers[i] = w
		wg.Go(func() {
			<-start
			w.run(ctx)
		})
	}
	// Every goroutine exists and waits: closing start releases them
	// together, so the first connections hit the server at the same moment,
	// as in LSBAWS's experiments with the listen backlog.
	began := time.Now()
	close(start)

	stopProgress, progressDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(progressDone)
		if cfg.Progress != nil {
			progress(cfg.Progress, began, cfg.Conns*cfg.Requests, &count, stopProgress)
		}
	}()
	wg.Wait()
	s := summary{Elapsed: time.Since(began), Statuses: map[int]int{}, Errors: map[string]int{}}
	close(stopProgress)
	<-progressDone // the line is cleared before anyone prints the summary

	// Merge the workers' results only now: while running, each worker
	// writes to its own slices and maps, so nothing needed a lock.
	for _, w := range workers {
		s.Latencies = append(s.Latencies, w.latencies...)
		for code, k := range w.statuses {
			s.Statuses[code] += k
		}
		for kind, k := range w.errors {
			s.Errors[kind] += k
			s.Requests += k
		}
		s.Dials += w.dials
	}
	s.Requests += len(s.Latencies)
	slices.Sort(s.Latencies)
	return s, ctx.Err()
}

// worker is one of the c connections; it makes its n requests one
// connection (or, with -close, n connections) after another.
type worker struct {
	cfg    *config
	addr   string
	batch  []byte // cfg.Pipeline requests back to back
	reqLen int
	count  *counters

	conn       net.Conn
	br         *bufio.Reader // reused across connections: no new buffer per dial
	stopCancel func() bool   // unregisters the ctx watcher of conn

	latencies []time.Duration
	statuses  map[int]int
	errors    map[string]int
	dials     int
}

func (w *worker) run(ctx context.Context) {
	defer w.closeConn()
	for left := w.cfg.Requests; left > 0 && ctx.Err() == nil; {
		left -= w.batch1(ctx, min(w.cfg.Pipeline, left))
	}
}

// batch1 sends d requests in one write and reads their d responses. It
// returns how many requests are finished, answered or failed; the rest are
// to be sent again on a new connection.
func (w *worker) batch1(ctx context.Context, d int) int {
	if w.conn == nil {
		if err := w.dial(ctx); err != nil {
			w.fail(ctx, err, "dial", d)
			return d
		}
	}
	w.conn.SetDeadline(time.Now().Add(w.cfg.Timeout))
	if ctx.Err() != nil {
		return 0 // cancelled: the deadline just set may have undone the watcher's
	}
	sent := time.Now()
	if _, err := w.conn.Write(w.batch[:d*w.reqLen]); err != nil {
		w.fail(ctx, err, "write", d)
		w.closeConn()
		return d
	}
	for i := range d {
		status, closed, err := w.readResponse()
		if err != nil {
			// This request and the rest of the batch were sent and will
			// never be answered on this connection: all of them failed.
			w.fail(ctx, err, "read", d-i)
			w.closeConn()
			return d
		}
		w.latencies = append(w.latencies, time.Since(sent))
		w.statuses[status]++
		w.count.done.Add(1)
		if closed || w.cfg.Close {
			// The server said it closes after this response (or we asked
			// it to): later requests of the batch go on a new connection.
			w.closeConn()
			return i + 1
		}
	}
	return d
}

func (w *worker) readResponse() (status int, closed bool, err error) {
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		return 0, false, err
	}
	// The body must be read to its end: the next response starts after it.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Close, err
}

func (w *worker) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: w.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", w.addr)
	if err != nil {
		return err
	}
	w.conn = conn
	w.dials++
	if w.br == nil {
		w.br = bufio.NewReader(conn)
	} else {
		w.br.Reset(conn)
	}
	// On Ctrl-C, a deadline in the past wakes a Read or Write blocked on
	// this connection at once, instead of after up to -timeout.
	w.stopCancel = context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return nil
}

func (w *worker) closeConn() {
	if w.conn != nil {
		w.stopCancel()
		w.conn.Close()
		w.conn = nil
	}
}

// fail counts k requests as failed with err.
func (w *worker) fail(ctx context.Context, err error, phase string, k int) {
	if ctx.Err() != nil {
		return // we interrupted them: not the server's doing
	}
	w.errors[errorKind(err, phase)] += k
	w.count.done.Add(int64(k))
	w.count.failed.Add(int64(k))
}

// errorKind names an error in a few stable words, so that a thousand
// failures of the same kind add up on one line of the summary.
func errorKind(err error, phase string) string {
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files" // our side: see ulimit -n
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused" // nobody listens, or the backlog is full
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "broken pipe" // we wrote to a connection the server had closed
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed early" // the server closed before a full response
	case phase == "dial":
		return "dial: other"
	case phase == "read" && !errors.As(err, &op):
		return "bad response" // not a network error: http.ReadResponse could not parse it
	}
	// Unwrap down to the cause: the outer layers name addresses and ports,
	// which would make every connection's error a kind of its own.
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	return "other: " + err.Error()
}

// progress rewrites one line on w every half second, from one second after
// began until stop is closed, and then clears it.
func progress(w io.Writer, began time.Time, total int, count *counters, stop <-chan struct{}) {
	tick := time.NewTimer(time.Second) // short runs print no progress at all
	defer tick.Stop()
	last, lastAt, width := int64(0), began, 0
	for {
		select {
		case <-stop:
			if width > 0 {
				fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", width))
			}
			return
		case now := <-tick.C:
			done := count.done.Load()
			rate := float64(done-last) / now.Sub(lastAt).Seconds()
			line := fmt.Sprintf("%d/%d requests, %d errors, %.0f per second", done, total, count.failed.Load(), rate)
			width = max(width, len(line)) // pad: a shorter line must cover the longer one
			fmt.Fprintf(w, "\r%-*s", width, line)
			last, lastAt = done, now
			tick.Reset(500 * time.Millisecond)
		}
	}
}
