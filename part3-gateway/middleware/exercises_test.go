//go:build exercises

package middleware

// The acceptance test of exercise 5 in part3-gateway's README.md, about
// Gzip. It runs only with the build tag:
//
//	go test -tags exercises -run 'TestExercise5$' ./part3-gateway/...

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestExercise5 checks that Gzip leaves a body of less than 1400 bytes as
// it is, however many writes make it up, and compresses one of 1400 bytes
// or more; and that a flush still sends at once what was written so far.
func TestExercise5(t *testing.T) {
	for _, tt := range []struct {
		name       string
		size, each int // the body's size, written each bytes at a time
		compressed bool
	}{
		{"5 bytes", 5, 5, false},
		{"1399 bytes in one write", 1399, 1399, false},
		{"1399 bytes, 100 at a time", 1399, 100, false},
		{"1400 bytes in one write", 1400, 1400, true},
		{"1400 bytes, 100 at a time", 1400, 100, true},
		{"5000 bytes, 7 at a time", 5000, 7, true},
	} {
		body := strings.Repeat("all work and no play. ", tt.size/22+1)[:tt.size]
		h := Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			for rest := body; rest != ""; {
				n := min(tt.each, len(rest))
				io.WriteString(w, rest[:n])
				rest = rest[n:]
			}
		}))
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		h.ServeHTTP(rec, req)
		got := rec.Body.String()
		coding := rec.Header().Get("Content-Encoding")
		switch {
		case tt.compressed && coding != "gzip":
			t.Errorf("%s: Content-Encoding %q, want gzip: a body of %d bytes is worth compressing", tt.name, coding, tt.size)
		case tt.compressed:
			zr, err := gzip.NewReader(strings.NewReader(got))
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			plain, err := io.ReadAll(zr)
			if err != nil || string(plain) != body {
				t.Errorf("%s: the gzip body decompresses to %d bytes (error %v), want the %d bytes written", tt.name, len(plain), err, tt.size)
			}
		case coding != "":
			t.Errorf("%s: Content-Encoding %q: a body of less than 1400 bytes must be sent as it is, without a Content-Encoding", tt.name, coding)
		case got != body:
			t.Errorf("%s: got %d bytes, want the %d bytes written, as they are", tt.name, len(got), tt.size)
		}
	}

	// A flush sends what was written so far: a small body that streams
	// still streams (as it is, since no more is known yet).
	var atFlush string
	rec := httptest.NewRecorder()
	h := Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "tick 1\n")
		http.NewResponseController(w).Flush()
		atFlush = rec.Body.String()
		io.WriteString(w, "tick 2\n")
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	h.ServeHTTP(rec, req)
	if atFlush != "tick 1\n" {
		t.Errorf("after a Flush, the client had %q, want \"tick 1\\n\", the small body written so far, as it is", atFlush)
	}
}
