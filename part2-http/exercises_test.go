//go:build exercises

package main

// The acceptance tests of the exercises in README.md, one per exercise.
// They run only with the build tag:
//
//	go test -tags exercises -run 'TestExercise1$' ./part2-http/...
//
// Each fails on the part as shipped and passes once the exercise is done.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestExercise1 checks conditional GET (RFC 9110 section 13.1.3): a page
// not modified since If-Modified-Since gets 304 with no body; one modified
// after it gets the page. The page's time has a fraction of a second, which
// Last-Modified cannot carry: the comparison is in whole seconds.
func TestExercise1(t *testing.T) {
	modified := testClock.Add(500 * time.Millisecond) // 08:00:00.5
	pages := fstest.MapFS{"page.html": {Data: []byte("<p>hello</p>\n"), ModTime: modified}}
	addr, _ := startSiteWith(t, pages, testTimeout)

	got := do(t, addr, get("/page.html"), "Last-Modified")
	if got.Status != 200 || got.Header["Last-Modified"] != testDate {
		t.Fatalf("GET /page.html: status %d, Last-Modified %q; want 200 and %q", got.Status, got.Header["Last-Modified"], testDate)
	}
	for _, tt := range []struct {
		since  string
		status int
	}{
		{testDate, 304},                         // the very Last-Modified the server sent
		{"Sat, 21 Nov 2026 09:00:00 GMT", 304},  // later
		{"Sat, 21 Nov 2026 07:59:59 GMT", 200},  // a second before the change
		{"Fri, 20 Nov 2026 08:00:00 GMT", 200},  // a day before
		{"not a date", 200},                     // an invalid date is ignored
		{"Sat, 21 Nov 2026 08:00:00 GMT", 304},  // same as testDate, again
		{"Sunday, 22-Nov-26 08:00:00 GMT", 304}, // the obsolete RFC 850 form
	} {
		raw := get("/page.html", "If-Modified-Since: "+tt.since+"\r\n")
		resp := roundTrip(t, addr, raw)
		got := parseResponse(t, resp, raw)
		head, body, _ := strings.Cut(resp, "\r\n\r\n")
		switch {
		case got.Status != tt.status:
			t.Errorf("If-Modified-Since: %s on a page last modified %s: status %d, want %d", tt.since, testDate, got.Status, tt.status)
		case tt.status == 304 && body != "":
			t.Errorf("If-Modified-Since: %s: a 304 must carry no body, got %q", tt.since, body)
		case tt.status == 304 && strings.Contains(strings.ToLower(head), "content-length"):
			t.Errorf("If-Modified-Since: %s: a 304 must carry no Content-Length (writeResponse leaves it out): %q", tt.since, head)
		case tt.status == 200 && got.Body != "<p>hello</p>\n":
			t.Errorf("If-Modified-Since: %s: got the body %q, want the page", tt.since, got.Body)
		}
	}
}

