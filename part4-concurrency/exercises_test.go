//go:build exercises && unix

package main

// The acceptance tests of the exercises in README.md, one per exercise.
// They run only with the build tag:
//
//	go test -tags exercises -run 'TestExercise3$' ./part4-concurrency/...
//
// Each fails on the part as shipped and passes once the exercise is done.
// Exercises 1 and 2 are questions (see their folded answers). The tests
// of exercises 4, 5, 6 and 9 build and run the program, as
// process_test.go does (hence Unix only; exercise 4's reads /proc, Linux
// only).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"
)

// exProgram is the program started by startExercise.
type exProgram struct {
	pid  int
	addr string
	log  *syncBuffer
}

// startExercise runs the program at path (the built one if empty) on a
// free port with args, waits for its first line, and stops it with
// SIGTERM when the test ends. Unlike startProgram, it says what is
// missing when the program does not start, and it does not hang when the
// program does not stop: after testTimeout it kills the program and its
// children.
func startExercise(t *testing.T, path string, args ...string) *exProgram {
	t.Helper()
	if path == "" {
		path = buildBinary(t)
	}
	all := append([]string{"-addr", "127.0.0.1:0", "-files", t.TempDir()}, args...)
	cmd := exec.Command(path, all...)
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = cmd.Stdout
	must(t, cmd.Start())
	p := &exProgram{pid: cmd.Process.Pid, log: &syncBuffer{}}
	br := bufio.NewReader(out)
	first, _ := br.ReadString('\n')
	m := servingLine.FindStringSubmatch(first)
	if m == nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the program run with %q did not start serving: its first line is %q", args, first)
	}
	p.addr = m[1]
	logEnd := make(chan struct{})
	go func() {
		io.Copy(p.log, br)
		close(logEnd)
	}()
	exited := make(chan struct{})
	go func() {
		cmd.Wait() // after the pipe's end: the children too
		close(exited)
	}()
	t.Cleanup(func() {
		kids := children(t, p.pid)
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(testTimeout):
			for pid := range kids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			cmd.Process.Kill()
			<-exited
			t.Errorf("the program run with %q did not stop within %v of SIGTERM (its children with it); it was killed", args, testTimeout)
		}
	})
	return p
}

// exGet does one GET on a new connection that asks the server to close,
// and returns the response's status and body, or an error.
func exGet(addr, path string) (int, string, error) {
	conn, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(testTimeout))
	if _, err := io.WriteString(conn, get(path, "Connection: close\r\n")); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "GET"})
	if err != nil {
		return 0, "", err
	}
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// TestExercise3 checks that a client past MaxConns, in the goroutine
// model, is accepted and answered at once: a 503 with a Retry-After field
// (seconds or a date), and the connection closed; and that the server
// serves again once a connection has ended.
func TestExercise3(t *testing.T) {
	g := newGate()
	srv := &Server{Handler: g, MaxConns: 1, ReadTimeout: testTimeout, WriteTimeout: testTimeout}
	addr := startServer(t, srv.Serve)

	busy := dial(t, addr) // holds the only slot
	send(t, busy, get("/slow"))
	select {
	case <-g.started:
	case <-time.After(testTimeout):
		t.Fatal("the first client's request never reached the handler")
	}
	defer func() {
		select {
		case <-g.release:
		default:
			close(g.release)
		}
	}()

	past := dial(t, addr)
	send(t, past, get("/past"))
	// The answer must come without waiting for the busy client: a
	// deadline, so that the server as shipped (which leaves the client in
	// the backlog) fails instead of hanging.
	const wait = 3 * time.Second
	past.SetReadDeadline(time.Now().Add(wait))
	br := bufio.NewReader(past)
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("a client past the cap (MaxConns 1, the slot taken by a request in progress) got no answer within %v: it still waits in the backlog; answer it 503 Service Unavailable with a Retry-After field", wait)
		}
		t.Fatalf("a client past the cap: reading the answer: %v; want a 503 with a Retry-After field", err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a client past the cap got status %d, want 503 Service Unavailable", resp.StatusCode)
	}
	switch ra := resp.Header.Get("Retry-After"); {
	case ra == "":
		t.Errorf("the 503 has no Retry-After field: it tells the client when to try again (RFC 9110 section 10.2.3)")
	default:
		if n, err := strconv.Atoi(ra); err != nil || n < 0 {
			if _, err := http.ParseTime(ra); err != nil {
				t.Errorf("Retry-After: %s is neither a number of seconds nor an HTTP date", ra)
			}
		}
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) > 0 {
		t.Errorf("after the 503, the server must close the connection: got %q, %v", rest, err)
	}

	// The busy client is served, and once it has gone, its slot serves
	// the next client again.
	close(g.release)
	if got := parseResponse(t, readResponse(t, busy, "GET"), "GET"); got.Body != "done /slow" {
		t.Errorf("the request in progress: %+v, want its answer", got)
	}
	busy.Close()
	served := eventually(func() bool {
		status, body, err := exGet(addr, "/after")
		return err == nil && status == 200 && body == "done /after"
	})
	if !served {
		t.Errorf("once the only connection ended, a new client still does not get a 200: the slot must come back")
	}
}

