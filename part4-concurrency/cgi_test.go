package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	stdcgi "net/http/cgi"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/webserver/part4-concurrency/cgi"
	"example.com/webserver/part4-concurrency/site"
	"github.com/google/go-cmp/cmp"
)

// The CGI host's tests run its scripts through our server, with
// net/http/cgi, the standard library's host, as the reference.

// scripts is the part's cgi-bin folder.
func scripts(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("cgi-bin")
	must(t, err)
	return dir
}

// needInterpreter skips the test when the script's interpreter is not in
// the PATH the scripts get (.ci/run installs them, so CI runs them all).
func needInterpreter(t *testing.T, name string) {
	t.Helper()
	for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/bin"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return
		}
	}
	t.Skipf("%s is not installed (in /usr/local/bin, /usr/bin or /bin): skipping", name)
}

// needUnix skips the test where scripts cannot run (see cgi.Unsupported).
func needUnix(t *testing.T) {
	t.Helper()
	if err := cgi.Unsupported(); err != nil {
		t.Skip(err)
	}
}

// startCGI serves the scripts of dir at /cgi-bin/ on our server, through
// the site, with the given timeout. It returns the address and the log.
func startCGI(t *testing.T, dir string, timeout time.Duration) (string, *syncBuffer) {
	t.Helper()
	return startHost(t, &cgi.Handler{Dir: dir, Timeout: timeout}, "mux")
}

// completeHost sets host's Prefix, Software and Log, and returns the log.
func completeHost(t *testing.T, host *cgi.Handler) *syncBuffer {
	t.Helper()
	needUnix(t)
	logged := &syncBuffer{}
	host.Prefix, host.Software, host.Log = "/cgi-bin/", "part4-concurrency", log.New(logged, "", 0)
	return logged
}

// startHost completes host (Prefix, Software, Log, Internal) and serves it
// on our server, mounted by the site on router ("mux" or "chi"), or alone
// if router is "". It returns the address and the log.
func startHost(t *testing.T, host *cgi.Handler, router string) (string, *syncBuffer) {
	t.Helper()
	logged := completeHost(t, host)
	if router == "" {
		return startOurs(t, host), logged
	}
	h, err := site.New(site.Pages, t.TempDir(), router, host)
	must(t, err)
	host.Internal = h
	return startOurs(t, h), logged
}

// envOf runs env.py with raw and returns the meta-variables it printed.
func envOf(t *testing.T, addr, raw string) map[string]string {
	t.Helper()
	res := do(t, addr, raw)
	if res.Status != 200 {
		t.Fatalf("env.py: %+v", res)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(res.Body, "\n"), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	delete(env, "LC_CTYPE") // python3 sets it itself at start (PEP 538)
	return env
}

func TestCGIMetaVariables(t *testing.T) {
	needInterpreter(t, "python3")
	// A variable of the server's own environment: it must not reach the
	// script.
	t.Setenv("SERVER_SECRET", "do not leak")
	addr, _ := startCGI(t, scripts(t), testTimeout)

	env := envOf(t, addr, "POST /cgi-bin/env.py/extra/a%20b?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n"+
		"X-Repeated: one\r\nX-Repeated: two\r\nUser-Agent: test/1\r\n"+
		"Proxy: http://evil.example\r\nAuthorization: Basic c2VjcmV0\r\nX_Under: y\r\nAccept-Language: en\r\n\r\nabc")
	remotePort := env["REMOTE_PORT"]
	if _, err := strconv.Atoi(remotePort); err != nil {
		t.Errorf("REMOTE_PORT %q is not a port", remotePort)
	}
	want := map[string]string{
		"GATEWAY_INTERFACE":    "CGI/1.1",
		"SERVER_SOFTWARE":      "part4-concurrency",
		"SERVER_NAME":          "example.com",
		"SERVER_PORT":          "8080", // from Host, as net/http/cgi does
		"SERVER_PROTOCOL":      "HTTP/1.1",
		"REQUEST_METHOD":       "POST",
		"SCRIPT_NAME":          "/cgi-bin/env.py",
		"PATH_INFO":            "/extra/a b", // decoded (RFC 3875 section 4.1.5)
		"PATH_TRANSLATED":      filepath.Join(filepath.Dir(scripts(t)), "extra", "a b"),
		"QUERY_STRING":         "x=1&y=%20", // as sent
		"REMOTE_ADDR":          "127.0.0.1",
		"REMOTE_HOST":          "127.0.0.1",
		"REMOTE_PORT":          remotePort,
		"CONTENT_LENGTH":       "3",
		"CONTENT_TYPE":         "application/x-www-form-urlencoded",
		"HTTP_HOST":            "example.com:8080",
		"HTTP_USER_AGENT":      "test/1",
		"HTTP_X_REPEATED":      "one, two",
		"HTTP_ACCEPT_LANGUAGE": "en",
		"PATH":                 "/usr/local/bin:/usr/bin:/bin",
	}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("meta-variables (-want +got):\n%s", diff)
	}

	// Without a body, a query or extra path: no CONTENT_*, an empty
	// QUERY_STRING, no PATH_INFO or PATH_TRANSLATED.
	env = envOf(t, addr, get("/cgi-bin/env.py"))
	for _, k := range []string{"CONTENT_LENGTH", "CONTENT_TYPE", "PATH_INFO", "PATH_TRANSLATED"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q in a GET without it", k, v)
		}
	}
	if v, ok := env["QUERY_STRING"]; !ok || v != "" {
		t.Errorf("QUERY_STRING: %q, %v; want set and empty", v, ok)
	}
}

