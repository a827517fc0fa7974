package middleware

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		values []string
		want   bool
	}{
		{nil, false}, // no preference: sent as it is
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br, zstd"}, true}, // a browser
		{[]string{"deflate, br"}, false},
		{[]string{"identity"}, false},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; q=0.000"}, false},
		{[]string{"gzip;q=0.5"}, true},
		{[]string{"gzip;Q=0.001"}, true},
		{[]string{"gzip;q=1.000"}, true},
		{[]string{"gzip;q=2"}, false},       // out of range: ignored as 0
		{[]string{"gzip;q=0.12345"}, false}, // more than three decimals
		{[]string{"gzip;q=abc"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"*, gzip;q=0"}, false}, // named beats "*"
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"br", "gzip"}, true}, // two fields
		{[]string{"unknown-coding, gzip;q=0.1"}, true},
		{[]string{" gzip ; q=0.8 "}, true},
	}
	for _, tt := range tests {
		if got := AcceptsGzip(tt.values); got != tt.want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}

// result is what the tests compare of a response.
type result struct {
	Status   int
	Encoding string
	Vary     string
	Length   string
	Type     string
	Body     string // decompressed when gzipped
}

func TestGzip(t *testing.T) {
	text := strings.Repeat("the same line, again and again\n", 100)
	handler := Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/text":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Content-Length", "3100")
			io.WriteString(w, text)
		case "/sniffed":
			io.WriteString(w, "<!doctype html><p>"+text)
		case "/image":
			w.Header().Set("Content-Type", "image/png")
			io.WriteString(w, text)
		case "/svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			io.WriteString(w, text)
		case "/coded":
			w.Header().Set("Content-Encoding", "br")
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, text)
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/not-modified":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotModified)
		case "/not-modified-image":
			w.Header().Set("Content-Type", "image/png")
			w.WriteHeader(http.StatusNotModified)
		case "/not-modified-untyped":
			w.WriteHeader(http.StatusNotModified)
		case "/range":
			http.ServeContent(w, r, "t.txt", time.Time{}, strings.NewReader(text))
		case "/stream":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "first\n")
			w.(http.Flusher).Flush()
			io.WriteString(w, "second\n")
		}
	}))
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	// Transport with compression off: the test sees the raw coding.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	do := func(method, path string, fields ...string) result {
		t.Helper()
		resp := send(t, client, method, srv.URL+path, fields...)
		defer resp.Body.Close()
		var body io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("%s %s: read body: %v", method, path, err)
		}
		return result{resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"), resp.Header.Get("Content-Length"), resp.Header.Get("Content-Type"), string(b)}
	}
	gz := "Accept-Encoding: gzip"
	// Length: the server's, of what went out (gzip makes 3100 bytes 75), or
	// "" when the body outgrew the server's buffer and went out chunked.
	tests := []struct {
		name   string
		method string
		path   string
		fields []string
		want   result
	}{
		{"text, gzip accepted", "GET", "/text", []string{gz}, result{200, "gzip", "Accept-Encoding", "75", "text/plain; charset=utf-8", text}},
		{"text, gzip not asked for", "GET", "/text", nil, result{200, "", "Accept-Encoding", "3100", "text/plain; charset=utf-8", text}},
		{"text, gzip refused", "GET", "/text", []string{"Accept-Encoding: gzip;q=0, *"}, result{200, "", "Accept-Encoding", "3100", "text/plain; charset=utf-8", text}},
		{"type sniffed before compressing", "GET", "/sniffed", []string{gz}, result{200, "gzip", "Accept-Encoding", "92", "text/html; charset=utf-8", "<!doctype html><p>" + text}},
		{"an image is compressed already", "GET", "/image", []string{gz}, result{200, "", "", "", "image/png", text}},
		{"svg is text", "GET", "/svg", []string{gz}, result{200, "gzip", "Accept-Encoding", "75", "image/svg+xml", text}},
		{"already coded", "GET", "/coded", []string{gz}, result{200, "br", "", "", "text/plain", text}},
		{"HEAD is not compressed, and says Vary as GET does", "HEAD", "/text", []string{gz}, result{200, "", "Accept-Encoding", "3100", "text/plain; charset=utf-8", ""}},
		{"204 is left alone", "GET", "/empty", []string{gz}, result{204, "", "", "", "", ""}},
		// A 304 is not compressed (it has no body), but says Vary as the
		// 200 it stands for would; with no type to go by, it says Vary.
		// (net/http's server drops Content-Type from a 304.)
		{"304 says Vary as the 200 would", "GET", "/not-modified", []string{gz}, result{304, "", "Accept-Encoding", "", "", ""}},
		{"304 says Vary without gzip too", "GET", "/not-modified", nil, result{304, "", "Accept-Encoding", "", "", ""}},
		{"304 of an image says no Vary", "GET", "/not-modified-image", []string{gz}, result{304, "", "", "", "", ""}},
		{"304 without a type says Vary", "GET", "/not-modified-untyped", []string{gz}, result{304, "", "Accept-Encoding", "", "", ""}},
		{"a whole file", "GET", "/range", []string{gz}, result{200, "gzip", "Accept-Encoding", "75", "text/plain; charset=utf-8", text}},
		{"a range is left alone", "GET", "/range", []string{gz, "Range: bytes=0-2"}, result{206, "", "", "3", "text/plain; charset=utf-8", "the"}},
		{"a stream stays a stream", "GET", "/stream", []string{gz}, result{200, "gzip", "Accept-Encoding", "", "text/plain", "first\nsecond\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, do(tt.method, tt.path, tt.fields...)); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGzipAcceptRanges: the file server says "Accept-Ranges: bytes" and
// answers 304 to a conditional GET. A compressed answer must not offer
// ranges (they would be ranges of the uncompressed file, and a resumed
// download would mix the two); an answer left as it is keeps the offer;
// and a 304 says Vary as the 200 would.
func TestGzipAcceptRanges(t *testing.T) {
	modified := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	text := strings.Repeat("the same line, again and again\n", 100)
	files := fstest.MapFS{
		"page.txt": {Data: []byte(text), ModTime: modified},
		"pic.png":  {Data: []byte("\x89PNG\r\n\x1a\n" + text), ModTime: modified},
	}
	srv := httptest.NewServer(Gzip(http.FileServerFS(files)))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	type ranges struct {
		Status   int
		Encoding string
		Ranges   string // Accept-Ranges
		Vary     string
	}
	do := func(method, path string, fields ...string) ranges {
		t.Helper()
		resp := send(t, client, method, srv.URL+path, fields...)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return ranges{resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Accept-Ranges"), resp.Header.Get("Vary")}
	}
	gz := "Accept-Encoding: gzip"
	since := "If-Modified-Since: " + modified.Format(http.TimeFormat)
	tests := []struct {
		name   string
		method string
		path   string
		fields []string
		want   ranges
	}{
		{"compressed: no ranges", "GET", "/page.txt", []string{gz}, ranges{200, "gzip", "", "Accept-Encoding"}},
		{"not asked for gzip: ranges", "GET", "/page.txt", nil, ranges{200, "", "bytes", "Accept-Encoding"}},
		{"HEAD is not compressed: ranges", "HEAD", "/page.txt", []string{gz}, ranges{200, "", "bytes", "Accept-Encoding"}},
		{"an image is not compressed: ranges", "GET", "/pic.png", []string{gz}, ranges{200, "", "bytes", ""}},
		{"a range is not compressed", "GET", "/page.txt", []string{gz, "Range: bytes=0-2"}, ranges{206, "", "bytes", ""}},
		{"304 says Vary", "GET", "/page.txt", []string{gz, since}, ranges{304, "", "", "Accept-Encoding"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, do(tt.method, tt.path, tt.fields...)); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAccessLog(t *testing.T) {
	var logged bytes.Buffer
	handler := AccessLog(log.New(&logged, "", 0), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "hello")
	}))
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/hello?x=1", "/missing"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log:\n%s", logged.String())
	}
	for i, want := range []string{`"GET /hello?x=1 HTTP/1.1" 200 5 `, `"GET /missing HTTP/1.1" 404 19 `} {
		if !strings.Contains(lines[i], want) || !strings.HasPrefix(lines[i], "127.0.0.1:") {
			t.Errorf("line %d: %q, want it to hold %q", i, lines[i], want)
		}
	}
}

// TestFlushReportsErrors: a handler that streams through the middleware
// learns from http.ResponseController.Flush that the client has gone; a
// wrapper whose Flush swallowed the error would keep it writing.
func TestFlushReportsErrors(t *testing.T) {
	gone := errors.New("the client has gone")
	h := AccessLog(log.New(io.Discard, "", 0), Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "tick\n")
		if err := http.NewResponseController(w).Flush(); !errors.Is(err, gone) {
			t.Errorf("Flush = %v, want the writer's error", err)
		}
	})))
	for _, ae := range []string{"", "gzip"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", ae)
		h.ServeHTTP(&failingFlusher{httptest.NewRecorder(), gone}, r)
	}
}

