// Running every part: build each into a temporary folder, start each on a
// free loopback port with the flags it has, and part 4 once more on
// net/http's server, the reference column.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Timeouts the servers get for the run: short, so that the cases about a
// silent client, a body cut short or an idle connection take a second or
// two, not the defaults' ten or thirty. A server with a separate head
// timeout (part 4, net/http) gets 2 s for the head and 3 s for the whole
// request, so that a concurrent server has time to spare while it serves
// another client beside a slow one; the iterative parts get 1 s for the
// whole request (readTimeoutAlone), as they serve one client at a time.
var runFlags = []struct{ name, value string }{
	{"read-header-timeout", "2s"},
	{"read-timeout", "3s"},
	{"idle-timeout", "1s"},
	{"cgi-timeout", "2s"},
}

const readTimeoutAlone = "1s"

// A server is one column's running program.
type server struct {
	col     Column
	cmd     *exec.Cmd
	addr    string
	outside string // the folder around its upload folder
	log     *syncBuffer
	done    chan struct{} // closed when the program has exited
}

// partDirs returns the folders of go.work that are parts ("partN-…"), in
// the order go.work lists them, with their numbers.
func partDirs(root string) ([]string, error) {
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, fmt.Errorf("run from the repository root: %w", err)
	}
	var dirs []string
	for _, m := range regexp.MustCompile(`(?m)^\s*\./(part\d+-[A-Za-z0-9_-]+)\s*$`).FindAllStringSubmatch(string(work), -1) {
		dirs = append(dirs, m[1])
	}
	if len(dirs) == 0 {
		return nil, errors.New("go.work lists no part")
	}
	return dirs, nil
}

// partNumber returns N of "partN-…".
func partNumber(dir string) int {
	n, _ := strconv.Atoi(regexp.MustCompile(`^part(\d+)`).FindStringSubmatch(dir)[1])
	return n
}

// buildParts builds every part's command into bin, in one go build.
func buildParts(root, bin string, dirs []string) error {
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, d := range dirs {
		args = append(args, "./"+d)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}

// flagsOf returns the names of the flags a program takes, from its -h.
func flagsOf(bin string) map[string]bool {
	out, _ := exec.Command(bin, "-h").CombinedOutput()
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)`).FindAllStringSubmatch(string(out), -1) {
		names[m[1]] = true
	}
	return names
}

// startServer starts col's program bin in a folder of its own under tmp,
// with the fixtures the cases need, and waits until it says where it
// listens.
func startServer(col Column, root, partDir, bin, tmp string, extra ...string) (*server, error) {
	dir := filepath.Join(tmp, strings.ReplaceAll(col.Name, "/", "-"))
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return nil, err
	}
	// The file a traversal out of the upload folder would reach.
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte(sentinel+"\n"), 0o644); err != nil {
		return nil, err
	}
	have := flagsOf(bin)
	args := []string{"-addr", "127.0.0.1:0"}
	if have["files"] {
		args = append(args, "-files", files)
	}
	if have["cgi-bin"] {
		cgiDir := filepath.Join(dir, "cgi-bin")
		if err := copyScripts(filepath.Join(root, partDir, "cgi-bin"), cgiDir); err != nil {
			return nil, err
		}
		args = append(args, "-cgi-bin", cgiDir)
	}
	for _, f := range runFlags {
		value := f.value
		if f.name == "read-timeout" && !have["read-header-timeout"] {
			value = readTimeoutAlone
		}
		if have[f.name] {
			args = append(args, "-"+f.name, value)
		}
	}
	args = append(args, extra...)

	addr := make(chan string, 1)
	s := &server{col: col, outside: dir, log: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = dir
	s.cmd.Stdout = &addrWatcher{log: s.log, addr: addr}
	s.cmd.Stderr = s.log
	s.cmd.WaitDelay = 2 * time.Second // a child left holding the output cannot hold us
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	select {
	case a := <-addr:
		s.addr = a
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("%s exited at start: %s", col.Name, s.log.String())
	case <-time.After(15 * time.Second):
		s.stop()
		return nil, fmt.Errorf("%s did not say where it listens within 15s: %s", col.Name, s.log.String())
	}
}

// serveLine finds the address in the line every part prints at start:
// "… serving HTTP on http://127.0.0.1:41234/ …".
var serveLine = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`)

// addrWatcher is the program's standard output: it keeps what the program
// prints in its log, and sends the address it listens on once printed.
type addrWatcher struct {
	log  *syncBuffer
	addr chan<- string
	sent bool
}

func (w *addrWatcher) Write(p []byte) (int, error) {
	w.log.Write(p)
	if !w.sent {
		if m := serveLine.FindStringSubmatch(w.log.String()); m != nil {
			w.addr <- m[1]
			w.sent = true
		}
	}
	return len(p), nil
}

// stop ends the program: SIGTERM (part 4 then shuts down gracefully), and
// a kill if it has not exited within a few seconds.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// copyScripts copies the part's CGI scripts to dst and adds the fixture
// scripts, so that the part serves both from a folder of the run's own.
func copyScripts(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o755); err != nil {
			return err
		}
	}
	for name, body := range fixtureScripts {
		if err := os.WriteFile(filepath.Join(dst, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// runAll builds and runs every part and the reference, and returns the
// scoreboard. Each column's cases run one after the other; the columns
// run side by side, each against its own server, so that the cases that
// wait (for a timeout, for /sleep) overlap.
func runAll(ctx context.Context, root string, cases []Case, wait time.Duration, progress io.Writer) (*Scoreboard, error) {
	dirs, err := partDirs(root)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "conform-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bin")
	fmt.Fprintf(progress, "building %s\n", strings.Join(dirs, ", "))
	if err := buildParts(root, bin, dirs); err != nil {
		return nil, err
	}

	type job struct {
		col   Column
		dir   string
		extra []string
	}
	var jobs []job
	for _, d := range dirs {
		jobs = append(jobs, job{Column{"part" + strconv.Itoa(partNumber(d)), partNumber(d)}, d, nil})
	}
	last := dirs[len(dirs)-1]
	if flagsOf(filepath.Join(bin, last))["server"] {
		jobs = append(jobs, job{Column{reference, partNumber(last)}, last, []string{"-server", "net/http"}})
	}

	sb := &Scoreboard{Cases: cases, Results: map[string][]Result{}, Logs: map[string]string{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		sb.Columns = append(sb.Columns, j.col)
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv, err := startServer(j.col, root, j.dir, filepath.Join(bin, j.dir), tmp, j.extra...)
			if err != nil {
				errs[i] = err
				return
			}
			defer srv.stop() // if the run is interrupted; stopping twice is harmless
			r := &Runner{Addr: srv.addr, Wait: wait, Outside: srv.outside}
			var results []Result
			for k := range cases {
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					return
				}
				results = append(results, r.Run(&cases[k]))
			}
			srv.stop()
			mu.Lock()
			sb.Results[j.col.Name] = results
			sb.Logs[j.col.Name] = srv.log.String()
			mu.Unlock()
			fmt.Fprintf(progress, "%s: done\n", j.col.Name)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return sb, nil
}

// syncBuffer is a bytes.Buffer safe for the goroutines that copy a
// program's output into it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
