// The servers under test: built once, each started on a free loopback
// port with its log in a file, watched through /proc, and stopped with
// SIGTERM.

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"example.com/webserver/tools/internal/course"
)

// A column is one server of the comparison: a program of the build folder
// and its flags.
type column struct {
	Name  string   // as the tables name it: "ours, goroutine"
	Bin   string   // the program in the build folder: "part4-concurrency"
	Args  []string // its flags, beyond -addr and -files
	Color string   // its line in the charts
	// Sleep says the server has GET /sleep (part 4's slow handler).
	Sleep bool
	// Strict says that any failed request against it is a failure of the
	// whole bench: a concurrent server must answer every request of our
	// runs, whatever the tool.
	Strict bool
	// StrictLoad is Strict for the load client's runs only (wrk's fixed
	// duration can cut off requests that a slow model still had queued).
	StrictLoad bool
	// StrictUpTo, if not 0, limits Strict and StrictLoad to runs of at
	// most that many connections: past the model's own cap on connections,
	// clients wait in the backlog, and one that waits longer than the
	// client's timeout fails, as the cap means it to.
	StrictUpTo int
	// Process says the server starts a child process per connection.
	Process bool
	// Memory says the memory per idle connection is measured: for the
	// servers that keep connections alive.
	Memory bool
	// LinuxOnly says the server runs on Linux alone (the epoll model):
	// elsewhere the bench leaves its column out.
	LinuxOnly bool
}

// processModelCap is the process model's cap on children when -max-conns
// is not given (defaultMaxChildren in part4-concurrency/cap.go).
const processModelCap = 256

// reference is the column every other is compared with.
const reference = "net/http"

// everyColumn is every server, in the order of the tables. The colours
// are ones a reader can name, so that the sentence under each chart can
// say which line is which.
var everyColumn = []column{
	{Name: "ours, goroutine", Bin: "part4-concurrency", Args: []string{"-model", "goroutine"}, Color: "blue", Sleep: true, Strict: true, StrictLoad: true, Memory: true},
	{Name: "ours, epoll", Bin: "part4-concurrency", Args: []string{"-model", "epoll"}, Color: "green", Sleep: true, Strict: true, StrictLoad: true, Memory: true, LinuxOnly: true},
	{Name: "ours, process", Bin: "part4-concurrency", Args: []string{"-model", "process"}, Color: "orange", Sleep: true, StrictLoad: true, StrictUpTo: processModelCap, Process: true, Memory: true},
	{Name: "ours, iterative", Bin: "part4-concurrency", Args: []string{"-model", "iterative"}, Color: "red", Sleep: true},
	{Name: reference, Bin: "part4-concurrency", Args: []string{"-server", "net/http"}, Color: "black", Sleep: true, Strict: true, StrictLoad: true, Memory: true},
	{Name: "part3-gateway", Bin: "part3-gateway", Color: "purple"},
	{Name: "part2-http", Bin: "part2-http", Color: "grey"},
}

// allColumns is every server this system runs, in the order of the tables.
var allColumns = columnsFor(runtime.GOOS)

// columnsFor returns the columns of everyColumn that run on goos.
func columnsFor(goos string) []column {
	var cols []column
	for _, c := range everyColumn {
		if c.LinuxOnly && goos != "linux" {
			continue
		}
		cols = append(cols, c)
	}
	return cols
}

// colorHex is how the charts draw each named colour.
var colorHex = map[string]string{
	"blue": "#1f77b4", "green": "#2ca02c", "orange": "#ff7f0e", "red": "#d62728",
	"black": "#222222", "purple": "#9467bd", "grey": "#8c8c8c",
}

// buildTargets are the packages one go build makes into the build folder.
var buildTargets = []string{"./part2-http", "./part3-gateway", "./part4-concurrency", "./part4-concurrency/cmd/load"}

// A server is one running program.
type server struct {
	col     column
	addr    string // 127.0.0.1:PORT
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed when the program has exited
	err     error         // how it exited, once done is closed
}

// freePort returns a loopback port nobody listens on now: the kernel's
// choice for port 0, released at once for the server to take.
func freePort() (string, error) {
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("find a free port: %w", err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if !strings.HasSuffix(addr, ":8888") { // the course's port: others may be using it
			return addr, nil
		}
	}
}

