package site

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// panicReader stands for a body reader that gives up with a panic, as a
// handler further down may with http.ErrAbortHandler.
type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic(http.ErrAbortHandler) }

// newTestSite returns a site whose uploads go to a new temporary folder.
func newTestSite(t *testing.T) (*site, string) {
	t.Helper()
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return &site{files: root}, dir
}

// folder returns the names in dir, temporary files included.
func folder(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// recovered runs f and returns what it panicked with, or nil.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// TestStoreRemovesItsFileOnPanic: a panic in the middle of the body, once
// some of it is written, passes through store and leaves no temporary
// file behind.
func TestStoreRemovesItsFileOnPanic(t *testing.T) {
	s, dir := newTestSite(t)
	body := io.MultiReader(strings.NewReader("the start of a file\n"), panicReader{})
	if v := recovered(func() { s.store("notes.txt", body) }); v != http.ErrAbortHandler {
		t.Fatalf("store panicked with %v, want http.ErrAbortHandler", v)
	}
	if diff := cmp.Diff([]string{}, folder(t, dir)); diff != "" {
		t.Errorf("files folder (-want +got):\n%s", diff)
	}
}

// TestUploadRemovesEveryFileOnPanic: a panic while the form's second file
// arrives leaves neither file, the first one complete on disk included.
func TestUploadRemovesEveryFileOnPanic(t *testing.T) {
	s, dir := newTestSite(t)
	start := "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nthe first file\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.txt\"\r\n\r\nthe start of the second"
	r := httptest.NewRequest("POST", "/upload", io.MultiReader(strings.NewReader(start), panicReader{}))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=B")
	if v := recovered(func() { s.upload(httptest.NewRecorder(), r) }); v != http.ErrAbortHandler {
		t.Fatalf("upload panicked with %v, want http.ErrAbortHandler", v)
	}
	if diff := cmp.Diff([]string{}, folder(t, dir)); diff != "" {
		t.Errorf("files folder (-want +got):\n%s", diff)
	}
}