// TestCGIAgainstNetHTTP runs env.py under our host and under
// net/http/cgi's, on the same server, and compares what the script sees.
// Every difference is listed with its reason.
func TestCGIAgainstNetHTTP(t *testing.T) {
	needUnix(t)
	needInterpreter(t, "python3")
	dir := scripts(t)
	ours := &cgi.Handler{Dir: dir, Prefix: "/cgi-bin/", Timeout: testTimeout, Software: "part4-concurrency"}
	theirs := &stdcgi.Handler{Path: filepath.Join(dir, "env.py"), Root: "/std-cgi/env.py", Dir: dir}
	mux := http.NewServeMux()
	mux.Handle("/cgi-bin/", ours)
	mux.Handle("/std-cgi/", theirs)
	addr := startOurs(t, mux)

	// value is a variable's value, or "(unset)".
	value := func(env map[string]string, k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return "(unset)"
	}
	for _, tail := range []string{"/extra?x=1", ""} {
		fields := "Host: example.com:8080\r\nCookie: a=1\r\nCookie: b=2\r\nAuthorization: Basic c2VjcmV0\r\nX_Under: y\r\n"
		mine := envOf(t, addr, "GET /cgi-bin/env.py"+tail+" HTTP/1.1\r\n"+fields+"\r\n")
		std := envOf(t, addr, "GET /std-cgi/env.py"+tail+" HTTP/1.1\r\n"+fields+"\r\n")
		delete(mine, "REMOTE_PORT") // two connections, two ports
		delete(std, "REMOTE_PORT")
		// net/http/cgi passes on the server's PATH and a few variables of
		// its environment (LD_LIBRARY_PATH and the like): they depend on
		// the machine, so only their presence is compared.
		for k := range std {
			if _, ok := mine[k]; !ok && strings.ToUpper(k) == k && !strings.HasPrefix(k, "HTTP_") &&
				k != "REQUEST_URI" && k != "SCRIPT_FILENAME" && k != "PATH_INFO" {
				std[k] = "(the server's)"
			}
		}
		std["PATH"] = "(the server's)"

		type difference struct{ Ours, NetHTTP string }
		got := map[string]difference{}
		for _, k := range slices.Concat(slices.Collect(maps.Keys(mine)), slices.Collect(maps.Keys(std))) {
			if o, n := value(mine, k), value(std, k); o != n && n != "(the server's)" || k == "PATH" {
				got[k] = difference{o, n}
			}
		}
		want := map[string]difference{
			// Our server's name: net/http/cgi says "go".
			"SERVER_SOFTWARE": {"part4-concurrency", "go"},
			// The script's own path, prefix included: the two mounts differ.
			"SCRIPT_NAME": {"/cgi-bin/env.py", "/std-cgi/env.py"},
			// RFC 3875 section 4.1.18: repeated fields joined with ", ";
			// net/http/cgi uses "; " for cookies, as a Cookie field would.
			"HTTP_COOKIE": {"a=1, b=2", "a=1; b=2"},
			// Credentials stay with the server (section 4.1.18 lets it
			// leave Authorization out); net/http/cgi passes them on.
			"HTTP_AUTHORIZATION": {"(unset)", "Basic c2VjcmV0"},
			// A field with "_" would collide with one with "-": dropped.
			"HTTP_X_UNDER": {"(unset)", "y"},
			// Not in RFC 3875: Apache's extensions, which net/http/cgi sets.
			"REQUEST_URI":     {"(unset)", "/std-cgi/env.py" + tail},
			"SCRIPT_FILENAME": {"(unset)", filepath.Join(dir, "env.py")},
			// A fixed PATH: nothing of the server's environment.
			"PATH": {"/usr/local/bin:/usr/bin:/bin", "(the server's)"},
		}
		if tail != "" {
			// Section 4.1.6: PATH_TRANSLATED goes with a PATH_INFO.
			want["PATH_TRANSLATED"] = difference{filepath.Join(filepath.Dir(dir), "extra"), "(unset)"}
		} else {
			// Section 4.1.5: no extra path, no PATH_INFO; net/http/cgi
			// sets it empty.
			want["PATH_INFO"] = difference{"(unset)", ""}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q: differences from net/http/cgi (-listed +found):\n%s", tail, diff)
		}
	}
}

