//go:build exercises

package main

// The acceptance tests of the exercises in README.md, one per exercise.
// They run only with the build tag:
//
//	go test -tags exercises -run 'TestExercise1$' ./part3-gateway/...
//
// Each fails on the part as shipped and passes once the exercise is done.
// Exercise 5 is tested in middleware/exercises_test.go; exercises 7 and 8
// are questions (see their folded answers).

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/webserver/part3-gateway/site"
	"github.com/google/go-cmp/cmp"
)

// TestExercise1 checks that a stored file is served with an ETag (an
// entity tag in quotes, RFC 9110 section 8.8.3), that a GET whose
// If-None-Match names it gets 304 Not Modified and no body, that any other
// tag gets the file, and that the tag changes when the file is replaced by
// other bytes of the same size within the same second. (The test sets the
// files' modification times itself, 500 ms apart in one second: two
// writes a few milliseconds apart may get the very same time from the
// kernel, to the nanosecond.)
func TestExercise1(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	second := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	put := func(content string, modified time.Time) {
		t.Helper()
		res := do(t, addr, "PUT /files/notes.txt HTTP/1.1\r\nHost: test\r\nContent-Length: "+strconv.Itoa(len(content))+"\r\n\r\n"+content)
		if res.Status != 201 && res.Status != 204 {
			t.Fatalf("PUT /files/notes.txt: status %d, want 201 or 204", res.Status)
		}
		if err := os.Chtimes(filepath.Join(filesDir, "notes.txt"), modified, modified); err != nil {
			t.Fatal(err)
		}
	}
	entityTag := regexp.MustCompile(`^(W/)?"[^"]*"$`)
	etagOf := func(content string) string {
		t.Helper()
		res := do(t, addr, get("/files/notes.txt"), "ETag")
		if res.Status != 200 || res.Body != content {
			t.Fatalf("GET /files/notes.txt: status %d, body %q, want 200 and %q", res.Status, res.Body, content)
		}
		etag, ok := res.Header["ETag"]
		switch {
		case !ok:
			t.Fatalf("GET /files/notes.txt: the response has no ETag field (Go writes it as \"Etag:\"): set one in getFile before http.ServeContent")
		case !entityTag.MatchString(etag):
			t.Fatalf("GET /files/notes.txt: ETag: %s is not an entity tag: it must be in double quotes, like \"6-1793534400250000000\" (RFC 9110 section 8.8.3)", etag)
		}
		return etag
	}

	put("first\n", second.Add(250*time.Millisecond))
	etag := etagOf("first\n")
	res := do(t, addr, get("/files/notes.txt", "If-None-Match: "+etag+"\r\n"), "ETag")
	if res.Status != 304 || res.Body != "" {
		t.Errorf("GET with If-None-Match: %s: status %d, body %q, want 304 Not Modified and no body", etag, res.Status, res.Body)
	}
	if res.Status == 304 && res.Header["ETag"] != etag {
		t.Errorf("the 304 says ETag: %q, want the tag it stands for, %s (RFC 9110 section 15.4.5)", res.Header["ETag"], etag)
	}
	if res := do(t, addr, get("/files/notes.txt", "If-None-Match: \"something-else\"\r\n")); res.Status != 200 || res.Body != "first\n" {
		t.Errorf("GET with If-None-Match: \"something-else\": status %d, body %q, want 200 and the file", res.Status, res.Body)
	}

	put("other\n", second.Add(750*time.Millisecond)) // the same size, the same second
	if again := etagOf("other\n"); again == etag {
		t.Errorf("the file was replaced with other bytes of the same size, modified 500 ms later in the same second, yet its ETag stayed %s: a client holding the old bytes would be told they are current. Use the modification time to the nanosecond (ModTime().UnixNano()), not to the second", etag)
	}
}

// TestExercise2 checks that GET /count streams: a 200 whose lines "tick 1",
// "tick 2", … arrive one at a time, each sent as soon as it is written,
// instead of all together when the handler returns.
func TestExercise2(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	conn := dial(t, addr)
	start := time.Now()
	if _, err := io.WriteString(conn, get("/count")); err != nil {
		t.Fatalf("write request: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("GET /count: reading the response: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /count: status %d, want 200: add the route", resp.StatusCode)
	}
	body := bufio.NewReader(resp.Body)
	line, err := body.ReadString('\n')
	if err != nil || line != "tick 1\n" {
		t.Fatalf("GET /count: first line %q (error %v), want \"tick 1\\n\"", line, err)
	}
	if n := body.Buffered(); n > 0 {
		rest, _ := body.Peek(n)
		t.Fatalf("GET /count: \"tick 1\" arrived %v after the request together with %q: the lines were held back and sent together; flush after each one (http.NewResponseController(w).Flush())",
			time.Since(start).Round(time.Millisecond), rest)
	}
	line, err = body.ReadString('\n')
	if err != nil || line != "tick 2\n" {
		t.Errorf("GET /count: second line %q (error %v), want \"tick 2\\n\"", line, err)
	}
	if resp.ContentLength >= 0 {
		t.Errorf("GET /count: Content-Length: %d: a streamed body's length is not known when its head goes out", resp.ContentLength)
	}
}

// TestExercise3 checks that the server holds back at most 1024 bytes of a
// body before it starts sending it in chunks: a handler that writes 1500
// bytes in one Write and returns gets a chunked response, not one with
// Content-Length.
func TestExercise3(t *testing.T) {
	const size = 1500
	addr := startOurs(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("x", size))
	}))
	raw := roundTrip(t, addr, get("/"))
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("read response %.200q: %v", raw, err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || len(body) != size {
		t.Fatalf("got %d bytes of body (error %v), want %d", len(body), err, size)
	}
	if !strings.Contains(raw, "\r\nTransfer-Encoding: chunked\r\n") || resp.ContentLength >= 0 {
		head, _, _ := strings.Cut(raw, "\r\n\r\n")
		t.Errorf("a body of %d bytes written in one Write went out with Content-Length, held back whole: with bufferBeforeChunkingSize 1024 it must go out chunked (Transfer-Encoding: chunked). Head:\n%s", size, head)
	}
}