// TestExercise4 checks -model prefork -workers 3: the program starts
// three children before any client comes, and those same three serve
// every connection (no process per connection).
func TestExercise4(t *testing.T) {
	needProc(t)
	p := startExercise(t, "", "-model", "prefork", "-workers", "3")
	var before map[int]string
	if !eventually(func() bool { before = children(t, p.pid); return len(before) == 3 }) {
		t.Fatalf("with -workers 3 the program has %d children before any client (%v), want 3 started up front", len(before), before)
	}
	for i := range 12 {
		want := fmt.Sprintf("prefork-%d", i)
		status, body, err := exGet(p.addr, "/echo/"+want)
		if err != nil || status != 200 || body != want {
			t.Fatalf("GET /echo/%s: status %d, body %q, error %v; want 200 and %q", want, status, body, err, want)
		}
	}
	after := children(t, p.pid)
	for pid, state := range after {
		if _, ok := before[pid]; !ok {
			t.Errorf("child %d (state %s) appeared after 12 connections: the three children started up front must accept and serve them", pid, state)
		}
	}
	for pid := range before {
		if state, ok := after[pid]; !ok || state == "Z" {
			t.Errorf("child %d, started up front, is gone (or a zombie) after 12 connections: a prefork child serves connection after connection", pid)
		}
	}
}

// TestExercise5 checks -max-requests 3: on one kept-alive connection, the
// first two responses keep it open, the third says "Connection: close"
// and the server closes the connection after it.
func TestExercise5(t *testing.T) {
	p := startExercise(t, "", "-max-requests", "3")
	conn := dial(t, p.addr)
	for i := 1; i <= 3; i++ {
		raw := get(fmt.Sprintf("/echo/%d", i))
		if _, err := io.WriteString(conn, raw); err != nil {
			t.Fatalf("request %d: write: %v (the server closed the connection too early?)", i, err)
		}
		got := parseResponse(t, readResponse(t, conn, "GET"), raw, "Connection")
		if got.Status != 200 || got.Body != strconv.Itoa(i) {
			t.Fatalf("request %d: %+v, want a 200 with body %d", i, got, i)
		}
		closes := strings.EqualFold(got.Header["Connection"], "close")
		switch {
		case i < 3 && closes:
			t.Fatalf("response %d says Connection: close: with -max-requests 3, only the third must", i)
		case i == 3 && !closes:
			t.Fatalf("the third response on one connection has Connection: %q, want close (-max-requests 3)", got.Header["Connection"])
		}
	}
	if rest := readAll(t, conn); rest != "" {
		t.Errorf("after the third response the server must close the connection; it sent %q", rest)
	}
}

// TestExercise6 checks GET /goroutines: a 200 whose body is the number of
// goroutines in the server (runtime.NumGoroutine), which grows by at
// least one per connection the server holds.
func TestExercise6(t *testing.T) {
	p := startExercise(t, "")
	count := func() (int, error) {
		status, body, err := exGet(p.addr, "/goroutines")
		if err != nil {
			return 0, err
		}
		if status != 200 {
			return 0, fmt.Errorf("status %d, want 200", status)
		}
		n, err := strconv.Atoi(strings.TrimSpace(body))
		if err != nil {
			return 0, fmt.Errorf("the body %.80q is not a number: want runtime.NumGoroutine() alone, in decimal", body)
		}
		return n, nil
	}
	n0, err := count()
	if err != nil {
		t.Fatalf("GET /goroutines: %v", err)
	}
	const silent = 50
	for range silent {
		dial(t, p.addr) // connected, sends nothing: a goroutine waits for it
	}
	var n int
	if !eventually(func() bool { n, err = count(); return err == nil && n >= n0+silent }) {
		t.Errorf("GET /goroutines said %d, then %d (%v) with %d more connections open: want at least one more goroutine per connection", n0, n, err, silent)
	}
}

