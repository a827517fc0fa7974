// Running the parts: find the repository, build every part into a
// temporary folder, and start each on a free loopback port.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// A part is one part of the course: its folder in the repository, such as
// "part3-gateway", and its number.
type part struct {
	Dir string
	N   int
}

// findRoot returns the repository root: the first folder from dir upwards
// that holds go.work. go test runs in the package's folder, go run where
// it is typed, so both find the same root.
func findRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find the repository: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find the repository: no go.work in this folder or above it")
		}
		dir = parent
	}
}

// partLine matches a part in go.work's use block: "./part3-gateway".
var partLine = regexp.MustCompile(`(?m)^\s*\./(part(\d+)-[A-Za-z0-9_-]+)\s*$`)

// listParts returns the parts that go.work lists, in its order.
func listParts(root string) ([]part, error) {
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, fmt.Errorf("list the parts: %w", err)
	}
	var parts []part
	for _, m := range partLine.FindAllStringSubmatch(string(work), -1) {
		n, _ := strconv.Atoi(m[2])
		parts = append(parts, part{Dir: m[1], N: n})
	}
	if len(parts) == 0 {
		return nil, errors.New("list the parts: go.work lists no partN-… folder")
	}
	return parts, nil
}

// buildParts builds the command of every part into bin, one program per
// part named after its folder, with one go build run in the repository.
func buildParts(ctx context.Context, root, bin string, parts []part) error {
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, p := range parts {
		args = append(args, "./"+p.Dir)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// A server is a running part.
type server struct {
	Part  part
	URL   string // where it serves: "http://127.0.0.1:41234"
	Files string // its -files folder (parts 2 on)
	cmd   *exec.Cmd
	out   *syncBuffer   // what it printed
	done  chan struct{} // closed when it has exited
}

// serveLine finds the address in the line every part prints when it
// starts: "part3-gateway serving HTTP on http://127.0.0.1:41234/ (…)".
// With -addr 127.0.0.1:0 the kernel picks a free port, and the line
// names it, so there is no window in which another program can take a
// port we chose.
var serveLine = regexp.MustCompile(`serving HTTP on (http://127\.0\.0\.1:\d+)/`)

// startServer starts the program of p, built into bin, on a free loopback
// port, with uploads in files and the part's own CGI scripts from root,
// and returns when the part has said where it serves.
func startServer(ctx context.Context, root, bin string, p part, files string) (*server, error) {
	args := []string{"-addr", "127.0.0.1:0"}
	if p.N >= 2 {
		args = append(args, "-files", files)
	}
	if p.N >= 3 {
		// From part 3 on, the CGI scripts; a part finds its own folder
		// only when started from the repository or the part, so say it.
		args = append(args, "-cgi-bin", filepath.Join(root, p.Dir, "cgi-bin"))
	}
	s := &server{Part: p, Files: files, out: &syncBuffer{}, done: make(chan struct{})}
	url := make(chan string, 1)
	s.cmd = exec.Command(filepath.Join(bin, p.Dir), args...)
	s.cmd.Dir = filepath.Dir(files) // whatever it writes stays out of the repository
	s.cmd.Stdout = &urlWatcher{out: s.out, url: url}
	s.cmd.Stderr = s.out
	s.cmd.WaitDelay = 2 * time.Second // a CGI child left holding the output cannot hold us
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", p.Dir, err)
	}
	go func() {
		s.cmd.Wait()
		close(s.done)
	}()
	select {
	case s.URL = <-url:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("start %s: it exited: %s", p.Dir, s.out.String())
	case <-ctx.Done():
		s.Stop()
		return nil, fmt.Errorf("start %s: no startup line: %w: %s", p.Dir, ctx.Err(), s.out.String())
	}
}

// Stop ends the part: SIGTERM (part 4 shuts down gracefully on it, the
// others exit), and SIGKILL if it is still running a few seconds later.
func (s *server) Stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Output returns what the part has printed: its startup line and its
// log of requests.
func (s *server) Output() string { return s.out.String() }

// urlWatcher is a part's standard output: it keeps what the part prints,
// and sends the address of the startup line once it has seen it.
type urlWatcher struct {
	out  *syncBuffer
	url  chan<- string
	sent bool
}

func (w *urlWatcher) Write(p []byte) (int, error) {
	w.out.Write(p)
	if !w.sent {
		if m := serveLine.FindStringSubmatch(w.out.String()); m != nil {
			w.url <- m[1]
			w.sent = true
		}
	}
	return len(p), nil
}

// syncBuffer is a bytes.Buffer that the goroutines of os/exec may write
// while another reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
