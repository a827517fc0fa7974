package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"maps"
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
	"golang.org/x/sys/unix"
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

// startCGI serves the scripts of dir at /cgi-bin/ on our server, through
// the site, with the given timeout. It returns the address and the log.
func startCGI(t *testing.T, dir string, timeout time.Duration) (string, *syncBuffer) {
	t.Helper()
	logged := &syncBuffer{}
	host := &cgi.Handler{Dir: dir, Prefix: "/cgi-bin/", Timeout: timeout, Software: "part4-concurrency", Log: log.New(logged, "", 0)}
	h, err := site.New(site.Pages, t.TempDir(), "mux", host)
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
	for _, s := range []string{"loop.sh", "no-end.sh", "nothing.sh", "no-colon.sh", "bad-name.sh", "cr-inside.sh", "twice.sh", "bad-status.sh", "no-type.sh", "huge.sh"} {
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
	} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logged.String())
		}
	}
	// HEAD: the head of the script's answer, no body.
	if got := roundTrip(t, addr, head("/cgi-bin/doc.sh")); strings.Contains(got, "hello") || !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("HEAD: %q", got)
	}
}

// TestCGIChoosingTheScript: only a regular, executable file directly in
// the folder ever runs.
func TestCGIChoosingTheScript(t *testing.T) {
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

// waitExit waits until process pid has ended (it may still be a zombie
// awaiting its parent's wait), and fails the test if it is still running
// after testTimeout. A pidfd becomes readable when its process ends, for
// any process, not only our children: an exact wait, without polling.
func waitExit(t *testing.T, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err == unix.ESRCH {
		return // gone already, reaped
	}
	must(t, err)
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(testTimeout.Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		must(t, err)
		if n == 0 {
			t.Errorf("process %d is still running after %v, state %s", pid, testTimeout, procState(pid))
		}
		return
	}
}

// TestCGIClientGoneKillsTheScript: a client that hangs up mid-answer
// stops the script, which would otherwise run on for nobody.
func TestCGIClientGoneKillsTheScript(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	dir := t.TempDir()
	pids := filepath.Join(t.TempDir(), "pids")
	writeScript(t, dir, "forever.sh", "echo $$ >> "+pids+"; printf 'Content-Type: text/plain\\n\\n'; while :; do echo tick; sleep 0.05; done")
	addr, _ := startCGI(t, dir, testTimeout)
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
