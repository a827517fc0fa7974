// Command exercises proves the solutions of the course's exercises: every
// docs/solutions/<part>/exercise-N.patch solves exercise N of that part,
// whose acceptance test, TestExerciseN, lives in the part's files with the
// build tag "exercises" (so that the part's ordinary go test leaves it out).
//
// For each patch it copies the part into a scratch folder and checks, in
// that copy:
//
//  1. TestExerciseN fails on the part as shipped (the test tests something);
//  2. the patch applies cleanly (git apply);
//  3. TestExerciseN passes with it (the solution solves it);
//  4. the part's ordinary tests still pass, all but those the patch names
//     on a first line "Breaks: TestA TestB" (a solution that reproduces a
//     bug on purpose), which must fail.
//
// It also checks that every TestExerciseN of a part has its patch, and
// every patch its test. It prints a line per exercise and a summary, and
// exits 1 if anything failed. Run it from the repository root:
//
//	go run ./tools/exercises -check              # every part
//	go run ./tools/exercises -check -part part1-echo -run 3
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"example.com/webserver/tools/internal/course"
)

func main() {
	check := flag.Bool("check", false, "prove every solution (the only mode there is; say it, as CI does)")
	only := flag.String("part", "", "check this part only (its folder name, e.g. part1-echo)")
	run := flag.Int("run", 0, "check this exercise only (with -part)")
	jobs := flag.Int("j", runtime.GOMAXPROCS(0), "exercises checked at once")
	flag.Parse()
	log.SetFlags(0)
	if !*check {
		log.Fatal("usage: go run ./tools/exercises -check [-part partN-…] [-run N]")
	}
	wd, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	root, err := course.FindRoot(wd)
	if err != nil {
		log.Fatal(err)
	}
	parts, err := course.Parts(root)
	if err != nil {
		log.Fatal(err)
	}
	var all []exercise
	var problems []string
	for _, p := range parts {
		if *only != "" && p.Dir != *only {
			continue
		}
		exs, probs, err := find(root, p.Dir)
		if err != nil {
			log.Fatal(err)
		}
		problems = append(problems, probs...)
		for _, e := range exs {
			if *run == 0 || e.n == *run {
				all = append(all, e)
			}
		}
	}
	start := time.Now()
	results := checkAll(context.Background(), root, all, max(*jobs, 1))
	failed := 0
	for _, r := range results {
		status := "ok  "
		if r.err != nil {
			status = "FAIL"
			failed++
		}
		line := fmt.Sprintf("%s %s exercise %d (%s)", status, r.part, r.n, r.took.Round(100*time.Millisecond))
		if r.err != nil {
			line += ": " + r.err.Error()
		}
		fmt.Println(line)
	}
	for _, p := range problems {
		fmt.Println("FAIL " + p)
	}
	fmt.Printf("%d exercises checked in %s: %d passed, %d failed", len(results), time.Since(start).Round(time.Second), len(results)-failed, failed)
	if len(problems) > 0 {
		fmt.Printf("; %d without a test or a patch", len(problems))
	}
	fmt.Println()
	if failed > 0 || len(problems) > 0 {
		os.Exit(1)
	}
}

// An exercise is one patch of docs/solutions and the test it must pass.
type exercise struct {
	part   string   // the part's folder, "part1-echo"
	n      int      // its number in the notes
	patch  string   // the patch's path
	breaks []string // the ordinary tests the solution breaks on purpose
}

var (
	patchName = regexp.MustCompile(`^exercise-(\d+)\.patch$`)
	testName  = regexp.MustCompile(`(?m)^func TestExercise(\d+)\(`)
)