// writeScript writes an executable script into dir.
func writeScript(t *testing.T, dir, name, body string) {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755))
}

// TestCGIResponses: the three kinds of response of RFC 3875 section 6.2,
// the Status field, and 502 for every malformed output.
func TestCGIResponses(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"doc.sh":        "printf 'Content-Type: text/plain\\nX-Extra: 1\\n\\nhello\\n'",
		"crlf.sh":       "printf 'Content-Type: text/plain\\r\\n\\r\\nhello\\n'",
		"status.sh":     "printf 'Status: 404 Not Here\\nContent-Type: text/plain\\n\\nno such thing\\n'",
		"local.sh":      "printf 'Location: /cgi-bin/doc.sh\\n\\n'",
		"loop.sh":       "printf 'Location: /cgi-bin/loop.sh\\n\\n'",
		"client.sh":     "printf 'Location: http://example.com/elsewhere\\n\\n'",
		"no-end.sh":     "printf 'Content-Type: text/plain\\n'",
		"nothing.sh":    "exit 0",
		"no-colon.sh":   "printf 'Content-Type text/plain\\n\\nx'; echo 'why: no colon' >&2",
		"bad-name.sh":   "printf 'Content Type: text/plain\\n\\nx'",
		"cr-inside.sh":  "printf 'Content-Type: text/plain\\rX-Evil: 1\\n\\nx'",
		"twice.sh":      "printf 'Content-Type: text/plain\\nContent-Type: text/html\\n\\nx'",
		"bad-status.sh": "printf 'Status: 9000\\nContent-Type: text/plain\\n\\nx'",
		"no-type.sh":    "printf 'X-Only: 1\\n\\nx'",
		"huge.sh":       "i=0; while [ $i -lt 2000 ]; do printf 'X-Filler-%d: %s\\n' $i 0123456789012345678901234567890123456789; i=$((i+1)); done; printf 'Content-Type: text/plain\\n\\nx'",
		// Content-Length is sent on as the script wrote it: 1*DIGIT only
		// (RFC 9110 section 8.6), and once.
		"length.sh":      "printf 'Content-Type: text/plain\\nContent-Length: 6\\n\\nhello\\n'",
		"plus-length.sh": "printf 'Content-Type: text/plain\\nContent-Length: +6\\n\\nhello\\n'",
		"hex-length.sh":  "printf 'Content-Type: text/plain\\nContent-Length: 0x6\\n\\nhello\\n'",
		"list-length.sh": "printf 'Content-Type: text/plain\\nContent-Length: 6, 6\\n\\nhello\\n'",
		"two-lengths.sh": "printf 'Content-Type: text/plain\\nContent-Length: 6\\nContent-Length: 6\\n\\nhello\\n'",
		"no-length.sh":   "printf 'Content-Type: text/plain\\nContent-Length:\\n\\nhello\\n'",
	} {
		writeScript(t, dir, name, body)
	}
	addr, logged := startCGI(t, dir, testTimeout)
	tests := []struct {
		script string
		want   result
	}{
		{"doc.sh", result{200, map[string]string{"X-Extra": "1", "Content-Type": "text/plain"}, "hello\n"}},
		{"crlf.sh", result{200, map[string]string{"Content-Type": "text/plain"}, "hello\n"}},
		{"status.sh", result{404, map[string]string{"Content-Type": "text/plain"}, "no such thing\n"}},
		{"local.sh", result{200, map[string]string{"X-Extra": "1", "Content-Type": "text/plain"}, "hello\n"}},
		{"client.sh", result{302, map[string]string{"Location": "http://example.com/elsewhere"}, ""}},
	}
	for _, s := range []string{"loop.sh", "no-end.sh", "nothing.sh", "no-colon.sh", "bad-name.sh", "cr-inside.sh", "twice.sh", "bad-status.sh", "no-type.sh", "huge.sh",
		"plus-length.sh", "hex-length.sh", "list-length.sh", "two-lengths.sh", "no-length.sh"} {
		tests = append(tests, struct {
			script string
			want   result
		}{s, result{502, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "Bad Gateway\n"}})
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			got := do(t, addr, get("/cgi-bin/"+tt.script), "X-Extra", "Location", "Content-Type")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for _, want := range []string{
		`no-colon.sh: malformed header line "Content-Type text/plain"`,
		"no-colon.sh: why: no colon", // its stderr, written after the bad header
		"twice.sh: Content-Type twice",
		"no-end.sh: the script ended before the end of its header",
		"no-type.sh: no Content-Type in the header",
		"huge.sh: header larger than 65536 bytes",
		`plus-length.sh: malformed Content-Length "+6"`,
		`hex-length.sh: malformed Content-Length "0x6"`,
		`list-length.sh: malformed Content-Length "6, 6"`,
		"two-lengths.sh: Content-Length twice",
		`no-length.sh: malformed Content-Length ""`,
	} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logged.String())
		}
	}
	// A valid Content-Length goes on to the client, which reads the body
	// by it.
	want := result{200, map[string]string{"Content-Length": "6"}, "hello\n"}
	if diff := cmp.Diff(want, do(t, addr, get("/cgi-bin/length.sh"), "Content-Length", "Transfer-Encoding")); diff != "" {
		t.Errorf("length.sh (-want +got):\n%s", diff)
	}
	// HEAD: the head of the script's answer, no body.
	if got := roundTrip(t, addr, head("/cgi-bin/doc.sh")); strings.Contains(got, "hello") || !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("HEAD: %q", got)
	}
}