// TestExercise7 checks that the buffers do not outlive garbage
// collections (as with sync.Pool): a request served after two collections
// allocates a new 16 KiB reader, where the free list hands back the one
// the connection's previous request used.
func TestExercise7(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })
	_, addr := startModel(t, Goroutine, h)
	conn := dial(t, addr)
	exchange := func() {
		send(t, conn, get("/"))
		readResponse(t, conn, "GET")
	}
	for range 3 {
		exchange() // the buffers exist, and go back to the server when idle
	}
	const runs = 10
	var total uint64
	for range runs {
		runtime.GC()
		runtime.GC() // what a sync.Pool held survives one collection, not two
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		exchange()
		runtime.ReadMemStats(&after)
		total += after.TotalAlloc - before.TotalAlloc
	}
	if per := total / runs; per < readBufferBytes {
		t.Errorf("after two garbage collections, a request allocated %d bytes (test and server together): the server still had its buffers; with sync.Pool the collections empty it, and each request allocates a new %d-byte reader", per, readBufferBytes)
	}
}

// TestExercise8 checks that the client watch begins whether the handler
// asks the context or not: a request whose handler never calls
// r.Context() then costs as many allocations as one whose handler asks.
func TestExercise8(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ask" {
			_ = r.Context().Err()
		}
		io.WriteString(w, "hi")
	})
	_, addr := startModel(t, Goroutine, h)
	conn := dial(t, addr)
	br := bufio.NewReader(conn)
	exchange := func(path string) {
		io.WriteString(conn, get(path))
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for range 10 {
		exchange("/ask")
		exchange("/quiet")
	}
	// The fewest of five measurements each: a stray allocation (a free
	// list letting its buffers go, the runtime's own) can fall in any
	// one of them, and must not decide.
	ask, quiet := math.Inf(1), math.Inf(1)
	for range 5 {
		ask = min(ask, testing.AllocsPerRun(100, func() { exchange("/ask") }))
		quiet = min(quiet, testing.AllocsPerRun(100, func() { exchange("/quiet") }))
	}
	// Without the watch for every request, a request that asks costs
	// three more; with it, asking may still cost one (its answer).
	if ask-quiet > 1 {
		t.Errorf("a request whose handler asks its context costs %.0f allocations (test and server together), one whose handler does not %.0f: the watch still waits to be asked; start it for every request", ask, quiet)
	}
}

// TestExercise9 checks that when the process model cannot start a child
// for a connection, the client gets 503 Service Unavailable instead of a
// bare close. The test makes every start fail by removing the program's
// file once it runs.
func TestExercise9(t *testing.T) {
	src, err := os.ReadFile(buildBinary(t))
	must(t, err)
	path := filepath.Join(t.TempDir(), "part4-concurrency")
	must(t, os.WriteFile(path, src, 0o755))
	p := startExercise(t, path, "-model", "process")
	must(t, os.Remove(path)) // from now on, starting a child fails
	status, body, err := exGet(p.addr, "/echo/hello")
	if err != nil {
		t.Fatalf("when a child cannot start (here: its program's file is gone), the client must get a 503 Service Unavailable; it got %v", err)
	}
	if status != http.StatusServiceUnavailable {
		t.Errorf("when a child cannot start, the client got status %d (%q), want 503 Service Unavailable", status, body)
	}
	if !eventually(func() bool { return strings.Contains(p.log.String(), "start child") }) {
		t.Errorf("the program's log does not say that a child failed to start: %q", p.log.String())
	}
}

// TestExercise10 checks the chat's memory: right after its welcome, a
// new member gets the last 20 messages said in the chat (kind "say"),
// oldest first, and then its own join.
func TestExercise10(t *testing.T) {
	addr := startWebSocketSite(t, startOurs, "mux")
	ctx := testContext(t)
	ann := wsDial(t, addr, "/chat/ws?name=ann")
	chatNext(t, ctx, ann) // welcome
	chatNext(t, ctx, ann) // ann joined
	for i := range 25 {
		must(t, ann.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf("message %d", i+1))))
		chatNext(t, ctx, ann) // her own message: the hub has it
	}
	bob := wsDial(t, addr, "/chat/ws?name=bob")
	if m := chatNext(t, ctx, bob); m["kind"] != "welcome" {
		t.Fatalf("bob's first message: %v, want his welcome", m)
	}
	var got []string
	for {
		m := chatNext(t, ctx, bob)
		if m["kind"] != "say" {
			if m["kind"] != "join" || m["name"] != "bob" {
				t.Errorf("after the history: %v, want bob's join", m)
			}
			break
		}
		got = append(got, fmt.Sprint(m["text"]))
	}
	var want []string
	for i := 6; i <= 25; i++ {
		want = append(want, fmt.Sprintf("message %d", i))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what bob gets between his welcome and his join: the last 20 messages, oldest first (-want +got):\n%s", diff)
	}
}