// startServer starts col's program from bin with its uploads in a folder
// of its own under tmp and its output in a log file there, and waits until
// it accepts connections. extra flags go after the column's own.
func startServer(col column, bin, tmp, label string, extra ...string) (*server, error) {
	dir := filepath.Join(tmp, "servers", label)
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", col.Name, err)
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", col.Name, err)
	}
	defer logFile.Close() // the program has its own copy of the descriptor
	args := append([]string{"-addr", addr, "-files", files}, col.Args...)
	s := &server{col: col, addr: addr, logPath: logFile.Name(), done: make(chan struct{})}
	// An *os.File, not a pipe: the program writes to the file directly, so
	// no goroutine of ours has to drain its output while we measure.
	s.cmd = exec.Command(filepath.Join(bin, col.Bin), append(args, extra...)...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", col.Name, err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	if err := s.waitReady(15 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady dials the server until it accepts a connection. Its output
// goes to a file that nothing watches, so there is no signal to wait for:
// polling, with a deadline, is the way to know it listens.
func (s *server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("%s exited at start (%v): %s", s.col.Name, s.err, s.logTail())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not accept connections on %s after %v: %s", s.col.Name, s.addr, limit, s.logTail())
		}
	}
}

// exited reports whether the program has ended.
func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// stop ends the program: SIGTERM (part 4 shuts down gracefully and passes
// the signal on to the process model's children), then a kill if it has
// not exited within a few seconds. Stopping twice is harmless.
func (s *server) stop() { course.Stop(s.cmd, s.done, 10*time.Second) }

// logTail returns the end of the server's log, for error messages.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return fmt.Sprintf("log %s ends:\n%s", s.logPath, b)
}

// request sends one request on a new connection, with Connection: close,
// and returns the response's status and body.
func request(ctx context.Context, addr, method, path string, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Close = true
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return resp.StatusCode, b, nil
}

// storeFile stores data as /files/NAME on the server and checks that it
// comes back unchanged.
func (s *server) storeFile(ctx context.Context, name string, data []byte) error {
	status, _, err := request(ctx, s.addr, http.MethodPut, "/files/"+name, data)
	if err != nil {
		return fmt.Errorf("%s: %w", s.col.Name, err)
	}
	if status != http.StatusCreated && status != http.StatusNoContent {
		return fmt.Errorf("%s: PUT /files/%s: status %d, want 201 or 204", s.col.Name, name, status)
	}
	status, got, err := request(ctx, s.addr, http.MethodGet, "/files/"+name, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", s.col.Name, err)
	}
	if status != http.StatusOK || !bytes.Equal(got, data) {
		return fmt.Errorf("%s: GET /files/%s: status %d and %d bytes, want 200 and the %d bytes stored", s.col.Name, name, status, len(got), len(data))
	}
	return nil
}

// settle waits until the server has finished with the last run, so that
// the next run, on another server, does not share the machine with its
// leftovers: a one-at-a-time server may still hold connections in its
// listen backlog (wrk stops with requests unanswered), and the process
// model's children may still be starting. A request answered means the
// backlog before it is served; for the children, /proc is the only signal.
func (s *server) settle(ctx context.Context) error {
	if s.exited() {
		return fmt.Errorf("%s has exited (%v): %s", s.col.Name, s.err, s.logTail())
	}
	status, _, err := request(ctx, s.addr, http.MethodGet, "/echo/settle", nil)
	if err != nil {
		return fmt.Errorf("%s after a run: %w", s.col.Name, err)
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s after a run: GET /echo/settle: status %d", s.col.Name, status)
	}
	if !s.col.Process {
		return nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		kids, err := children(s.cmd.Process.Pid)
		if err != nil {
			return err
		}
		if len(kids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still has %d children 30s after a run", s.col.Name, len(kids))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// procStatus returns a field of /proc/PID/status in KiB: VmRSS (resident
// memory now) or VmHWM (its peak, the "high water mark").
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return parseKiB(v)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// pss returns a process's proportional set size in KiB: its resident
// memory, with each page shared with other processes (the program's code,
// which every child of the process model maps) counted as a share.
func pss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			return parseKiB(v)
		}
	}
	return 0, fmt.Errorf("/proc/%d/smaps_rollup has no Pss", pid)
}

// parseKiB reads "   1234 kB".
func parseKiB(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %q as kB: %w", v, err)
	}
	return n, nil
}

// children returns the processes whose parent is pid, from /proc/*/stat.
func children(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // it exited while we looked
		}
		if ppid, err := statParent(string(b)); err == nil && ppid == pid {
			kids = append(kids, p)
		}
	}
	return kids, nil
}

// statParent returns the parent's pid from a /proc/PID/stat line:
// "PID (COMM) STATE PPID …", where COMM may itself hold spaces and
// parentheses, so the fields are counted from the last ")".
func statParent(stat string) (int, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("no ) in stat")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 2 {
		return 0, errors.New("short stat")
	}
	return strconv.Atoi(f[1])
}