// TestCGIChoosingTheScript: only a regular, executable file directly in
// the folder ever runs.
func TestCGIChoosingTheScript(t *testing.T) {
	needUnix(t)
	outside := t.TempDir()
	writeScript(t, outside, "evil.sh", "printf 'Content-Type: text/plain\\n\\nEVIL'")
	dir := t.TempDir()
	writeScript(t, dir, "ok.sh", "printf 'Content-Type: text/plain\\n\\nok'")
	writeScript(t, dir, ".hidden.sh", "printf 'Content-Type: text/plain\\n\\nEVIL'")
	must(t, os.WriteFile(filepath.Join(dir, "noexec.sh"), []byte("#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\nEVIL'"), 0o644))
	must(t, os.Symlink(filepath.Join(outside, "evil.sh"), filepath.Join(dir, "link.sh")))
	must(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	writeScript(t, filepath.Join(dir, "sub"), "deep.sh", "printf 'Content-Type: text/plain\\n\\nEVIL'")
	addr, _ := startCGI(t, dir, testTimeout)

	if got := do(t, addr, get("/cgi-bin/ok.sh")); got.Body != "ok" {
		t.Fatalf("ok.sh: %+v", got)
	}
	for _, target := range []string{
		"/cgi-bin/.hidden.sh", "/cgi-bin/noexec.sh", "/cgi-bin/link.sh", "/cgi-bin/sub", "/cgi-bin/sub/deep.sh",
		"/cgi-bin/", "/cgi-bin/nope.sh", "/cgi-bin/sub%2Fdeep.sh", "/cgi-bin/..%2f..%2fevil.sh",
	} {
		got := do(t, addr, get(target))
		if got.Status != 404 && got.Status != 400 && got.Status != 307 || strings.Contains(got.Body, "EVIL") {
			t.Errorf("GET %s: %d %q, want 404 (or 400) and nothing run", target, got.Status, got.Body)
		}
	}
	for _, target := range []string{"/cgi-bin/../cgi-bin/ok.sh", "/cgi-bin/%2e%2e/x"} {
		if got := do(t, addr, get(target)); strings.Contains(got.Body, "EVIL") {
			t.Errorf("GET %s ran something: %+v", target, got)
		}
	}
}

// TestCGIBodies: the script reads exactly CONTENT_LENGTH bytes; a chunked
// body is refused with 411.
func TestCGIBodies(t *testing.T) {
	needInterpreter(t, "perl")
	addr, _ := startCGI(t, scripts(t), testTimeout)
	body := "name=Ada&lang=Go+%26+C"
	got := do(t, addr, fmt.Sprintf("POST /cgi-bin/form.pl HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	if got.Status != 200 || !strings.Contains(got.Body, "read 22 bytes") || !strings.Contains(got.Body, "<dt>lang</dt><dd>Go &amp; C</dd>") {
		t.Errorf("POST form.pl: %+v", got)
	}
	got = do(t, addr, "POST /cgi-bin/form.pl HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na=b\r\n0\r\n\r\n")
	if got.Status != 411 {
		t.Errorf("chunked POST: %+v, want 411", got)
	}
}

// procState returns the state letter of process pid ("R", "S", "Z"...),
// or "" when there is no such process.
func procState(pid int) string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	state, _, _ := strings.Cut(after, " ")
	return state
}

// readPids reads the process ids a script wrote, one a line.
func readPids(t *testing.T, path string) []int {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		n, err := strconv.Atoi(f)
		must(t, err)
		pids = append(pids, n)
	}
	return pids
}