// failingFlusher is a ResponseWriter whose flushes fail with err.
type failingFlusher struct {
	*httptest.ResponseRecorder
	err error
}

func (f *failingFlusher) FlushError() error { return f.err }

// send makes a request with client, with the header fields given as
// "Name: value", and returns the response; the caller closes its body.
func send(t *testing.T, client *http.Client, method, url string, fields ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		name, value, _ := strings.Cut(f, ": ")
		req.Header.Add(name, value)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestSwitchingProtocols: 101 ends the response (a WebSocket handshake):
// through both wrappers the server gets WriteHeader(101) once and nothing
// after it, the handler finds the Hijacker underneath (Unwrap), and the
// log says 101. Before, the log said 200 and gzip called WriteHeader(200)
// on the hijacked connection once the handler returned.
func TestSwitchingProtocols(t *testing.T) {
	var logged bytes.Buffer
	h := AccessLog(log.New(&logged, "", 0), Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Upgrade", "websocket")
		w.WriteHeader(http.StatusSwitchingProtocols)
		if _, _, err := http.NewResponseController(w).Hijack(); err != nil {
			t.Errorf("Hijack through the wrappers: %v", err)
		}
	})))
	r := httptest.NewRequest("GET", "/ws", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := &hijackable{ResponseRecorder: httptest.NewRecorder()}
	h.ServeHTTP(w, r)
	if diff := cmp.Diff([]int{http.StatusSwitchingProtocols}, w.statuses); diff != "" {
		t.Errorf("WriteHeader calls (-want +got):\n%s", diff)
	}
	if !w.hijacked {
		t.Error("the handler did not reach the Hijacker")
	}
	if want := `"GET /ws HTTP/1.1" 101 0 `; !strings.Contains(logged.String(), want) {
		t.Errorf("log %q, want it to hold %q", logged.String(), want)
	}
}

// hijackable is a ResponseWriter that records its WriteHeader calls and
// can be hijacked.
type hijackable struct {
	*httptest.ResponseRecorder
	statuses []int
	hijacked bool
}

func (h *hijackable) WriteHeader(code int) {
	h.statuses = append(h.statuses, code)
	h.ResponseRecorder.WriteHeader(code)
}

func (h *hijackable) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.hijacked = true
	return nil, nil, nil
}
