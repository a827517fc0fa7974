//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"example.com/webserver/part4-concurrency/middleware"
	"example.com/webserver/part4-concurrency/site"
	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"
)

// The process model's tests. Its children are new processes of the
// program itself, so these tests build the program and run it, as a
// learner does (hence Unix only, as the process model), and look at its
// processes and descriptors in /proc (those tests skip elsewhere than on
// Linux).

var (
	binaryOnce sync.Once
	binaryDir  string // removed by TestMain
	binaryPath string
	binaryErr  error
)

// buildBinary builds this part's program, once for all the tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		binaryDir, binaryErr = os.MkdirTemp("", "part4-test-")
		if binaryErr != nil {
			return
		}
		binaryPath = filepath.Join(binaryDir, "part4-concurrency")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// TestMain removes the program buildBinary builds, once every test has
// run.
func TestMain(m *testing.M) {
	// PART4_MODEL=epoll runs every test whose server has no Model of its
	// own in the event loop model: the whole suite, site and CGI included
	// (.ci/run does).
	if model := Model(os.Getenv("PART4_MODEL")); model != "" {
		defaultModel = model
	}
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// program is a running server program.
type program struct {
	pid    int
	addr   string
	log    *syncBuffer // what it printed after its first line
	logEnd chan struct{}
	exited chan struct{}
	state  *os.ProcessState // set once exited is closed
}

var servingLine = regexp.MustCompile(`serving HTTP on http://([^/]+)/`)

// startProgram runs the built program on a free port with args, waits
// for its first line (which says where it listens), and stops it with
// SIGTERM when the test ends.
func startProgram(t *testing.T, args ...string) *program {
	t.Helper()
	cmd := exec.Command(buildBinary(t), append([]string{"-addr", "127.0.0.1:0", "-files", t.TempDir()}, args...)...)
	// Its children write to the same pipe: it ends when all have exited.
	out, err := cmd.StdoutPipe()
	must(t, err)
	cmd.Stderr = cmd.Stdout
	must(t, cmd.Start())
	p := &program{pid: cmd.Process.Pid, log: &syncBuffer{}, logEnd: make(chan struct{}), exited: make(chan struct{})}
	br := bufio.NewReader(out)
	first, err := br.ReadString('\n')
	m := servingLine.FindStringSubmatch(first)
	if m == nil {
		cmd.Process.Kill()
		t.Fatalf("the program's first line: %q, %v", first, err)
	}
	p.addr = m[1]
	go func() {
		io.Copy(p.log, br)
		close(p.logEnd)
	}()
	go func() {
		// Wait returns once the pipe is done too, so it waits for the
		// children; the test waits on exited only for the program.
		cmd.Wait()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-p.exited
	})
	return p
}

// needProc skips a test that looks at the program in /proc, where there
// is none in Linux's format.
func needProc(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads the program's children and descriptors from /proc: Linux only")
	}
}

// children returns the process ids of pid's children and their states.
func children(t *testing.T, pid int) map[int]string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	must(t, err)
	kids := map[int]string{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
		if err != nil {
			continue // it ended meanwhile
		}
		// "pid (name) state ppid ...": the name may hold spaces.
		_, after, _ := strings.Cut(string(stat), ") ")
		fields := strings.Fields(after)
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			kids[child] = fields[0]
		}
	}
	return kids
}

// openFiles counts pid's open descriptors.
func openFiles(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	must(t, err)
	return len(fds)
}

// getClose does one request that asks the server to close, and reads up to
// the close: it returns only once every copy of the connection's
// descriptor is closed, in the child and in the parent.
func getClose(t *testing.T, addr, path string) result {
	t.Helper()
	conn := dial(t, addr)
	defer conn.Close()
	raw := get(path, "Connection: close\r\n")
	send(t, conn, raw)
	return parseResponse(t, readAll(t, conn), raw)
}

// TestProcessModelServesConcurrently: a child sleeps in /sleep for one
// client while another child answers a second client.
func TestProcessModelServesConcurrently(t *testing.T) {
	p := startProgram(t, "-model", "process")
	slow := dial(t, p.addr)
	send(t, slow, get("/sleep?d=10s"))
	slowDone := make(chan struct{})
	go func() {
		slow.Read(make([]byte, 1)) // the answer's first byte, or the close
		close(slowDone)
	}()
	if got := getClose(t, p.addr, "/echo/meanwhile"); got.Body != "meanwhile" {
		t.Errorf("second client: %+v", got)
	}
	select {
	case <-slowDone:
		t.Errorf("the slow request ended before the second client's")
	default:
	}
	slow.Close() // its child sees the client go, and ends early
}

