//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNamedPipes: opening a named pipe blocks until a writer comes, and no
// read deadline covers open: a pipe in the upload folder or among the
// pages must get 404 without being opened, and the server goes on.
func TestNamedPipes(t *testing.T) {
	root := t.TempDir()
	must(t, syscall.Mkfifo(filepath.Join(root, "pipe.html"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "index.html"), []byte("inside"), 0o644))
	r, err := os.OpenRoot(root)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	addr, filesDir := startSiteWith(t, r.FS(), testTimeout)
	must(t, syscall.Mkfifo(filepath.Join(filesDir, "pipe"), 0o644))

	steps := []struct {
		name string
		raw  string
		want result
	}{
		{"GET a pipe among the pages", get("/pipe.html"), result{404, nil, "404 page not found\n"}},
		{"GET a pipe among the uploads", get("/files/pipe"), result{404, nil, "no file pipe\n"}},
		{"DELETE a pipe among the uploads", "DELETE /files/pipe HTTP/1.1\r\nHost: test\r\n\r\n", result{404, nil, "no file pipe\n"}},
		{"the list leaves it out", get("/files/"), result{200, nil, ""}},
		{"the server goes on", get("/"), result{200, nil, "inside"}},
	}
	for _, s := range steps {
		got := do(t, addr, s.raw)
		got.Header = nil
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s: response mismatch (-want +got):\n%s", s.name, diff)
		}
	}
}