// TestExercise4 checks that site.New accepts the router "switch" and that
// the site built on it answers a series of requests (pages, echo, files,
// 404, 405 with Allow, OPTIONS, 501, HEAD) with the very same bytes as the
// site on ServeMux, Date and Last-Modified aside.
func TestExercise4(t *testing.T) {
	var addrs []string
	for _, router := range []string{"mux", "switch"} {
		h, err := site.New(site.Pages, t.TempDir(), router, nil)
		if err != nil {
			t.Fatalf("site.New with router %q: %v; add the switch router to New", router, err)
		}
		addrs = append(addrs, startOurs(t, h))
	}
	requests := []string{
		get("/"), head("/"), get("/style.css"), get("/images/socket.png", "Range: bytes=0-99\r\n"),
		get("/index.html"), get("/nothing"), head("/nothing"),
		get("/echo/hello%20world"), get("/echo/a/b"), get("/echo/"), head("/echo/x"),
		"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
		get("/user-agent", "User-Agent: test/1\r\n"),
		"POST /request?b=2&a=1 HTTP/1.1\r\nHost: test\r\nX-Hi: there\r\nContent-Length: 3\r\n\r\nabc",
		get("/visits", "Cookie: visits=41\r\n"),
		"PUT /files/notes.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 6\r\n\r\nfirst\n",
		get("/files/notes.txt"), get("/files/notes.txt", "Range: bytes=1-2\r\n"), get("/files/"), get("/files/a/b"),
		"POST /files/notes.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 7\r\n\r\nsecond\n",
		"PUT /files/.env HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\n\r\nx",
		"DELETE /files/notes.txt HTTP/1.1\r\nHost: test\r\n\r\n",
		"DELETE /files/notes.txt HTTP/1.1\r\nHost: test\r\n\r\n",
		"DELETE /echo/x HTTP/1.1\r\nHost: test\r\n\r\n", "POST /about.html HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n",
		"PUT /files/ HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS /files/x HTTP/1.1\r\nHost: test\r\n\r\n", "OPTIONS /echo HTTP/1.1\r\nHost: test\r\n\r\n",
		"OPTIONS /upload HTTP/1.1\r\nHost: test\r\n\r\n", "BREW /pot HTTP/1.1\r\nHost: test\r\n\r\n",
		get("/upload"),
		uploadRequest(multipartBody(map[string]string{"a.txt": "one"})),
		"POST /upload/delete HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nname=a.txt",
	}
	lastModified := regexp.MustCompile(`(?m)^Last-Modified: [^\r]*\r\n`)
	mask := func(resp string) string {
		return lastModified.ReplaceAllString(withoutDate(resp), "Last-Modified: (set aside)\r\n")
	}
	for _, raw := range requests {
		want := mask(roundTrip(t, addrs[0], raw))
		got := mask(roundTrip(t, addrs[1], raw))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%.50q: response mismatch (-mux +switch):\n%s", raw, diff)
		}
	}
}

// TestExercise6 checks the two scripts of cgi-bin: time.sh answers 200,
// text/plain, with the date and time (this year in it), and go.sh answers
// 303 See Other with Location: http://127.0.0.1:8888/ and no body.
func TestExercise6(t *testing.T) {
	needInterpreter(t, "sh")
	dir := scripts(t)
	for _, name := range []string{"time.sh", "go.sh"} {
		info, err := os.Stat(filepath.Join(dir, name))
		switch {
		case err != nil:
			t.Errorf("cgi-bin/%s: %v: write the script", name, err)
		case info.Mode().Perm()&0o111 == 0:
			t.Errorf("cgi-bin/%s is not executable: chmod +x part3-gateway/cgi-bin/%s", name, name)
		}
	}
	if t.Failed() {
		return
	}
	addr, _ := startCGI(t, dir, testTimeout)
	year := strconv.Itoa(time.Now().Year())
	res := do(t, addr, get("/cgi-bin/time.sh"), "Content-Type")
	if res.Status != 200 || !strings.HasPrefix(res.Header["Content-Type"], "text/plain") || !strings.Contains(res.Body, year) {
		t.Errorf("GET /cgi-bin/time.sh: status %d, Content-Type %q, body %q; want 200, text/plain, and the date and time (with %s in it, as date prints it)",
			res.Status, res.Header["Content-Type"], res.Body, year)
	}
	res = do(t, addr, get("/cgi-bin/go.sh"), "Location")
	if diff := cmp.Diff(result{Status: 303, Header: map[string]string{"Location": "http://127.0.0.1:8888/"}}, res); diff != "" {
		t.Errorf("GET /cgi-bin/go.sh: want a 303 See Other to http://127.0.0.1:8888/ with no body (-want +got):\n%s", diff)
	}
}
