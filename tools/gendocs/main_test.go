package main

import (
	"os"
	"path/filepath"
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
