package course

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParts(t *testing.T) {
	root := t.TempDir()
	work := "go 1.25\n\nuse (\n\t./part1-echo\n\t./part2-http\n\t./tools\n)\n"
	if err := os.WriteFile(filepath.Join(root, "go.work"), []byte(work), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "tools", "conform")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	found, err := FindRoot(sub)
	if err != nil || found != root {
		t.Fatalf("FindRoot(%s) = %q, %v; want %q", sub, found, err, root)
	}
	parts, err := Parts(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Part{{"part1-echo", 1}, {"part2-http", 2}}
	if diff := cmp.Diff(want, parts); diff != "" {
		t.Errorf("Parts mismatch (-want +got):\n%s", diff)
	}
}

// TestStart runs a stand-in for a part: a shell that prints the startup
// line and waits to be stopped. Like part 4, it sets its signal handling
// before it prints the line: Start returns on the line, and a SIGTERM that
// came before the trap would end the shell without its "bye".
func TestStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	script := `trap 'echo bye; exit 0' TERM; echo "part9-test serving HTTP on http://127.0.0.1:41234/ (test)"; while :; do sleep 0.1; done`
	p, err := Start(ctx, "/bin/sh", []string{"-c", script}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if p.Addr != "127.0.0.1:41234" {
		t.Errorf("Addr = %q, want 127.0.0.1:41234", p.Addr)
	}
	p.Stop()
	p.Stop() // harmless
	if got, want := p.Output(), "part9-test serving HTTP on http://127.0.0.1:41234/ (test)\nbye\n"; got != want {
		t.Errorf("Output = %q, want %q", got, want)
	}

	if _, err := Start(ctx, "/bin/sh", []string{"-c", "echo no line; exit 3"}, t.TempDir()); err == nil {
		t.Error("Start of a program that exits without a startup line succeeded")
	}
}