// TestExercise2 checks directory listings: a folder without index.html is
// answered with an HTML page whose links lead to its entries (folders with
// a final slash), names escaped in the text, dot names left out.
func TestExercise2(t *testing.T) {
	pages := fstest.MapFS{
		"dir/a b.txt":     {Data: []byte("a b")},
		"dir/<b>.txt":     {Data: []byte("b")},
		"dir/sub/x.txt":   {Data: []byte("x")},
		"dir/.secret":     {Data: []byte("s")},
		"dir/.git/config": {Data: []byte("c")},
	}
	addr, _ := startSiteWith(t, pages, testTimeout)
	got := do(t, addr, get("/dir/"), "Content-Type")
	if got.Status != 200 {
		t.Fatalf("GET /dir/, a folder without index.html: status %d (%q), want 200 and a listing of its entries", got.Status, got.Body)
	}
	if ct := got.Header["Content-Type"]; !strings.HasPrefix(ct, "text/html") {
		t.Errorf("listing: Content-Type %q, want text/html", ct)
	}
	base, _ := url.Parse("/dir/")
	links := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?i)href\s*=\s*["']([^"']*)["']`).FindAllStringSubmatch(got.Body, -1) {
		ref, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
		if err != nil {
			t.Errorf("listing: link %q is not a URL: %v", m[1], err)
			continue
		}
		links[base.ResolveReference(ref).Path] = true
	}
	for _, want := range []string{"/dir/a b.txt", "/dir/<b>.txt", "/dir/sub/"} {
		if !links[want] {
			t.Errorf("listing: no link leads to %s (links lead to %v); escape names with url.PathEscape, and end a folder's link with /", want, keys(links))
		}
	}
	if strings.Contains(got.Body, "<b>") {
		t.Errorf("listing: the name <b>.txt is in the page unescaped (html.EscapeString): %q", got.Body)
	}
	if !strings.Contains(got.Body, "&lt;b&gt;.txt") {
		t.Errorf("listing: the name <b>.txt does not show as text, escaped as &lt;b&gt;.txt: %q", got.Body)
	}
	if strings.Contains(got.Body, ".secret") || strings.Contains(got.Body, ".git") {
		t.Errorf("listing: names that start with a dot must be left out: %q", got.Body)
	}
	// A link followed: the file itself.
	if got := do(t, addr, get("/dir/a%20b.txt")); got.Status != 200 || got.Body != "a b" {
		t.Errorf("GET /dir/a%%20b.txt: %+v, want 200 and the file", got)
	}
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestExercise3 checks single byte ranges (RFC 9110 section 14) on stored
// files and static pages: 206 with Content-Range and the bytes asked for,
// 416 with Content-Range: bytes */size for a range past the end, and
// Accept-Ranges: bytes on a 200.
func TestExercise3(t *testing.T) {
	addr, filesDir := startSite(t, testTimeout)
	const content = "0123456789abcdef" // 16 bytes
	must(t, os.WriteFile(filepath.Join(filesDir, "r"), []byte(content), 0o644))

	got := do(t, addr, get("/files/r"), "Accept-Ranges")
	if got.Status != 200 || got.Header["Accept-Ranges"] != "bytes" {
		t.Errorf("GET /files/r without Range: status %d, Accept-Ranges %q; want 200 and bytes", got.Status, got.Header["Accept-Ranges"])
	}
	for _, tt := range []struct {
		rng, contentRange string
		status            int
		body              string
	}{
		{"bytes=2-5", "bytes 2-5/16", 206, "2345"},
		{"bytes=0-0", "bytes 0-0/16", 206, "0"},
		{"bytes=10-", "bytes 10-15/16", 206, "abcdef"},
		{"bytes=-3", "bytes 13-15/16", 206, "def"},
		{"bytes=5-100", "bytes 5-15/16", 206, "56789abcdef"}, // the end is cut to the size
		{"bytes=-100", "bytes 0-15/16", 206, content},        // so is the length of a suffix
		{"bytes=16-", "bytes */16", 416, ""},
		{"bytes=20-30", "bytes */16", 416, ""},
	} {
		got := do(t, addr, get("/files/r", "Range: "+tt.rng+"\r\n"), "Content-Range")
		switch {
		case got.Status != tt.status:
			t.Errorf("Range: %s on 16 bytes: status %d, want %d", tt.rng, got.Status, tt.status)
		case got.Header["Content-Range"] != tt.contentRange:
			t.Errorf("Range: %s on 16 bytes: Content-Range %q, want %q", tt.rng, got.Header["Content-Range"], tt.contentRange)
		case tt.status == 206 && got.Body != tt.body:
			t.Errorf("Range: %s on %q: body %q, want %q", tt.rng, content, got.Body, tt.body)
		}
	}
	page := readSite(t, "style.css")
	got = do(t, addr, get("/style.css", "Range: bytes=0-9\r\n"), "Content-Range", "Content-Type")
	want := fmt.Sprintf("bytes 0-9/%d", len(page))
	if got.Status != 206 || got.Header["Content-Range"] != want || got.Body != page[:10] {
		t.Errorf("Range: bytes=0-9 on the static page /style.css: status %d, Content-Range %q, body %.40q; want 206, %q, %q",
			got.Status, got.Header["Content-Range"], got.Body, want, page[:10])
	}
}

// gzipChunked returns a POST /echo whose body is data gzipped and then
// chunked, in chunks of at most 4096 bytes.
func gzipChunked(t *testing.T, data []byte) string {
	t.Helper()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(data)
	must(t, zw.Close())
	return chunkedPost(z.Bytes())
}

func chunkedPost(body []byte) string {
	var b strings.Builder
	b.WriteString("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
	for len(body) > 0 {
		n := min(len(body), 4096)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// TestExercise4 checks Transfer-Encoding: gzip, chunked: the body is
// de-chunked, then decompressed; what is not gzip is a 400; a body that
// inflates past the body limit is a 413, however small its gzip.
func TestExercise4(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	got := do(t, addr, gzipChunked(t, []byte("hello, gzip\n")))
	if got.Status != 200 || got.Body != "hello, gzip\n" {
		t.Errorf("POST /echo with Transfer-Encoding: gzip, chunked: status %d, body %q; want 200 and the body decompressed, %q", got.Status, got.Body, "hello, gzip\n")
	}
	if got := do(t, addr, chunkedPost([]byte("not gzip at all"))); got.Status != 400 {
		t.Errorf("gzip, chunked with a body that is not gzip: status %d (%q), want 400", got.Status, got.Body)
	}
	bomb := gzipChunked(t, make([]byte, maxBodyBytes+1))
	if got := do(t, addr, bomb); got.Status != 413 {
		t.Errorf("gzip, chunked with %d bytes of gzip that inflate to %d bytes (the limit is %d): status %d (%.60q), want 413",
			len(bomb), maxBodyBytes+1, maxBodyBytes, got.Status, got.Body)
	}
	raw := "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
	if got := do(t, addr, raw); got.Status != 400 {
		t.Errorf("chunked, gzip (chunked not last): status %d, want 400", got.Status)
	}
}

// visitsCookieOf returns the value of the visits cookie a response sets.
func visitsCookieOf(t *testing.T, setCookie string) string {
	t.Helper()
	pair, _, _ := strings.Cut(setCookie, ";")
	name, value, ok := strings.Cut(pair, "=")
	if !ok || strings.TrimSpace(name) != "visits" {
		t.Fatalf("Set-Cookie: %q sets no visits cookie", setCookie)
	}
	return value
}

// TestExercise5 checks the signed visits cookie: visits=N.SIGNATURE, taken
// back when its signature matches, treated as no cookie when the count or
// the signature was changed, or when it has none.
func TestExercise5(t *testing.T) {
	addr, _ := startSite(t, testTimeout)
	got := do(t, addr, get("/visits"), "Set-Cookie")
	first := visitsCookieOf(t, got.Header["Set-Cookie"])
	n, sig, ok := strings.Cut(first, ".")
	if !ok || n != "1" || len(sig) < 16 {
		t.Fatalf("first visit: cookie value %q, want 1.SIGNATURE (an HMAC-SHA256, in hex or base64)", first)
	}
	got = do(t, addr, get("/visits", "Cookie: visits="+first+"\r\n"), "Set-Cookie")
	if got.Body != "visits: 2\n" {
		t.Fatalf("second visit with the cookie the server set, visits=%s: body %q, want %q", first, got.Body, "visits: 2\n")
	}
	second := visitsCookieOf(t, got.Header["Set-Cookie"])
	n2, sig2, _ := strings.Cut(second, ".")
	if n2 != "2" || sig2 == sig {
		t.Errorf("second visit: cookie %q; want 2.SIGNATURE, with a signature other than the first's (%s)", second, sig)
	}
	if got := do(t, addr, get("/visits", "Cookie: visits="+second+"\r\n")); got.Body != "visits: 3\n" {
		t.Errorf("third visit, visits=%s: body %q, want %q", second, got.Body, "visits: 3\n")
	}
	flipped := []byte(sig)
	if flipped[0] == 'a' {
		flipped[0] = 'b'
	} else {
		flipped[0] = 'a'
	}
	for _, forged := range []string{
		"41",                    // unsigned, as the part ships it
		"41." + sig,             // another count under the first's signature
		"1." + string(flipped),  // a signature changed
		"1.",                    // none
		"1." + sig[:len(sig)-1], // cut short
	} {
		got := do(t, addr, get("/visits", "Cookie: visits="+forged+"\r\n"), "Set-Cookie")
		if got.Body != "visits: 1\n" {
			t.Errorf("forged cookie visits=%s: body %q, want %q (a cookie whose signature does not match is no cookie)", forged, got.Body, "visits: 1\n")
		}
	}
}

// TestExercise6 checks 408: a client whose read deadline passes after it
// sent part of a request (of its head or of its body) gets 408 Request
// Timeout; a client that sent nothing still gets nothing.
func TestExercise6(t *testing.T) {
	for name, sent := range map[string]string{
		"half head": "GET / HTTP/1.1\r\nHo",
		"half body": "PUT /files/x HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc",
	} {
		t.Run(name, func(t *testing.T) {
			addr, _ := startSite(t, 100*time.Millisecond)
			conn := dial(t, addr)
			io.WriteString(conn, sent)
			resp := readAll(t, conn)
			if resp == "" {
				t.Fatalf("a client that sent %q and then stalled got nothing after ReadTimeout; want a 408 Request Timeout", sent)
			}
			if got := parseResponse(t, resp, sent); got.Status != 408 {
				t.Errorf("a client that sent %q and then stalled: status %d, want 408", sent, got.Status)
			}
		})
	}
	t.Run("silent", func(t *testing.T) {
		addr, _ := startSite(t, 100*time.Millisecond)
		if got := readAll(t, dial(t, addr)); got != "" {
			t.Errorf("a client that sent nothing got %q, want nothing", got)
		}
	})
}

// buildBinary builds the part's command and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the server: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "part2-http")
	if out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary starts the command bin on 127.0.0.1:0 with the given flags
// and returns the address it says it listens on.
func startBinary(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-files", t.TempDir()}, args...)...)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	errFile := filepath.Join(t.TempDir(), "stderr")
	stderr, err := os.Create(errFile)
	must(t, err)
	defer stderr.Close()
	cmd.Stderr = stderr
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		} else {
			line <- ""
		}
		io.Copy(io.Discard, stdout) // the log of each request
	}()
	var first string
	select {
	case first = <-line:
	case <-time.After(testTimeout):
		t.Fatal("the server printed nothing")
	}
	m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(first)
	if m == nil {
		errs, _ := os.ReadFile(errFile)
		t.Fatalf("the server's first line %q gives no address (stderr: %q)", first, errs)
	}
	return m[1]
}

// TestExercise7 checks the Host allow-list: the command's flag
// -allowed-hosts, and its default (the address listened on, with localhost
// for 127.0.0.1). A request for a host not in the list gets 421, whatever
// it asks; one for a listed host, in any case, is served.
func TestExercise7(t *testing.T) {
	bin := buildBinary(t)
	t.Run("default", func(t *testing.T) {
		addr := startBinary(t, bin)
		_, port, _ := strings.Cut(addr, ":")
		checkHosts(t, addr,
			[]string{addr, "localhost:" + port, "LocalHost:" + port},
			[]string{"rebind.evil.example:" + port, "localhost:1", "127.0.0.2:" + port})
	})
	t.Run("flag", func(t *testing.T) {
		addr := startBinary(t, bin, "-allowed-hosts", "good.example,other.example:8080")
		checkHosts(t, addr,
			[]string{"good.example", "GOOD.example", "other.example:8080"},
			[]string{addr, "good.example:8080", "other.example", "evil.example"})
	})
}

func checkHosts(t *testing.T, addr string, allowed, refused []string) {
	t.Helper()
	for _, h := range allowed {
		if got := do(t, addr, "GET /echo/hi HTTP/1.1\r\nHost: "+h+"\r\n\r\n"); got.Status != 200 {
			t.Errorf("Host: %s, an allowed host: status %d (%q), want 200", h, got.Status, got.Body)
		}
	}
	for _, h := range refused {
		for _, raw := range []string{
			"GET /echo/hi HTTP/1.1\r\nHost: " + h + "\r\n\r\n",
			"OPTIONS * HTTP/1.1\r\nHost: " + h + "\r\n\r\n",
			"POST /files/y HTTP/1.1\r\nHost: " + h + "\r\nOrigin: http://" + h + "\r\nSec-Fetch-Site: same-origin\r\nContent-Length: 2\r\n\r\nhi",
			"GET http://" + h + "/echo/hi HTTP/1.1\r\nHost: " + allowed[0] + "\r\n\r\n", // the target's host wins
		} {
			if got := do(t, addr, raw); got.Status != 421 {
				line, _, _ := strings.Cut(raw, "\r\n")
				t.Errorf("%s for host %s, not in the list: status %d (%q), want 421 Misdirected Request", line, h, got.Status, got.Body)
			}
		}
	}
}