// TestCGITimeoutKillsTheGroup: a script that runs past the timeout is
// killed with whatever it started; the client gets 504.
func TestCGITimeoutKillsTheGroup(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	dir := t.TempDir()
	pids := filepath.Join(t.TempDir(), "pids")
	// The script starts a child that sleeps, notes both ids, and waits.
	writeScript(t, dir, "slow.sh", "sleep 60 & echo $! >> "+pids+"; echo $$ >> "+pids+"; wait")
	addr, _ := startCGI(t, dir, 300*time.Millisecond)
	got := do(t, addr, get("/cgi-bin/slow.sh"))
	if got.Status != 504 {
		t.Errorf("slow.sh: %+v, want 504", got)
	}
	// The script and its child were killed with the group: both end
	// (the child would otherwise sleep for a minute).
	for _, pid := range readPids(t, pids) {
		waitExit(t, pid)
	}
}

// TestCGIClientGoneKillsTheScript: a client that hangs up mid-answer
// stops the script, which would otherwise run on for nobody. The host
// learns it from a write that fails, and says so: it is not the script's
// failure.
func TestCGIClientGoneKillsTheScript(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	dir := t.TempDir()
	pids := filepath.Join(t.TempDir(), "pids")
	writeScript(t, dir, "forever.sh", "echo $$ >> "+pids+"; printf 'Content-Type: text/plain\\n\\n'; while :; do echo tick; sleep 0.05; done")
	addr, logged := startCGI(t, dir, testTimeout)
	conn := dial(t, addr)
	io.WriteString(conn, get("/cgi-bin/forever.sh"))
	br := bufio.NewReader(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		if strings.Contains(line, "tick") {
			break
		}
	}
	conn.Close()
	// The server notices the hang-up and kills the script, which would
	// otherwise tick forever.
	for _, pid := range readPids(t, pids) {
		waitExit(t, pid)
	}
	if got := do(t, addr, get("/echo/next")); got.Body != "next" {
		t.Fatalf("next client: %+v", got)
	}
	if diff := cmp.Diff("forever.sh: the client went away: script stopped\n", logged.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

// TestCGINoZombies: after a few hundred requests, the server has no child
// left, dead or alive: every script was waited for.
func TestCGINoZombies(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("needs /proc")
	}
	addr, _ := startCGI(t, scripts(t), testTimeout)
	for i := range 300 {
		if got := do(t, addr, get("/cgi-bin/hello.sh")); got.Status != 200 {
			t.Fatalf("request %d: %+v", i, got)
		}
	}
	if got := do(t, addr, get("/cgi-bin/broken.sh")); got.Status != 502 {
		t.Fatalf("broken.sh: %+v", got)
	}
	// Every thread of the test process may have started children: look
	// at each.
	tasks, err := os.ReadDir("/proc/self/task")
	must(t, err)
	zombies, alive := 0, 0
	for _, task := range tasks {
		data, _ := os.ReadFile(filepath.Join("/proc/self/task", task.Name(), "children"))
		for _, f := range strings.Fields(string(data)) {
			pid, _ := strconv.Atoi(f)
			switch procState(pid) {
			case "Z":
				zombies++
			case "":
			default:
				alive++
			}
		}
	}
	if zombies != 0 || alive != 0 {
		t.Errorf("after 301 scripts: %d zombies and %d live children, want none", zombies, alive)
	}
}

// TestCGIStreams: countdown.sh's lines arrive as it prints them, one by
// one, before the script ends.
func TestCGIStreams(t *testing.T) {
	dir := t.TempDir()
	// Prints a line, then waits for the test to say go on (a file).
	gate := filepath.Join(t.TempDir(), "go-on")
	writeScript(t, dir, "steps.sh", "printf 'Content-Type: text/plain\\n\\n'; echo first; while [ ! -e "+gate+" ]; do sleep 0.01; done; echo second")
	addr, _ := startCGI(t, dir, testTimeout)
	conn := dial(t, addr)
	io.WriteString(conn, get("/cgi-bin/steps.sh"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	must(t, err)
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line: %q, %v", line, err)
	}
	// The first line came while the script still waits: it streamed.
	must(t, os.WriteFile(gate, nil, 0o644))
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Errorf("rest: %q, %v", rest, err)
	}
	if got := resp.TransferEncoding; !slices.Equal(got, []string{"chunked"}) {
		t.Errorf("Transfer-Encoding %q, want chunked", got)
	}
}

// TestCGIResponsesAgainstNetHTTP runs the same scripts under our host and
// under net/http/cgi's and compares the responses, Date aside. The
// differences are listed, each with its reason.
func TestCGIResponsesAgainstNetHTTP(t *testing.T) {
	needUnix(t)
	dir := t.TempDir()
	for name, body := range map[string]string{
		"doc.sh":    "printf 'Content-Type: text/plain\\nX-Extra: 1\\n\\nhello\\n'",
		"status.sh": "printf 'Status: 404 Not Here\\nContent-Type: text/plain\\n\\nno such thing\\n'",
		"client.sh": "printf 'Location: http://example.com/elsewhere\\n\\n'",
		"bad.sh":    "printf 'not a header\\n\\nx'",
	} {
		writeScript(t, dir, name, body)
	}
	mux := http.NewServeMux()
	mux.Handle("/cgi-bin/", &cgi.Handler{Dir: dir, Prefix: "/cgi-bin/", Timeout: testTimeout})
	for _, name := range []string{"doc.sh", "status.sh", "client.sh", "bad.sh"} {
		mux.Handle("/std-cgi/"+name, &stdcgi.Handler{Path: filepath.Join(dir, name), Root: "/std-cgi/" + name, Dir: dir, Logger: log.New(io.Discard, "", 0)})
	}
	addr := startOurs(t, mux)

	// Ours flushes each piece the script prints (so countdown.sh streams):
	// its answers are chunked. net/http/cgi copies the output whole, so
	// a short answer gets a Content-Length.
	chunked := func(body string) string {
		return fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body), body)
	}
	tests := []struct{ script, ours, std string }{
		{"doc.sh",
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Extra: 1\r\nDate: (set aside)\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("hello\n"),
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Extra: 1\r\nDate: (set aside)\r\nContent-Length: 6\r\n\r\nhello\n"},
		{"status.sh",
			"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nDate: (set aside)\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("no such thing\n"),
			"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nDate: (set aside)\r\nContent-Length: 14\r\n\r\nno such thing\n"},
		{"client.sh",
			// (No output to flush, so no chunks: the same bytes.)
			"HTTP/1.1 302 Found\r\nLocation: http://example.com/elsewhere\r\nDate: (set aside)\r\nContent-Length: 0\r\n\r\n",
			"HTTP/1.1 302 Found\r\nLocation: http://example.com/elsewhere\r\nDate: (set aside)\r\nContent-Length: 0\r\n\r\n"},
		// A malformed header: 502 Bad Gateway (RFC 9110 section 15.6.3: a
		// gateway got an invalid response); net/http/cgi skips the bad
		// line and, finding no Content-Type, answers 500.
		{"bad.sh",
			"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nDate: (set aside)\r\nContent-Length: 12\r\n\r\nBad Gateway\n",
			"HTTP/1.1 500 Internal Server Error\r\nDate: (set aside)\r\nContent-Length: 0\r\n\r\n"},
	}
	for _, tt := range tests {
		got := [2]string{withoutDate(roundTrip(t, addr, get("/cgi-bin/"+tt.script))), withoutDate(roundTrip(t, addr, get("/std-cgi/"+tt.script)))}
		if diff := cmp.Diff([2]string{tt.ours, tt.std}, got); diff != "" {
			t.Errorf("%s: responses (-listed +got; [0] ours, [1] net/http/cgi):\n%s", tt.script, diff)
		}
	}
}

