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