// find returns the exercises of part: its patches, each matched with a
// TestExerciseN in a file of the part, and a line for each test without a
// patch or patch without a test.
func find(root, part string) ([]exercise, []string, error) {
	tests := map[int]bool{}
	err := filepath.WalkDir(filepath.Join(root, part), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range testName.FindAllSubmatch(src, -1) {
			n, _ := strconv.Atoi(string(m[1]))
			tests[n] = true
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var exs []exercise
	var problems []string
	dir := filepath.Join(root, "docs", "solutions", part)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	for _, e := range entries {
		m := patchName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		ex := exercise{part: part, n: n, patch: filepath.Join(dir, e.Name())}
		if ex.breaks, err = breaks(ex.patch); err != nil {
			return nil, nil, err
		}
		if !tests[n] {
			problems = append(problems, fmt.Sprintf("%s exercise %d: %s has no TestExercise%d", part, n, e.Name(), n))
			continue
		}
		delete(tests, n)
		exs = append(exs, ex)
	}
	for n := range tests {
		problems = append(problems, fmt.Sprintf("%s exercise %d: TestExercise%d has no docs/solutions/%s/exercise-%d.patch", part, n, n, part, n))
	}
	slices.SortFunc(exs, func(a, b exercise) int { return a.n - b.n })
	slices.Sort(problems)
	return exs, problems, nil
}

// breaks reads the tests a patch says it breaks: a line "Breaks: TestA
// TestB" before its first "diff --git" (git apply skips what comes
// before).
func breaks(patch string) ([]string, error) {
	f, err := os.Open(patch)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "diff --git ") {
			break
		}
		if rest, ok := strings.CutPrefix(line, "Breaks:"); ok {
			return strings.Fields(rest), nil
		}
	}
	return nil, sc.Err()
}

// A result is how the check of one exercise went.
type result struct {
	part string
	n    int
	took time.Duration
	err  error
}

// checkAll checks the exercises, jobs at a time, and returns the results
// in the exercises' order.
func checkAll(ctx context.Context, root string, exs []exercise, jobs int) []result {
	results := make([]result, len(exs))
	sem := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, e := range exs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			err := checkOne(ctx, root, e)
			results[i] = result{part: e.part, n: e.n, took: time.Since(start), err: err}
		})
	}
	wg.Wait()
	return results
}

// checkOne runs the four steps for one exercise in a scratch copy of its
// part.
func checkOne(ctx context.Context, root string, e exercise) error {
	scratch, err := os.MkdirTemp("", "exercises-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	dir := filepath.Join(scratch, e.part)
	if err := course.CopyTree(filepath.Join(root, e.part), dir, nil); err != nil {
		return err
	}
	test := fmt.Sprintf("^TestExercise%d$", e.n)
	if out, err := goTest(ctx, dir, "-tags", "exercises", "-run", test, "./..."); err == nil {
		return fmt.Errorf("TestExercise%d passes without the solution: it tests nothing yet\n%s", e.n, out)
	} else if !strings.Contains(out, "--- FAIL: TestExercise") {
		return fmt.Errorf("TestExercise%d does not fail as a test fails without the solution (does it build?)\n%s", e.n, tail(out))
	}
	apply := exec.CommandContext(ctx, "git", "apply", "--whitespace=nowarn", e.patch)
	apply.Dir = scratch
	if out, err := apply.CombinedOutput(); err != nil {
		return fmt.Errorf("git apply %s: %v\n%s", filepath.Base(e.patch), err, out)
	}
	if out, err := goTest(ctx, dir, "-tags", "exercises", "-run", test, "./..."); err != nil {
		return fmt.Errorf("TestExercise%d fails with the solution\n%s", e.n, tail(out))
	}
	out, err := goTest(ctx, dir, "./...")
	var failed []string
	for _, m := range regexp.MustCompile(`(?m)^--- FAIL: (\S+)`).FindAllStringSubmatch(out, -1) {
		failed = append(failed, m[1]) // top-level tests only: subtests are indented
	}
	slices.Sort(failed)
	want := slices.Sorted(slices.Values(e.breaks))
	switch {
	case err != nil && len(failed) == 0:
		return fmt.Errorf("the part's tests do not pass with the solution\n%s", tail(out))
	case !slices.Equal(failed, want):
		return fmt.Errorf("with the solution, the part's tests that fail are %v; the patch's Breaks line says %v\n%s", failed, want, tail(out))
	}
	return nil
}

// goTest runs go test in dir with args, outside the workspace (the part
// is a module of its own), and returns its output.
func goTest(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-count=1"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// tail returns the last lines of out, enough to see why.
func tail(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > 30 {
		lines = append([]string{"…"}, lines[len(lines)-30:]...)
	}
	return strings.Join(lines, "\n")
}