// TestCGIDotSegmentsInPathInfo: PATH_TRANSLATED is PATH_INFO inside the
// document root (RFC 3875 section 4.1.6), so a PATH_INFO with "." or ".."
// segments, which could climb out of it, is refused with 400 and the
// script never runs. The routers clean a literal "/../" out of a path
// (ServeMux, with a redirect) or pass it on (chi); "%2e%2e" passes both,
// and becomes ".." only once decoded. The host alone gets everything raw.
func TestCGIDotSegmentsInPathInfo(t *testing.T) {
	dir := t.TempDir()
	ran := filepath.Join(t.TempDir(), "ran")
	writeScript(t, dir, "where.sh", "echo \"$PATH_INFO\" >> "+ran+"; printf 'Content-Type: text/plain\\n\\n%s\\n' \"$PATH_TRANSLATED\"")
	const refusal = `the path after the script's name has a "." or ".." segment: PATH_TRANSLATED would not stay inside the document root` + "\n"
	for _, router := range []string{"mux", "chi", ""} {
		t.Run("router="+router, func(t *testing.T) {
			addr, _ := startHost(t, &cgi.Handler{Dir: dir, Timeout: testTimeout}, router)
			for _, target := range []string{
				"/cgi-bin/where.sh/x/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
				"/cgi-bin/where.sh/x/%2E%2E/%2e%2E/%2e%2e/etc/passwd",
				"/cgi-bin/where.sh/%2e%2e",
				"/cgi-bin/where.sh/x/%2e/y",
				"/cgi-bin/where.sh/x/../../../etc/passwd",
				"/cgi-bin/where.sh/x/./y",
			} {
				got := do(t, addr, get(target))
				literal := !strings.Contains(target, "%")
				if literal && router == "mux" {
					// ServeMux cleans the path first, and redirects to
					// the clean one: the host never sees the request.
					if got.Status != http.StatusTemporaryRedirect {
						t.Errorf("GET %s: %d %q, want ServeMux's 307", target, got.Status, got.Body)
					}
					continue
				}
				if diff := cmp.Diff(result{400, nil, refusal}, got); diff != "" {
					t.Errorf("GET %s (-want +got):\n%s", target, diff)
				}
			}
			// Dots inside a segment are a name like any other.
			got := do(t, addr, get("/cgi-bin/where.sh/x/..y/a.b/..."))
			want := result{200, nil, filepath.Join(filepath.Dir(dir), "x", "..y", "a.b", "...") + "\n"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("dots inside segments (-want +got):\n%s", diff)
			}
		})
	}
	// The script ran for the last request of each router, and for no other.
	data, err := os.ReadFile(ran)
	must(t, err)
	if diff := cmp.Diff(strings.Repeat("/x/..y/a.b/...\n", 3), string(data)); diff != "" {
		t.Errorf("the PATH_INFO of each run of the script (-want +got):\n%s", diff)
	}
}