// TestProcessModelCleansUp: after a few hundred connections, each served
// by a child, the parent has no child left, neither running nor a zombie,
// and as many descriptors open as before: it closed its copies of every
// connection and reaped every child.
func TestProcessModelCleansUp(t *testing.T) {
	needProc(t)
	p := startProgram(t, "-model", "process")
	getClose(t, p.addr, "/") // the first request may open what stays open
	before := openFiles(t, p.pid)

	const clients, each = 10, 30
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				if got := getClose(t, p.addr, "/echo/x"); got.Body != "x" {
					t.Errorf("got %+v", got)
				}
			}
		})
	}
	wg.Wait()
	if after := openFiles(t, p.pid); after != before {
		t.Errorf("the parent has %d descriptors open after %d connections, %d before", after, clients*each, before)
	}
	// Every client saw its connection end, but the last children may
	// still be exiting, and the parent reaps each one when its SIGCHLD
	// arrives. Wait for the children to end (a pidfd tells), then for
	// the parent to reap them: that only shows in /proc, so the test
	// looks again until they are gone, up to its deadline.
	for pid := range children(t, p.pid) {
		waitExit(t, pid)
	}
	if !eventually(func() bool { return len(children(t, p.pid)) == 0 }) {
		t.Errorf("children left after %d connections: %v", clients*each, children(t, p.pid))
	}
}

// TestProcessModelZombies: with -reap=false, every child that exited
// stays in the process table as a zombie (state Z, <defunct> in ps) until
// the parent waits for it. A SIGTERM still reaps them as the parent stops.
func TestProcessModelZombies(t *testing.T) {
	needProc(t)
	p := startProgram(t, "-model", "process", "-reap=false")
	const n = 20
	for range n {
		getClose(t, p.addr, "/echo/z")
	}
	kids := children(t, p.pid)
	for pid := range kids {
		waitExit(t, pid) // each is done serving: a zombie now
	}
	zombies := 0
	for _, state := range children(t, p.pid) {
		if state == "Z" {
			zombies++
		}
	}
	if zombies != n {
		t.Errorf("%d zombies after %d connections, want %d (children: %v)", zombies, n, n, kids)
	}
	must(t, syscall.Kill(p.pid, syscall.SIGTERM))
	<-p.exited
	if code := p.state.ExitCode(); code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", code)
	}
}

// TestProcessModelParentKeepsCopies is LSBAWS's "hanging curl": the child
// answers and exits, closing its descriptor of the connection, but the
// parent still holds one (-parent-closes=false), so the connection does
// not end and the client never sees the close it was promised.
func TestProcessModelParentKeepsCopies(t *testing.T) {
	needProc(t)
	for _, tt := range []struct {
		parentCloses bool
		want         string
	}{{true, "the close"}, {false, "nothing"}} {
		t.Run(fmt.Sprintf("-parent-closes=%v", tt.parentCloses), func(t *testing.T) {
			p := startProgram(t, "-model", "process", fmt.Sprintf("-parent-closes=%v", tt.parentCloses))
			conn := dial(t, p.addr)
			send(t, conn, get("/echo/bye", "Connection: close\r\n"))
			resp := parseResponse(t, readResponse(t, conn, "GET"), "GET", "Connection")
			if diff := cmp.Diff(result{200, map[string]string{"Connection": "close"}, "bye"}, resp); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			for pid := range children(t, p.pid) {
				waitExit(t, pid) // the child has closed its copy
			}
			// A deadline now: Read returns what has arrived already.
			conn.SetReadDeadline(time.Now())
			_, err := conn.Read(make([]byte, 1))
			got := "nothing"
			if err == io.EOF {
				got = "the close"
			}
			if got != tt.want && (tt.want == "nothing" || !isTimeout(err)) {
				t.Errorf("after the child exited, the client sees %s (%v), want %s", got, err, tt.want)
			}
		})
	}
}

// TestProcessModelShutdown: SIGTERM to the parent is passed on to the
// children; a child inside a request finishes it, and the parent waits
// for it before it exits 0. The request is a CGI script that tells the
// test when it runs and waits for the test to let it finish, through two
// named pipes.
func TestProcessModelShutdown(t *testing.T) {
	dir := t.TempDir()
	running, finish := filepath.Join(dir, "running"), filepath.Join(dir, "finish")
	must(t, syscall.Mkfifo(running, 0o600))
	must(t, syscall.Mkfifo(finish, 0o600))
	writeScript(t, dir, "wait.sh", "echo yes > "+running+"; read x < "+finish+"; printf 'Content-Type: text/plain\\n\\nfinished\\n'")
	p := startProgram(t, "-model", "process", "-cgi-bin", dir)

	conn := dial(t, p.addr)
	send(t, conn, get("/cgi-bin/wait.sh"))
	_, err := os.ReadFile(running) // blocks until the script runs
	must(t, err)
	must(t, syscall.Kill(p.pid, syscall.SIGTERM))
	// The parent must not exit while its child serves: it could not, as
	// the child holds the connection open. Let the script finish.
	must(t, os.WriteFile(finish, []byte("go\n"), 0o600))
	// The whole answer, then the close (with "Connection: close" if the
	// child had its SIGTERM by then; else it closes the connection as
	// idle once it has).
	got := parseResponse(t, readAll(t, conn), "GET")
	if diff := cmp.Diff(result{200, nil, "finished\n"}, got); diff != "" {
		t.Errorf("the request in flight (-want +got):\n%s", diff)
	}
	<-p.exited
	if code := p.state.ExitCode(); code != 0 {
		t.Errorf("exit status %d, want 0; log:\n%s", code, p.log.String())
	}
}

