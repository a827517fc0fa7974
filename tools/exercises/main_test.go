package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFind: each patch is matched with its TestExerciseN, its Breaks line
// read; a test without a patch and a patch without a test are reported.
func TestFind(t *testing.T) {
	root := t.TempDir()
	write := func(path, text string) {
		path = filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("part9-x/exercises_test.go", "//go:build exercises\n\npackage main\n\nfunc TestExercise1(t *testing.T) {}\nfunc TestExercise3(t *testing.T) {}\n")
	write("part9-x/cmd/tool/exercises_test.go", "//go:build exercises\n\npackage main\n\nfunc TestExercise2(t *testing.T) {}\n")
	write("docs/solutions/part9-x/exercise-1.patch", "diff --git a/part9-x/a.go b/part9-x/a.go\n")
	write("docs/solutions/part9-x/exercise-2.patch", "Breaks: TestB TestA\n\ndiff --git a/part9-x/a.go b/part9-x/a.go\nBreaks: not this one\n")
	write("docs/solutions/part9-x/exercise-4.patch", "diff --git a/part9-x/a.go b/part9-x/a.go\n")
	write("docs/solutions/part9-x/README.md", "not a patch\n")
	exs, problems, err := find(root, "part9-x")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "docs", "solutions", "part9-x")
	want := []exercise{
		{part: "part9-x", n: 1, patch: filepath.Join(dir, "exercise-1.patch")},
		{part: "part9-x", n: 2, patch: filepath.Join(dir, "exercise-2.patch"), breaks: []string{"TestB", "TestA"}},
	}
	if diff := cmp.Diff(want, exs, cmp.AllowUnexported(exercise{})); diff != "" {
		t.Errorf("exercises (-want +got):\n%s", diff)
	}
	wantProblems := []string{
		"part9-x exercise 3: TestExercise3 has no docs/solutions/part9-x/exercise-3.patch",
		"part9-x exercise 4: exercise-4.patch has no TestExercise4",
	}
	if diff := cmp.Diff(wantProblems, problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
