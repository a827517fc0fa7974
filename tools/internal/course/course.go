// Package course finds the parts of the course, builds them and runs
// them: what the tools that measure every part (conform, browser, bench)
// all need.
package course

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// A Part is one part of the course: its folder in the repository, such
// as "part3-gateway", and its number.
type Part struct {
	Dir string
	N   int
}

// FindRoot returns the repository root: the first folder from dir upwards
// that holds go.work. go test runs in the package's folder, go run where
// it is typed, so both find the same root.
func FindRoot(dir string) (string, error) {
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

// Parts returns the parts that root's go.work lists, in its order.
func Parts(root string) ([]Part, error) {
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, fmt.Errorf("list the parts (run from the repository root): %w", err)
	}
	var parts []Part
	for _, m := range partLine.FindAllStringSubmatch(string(work), -1) {
		n, _ := strconv.Atoi(m[2])
		parts = append(parts, Part{Dir: m[1], N: n})
	}
	if len(parts) == 0 {
		return nil, errors.New("list the parts: go.work lists no partN-… folder")
	}
	return parts, nil
}

// Build builds the commands of pkgs ("./part2-http", …) into the folder
// bin, each named after its folder, with one go build run in root.
func Build(ctx context.Context, root, bin string, pkgs ...string) error {
	args := append([]string{"build", "-o", bin + string(filepath.Separator)}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// BuildParts builds the command of every part into bin.
func BuildParts(ctx context.Context, root, bin string, parts []Part) error {
	var pkgs []string
	for _, p := range parts {
		pkgs = append(pkgs, "./"+p.Dir)
	}
	return Build(ctx, root, bin, pkgs...)
}

// Stop ends the program cmd runs, whose Wait closes done: SIGTERM first
// (part 4 then shuts down gracefully, and its process model passes the
// signal on to its children), a kill if it is still running after grace.
// Stopping a program that has exited does nothing.
func Stop(cmd *exec.Cmd, done <-chan struct{}, grace time.Duration) {
	select {
	case <-done:
		return
	default:
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		grace = 0 // no SIGTERM on Windows: kill at once
	}
	select {
	case <-done:
	case <-time.After(grace):
		cmd.Process.Kill()
		<-done
	}
}

// A Program is a part's server, running, started by Start.
type Program struct {
	Addr string // where it listens: "127.0.0.1:41234"
	cmd  *exec.Cmd
	out  *Buffer
	done chan struct{} // closed when it has exited
}

// serveLine finds the address in the line every part prints when it
// starts: "part3-gateway serving HTTP on http://127.0.0.1:41234/ (…)".
// With -addr 127.0.0.1:0 the kernel picks a free port and the line names
// it, so there is no moment when another program can take a port we chose.
var serveLine = regexp.MustCompile(`serving HTTP on http://(127\.0\.0\.1:\d+)/`)

// Start runs the program exe with args (which should listen on
// 127.0.0.1:0) in the folder dir, keeps what it prints, and returns once
// its startup line has said where it listens, or fails when ctx ends.
func Start(ctx context.Context, exe string, args []string, dir string) (*Program, error) {
	p := &Program{out: &Buffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	p.cmd = exec.Command(exe, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout = &addrWatcher{out: p.out, addr: addr}
	p.cmd.Stderr = p.out
	p.cmd.WaitDelay = 2 * time.Second // a CGI child left holding the output cannot hold us
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(exe), err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	select {
	case p.Addr = <-addr:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("start %s: it exited: %s", filepath.Base(exe), p.out.String())
	case <-ctx.Done():
		p.Stop()
		return nil, fmt.Errorf("start %s: no startup line: %w: %s", filepath.Base(exe), ctx.Err(), p.out.String())
	}
}

// Stop ends the program (see Stop); stopping it twice is harmless.
func (p *Program) Stop() { Stop(p.cmd, p.done, 10*time.Second) }

// Output returns what the program has printed: its startup line, then
// its log.
func (p *Program) Output() string { return p.out.String() }

// addrWatcher is a program's standard output: it keeps what the program
// prints, and sends the address of the startup line once it has seen it.
type addrWatcher struct {
	out  *Buffer
	addr chan<- string
	sent bool
}

func (w *addrWatcher) Write(p []byte) (int, error) {
	w.out.Write(p)
	if !w.sent {
		if m := serveLine.FindStringSubmatch(w.out.String()); m != nil {
			w.addr <- m[1]
			w.sent = true
		}
	}
	return len(p), nil
}

// Buffer is a bytes.Buffer that the goroutines of os/exec may write while
// another goroutine reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// CopyTree copies the folder src to dst, files with their permissions,
// leaving out each file for which skip (given its path relative to src)
// reports true; skip may be nil.
func CopyTree(src, dst string, skip func(rel string) bool) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case skip != nil && skip(filepath.ToSlash(rel)):
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
}