// cutOff reads raw as a client does and reports what came of the body
// before the connection closed; it fails the test if the response looks
// complete (the client could not tell that it was cut off).
func cutOff(t *testing.T, raw string) (status int, body string) {
	t.Helper()
	if strings.HasSuffix(raw, "0\r\n\r\n") {
		t.Errorf("the response ends with the last chunk, as a complete one does: %q", raw)
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
	if err != nil {
		t.Fatalf("read response %q: %v", raw, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != io.ErrUnexpectedEOF {
		t.Errorf("reading the body: %v, want io.ErrUnexpectedEOF (a body cut off)", err)
	}
	return resp.StatusCode, string(b)
}

// TestCGICutOff: a response the host cannot finish is broken off, without
// the last chunk, so the client can tell it from a complete one: a script
// killed by the timeout after it began its body, and one that prints more
// than MaxOutput. A script killed before its first byte of body gets a
// clean 504, even if it had printed its header.
func TestCGICutOff(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"cut.sh":         "printf 'Content-Type: text/plain\\n\\nfirst\\n'; sleep 60",
		"header-only.sh": "printf 'Content-Type: text/plain\\n\\n'; sleep 60",
		"silent.sh":      "sleep 60; printf 'Content-Type: text/plain\\n\\nlate\\n'",
		"big.sh":         "printf 'Content-Type: text/plain\\n\\n0123456789ABCDEF'; sleep 60",
	} {
		writeScript(t, dir, name, body)
	}
	// The timeout must leave the scripts time to print their header:
	// they do so at once, so half a second is plenty.
	const timeout = 500 * time.Millisecond
	addr, logged := startHost(t, &cgi.Handler{Dir: dir, Timeout: timeout}, "mux")

	t.Run("killed mid-body", func(t *testing.T) {
		raw := roundTrip(t, addr, get("/cgi-bin/cut.sh"))
		want := "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: (set aside)\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"6\r\nfirst\n\r\n" // and then the close, without "0\r\n\r\n"
		if diff := cmp.Diff(want, withoutDate(raw)); diff != "" {
			t.Errorf("response (-want +got):\n%s", diff)
		}
		if status, body := cutOff(t, raw); status != 200 || body != "first\n" {
			t.Errorf("the client read %d %q before the cut, want 200 \"first\\n\"", status, body)
		}
		// The host logs before it breaks the response off.
		if want := "cut.sh: killed after 500ms: response cut off"; !strings.Contains(logged.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logged.String())
		}
	})
	for _, script := range []string{"header-only.sh", "silent.sh"} {
		t.Run("killed before its body: "+script, func(t *testing.T) {
			got := do(t, addr, get("/cgi-bin/"+script))
			if diff := cmp.Diff(result{504, nil, "Gateway Timeout\n"}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if want := script + ": no answer within 500ms: 504"; !strings.Contains(logged.String(), want) {
				t.Errorf("the log does not say %q:\n%s", want, logged.String())
			}
		})
	}
	t.Run("over MaxOutput", func(t *testing.T) {
		addr, logged := startHost(t, &cgi.Handler{Dir: dir, Timeout: testTimeout, MaxOutput: 10}, "mux")
		// The first 10 bytes are sent (in one chunk or more, as the
		// script's writes come), then the response is broken off.
		if status, body := cutOff(t, roundTrip(t, addr, get("/cgi-bin/big.sh"))); status != 200 || body != "0123456789" {
			t.Errorf("the client read %d %q before the cut, want 200 \"0123456789\"", status, body)
		}
		if want := "big.sh: output over 10 bytes: response cut off"; !strings.Contains(logged.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logged.String())
		}
	})
}

// TestCGIHalfClose: a client that shuts down its sending side after its
// request (shutdown(SHUT_WR)) still reads the answer (RFC 9112 section
// 9.6): the script runs to its end. The server's watch reads end of file
// and ends the request's context, as when a client hangs up; the host
// must not take that for a client that left. "at once" half-closes as a
// client does; "after the watch" runs the host only once the request's
// context has ended, which the half-close alone brought about.
func TestCGIHalfClose(t *testing.T) {
	want := result{200, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "Hello from a CGI script, run by part4-concurrency.\n"}
	for _, waitForTheWatch := range []bool{false, true} {
		name := "at once"
		if waitForTheWatch {
			name = "after the watch"
		}
		t.Run(name, func(t *testing.T) {
			host := &cgi.Handler{Dir: scripts(t), Timeout: testTimeout}
			var addr string
			var logged *syncBuffer
			if !waitForTheWatch {
				addr, logged = startHost(t, host, "mux")
			} else {
				logged = completeHost(t, host)
				addr = startOurs(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-r.Context().Done():
						host.ServeHTTP(w, r)
					case <-time.After(testTimeout):
						http.Error(w, "the request's context never ended", http.StatusInternalServerError)
					}
				}))
			}
			conn := dial(t, addr)
			io.WriteString(conn, get("/cgi-bin/hello.sh"))
			must(t, conn.(*net.TCPConn).CloseWrite())
			raw := readResponse(t, conn, "GET")
			if diff := cmp.Diff(want, parseResponse(t, raw, "GET", "Content-Type")); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			// Anything the host logs, it logs before the response ends.
			if got := logged.String(); got != "" {
				t.Errorf("the host logged:\n%s", got)
			}
		})
	}
}

// TestCGIUnsupported: where scripts cannot run (not Unix), /cgi-bin/
// answers 501 with the reason. (On Unix, every other test runs them.)
func TestCGIUnsupported(t *testing.T) {
	err := cgi.Unsupported()
	if err == nil {
		t.Skip("scripts run on this system")
	}
	addr := startOurs(t, &cgi.Handler{Dir: scripts(t), Prefix: "/cgi-bin/"})
	if diff := cmp.Diff(result{501, nil, err.Error() + "\n"}, do(t, addr, get("/cgi-bin/hello.sh"))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
