package main

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/webserver/part4-concurrency/middleware"
	"example.com/webserver/part4-concurrency/site"
	"github.com/google/go-cmp/cmp"
)

// testClock is the fixed time of every Date field in these tests.
var testClock = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

const testDate = "Sat, 21 Nov 2026 08:00:00 GMT"

// startSite starts the demo site (embedded pages, uploads in a new
// temporary folder) with the given read timeout, and returns the server's
// address and the uploads folder.
func startSite(t *testing.T, readTimeout time.Duration) (addr, filesDir string) {
	t.Helper()
	return startSiteWith(t, fsSub(t), readTimeout)
}

func startSiteWith(t *testing.T, pages fs.FS, readTimeout time.Duration) (addr, filesDir string) {
	t.Helper()
	filesDir = t.TempDir()
	handler, err := site.New(pages, filesDir, "mux", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{
		Handler:      handler,
		ReadTimeout:  readTimeout,
		WriteTimeout: testTimeout,
		Now:          func() time.Time { return testClock },
	}
	return startServer(t, srv.Serve), filesDir
}

// result is the part of a response the tests compare.
type result struct {
	Status int
	Header map[string]string // the fields the test cares about
	Body   string
}

// do sends raw and parses the response with net/http's client-side
// reader, keeping the named header fields.
func do(t *testing.T, addr, raw string, fields ...string) result {
	t.Helper()
	resp := roundTrip(t, addr, raw)
	return parseResponse(t, resp, raw, fields...)
}

func parseResponse(t *testing.T, resp, raw string, fields ...string) result {
	t.Helper()
	method, _, _ := strings.Cut(strings.TrimLeft(raw, "\r\n"), " ")
	r, err := http.ReadResponse(bufio.NewReader(strings.NewReader(resp)), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read response %q: %v", resp, err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("read response body: %v", err)
	}
	res := result{Status: r.StatusCode, Body: string(body)}
	// ReadResponse takes "Connection: close" out of the fields (it says
	// so in r.Close instead): read that field from the head as it came.
	head, _, _ := strings.Cut(resp, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n")[1:] {
		if name, value, _ := strings.Cut(line, ":"); strings.EqualFold(name, "Connection") {
			r.Header.Set("Connection", strings.TrimSpace(value))
		}
	}
	for _, f := range fields {
		if v, ok := r.Header[http.CanonicalHeaderKey(f)]; ok {
			if res.Header == nil {
				res.Header = map[string]string{}
			}
			res.Header[f] = strings.Join(v, ", ")
		}
	}
	return res
}

func TestExactResponse(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	got := roundTrip(t, addr, get("/echo/hello"))
	want := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Date: " + testDate + "\r\n" +
		"Content-Length: 5\r\n" +
		"\r\n" +
		"hello"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
}

// TestHeadIsGetWithoutBody checks that HEAD gets every field GET gets,
// Content-Length included, and no body.
func TestHeadIsGetWithoutBody(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	for _, path := range []string{"/", "/style.css", "/images/socket.png", "/echo/hi", "/user-agent", "/nothing-here", "/files/none"} {
		// (A User-Agent, so that /user-agent has a body: for an empty
		// body, GET says Content-Length: 0 and HEAD says nothing, as
		// net/http does.)
		getResp := roundTrip(t, addr, get(path, "User-Agent: t\r\n"))
		headResp := roundTrip(t, addr, "HEAD "+path+" HTTP/1.1\r\nHost: test\r\nUser-Agent: t\r\n\r\n")
		getHead, _, _ := strings.Cut(getResp, "\r\n\r\n")
		if diff := cmp.Diff(getHead+"\r\n\r\n", headResp); diff != "" {
			t.Errorf("HEAD %s: response mismatch with GET's head (-want +got):\n%s", path, diff)
		}
	}
}

func TestEndpoints(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	text := map[string]string{"Content-Type": "text/plain; charset=utf-8"}
	tests := []struct {
		name   string
		raw    string
		fields []string
		want   result
	}{
		{"echo text", get("/echo/hello%20world"), []string{"Content-Type"},
			result{200, text, "hello world"}},
		{"echo body", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"say\":\"hi\"}\n", []string{"Content-Type"},
			result{200, map[string]string{"Content-Type": "application/json"}, "{\"say\":\"hi\"}\n"}},
		{"echo chunked body", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", []string{"Content-Type"},
			result{200, map[string]string{"Content-Type": "application/octet-stream"}, "abcde"}},
		{"user agent", get("/user-agent", "User-Agent: test-agent/1.0\r\n"), nil,
			result{200, nil, "test-agent/1.0"}},
		{"sleep", get("/sleep?d=1ms"), []string{"Content-Type"},
			result{200, text, "slept 1ms\n"}},
		{"sleep too long", get("/sleep?d=11s"), nil,
			result{400, nil, "d must be a duration from 0s to 10s, such as 5s or 500ms\n"}},
		{"sleep, not a duration", get("/sleep?d=5"), nil,
			result{400, nil, "d must be a duration from 0s to 10s, such as 5s or 500ms\n"}},
		{"request", "POST /request?b=2&a=1 HTTP/1.1\r\nHost: test\r\nX-Hi: there\r\nContent-Length: 3\r\n\r\nabc", nil,
			result{200, nil, "method:  POST\ntarget:  /request?b=2&a=1\nversion: HTTP/1.1\npath:    /request\nquery:   b=2&a=1\n" +
				"  a = [\"1\"]\n  b = [\"2\"]\nhost:    test\nheaders: 2\n  Content-Length: 3\n  X-Hi: there\n" +
				"body:    3 bytes (framing: Content-Length)\n"}},
		{"first visit", get("/visits"), []string{"Set-Cookie"},
			result{200, map[string]string{"Set-Cookie": "visits=1; Path=/visits; Max-Age=86400; HttpOnly; SameSite=Lax"}, "visits: 1\n"}},
		{"next visit", get("/visits", "Cookie: theme=dark; visits=41\r\n"), []string{"Set-Cookie"},
			result{200, map[string]string{"Set-Cookie": "visits=42; Path=/visits; Max-Age=86400; HttpOnly; SameSite=Lax"}, "visits: 42\n"}},
		{"bad cookie starts over", get("/visits", "Cookie: visits=-3\r\n"), nil,
			result{200, nil, "visits: 1\n"}},
		{"the first valid cookie counts", get("/visits", "Cookie: visits=x; visits=7; visits=100\r\nCookie: visits=200\r\n"), nil,
			result{200, nil, "visits: 8\n"}},
		{"the counter stops at its cap", get("/visits", "Cookie: visits=9223372036854775807\r\n"), []string{"Set-Cookie"},
			result{200, map[string]string{"Set-Cookie": "visits=2147483647; Path=/visits; Max-Age=86400; HttpOnly; SameSite=Lax"}, "visits: 2147483647\n"}},
		{"a count too large for an int starts over", get("/visits", "Cookie: visits=99999999999999999999\r\n"), nil,
			result{200, nil, "visits: 1\n"}},
		// The pages come from http.FileServerFS (see TestPagesNotModified
		// for Last-Modified).
		{"index page", get("/"), []string{"Content-Type"},
			result{200, map[string]string{"Content-Type": "text/html; charset=utf-8"}, readSite(t, "index.html")}},
		{"stylesheet", get("/style.css"), []string{"Content-Type"},
			result{200, map[string]string{"Content-Type": "text/css; charset=utf-8"}, readSite(t, "style.css")}},
		{"image", get("/images/socket.png"), []string{"Content-Type"},
			result{200, map[string]string{"Content-Type": "image/png"}, readSite(t, "images/socket.png")}},
		{"index.html is the folder", get("/index.html"), []string{"Location"},
			result{301, map[string]string{"Location": "./"}, ""}},
		{"file with a slash", get("/about.html/"), []string{"Location"},
			result{301, map[string]string{"Location": "../about.html"}, ""}},
		// Dot-segments and empty segments: ServeMux sends the client to
		// the clean path first, the query kept, so no path reaches a
		// handler unclean, and none leads off the site.
		{"no open redirect", get("//evil.example/../images"), []string{"Location"},
			result{307, map[string]string{"Location": "/images"}, "<a href=\"/images\">Temporary Redirect</a>.\n\n"}},
		{"dot segment", get("/./request"), []string{"Location"},
			result{307, map[string]string{"Location": "/request"}, "<a href=\"/request\">Temporary Redirect</a>.\n\n"}},
		{"dot", get("/."), []string{"Location"},
			result{307, map[string]string{"Location": "/"}, "<a href=\"/\">Temporary Redirect</a>.\n\n"}},
		{"dot-dot segment and a query", get("/echo/../request?x=1"), []string{"Location"},
			result{307, map[string]string{"Location": "/request?x=1"}, "<a href=\"/request?x=1\">Temporary Redirect</a>.\n\n"}},
		{"empty segment", get("/echo/a//b"), []string{"Location"},
			result{307, map[string]string{"Location": "/echo/a/b"}, "<a href=\"/echo/a/b\">Temporary Redirect</a>.\n\n"}},
		{"folder without index.html", get("/images/"), nil,
			result{404, nil, "404 page not found\n"}},
		{"no such page", get("/nothing-here"), nil,
			result{404, nil, "404 page not found\n"}},
		// OPTIONS: the methods whose pattern matches the path, as the mux
		// says (the file server's "GET /" matches every path).
		{"OPTIONS a path", "OPTIONS /echo/x HTTP/1.1\r\nHost: test\r\n\r\n", []string{"Allow", "Content-Type"},
			result{204, map[string]string{"Allow": "GET, HEAD, OPTIONS"}, ""}},
		{"OPTIONS /files/x", "OPTIONS /files/x HTTP/1.1\r\nHost: test\r\n\r\n", []string{"Allow"},
			result{204, map[string]string{"Allow": "GET, HEAD, POST, PUT, DELETE, OPTIONS"}, ""}},
		// OPTIONS * is the server's: 200 and no body, as net/http answers.
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n", []string{"Allow", "Content-Length"},
			result{200, map[string]string{"Content-Length": "0"}, ""}},
		{"method not allowed", "DELETE /echo/x HTTP/1.1\r\nHost: test\r\n\r\n", []string{"Allow"},
			result{405, map[string]string{"Allow": "GET, HEAD, OPTIONS"}, "Method Not Allowed\n"}},
		{"POST to a page", "POST /about.html HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n", []string{"Allow"},
			result{405, map[string]string{"Allow": "GET, HEAD, OPTIONS"}, "Method Not Allowed\n"}},
		{"unknown method", "BREW /pot HTTP/1.1\r\nHost: test\r\n\r\n", nil,
			result{501, nil, "method BREW is not implemented here\n"}},
		{"methods are case-sensitive", "get / HTTP/1.1\r\nHost: test\r\n\r\n", nil,
			result{501, nil, "method get is not implemented here\n"}},
		{"HTTP/1.0 request", "GET /echo/old HTTP/1.0\r\n\r\n", nil,
			result{200, nil, "old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, addr, tt.raw, tt.fields...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func readSite(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(site.Pages, name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRefusals checks that bad requests get a proper response, status and
// reason included, over a real socket, and that the server goes on.
func TestRefusals(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	tests := []struct {
		name   string
		raw    string
		status int
		body   string
	}{
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400, "an HTTP/1.1 request needs a Host field\n"},
		{"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505, "this server speaks HTTP/1.0 and HTTP/1.1, not HTTP/2.0\n"},
		{"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400, "malformed request line \"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\"\n"},
		{"URI too long", get("/" + strings.Repeat("a", maxRequestLineBytes)), 414, "request line longer than 8192 bytes\n"},
		{"header too large", get("/", strings.Repeat("X-Filler: 0123456789\r\n", maxHeaderBytes/20)), 431, "header section larger than 65536 bytes\n"},
		{"body too large", "PUT /files/big HTTP/1.1\r\nHost: test\r\nContent-Length: 20000000\r\n\r\n", 413, "body of 20000000 bytes; the limit is 10485760\n"},
		{"smuggling shape", "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400, "both Transfer-Encoding and Content-Length\n"},
		{"unknown coding", "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "transfer coding \"gzip\" is not implemented\n"},
		{"chunked not last", "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "chunked is not the final transfer coding\n"},
		{"one field line too long", get("/", "X-Big: "+strings.Repeat("b", readBufferBytes)+"\r\n"), 431, "a header field line longer than 16384 bytes\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, addr, tt.raw)
			want := result{Status: tt.status, Body: tt.body}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := do(t, addr, get("/echo/still-here")); got.Body != "still-here" {
		t.Errorf("after the refusals: got %+v", got)
	}
}

// TestRefusedHeadHasNoBody: a HEAD request refused for a fault in its head
// gets the error's status and fields, and still no body (RFC 9110 section
// 9.3.2).
func TestRefusedHeadHasNoBody(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	got := roundTrip(t, addr, "HEAD /echo/x HTTP/1.1\r\n\r\n") // no Host
	want := "HTTP/1.1 400 Bad Request\r\n" +
		"Date: " + testDate + "\r\n" +
		"Server: part4-concurrency\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: 39\r\n" +
		"Connection: close\r\n" +
		"\r\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
}

// TestPathTraversal tries the ways out of the site's folder: none may
// return a file from outside it.
func TestPathTraversal(t *testing.T) {
	// A root folder for -root, with a secret next to it and a symbolic
	// link inside pointing at the secret.
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	must(t, os.Mkdir(root, 0o755))
	must(t, os.WriteFile(filepath.Join(root, "index.html"), []byte("inside"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("SECRET"), 0o644))
	must(t, os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(root, "link.txt")))
	must(t, os.Symlink(dir, filepath.Join(root, "up")))
	// Dot-files, as a learner's folder often has them.
	must(t, os.WriteFile(filepath.Join(root, ".env"), []byte("SECRET"), 0o644))
	must(t, os.MkdirAll(filepath.Join(root, ".git"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, ".git", "config"), []byte("SECRET"), 0o644))
	must(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "sub", ".hidden"), []byte("SECRET"), 0o644))
	r, err := os.OpenRoot(root)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	addr, _ := startSiteWith(t, r.FS(), testTimeout)

	tests := []struct {
		target string
		status int
	}{
		{"/../secret.txt", 400},
		{"/%2e%2e/secret.txt", 400},
		{"/%2E%2E%2Fsecret.txt", 400},
		{"/a/../../secret.txt", 400},
		{"/./../secret.txt", 400},
		{"/up%2fsecret.txt", 404},
		{"/link.txt", 404},
		{"/up/secret.txt", 404},
		{"//secret.txt", 307}, // to /secret.txt, which is 404
		{"/..\\secret.txt", 404},
		{"/.env", 404},
		{"/.git/config", 404},
		{"/sub/.hidden", 404},
		{"/%2eenv", 404},
	}
	for _, tt := range tests {
		got := do(t, addr, get(tt.target))
		if got.Status != tt.status || strings.Contains(got.Body, "SECRET") {
			t.Errorf("GET %s: %d %q, want %d and no secret", tt.target, got.Status, got.Body, tt.status)
		}
	}
	if got := do(t, addr, get("/")); got.Body != "inside" {
		t.Errorf("GET / from -root: %+v, want the root's index.html", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestFiles(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	steps := []struct {
		name string
		raw  string
		want result
	}{
		{"absent", get("/files/notes.txt"), result{404, nil, "no file notes.txt\n"}},
		{"create with PUT", "PUT /files/notes.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 6\r\n\r\nfirst\n",
			result{201, map[string]string{"Location": "/files/notes.txt", "Content-Type": "text/plain; charset=utf-8"}, "stored notes.txt (6 bytes)\n"}},
		{"read", get("/files/notes.txt"), result{200, map[string]string{"Content-Type": "application/octet-stream"}, "first\n"}},
		{"replace with POST", "POST /files/notes.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 7\r\n\r\nsecond\n", result{204, nil, ""}},
		{"read again", get("/files/notes.txt"), result{200, map[string]string{"Content-Type": "application/octet-stream"}, "second\n"}},
		{"list", get("/files/"), result{200, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "notes.txt\n"}},
		{"delete", "DELETE /files/notes.txt HTTP/1.1\r\nHost: test\r\n\r\n", result{204, nil, ""}},
		{"delete again", "DELETE /files/notes.txt HTTP/1.1\r\nHost: test\r\n\r\n", result{404, nil, "no file notes.txt\n"}},
		{"hidden name", "PUT /files/.env HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx", result{400, nil, "\".env\" is not a valid file name: use 1 to 255 letters, digits, '-', '_' or '.', not starting with '.'\n"}},
		{"encoded slash in name", "PUT /files/a%2Fb HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx", result{400, nil, "\"a/b\" is not a valid file name: use 1 to 255 letters, digits, '-', '_' or '.', not starting with '.'\n"}},
		{"climbing name", "PUT /files/..%2F..%2Fevil HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx", result{400, nil, "path \"/files/..%2F..%2Fevil\" climbs above /\n"}},
		{"PATCH", "PATCH /files/x HTTP/1.1\r\nHost: test\r\n\r\n", result{501, nil, "method PATCH is not implemented here\n"}},
	}
	for _, s := range steps {
		got := do(t, addr, s.raw, "Location", "Content-Type")
		if s.want.Header == nil && got.Header != nil {
			delete(got.Header, "Content-Type") // not what this step is about
			if len(got.Header) == 0 {
				got.Header = nil
			}
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s: response mismatch (-want +got):\n%s", s.name, diff)
		}
	}
	// Nothing else was written in the folder, or outside it.
	if diff := cmp.Diff([]string{}, listDir(t, filesDir)); diff != "" {
		t.Errorf("files folder (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filesDir), "evil")); err == nil {
		t.Errorf("a file was written outside the files folder")
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestLargeUploads stores 5 MB bodies, framed by Content-Length and by
// chunks, and reads them back.
func TestLargeUploads(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	data := strings.Repeat("0123456789abcdef", 5<<20/16)

	got := do(t, addr, fmt.Sprintf("PUT /files/big1 HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n%s", len(data), data))
	if got.Status != 201 {
		t.Fatalf("PUT with Content-Length: %+v", got)
	}
	var chunked strings.Builder
	for rest := data; rest != ""; {
		n := min(len(rest), 100000)
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	got = do(t, addr, "PUT /files/big2 HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"+chunked.String()+"0\r\n\r\n")
	if got.Status != 201 {
		t.Fatalf("PUT chunked: %+v", got)
	}
	for _, name := range []string{"big1", "big2"} {
		stored, err := os.ReadFile(filepath.Join(filesDir, name))
		must(t, err)
		if string(stored) != data {
			t.Errorf("%s: stored %d bytes, want the %d sent", name, len(stored), len(data))
		}
		if got := do(t, addr, get("/files/"+name)); got.Body != data {
			t.Errorf("GET /files/%s: %d bytes, want %d", name, len(got.Body), len(data))
		}
	}
}

// TestFailedUploadKeepsTheOldFile: a client that hangs up in the middle of
// its body leaves the stored file as it was, and no temporary file.
func TestFailedUploadKeepsTheOldFile(t *testing.T) {
	filesDir := t.TempDir()
	handler, err := site.New(fsSub(t), filesDir, "mux", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: handler, ReadTimeout: testTimeout, WriteTimeout: testTimeout}
	addr, conns := startWatched(t, srv.Serve)
	if got := do(t, addr, "PUT /files/keep HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nold"); got.Status != 201 {
		t.Fatalf("first PUT: %+v", got)
	}
	<-conns // the first PUT's connection
	conn := dial(t, addr)
	io.WriteString(conn, "PUT /files/keep HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\nnew and incompl")
	conn.Close()
	// The server serves connections at once, so an answer to another
	// connection says nothing about this one: wait until the server has
	// closed it, which it does once the handler has returned.
	broken := <-conns
	select {
	case <-broken.closed:
	case <-time.After(testTimeout):
		t.Fatal("the server never closed the broken upload's connection")
	}
	if got := do(t, addr, get("/files/keep")); got.Body != "old" {
		t.Errorf("after a broken upload: %+v, want the old content", got)
	}
	if diff := cmp.Diff([]string{"keep"}, listDir(t, filesDir)); diff != "" {
		t.Errorf("files folder (-want +got):\n%s", diff)
	}
}

// TestEchoStreamsBothWays: POST /echo writes the body back while it reads
// it, so its answer's head goes out before the body has all arrived. The
// server must not then read the rest of the body away to keep the
// connection (it did, and echoed only the first 32 KiB): the site asks for
// full duplex, and gets it.
func TestEchoStreamsBothWays(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	body := strings.Repeat("0123456789abcdef", 100<<10/16)
	got := do(t, addr, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
	if got.Status != 200 || got.Body != body {
		t.Errorf("echo of %d bytes: status %d, %d bytes back", len(body), got.Status, len(got.Body))
	}
}

// TestExpectContinue: with "Expect: 100-continue", the client waits for
// an interim 100 before it sends the body; a request refused on its head
// gets the final answer at once, and no 100.
func TestExpectContinue(t *testing.T) {
	addr, _ := startSite(t, testTimeout)

	conn := dial(t, addr)
	io.WriteString(conn, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(conn)
	interim := make([]byte, len("HTTP/1.1 100 Continue\r\n\r\n"))
	if _, err := io.ReadFull(br, interim); err != nil {
		t.Fatalf("read interim response: %v", err)
	}
	if diff := cmp.Diff("HTTP/1.1 100 Continue\r\n\r\n", string(interim)); diff != "" {
		t.Errorf("interim response (-want +got):\n%s", diff)
	}
	io.WriteString(conn, "hello")
	rest := readResponse(t, br, "POST")
	conn.Close()
	if got := parseResponse(t, rest, "POST"); got.Body != "hello" {
		t.Errorf("final response: %+v", got)
	}

	got := do(t, addr, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 20000000\r\nExpect: 100-continue\r\n\r\n")
	if got.Status != 413 {
		t.Errorf("too large with Expect: %+v, want 413", got)
	}
}

// TestOneByteAtATime sends a chunked request in one-byte writes.
func TestOneByteAtATime(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	raw := "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
	conn := dial(t, addr)
	for i := range len(raw) {
		if _, err := io.WriteString(conn, raw[i:i+1]); err != nil {
			t.Fatalf("write byte %d: %v", i, err)
		}
	}
	if got := parseResponse(t, readResponse(t, conn, "POST"), raw); got.Body != "hello" {
		t.Errorf("response: %+v", got)
	}
}

// TestStalledClientIsDropped: a client that never finishes its request
// head is dropped after ReadTimeout, one that stops in its body gets the
// handler's answer to a failed read; the next one is served.
func TestStalledClientIsDropped(t *testing.T) {
	for name, sent := range map[string]string{
		"silent":    "",
		"half head": "GET / HTTP/1.1\r\nHo",
		"half body": "PUT /files/x HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc",
	} {
		t.Run(name, func(t *testing.T) {
			addr, _ := startSite(t, 100*time.Millisecond)
			stalled := dial(t, addr)
			io.WriteString(stalled, sent)
			if got := do(t, addr, get("/echo/next")); got.Body != "next" {
				t.Errorf("client behind the stalled one: %+v", got)
			}
			got := readAll(t, stalled)
			if name == "half body" {
				// The head was whole: the handler has the request, and its
				// read of the body fails at the deadline. It answers.
				if !strings.HasPrefix(got, "HTTP/1.1 400 Bad Request\r\n") || !strings.Contains(got, "i/o timeout") {
					t.Errorf("stalled client got %q, want the handler's 400", got)
				}
				return
			}
			if got != "" {
				t.Errorf("stalled client got %q, want nothing", got)
			}
		})
	}
}

// TestClientGoesAway: resets and early closes do not stop the server.
func TestClientGoesAway(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	for _, sent := range []string{"", "GET / HT", get("/"), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\nab"} {
		conn := dial(t, addr)
		io.WriteString(conn, sent)
		conn.(*net.TCPConn).SetLinger(0) // close with a reset
		conn.Close()
	}
	if got := do(t, addr, get("/echo/alive")); got.Body != "alive" {
		t.Errorf("after resets: %+v", got)
	}
}

// TestServeReturnsWhenListenerCloses checks that Serve ends cleanly.
func TestServeReturnsWhenListenerCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- (&Server{}).Serve(ln) }()
	ln.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve after Close = %v, want nil", err)
	}
}

// TestCrossOriginWrites: a page on another site must not make a visitor's
// browser store or delete files here. Browsers mark a request with
// Sec-Fetch-Site (or, before 2023, only Origin); a request with neither,
// as curl sends, is not from a page and is allowed.
func TestCrossOriginWrites(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	put := func(name string, fields ...string) string {
		return "POST /files/" + name + " HTTP/1.1\r\nHost: test\r\n" + strings.Join(fields, "") + "Content-Type: text/plain\r\nContent-Length: 4\r\n\r\nevil"
	}
	tests := []struct {
		name string
		raw  string
		want result
	}{
		{"a form on another site", put("a", "Origin: http://evil.example\r\n", "Sec-Fetch-Site: cross-site\r\n"),
			result{403, nil, "cross-origin request detected from Sec-Fetch-Site header\n"}},
		{"a page on a sibling site", put("b", "Sec-Fetch-Site: same-site\r\n"),
			result{403, nil, "cross-origin request detected from Sec-Fetch-Site header\n"}},
		{"an old browser on another site", put("c", "Origin: http://evil.example\r\n"),
			result{403, nil, "cross-origin request detected, and/or browser is out of date: Sec-Fetch-Site is missing, and Origin does not match Host\n"}},
		{"another port is another origin", put("d", "Origin: http://test:8080\r\n"),
			result{403, nil, "cross-origin request detected, and/or browser is out of date: Sec-Fetch-Site is missing, and Origin does not match Host\n"}},
		{"a null origin", put("e", "Origin: null\r\n"),
			result{403, nil, "cross-origin request detected, and/or browser is out of date: Sec-Fetch-Site is missing, and Origin does not match Host\n"}},
		{"DELETE from another site", "DELETE /files/x HTTP/1.1\r\nHost: test\r\nSec-Fetch-Site: cross-site\r\n\r\n",
			result{403, nil, "cross-origin request detected from Sec-Fetch-Site header\n"}},
		{"the site's own page", put("own", "Origin: http://test\r\n", "Sec-Fetch-Site: same-origin\r\n"),
			result{201, nil, "stored own (4 bytes)\n"}},
		{"an old browser on the site's own page", put("own-old", "Origin: http://test\r\n"),
			result{201, nil, "stored own-old (4 bytes)\n"}},
		{"typed by the user", put("typed", "Sec-Fetch-Site: none\r\n"),
			result{201, nil, "stored typed (4 bytes)\n"}},
		{"curl", put("curl"),
			result{201, nil, "stored curl (4 bytes)\n"}},
		{"reading is always allowed", get("/files/own", "Sec-Fetch-Site: cross-site\r\n", "Origin: http://evil.example\r\n"),
			result{200, nil, "evil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, addr, tt.raw)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff([]string{"curl", "own", "own-old", "typed"}, listDir(t, filesDir)); diff != "" {
		t.Errorf("files folder (-want +got):\n%s", diff)
	}
}

// TestFolderInFiles: a folder in the upload folder is not a stored file:
// GET and DELETE answer 404 (DELETE must not remove it), and an upload
// under its name is a conflict.
func TestFolderInFiles(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	must(t, os.Mkdir(filepath.Join(filesDir, "dir"), 0o755))
	steps := []struct {
		name string
		raw  string
		want result
	}{
		{"GET", get("/files/dir"), result{404, nil, "no file dir\n"}},
		{"DELETE", "DELETE /files/dir HTTP/1.1\r\nHost: test\r\n\r\n", result{404, nil, "no file dir\n"}},
		{"PUT", "PUT /files/dir HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx", result{409, nil, "dir is a folder, not a file\n"}},
		{"list", get("/files/"), result{200, nil, ""}},
	}
	for _, s := range steps {
		if diff := cmp.Diff(s.want, do(t, addr, s.raw)); diff != "" {
			t.Errorf("%s: response mismatch (-want +got):\n%s", s.name, diff)
		}
	}
	if info, err := os.Stat(filepath.Join(filesDir, "dir")); err != nil || !info.IsDir() {
		t.Errorf("the folder is gone: %v", err)
	}
}

// TestLingerOnlyWhenBytesMayRemain: after answering, the server lingers
// (half-closes, then drains) only when bytes of the client's may still be
// unread: after a refusal, or when more than one request came. Otherwise
// it closes at once, so that a client that keeps its end open does not
// hold up the next one.
func TestLingerOnlyWhenBytesMayRemain(t *testing.T) {
	tests := []struct {
		name   string
		sent   string
		linger bool
	}{
		{"GET", get("/echo/x"), false},
		{"POST with its body", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello", false},
		{"chunked POST", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false},
		{"refused on its request line", "GET / HTTP/2.0\r\nHost: test\r\n\r\n", true},
		{"refused on its size", "PUT /files/big HTTP/1.1\r\nHost: test\r\nContent-Length: 20000000\r\n\r\nsome of it", true},
		{"head cut off at the cap", get("/", strings.Repeat("X-Filler: 0123456789\r\n", maxHeaderBytes/20)), true},
		{"a second request behind a last one", get("/echo/x", "Connection: close\r\n") + get("/echo/y"), true},
	}
	handler, err := site.New(fsSub(t), t.TempDir(), "mux", nil)
	must(t, err)
	// The goroutine model: the watch wraps Go's connections, which the
	// event loop model leaves at once (its choice is the same code).
	srv := &Server{Handler: handler, Model: Goroutine, ReadTimeout: testTimeout, WriteTimeout: testTimeout}
	addr, conns := startWatched(t, srv.Serve)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lingered(t, addr, conns, tt.sent); got != tt.linger {
				t.Errorf("lingered = %v, want %v", got, tt.linger)
			}
		})
	}
}

// fsSub returns the embedded pages.
func fsSub(t *testing.T) fs.FS {
	return site.Pages
}

// siteRequests are the requests the site is compared on, in this order
// (uploads included).
var siteRequests = []string{
	get("/"), head("/"), get("/style.css"), get("/images/socket.png", "Range: bytes=0-99\r\n"),
	get("/images"), get("/images/"), get("/index.html"), get("/nothing"), get("/.hidden"), head("/nothing"),
	get("/echo/hello%20world"), get("/echo/"), head("/echo/x"),
	"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 20000000\r\n\r\n",
	get("/user-agent", "User-Agent: test/1\r\n"), get("/sleep?d=0s"), get("/sleep?d=1h"),
	"POST /request?b=2&a=1 HTTP/1.1\r\nHost: test\r\nX-Hi: there\r\nContent-Length: 3\r\n\r\nabc",
	get("/visits"), get("/visits", "Cookie: visits=41\r\n"),
	"PUT /files/notes.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 6\r\n\r\nfirst\n",
	get("/files/notes.txt"), get("/files/notes.txt", "Range: bytes=1-2\r\n"), get("/files/"),
	"POST /files/notes.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 7\r\n\r\nsecond\n",
	"PUT /files/.env HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
	"DELETE /files/notes.txt HTTP/1.1\r\nHost: test\r\n\r\n",
	"DELETE /files/notes.txt HTTP/1.1\r\nHost: test\r\n\r\n",
	"POST /files/x HTTP/1.1\r\nHost: test\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 1\r\n\r\nx",
	"DELETE /echo/x HTTP/1.1\r\nHost: test\r\n\r\n", "POST /about.html HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n",
	"OPTIONS /files/x HTTP/1.1\r\nHost: test\r\n\r\n", "OPTIONS /echo HTTP/1.1\r\nHost: test\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n", "BREW /pot HTTP/1.1\r\nHost: test\r\n\r\n",
	"GET /echo/old HTTP/1.0\r\n\r\n",
	get("/", "Accept-Encoding: gzip, deflate, br\r\n"), get("/style.css", "Accept-Encoding: gzip\r\n"),
	get("/images/socket.png", "Accept-Encoding: gzip\r\n"), head("/about.html"),
	get("/request", "Accept-Encoding: gzip;q=0\r\n"),
	uploadRequest(multipartBody(map[string]string{"a.txt": "one", "b.txt": "two"})), get("/upload"),
	"POST /upload/delete HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nname=a.txt",
	get("/upload", "Accept-Encoding: gzip\r\n"),
}

// muxOnlyRequests show what ServeMux does and chi leaves to the
// application: redirects to the clean path, and from "/echo" to "/echo/".
// Compared on the two servers only.
var muxOnlyRequests = []string{get("/echo/a//b"), get("/./request?x=1"), get("/echo"), get("//evil.example/../images")}

// TestSiteFourWays runs the site built on each router (ServeMux, chi) on
// each server (ours, net/http's) and sends all four the same requests, in
// the same order (uploads included): the answers must be the same bytes,
// Date aside. The site cannot tell which server runs it, and the client
// cannot tell which router the site uses.
func TestSiteFourWays(t *testing.T) {
	start := func(router string, serve func(*testing.T, http.Handler) string) string {
		h, err := site.New(site.Pages, t.TempDir(), router, nil)
		must(t, err)
		return serve(t, middleware.Gzip(h)) // as main.go wires it
	}
	reference := start("mux", startNetHTTP)
	others := []struct{ name, addr string }{
		{"ours with mux", start("mux", startOurs)},
		{"net/http with chi", start("chi", startNetHTTP)},
		{"ours with chi", start("chi", startOurs)},
	}
	for _, raw := range append(siteRequests, muxOnlyRequests...) {
		want := maskTimes(roundTrip(t, reference, raw))
		for _, o := range others {
			if slices.Contains(muxOnlyRequests, raw) && strings.HasSuffix(o.name, "chi") {
				continue
			}
			got := maskTimes(roundTrip(t, o.addr, raw))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%.50q, %s: response mismatch (-net/http with mux +%s):\n%s", raw, o.name, o.name, diff)
			}
		}
	}
}

// lastModified matches the Last-Modified field. Two servers store their
// uploads a moment apart: their files' times may fall on two sides of a
// second.
var lastModified = regexp.MustCompile(`(?m)^Last-Modified: [^\r]*\r\n`)

// maskTimes sets aside the Date and Last-Modified fields of resp.
func maskTimes(resp string) string {
	return lastModified.ReplaceAllString(withoutDate(resp), "Last-Modified: (set aside)\r\n")
}

// multipartBody builds a multipart/form-data body with boundary "B": each
// file as a part named "file", and one ordinary field.
func multipartBody(files map[string]string) string {
	var b strings.Builder
	b.WriteString("--B\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nnot a file\r\n")
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(&b, "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=%q\r\nContent-Type: text/plain\r\n\r\n%s\r\n", name, files[name])
	}
	b.WriteString("--B--\r\n")
	return b.String()
}

func uploadRequest(body string, fields ...string) string {
	return fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Type: multipart/form-data; boundary=B\r\n%sContent-Length: %d\r\n\r\n%s", strings.Join(fields, ""), len(body), body)
}

// TestUploadForm: the form's POST stores every file of the request, then
// sends the browser to the listing (303); the listing links to each file
// and deletes through its own form.
func TestUploadForm(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	form := do(t, addr, get("/upload"), "Content-Type")
	if form.Status != 200 || !strings.Contains(form.Body, `enctype="multipart/form-data"`) || !strings.Contains(form.Body, "None yet.") {
		t.Fatalf("GET /upload: %+v", form)
	}

	got := do(t, addr, uploadRequest(multipartBody(map[string]string{"a.txt": "first file\n", "b.txt": strings.Repeat("b", 100000)}), "Origin: http://test\r\n", "Sec-Fetch-Site: same-origin\r\n"), "Location")
	if diff := cmp.Diff(result{303, map[string]string{"Location": "/upload"}, ""}, got); diff != "" {
		t.Errorf("POST /upload (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a.txt", "b.txt"}, listDir(t, filesDir)); diff != "" {
		t.Errorf("files folder (-want +got):\n%s", diff)
	}
	if got := do(t, addr, get("/files/b.txt")); got.Body != strings.Repeat("b", 100000) {
		t.Errorf("b.txt: %d bytes", len(got.Body))
	}
	listing := do(t, addr, get("/upload")).Body
	for _, want := range []string{`<a href="/files/a.txt" download>a.txt</a>`, `<input type="hidden" name="name" value="b.txt">`} {
		if !strings.Contains(listing, want) {
			t.Errorf("the listing lacks %s:\n%s", want, listing)
		}
	}

	del := "name=a.txt"
	got = do(t, addr, fmt.Sprintf("POST /upload/delete HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", len(del), del), "Location")
	if diff := cmp.Diff(result{303, map[string]string{"Location": "/upload"}, ""}, got); diff != "" {
		t.Errorf("delete (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b.txt"}, listDir(t, filesDir)); diff != "" {
		t.Errorf("files folder after delete (-want +got):\n%s", diff)
	}
}

// TestUploadRefusals: a bad name, a body over the limit (announced, or
// streamed without a length) and a form posted by another site store
// nothing, and leave no temporary file.
func TestUploadRefusals(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	big := strings.Repeat("x", 11<<20)
	var chunked strings.Builder
	body := multipartBody(map[string]string{"big.bin": big})
	for rest := body; rest != ""; {
		n := min(len(rest), 1<<20)
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"hidden name", uploadRequest(multipartBody(map[string]string{".env": "x"})), 400},
		{"name with a space", uploadRequest(multipartBody(map[string]string{"my notes.txt": "x"})), 400},
		// (A name with a slash is cut to its last segment by Part.FileName,
		// as browsers send only that: "../../etc/x" is stored as "x".)
		{"announced too large", "POST /upload HTTP/1.1\r\nHost: test\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 20000000\r\n\r\n", 413},
		{"streamed too large", "POST /upload HTTP/1.1\r\nHost: test\r\nContent-Type: multipart/form-data; boundary=B\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.String() + "0\r\n\r\n", 413},
		{"not multipart", "POST /upload HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi", 400},
		{"from another site", uploadRequest(multipartBody(map[string]string{"evil.txt": "x"}), "Origin: http://evil.example\r\n", "Sec-Fetch-Site: cross-site\r\n"), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := do(t, addr, tt.raw); got.Status != tt.status {
				t.Errorf("status %d (%q), want %d", got.Status, got.Body, tt.status)
			}
		})
	}
	if diff := cmp.Diff([]string{}, listDir(t, filesDir)); diff != "" {
		t.Errorf("files folder (-want +got):\n%s", diff)
	}
}

// TestPagesNotModified: the file server sends Last-Modified (for built-in
// pages, the site's start), and answers 304 Not Modified, without the
// page, to a browser that has it already; and 206 to a Range request.
func TestPagesNotModified(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	first := do(t, addr, get("/style.css"), "Last-Modified")
	lastModified := first.Header["Last-Modified"]
	if _, err := http.ParseTime(lastModified); err != nil {
		t.Fatalf("Last-Modified %q: %v", lastModified, err)
	}
	again := do(t, addr, get("/style.css", "If-Modified-Since: "+lastModified+"\r\n"))
	if diff := cmp.Diff(result{Status: 304}, again); diff != "" {
		t.Errorf("If-Modified-Since (-want +got):\n%s", diff)
	}
	part := do(t, addr, get("/style.css", "Range: bytes=0-9\r\n"), "Content-Range")
	if part.Status != 206 || part.Body != readSite(t, "style.css")[:10] || !strings.HasPrefix(part.Header["Content-Range"], "bytes 0-9/") {
		t.Errorf("Range: %+v", part)
	}
}

// TestEchoReportsBodyErrors: POST /echo copies the body to the answer as
// it reads it, on either server. A whole body comes back whole (net/http's
// server needs full duplex for that); a malformed one gets 400; one cut
// short after part of it was echoed aborts the answer, so the client never
// sees a complete 200 for half a body.
func TestEchoReportsBodyErrors(t *testing.T) {
	for _, srv := range bothServers {
		t.Run(srv.name, func(t *testing.T) {
			h, err := site.New(site.Pages, t.TempDir(), "mux", nil)
			must(t, err)
			addr := srv.start(t, h)

			big := strings.Repeat("0123456789abcdef", 5000/16)
			got := do(t, addr, fmt.Sprintf("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n%s", len(big), big))
			if got.Status != 200 || got.Body != big {
				t.Errorf("echo of %d bytes: status %d, %d bytes back, want 200 and the whole body", len(big), got.Status, len(got.Body))
			}

			got = do(t, addr, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
			if got.Status != http.StatusBadRequest {
				t.Errorf("malformed chunked body: status %d, want 400", got.Status)
			}

			conn := dial(t, addr)
			defer conn.Close()
			io.WriteString(conn, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhello")
			conn.(*net.TCPConn).CloseWrite() // five bytes of ten, then EOF
			if resp := readAll(t, conn); strings.HasPrefix(resp, "HTTP/1.1 200") {
				t.Errorf("body cut short: answered %q, want no 200", resp)
			}
		})
	}
}

// TestGzipThroughTheSite: the site wrapped in Gzip, as main.go wraps it,
// on either server. The file server offers byte ranges ("Accept-Ranges:
// bytes"); a compressed page must not, since a range would be one of the
// uncompressed file. A page sent as it is keeps the offer, and a 304
// carries the Vary its 200 carries (RFC 9110 section 15.4.5).
func TestGzipThroughTheSite(t *testing.T) {
	for _, srv := range bothServers {
		t.Run(srv.name, func(t *testing.T) {
			h, err := site.New(site.Pages, t.TempDir(), "mux", nil)
			must(t, err)
			addr := srv.start(t, middleware.Gzip(h))
			fields := []string{"Content-Encoding", "Accept-Ranges", "Vary", "Last-Modified"}
			plain := do(t, addr, get("/style.css"), fields...)
			lastModified := plain.Header["Last-Modified"]
			delete(plain.Header, "Last-Modified")
			plain.Body = "" // the page itself is TestEndpoints' business
			if diff := cmp.Diff(result{200, map[string]string{"Accept-Ranges": "bytes", "Vary": "Accept-Encoding"}, ""}, plain); diff != "" {
				t.Errorf("without gzip (-want +got):\n%s", diff)
			}
			compressed := do(t, addr, get("/style.css", "Accept-Encoding: gzip\r\n"), fields...)
			delete(compressed.Header, "Last-Modified")
			compressed.Body = "" // gzip bytes: TestGzip decompresses them
			if diff := cmp.Diff(result{200, map[string]string{"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}, ""}, compressed); diff != "" {
				t.Errorf("with gzip (-want +got):\n%s", diff)
			}
			notModified := do(t, addr, get("/style.css", "Accept-Encoding: gzip\r\n", "If-Modified-Since: "+lastModified+"\r\n"), "Content-Encoding", "Accept-Ranges", "Vary")
			if diff := cmp.Diff(result{304, map[string]string{"Vary": "Accept-Encoding"}, ""}, notModified); diff != "" {
				t.Errorf("conditional GET (-want +got):\n%s", diff)
			}
		})
	}
}

// filePart is one file of a multipart/form-data body.
type filePart struct{ name, content string }

// orderedMultipartBody builds a multipart/form-data body with boundary
// "B" whose files come in the order given (multipartBody sorts them by
// name). With unfinished, it stops after the last file's content, before
// the closing delimiter, as the body of a client that breaks off.
func orderedMultipartBody(files []filePart, unfinished bool) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=%q\r\nContent-Type: application/octet-stream\r\n\r\n%s\r\n", f.name, f.content)
	}
	if !unfinished {
		b.WriteString("--B--\r\n")
	}
	return b.String()
}

// chunkedUploadRequest posts body to /upload in chunks of 1 MiB, with no
// Content-Length: the site cannot refuse it on its head, and learns that
// it is too large only by reading it.
func chunkedUploadRequest(body string) string {
	var b strings.Builder
	b.WriteString("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Type: multipart/form-data; boundary=B\r\nTransfer-Encoding: chunked\r\n\r\n")
	for rest := body; rest != ""; {
		n := min(len(rest), 1<<20)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, rest[:n])
		rest = rest[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// TestUploadIsAllOrNothing: the form's upload stores every file of the
// request or none. A request whose second file is refused (too large, a
// bad name, a folder's name) or whose body breaks off in it leaves the
// folder as it was: not the first file, and no temporary file.
func TestUploadIsAllOrNothing(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	first := filePart{"a.txt", "the first file\n"}
	// The site's limit is 10 MiB for the whole body: the first file and
	// this one are over it.
	tooLarge := filePart{"big.bin", strings.Repeat("x", 10<<20)}
	must(t, os.Mkdir(filepath.Join(filesDir, "folder"), 0o755))
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"the second file is too large", chunkedUploadRequest(orderedMultipartBody([]filePart{first, tooLarge}, false)), 413},
		{"the second file's name is invalid", uploadRequest(orderedMultipartBody([]filePart{first, {".env", "x"}}, false)), 400},
		{"the second file's name is a folder's", uploadRequest(orderedMultipartBody([]filePart{first, {"folder", "x"}}, false)), 409},
		{"the body breaks off in the second file", uploadRequest(orderedMultipartBody([]filePart{first, {"b.txt", "half of it"}}, true)), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := do(t, addr, tt.raw); got.Status != tt.status {
				t.Errorf("status %d (%q), want %d", got.Status, got.Body, tt.status)
			}
			if diff := cmp.Diff([]string{"folder"}, listDir(t, filesDir)); diff != "" {
				t.Errorf("files folder (-want +got):\n%s", diff)
			}
		})
	}

	second := filePart{"b.txt", strings.Repeat("b", 100000)}
	got := do(t, addr, uploadRequest(orderedMultipartBody([]filePart{first, second}, false)), "Location")
	if diff := cmp.Diff(result{303, map[string]string{"Location": "/upload"}, ""}, got); diff != "" {
		t.Errorf("two good files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a.txt", "b.txt", "folder"}, listDir(t, filesDir)); diff != "" {
		t.Errorf("files folder after two good files (-want +got):\n%s", diff)
	}
	for _, f := range []filePart{first, second} {
		stored, err := os.ReadFile(filepath.Join(filesDir, f.name))
		must(t, err)
		if string(stored) != f.content {
			t.Errorf("%s: stored %d bytes, want the %d sent", f.name, len(stored), len(f.content))
		}
	}
}
