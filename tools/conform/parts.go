// Running every part: build each into a temporary folder, start each on a
// free loopback port with the flags it has, and part 4 once more on
// net/http's server, the reference column.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/webserver/tools/internal/course"
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
	*course.Program
	outside string // the folder around its upload folder
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

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	prog, err := course.Start(ctx, bin, args, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", col.Name, err)
	}
	return &server{Program: prog, outside: dir}, nil
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
	parts, err := course.Parts(root)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "conform-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bin")
	var dirs []string
	for _, p := range parts {
		dirs = append(dirs, p.Dir)
	}
	fmt.Fprintf(progress, "building %s\n", strings.Join(dirs, ", "))
	if err := course.BuildParts(ctx, root, bin, parts); err != nil {
		return nil, err
	}

	type job struct {
		col   Column
		dir   string
		extra []string
	}
	var jobs []job
	for _, p := range parts {
		jobs = append(jobs, job{Column{"part" + strconv.Itoa(p.N), p.N}, p.Dir, nil})
	}
	last := parts[len(parts)-1]
	if flagsOf(filepath.Join(bin, last.Dir))["model"] && runtime.GOOS == "linux" {
		// Part 4 again, in its event loop model (Linux only): every case
		// the goroutine model passes, it must pass.
		jobs = append(jobs, job{Column{epollColumn, last.N}, last.Dir, []string{"-model", "epoll"}})
	}
	if flagsOf(filepath.Join(bin, last.Dir))["server"] {
		jobs = append(jobs, job{Column{reference, last.N}, last.Dir, []string{"-server", "net/http"}})
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
			defer srv.Stop() // if the run is interrupted; stopping twice is harmless
			r := &Runner{Addr: srv.Addr, Wait: wait, Outside: srv.outside}
			var results []Result
			for k := range cases {
				if ctx.Err() != nil {
					errs[i] = ctx.Err()
					return
				}
				results = append(results, r.Run(&cases[k]))
			}
			srv.Stop()
			mu.Lock()
			sb.Results[j.col.Name] = results
			sb.Logs[j.col.Name] = srv.Output()
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
