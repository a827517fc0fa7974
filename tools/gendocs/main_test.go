package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWeave(t *testing.T) {
	dir := t.TempDir()
	code := "package p\n\n// Hello says hello.\nfunc Hello() string {\n\treturn \"hi\"\n}\n\ntype T struct{}\n\n// Get gets.\nfunc (t *T) Get() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	md := "# Notes\n<!-- quote p.go Hello -->\n```go\nstale text\n```\nbetween\n<!-- quote p.go T.Get -->\n```go\n```\nend\n"
	got, err := weave([]byte(md), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Notes\n<!-- quote p.go Hello -->\n```go\n// Hello says hello.\nfunc Hello() string {\n\treturn \"hi\"\n}\n```\nbetween\n<!-- quote p.go T.Get -->\n```go\n// Get gets.\nfunc (t *T) Get() {}\n```\nend\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("weave mismatch (-want +got):\n%s", diff)
	}
	if _, err := weave([]byte("<!-- quote p.go Missing -->\n```\n```\n"), dir); err == nil {
		t.Error("weave of a missing declaration succeeded, want an error")
	}
}

func TestWeaveInclude(t *testing.T) {
	dir := t.TempDir()
	report := "# Report\n\n## Figures\n\n| a | b |\n\n```\n# not a heading\n```\n\n### Detail\n\nmore\n\n## Other\n\nleft out\n"
	if err := os.WriteFile(filepath.Join(dir, "r.md"), []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	md := "intro\n<!-- include r.md \"Figures\" -->\nstale\n<!-- end include -->\nafter\n"
	got, err := weave([]byte(md), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "intro\n<!-- include r.md \"Figures\" -->\n\n| a | b |\n\n```\n# not a heading\n```\n\n### Detail\n\nmore\n\n<!-- end include -->\nafter\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("weave mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"<!-- include r.md \"Missing\" -->\n<!-- end include -->\n", "<!-- include r.md \"Figures\" -->\nno end\n"} {
		if _, err := weave([]byte(bad), dir); err == nil {
			t.Errorf("weave of %q succeeded, want an error", bad)
		}
	}
}

// TestDiffParts: the diff between two parts leaves the notes out, shows a
// moved file as a move, and lists the files in the part's reading order:
// the concept first, tests last.
func TestDiffParts(t *testing.T) {
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
	lines := "package p\n\n// one\n// two\n// three\n// four\n// five\n// six\n"
	write("part2-http/README.md", "notes\n")
	write("part2-http/site.go", lines)
	write("part2-http/server_test.go", "package p\n")
	write("part3-gateway/README.md", "other notes\n")
	write("part3-gateway/site/site.go", strings.Replace(lines, "package p", "package site", 1))
	write("part3-gateway/server_test.go", "package p\n\n// more\n")
	write("part3-gateway/zeta.go", "package p\n")
	write("part3-gateway/gateway.go", "package p\n")
	d, err := diffParts(root, "part2-http", "part3-gateway")
	if err != nil {
		t.Fatal(err)
	}
	got := string(d)
	if strings.Contains(got, "README.md b/") || strings.Contains(got, "+other notes") {
		t.Errorf("the notes are in the diff:\n%s", got)
	}
	if !strings.Contains(got, "rename from site.go\nrename to site/site.go\n") {
		t.Errorf("the move is not shown as a move:\n%s", got)
	}
	var order []string
	for _, line := range strings.Split(got, "\n") {
		if rest, ok := strings.CutPrefix(line, "diff --git "); ok {
			order = append(order, rest[strings.LastIndex(rest, " b/")+3:])
		}
	}
	want := []string{"part3-gateway/site/site.go", "part3-gateway/gateway.go", "part3-gateway/zeta.go", "part3-gateway/server_test.go"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("file order (-want +got):\n%s", diff)
	}
}

// TestChangesTableNamesEveryConcept: a file that readingOrder gives no
// concept stops gendocs, so that no row of a "What changed" table says
// nothing of what its file is for.
func TestChangesTableNamesEveryConcept(t *testing.T) {
	got, err := changesTable("part3-gateway", []byte("3\t1\tgateway.go\n2\t0\tgateway_test.go\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "| file | lines added | lines removed | what for |\n|---|---:|---:|---|\n" +
		"| `gateway.go` | 3 | 1 | the gateway: the *http.Request built, the handler called |\n" +
		"| `gateway_test.go` | 2 | 0 | tests |\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	if _, err := changesTable("part3-gateway", []byte("1\t0\tmystery.go\n")); err == nil || !strings.Contains(err.Error(), "mystery.go") {
		t.Errorf("a file with no concept: err = %v, want one that names it", err)
	}
}