// TestProcessModelCap: -max-conns caps the children, as Apache's
// MaxRequestWorkers does: past it, a client waits until a child ends,
// instead of costing the machine another process.
func TestProcessModelCap(t *testing.T) {
	needProc(t)
	p := startProgram(t, "-model", "process", "-max-conns", "2")
	a, b := dial(t, p.addr), dial(t, p.addr) // two silent clients
	if !eventually(func() bool { return len(children(t, p.pid)) == 2 }) {
		t.Fatalf("children: %v, want 2", children(t, p.pid))
	}
	c := dial(t, p.addr)
	send(t, c, get("/echo/third"))
	// No child may serve c while a and b hold both slots. That it does
	// not can only be seen by waiting a little: a wrong answer would come
	// within milliseconds, a right one never comes.
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n > 0 || !isTimeout(err) {
		t.Fatalf("the third client was served past the cap (%d bytes, %v); children: %v", n, err, children(t, p.pid))
	}
	c.SetReadDeadline(time.Now().Add(testTimeout))
	if n := len(children(t, p.pid)); n > 2 {
		t.Errorf("%d children, want at most 2", n)
	}
	// a ends: its child exits, is reaped, and c's turn comes.
	send(t, a, get("/echo/first", "Connection: close\r\n"))
	readAll(t, a)
	if got := parseResponse(t, readResponse(t, c, "GET"), "GET"); got.Body != "third" {
		t.Errorf("the third client, once a slot is free: %+v", got)
	}
	b.Close()
}

// TestProcessModelNoChildGivesTheSlotBack: a connection no child can be
// started for (here not TCP; out of descriptors, tc.File fails the same
// way) is closed and its slot given back. Before, the slot stayed taken:
// 256 failures (the default cap) stopped the accept loop for good.
func TestProcessModelNoChildGivesTheSlotBack(t *testing.T) {
	s := &Server{Model: Process, MaxConns: 1, Log: log.New(io.Discard, "", 0)}
	if !s.takeSlot() {
		t.Fatal("takeSlot: false")
	}
	conn, other := net.Pipe()
	defer other.Close()
	s.startChild(conn)
	if n := len(s.slots); n != 0 {
		t.Errorf("slots taken after a connection no child serves: %d, want 0", n)
	}
	if _, err := conn.Write([]byte("x")); err == nil {
		t.Error("the connection is still open")
	}
}

// TestProcessModelGivesWay: at the cap, a child whose client made its
// request and stays connected gives its slot up for a client that waits
// (the parent asks with SIGUSR1), instead of holding it for the idle
// timeout.
func TestProcessModelGivesWay(t *testing.T) {
	p := startProgram(t, "-model", "process", "-max-conns", "1", "-idle-timeout", "1h")
	idle := dial(t, p.addr)
	send(t, idle, get("/echo/first"))
	if got := parseResponse(t, readResponse(t, idle, "GET"), "GET"); got.Body != "first" {
		t.Fatalf("the first client: %+v", got)
	}
	second := dial(t, p.addr)
	send(t, second, get("/echo/second"))
	if got := parseResponse(t, readResponse(t, second, "GET"), "GET"); got.Body != "second" {
		t.Errorf("the second client: %+v", got)
	}
	if got := readAll(t, idle); got != "" {
		t.Errorf("the idle connection: got %q, want it closed", got)
	}
}

// TestProcessModelShutdownRemovesUploads: SIGTERM with uploads in flight
// that do not finish in time. Each child stops its upload at its own
// shutdown timeout and removes the temporary file; the parent waits a
// little longer than the children before it kills, so none is killed in
// the middle of that, and nothing half-written is left.
func TestProcessModelShutdownRemovesUploads(t *testing.T) {
	files := t.TempDir()
	p := startProgram(t, "-model", "process", "-shutdown-timeout", "500ms", "-files", files)
	for i := range 3 {
		conn := dial(t, p.addr)
		send(t, conn, fmt.Sprintf("PUT /files/up%d HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\nthe start", i))
	}
	temporary := func() []string {
		names, err := filepath.Glob(filepath.Join(files, ".upload-*"))
		must(t, err)
		return names
	}
	if !eventually(func() bool { return len(temporary()) == 3 }) {
		t.Fatalf("temporary files: %v, want 3", temporary())
	}
	must(t, syscall.Kill(p.pid, syscall.SIGTERM))
	<-p.exited
	<-p.logEnd
	if got := temporary(); len(got) != 0 {
		t.Errorf("left behind: %v", got)
	}
	if log := p.log.String(); strings.Contains(log, "ended by signal") {
		t.Errorf("a child was killed:\n%s", log)
	}
}

// TestProcessModelCGI: the CGI scripts run from a child as they do from a
// goroutine.
func TestProcessModelCGI(t *testing.T) {
	needInterpreter(t, "perl")
	p := startProgram(t, "-model", "process")
	tests := []struct {
		raw  string
		want result
	}{
		{get("/cgi-bin/hello.sh"), result{200, nil, "Hello from a CGI script, run by part4-concurrency.\n"}},
		{get("/cgi-bin/broken.sh"), result{502, nil, "Bad Gateway\n"}},
		{"POST /cgi-bin/form.pl HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nname=Go", result{200, nil, ""}},
	}
	for _, tt := range tests {
		got := do(t, p.addr, tt.raw)
		if tt.want.Body == "" && strings.Contains(got.Body, "<dd>Go</dd>") {
			got.Body = ""
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%.40q (-want +got):\n%s", tt.raw, diff)
		}
	}
}

// TestProcessModelSite: the site's answers from the program's children
// are the same bytes as net/http's from the same site (Date and upload
// times aside), request after request, uploads included.
func TestProcessModelSite(t *testing.T) {
	h, err := site.New(site.Pages, t.TempDir(), "mux", nil)
	must(t, err)
	reference := startNetHTTP(t, middleware.Gzip(h)) // as main.go wires it
	p := startProgram(t, "-model", "process")
	for _, raw := range append(siteRequests, muxOnlyRequests...) {
		want := maskTimes(roundTrip(t, reference, raw))
		got := maskTimes(roundTrip(t, p.addr, raw))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%.50q: response mismatch (-net/http +process model):\n%s", raw, diff)
		}
	}
}

// TestProcessModelChatStaysInItsChild: the process model serves WebSocket
// like the others (the echo works), but each connection is a child with a
// memory of its own, so each chat member has a hub to itself. ann and bob
// are served by two processes: bob's welcome lists bob alone, and what
// ann says never reaches him (his next message is his own).
func TestProcessModelChatStaysInItsChild(t *testing.T) {
	p := startProgram(t, "-model", "process")
	ctx := testContext(t)
	echo := wsDial(t, p.addr, "/ws/echo")
	must(t, echo.Write(ctx, websocket.MessageText, []byte("echo")))
	if _, got, err := echo.Read(ctx); err != nil || string(got) != "echo" {
		t.Errorf("/ws/echo in the process model: %q, %v", got, err)
	}

	welcome := func(c *websocket.Conn) (pid int, here []string) {
		t.Helper()
		_, b, err := c.Read(ctx)
		must(t, err)
		var m struct {
			Kind string
			PID  int
			Here []string
		}
		must(t, json.Unmarshal(b, &m))
		if m.Kind != "welcome" {
			t.Fatalf("first message %s, want a welcome", b)
		}
		return m.PID, m.Here
	}
	ann := wsDial(t, p.addr, "/chat/ws?name=ann")
	annPID, _ := welcome(ann)
	bob := wsDial(t, p.addr, "/chat/ws?name=bob")
	bobPID, here := welcome(bob)
	if annPID == bobPID || annPID == p.pid || bobPID == p.pid {
		t.Errorf("ann served by %d, bob by %d, the parent is %d: want two children", annPID, bobPID, p.pid)
	}
	if diff := cmp.Diff([]string{"bob"}, here); diff != "" {
		t.Errorf("who bob's hub has (-want +got):\n%s", diff)
	}
	chatNext(t, ctx, ann) // ann joined
	chatNext(t, ctx, bob) // bob joined
	must(t, ann.Write(ctx, websocket.MessageText, []byte("anyone?")))
	chatNext(t, ctx, ann) // ann's own message: her hub has seen it
	must(t, bob.Write(ctx, websocket.MessageText, []byte("hello?")))
	if diff := cmp.Diff(map[string]any{"kind": "say", "name": "bob", "text": "hello?"}, chatNext(t, ctx, bob)); diff != "" {
		t.Errorf("bob's next message (-want +got):\n%s", diff)
	}
}
