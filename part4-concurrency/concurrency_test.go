package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The tests of this part's concept: many clients at once, connections
// that carry many requests, timeouts, shutdown and hijacking. (The process
// model's tests, which run the built program, are in process_test.go.)

// gate is a handler that blocks until the test opens it: a slow handler
// whose slowness the test controls, so that no test needs to sleep. Each
// request to /slow announces itself on started, then waits for release;
// every other path answers at once. The paths of the requests that end
// are recorded in order.
type gate struct {
	started chan string
	release chan struct{}

	mu    sync.Mutex
	ended []string
}

func newGate() *gate {
	return &gate{started: make(chan string, 16), release: make(chan struct{})}
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/slow" {
		g.started <- r.URL.RawQuery
		<-g.release
	}
	g.mu.Lock()
	g.ended = append(g.ended, r.URL.Path)
	g.mu.Unlock()
	io.WriteString(w, "done "+r.URL.Path)
}

func (g *gate) order() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.ended...)
}

// startModel runs h on our server in the given model ("": the default,
// Goroutine, or the one PART4_MODEL names), with the tests' timeouts, and
// returns the server and its address.
func startModel(t *testing.T, model Model, h http.Handler) (*Server, string) {
	t.Helper()
	srv := &Server{Handler: h, Model: model, ReadTimeout: testTimeout, WriteTimeout: testTimeout}
	return srv, startServer(t, func(ln net.Listener) error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
}

// send writes raw on conn, failing the test if it cannot.
func send(t *testing.T, conn net.Conn, raw string) {
	t.Helper()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("write request: %v", err)
	}
}

// TestSecondClientDuringSlowHandler is LSBAWS part 3's experiment: one
// client is inside a slow handler when a second one comes. With a
// goroutine per connection (or a cap it does not reach) the second is
// answered while the first still waits; served one at a time, it is
// answered only after the first. The test asserts the order in which the
// handlers finished, not how long anything took.
func TestSecondClientDuringSlowHandler(t *testing.T) {
	type modelCase struct {
		name      string
		model     Model
		maxConns  int
		wantOrder []string
	}
	tests := []modelCase{
		{"goroutine", Goroutine, 0, []string{"/fast", "/slow"}},
		{"goroutine, cap of 2", Goroutine, 2, []string{"/fast", "/slow"}},
		{"goroutine, cap of 1", Goroutine, 1, []string{"/slow", "/fast"}},
		{"iterative", Iterative, 0, []string{"/slow", "/fast"}},
	}
	if eventLoopSupported {
		tests = append(tests, []modelCase{
			{"epoll", EventLoop, 0, []string{"/fast", "/slow"}},
			{"epoll, cap of 1", EventLoop, 1, []string{"/slow", "/fast"}},
		}...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			srv := &Server{Handler: g, Model: tt.model, MaxConns: tt.maxConns, ReadTimeout: testTimeout}
			addr := startServer(t, srv.Serve)

			first := dial(t, addr)
			send(t, first, get("/slow"))
			<-g.started // the first client is inside the handler
			second := dial(t, addr)
			send(t, second, get("/fast"))

			concurrent := tt.wantOrder[0] == "/fast"
			if concurrent {
				// Read the second answer while the first handler waits:
				// if the server could not serve it now, this read would
				// fail at the test's deadline.
				readResponse(t, second, "GET")
				close(g.release)
				readResponse(t, first, "GET")
			} else {
				// The second request is sent; whatever the server does
				// with it, it must finish the first one first. (With a
				// cap of one, the first connection must also end: the
				// cap counts connections, not requests.)
				close(g.release)
				readResponse(t, first, "GET")
				first.Close()
				readResponse(t, second, "GET")
			}
			if diff := cmp.Diff(tt.wantOrder, g.order()); diff != "" {
				t.Errorf("order the handlers finished in (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeepAlive: an HTTP/1.1 connection carries request after request
// (RFC 9112 section 9.3): the server accepts one connection for three
// requests sent one after the other.
func TestKeepAlive(t *testing.T) {
	srv := &Server{Handler: newGate(), ReadTimeout: testTimeout}
	addr, conns := startWatched(t, srv.Serve)
	conn := dial(t, addr)
	for _, path := range []string{"/a", "/b", "/c"} {
		send(t, conn, get(path))
		got := parseResponse(t, readResponse(t, conn, "GET"), "GET", "Connection")
		if diff := cmp.Diff(result{200, nil, "done " + path}, got); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", path, diff)
		}
	}
	if n := len(conns); n != 1 {
		t.Errorf("the server accepted %d connections for three requests, want 1", n)
	}
}

// TestPipelining: a client may send requests without waiting for the
// answers (RFC 9112 section 9.3.2); the server answers them in order.
// Here they even arrive in one write.
func TestPipelining(t *testing.T) {
	_, addr := startModel(t, "", newGate())
	conn := dial(t, addr)
	paths := []string{"/one", "/two", "/three", "/four"}
	var all strings.Builder
	for _, p := range paths {
		all.WriteString(get(p))
	}
	send(t, conn, all.String())
	br := bufio.NewReader(conn)
	var got []string
	for range paths {
		got = append(got, parseResponse(t, readResponse(t, br, "GET"), "GET").Body)
	}
	if diff := cmp.Diff([]string{"done /one", "done /two", "done /three", "done /four"}, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// TestPipelinedAnswersInOneWrite: the answers to requests that arrived
// together go out in one write (one system call, and often one packet):
// the server flushes only when no whole request waits in its buffer. (The
// goroutine model, whose connections a wrapper can count; the epoll model
// makes the same choice in the same serveHTTP.)
func TestPipelinedAnswersInOneWrite(t *testing.T) {
	writes := make(chan int, 1)
	srv := &Server{Handler: newGate(), Model: Goroutine, ReadTimeout: testTimeout}
	addr := startServer(t, func(ln net.Listener) error {
		return srv.Serve(&countingListener{Listener: ln, writes: writes})
	})
	conn := dial(t, addr)
	send(t, conn, get("/1")+get("/2")+get("/3")+get("/4", "Connection: close\r\n"))
	if n := strings.Count(readAll(t, conn), "HTTP/1.1 200 OK"); n != 4 {
		t.Errorf("%d answers, want 4", n)
	}
	if n := <-writes; n != 1 {
		t.Errorf("the answers took %d writes, want 1", n)
	}
}

// TestPanicBehindAPipelinedRequest: the answer to the first of two
// pipelined requests waits in the buffer for the second's; when the
// second's handler panics, the first answer still goes out, then the 500.
func TestPanicBehindAPipelinedRequest(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("on purpose")
		}
		io.WriteString(w, "answer "+r.URL.Path)
	})
	_, addr := startModel(t, "", h)
	conn := dial(t, addr)
	send(t, conn, get("/first")+get("/panic"))
	br := bufio.NewReader(conn)
	var got []result
	for range 2 {
		got = append(got, parseResponse(t, readResponse(t, br, "GET"), "GET"))
	}
	want := []result{{200, nil, "answer /first"}, {500, nil, "internal server error\n"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// countingListener's connections count their writes, and send the count
// on writes when the server closes them.
type countingListener struct {
	net.Listener
	writes chan<- int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, writes: l.writes}, nil
}

type countingConn struct {
	net.Conn
	n      int
	writes chan<- int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.n++
	return c.Conn.Write(p)
}

func (c *countingConn) Close() error {
	select {
	case c.writes <- c.n:
	default:
	}
	return c.Conn.Close()
}

// TestWhoCloses: HTTP/1.1 keeps the connection unless a side says
// "Connection: close"; HTTP/1.0 closes it unless the client asks for
// "Connection: keep-alive" (RFC 9112 sections 9.3 and 9.6). When the
// server is about to close, its answer says so.
func TestWhoCloses(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bye" {
			w.Header().Set("Connection", "close") // the handler decides
		}
		io.WriteString(w, "hi")
	})
	tests := []struct {
		name       string
		raw        string
		connection string // the answer's Connection field
		kept       bool
	}{
		{"HTTP/1.1", get("/"), "", true},
		{"HTTP/1.1, client says close", get("/", "Connection: close\r\n"), "close", false},
		{"HTTP/1.1, handler says close", get("/bye"), "close", false},
		{"HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", "", false},
		{"HTTP/1.0 with keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "keep-alive", true},
		{"HTTP/1.0 with keep-alive, handler says close", "GET /bye HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "close", false},
	}
	_, addr := startModel(t, "", h)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := dial(t, addr)
			send(t, conn, tt.raw)
			got := parseResponse(t, readResponse(t, conn, "GET"), "GET", "Connection")
			if diff := cmp.Diff(tt.connection, got.Header["Connection"]); diff != "" {
				t.Errorf("Connection field (-want +got):\n%s", diff)
			}
			if !tt.kept {
				if rest := readAll(t, conn); rest != "" {
					t.Errorf("after the answer: %q, want the close", rest)
				}
				return
			}
			send(t, conn, tt.raw) // the same connection serves the next one
			if got := parseResponse(t, readResponse(t, conn, "GET"), "GET"); got.Body != "hi" {
				t.Errorf("second request on the connection: %+v", got)
			}
		})
	}
}

// TestUnreadBodyIsDrained: a handler that answers without reading the
// request's body leaves it in the connection, in front of the next
// request. The server reads and discards it, up to 256 KiB as net/http
// does; past that, reading would cost more than a new connection, and it
// closes instead.
func TestUnreadBodyIsDrained(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "not reading that") // r.Body is left alone
	})
	for _, tt := range []struct {
		size int
		kept bool
	}{{1000, true}, {maxPostHandlerReadBytes, true}, {maxPostHandlerReadBytes + 1, false}} {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			_, addr := startModel(t, "", h)
			conn := dial(t, addr)
			// The client writes in the background: the server may answer
			// before reading the whole body, and the test must read.
			go io.WriteString(conn, fmt.Sprintf("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n%s", tt.size, strings.Repeat("x", tt.size))+get("/next"))
			br := bufio.NewReader(conn)
			first := parseResponse(t, readResponse(t, br, "POST"), "POST", "Connection")
			if tt.kept {
				want := result{200, nil, "not reading that"}
				if diff := cmp.Diff(want, first); diff != "" {
					t.Errorf("first answer (-want +got):\n%s", diff)
				}
				if got := parseResponse(t, readResponse(t, br, "GET"), "GET"); got.Body != "not reading that" {
					t.Errorf("the request behind the body: %+v", got)
				}
				return
			}
			want := result{200, map[string]string{"Connection": "close"}, "not reading that"}
			if diff := cmp.Diff(want, first); diff != "" {
				t.Errorf("first answer (-want +got):\n%s", diff)
			}
		})
	}
}

// isTimeout reports whether err is a deadline that passed.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestTimeouts: each timeout ends what it bounds. The test does not
// measure how long that took: it sets a short timeout and checks that the
// connection ends (or the handler sees the error) before its own deadline.
func TestTimeouts(t *testing.T) {
	const short = 50 * time.Millisecond

	t.Run("read-header: a head that never ends", func(t *testing.T) {
		srv := &Server{Handler: newGate(), ReadHeaderTimeout: short, ReadTimeout: testTimeout}
		addr := startServer(t, srv.Serve)
		conn := dial(t, addr)
		send(t, conn, "GET / HTTP/1.1\r\nHost: te") // and nothing more
		if got := readAll(t, conn); got != "" {
			t.Errorf("got %q, want the connection closed without an answer", got)
		}
	})

	t.Run("read: a body that never ends", func(t *testing.T) {
		readErr := make(chan error, 1)
		srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			readErr <- err
		}), ReadHeaderTimeout: testTimeout, ReadTimeout: short}
		addr := startServer(t, srv.Serve)
		conn := dial(t, addr)
		send(t, conn, "PUT / HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc")
		if err := <-readErr; !isTimeout(err) {
			t.Errorf("the handler's read: %v, want a timeout", err)
		}
	})

	t.Run("write: a client that does not read", func(t *testing.T) {
		writeErr := make(chan error, 1)
		srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := make([]byte, 64<<10)
			for {
				if _, err := w.Write(chunk); err != nil {
					writeErr <- err
					return
				}
			}
		}), ReadTimeout: testTimeout, WriteTimeout: short}
		addr := startServer(t, srv.Serve)
		conn := dial(t, addr)
		send(t, conn, get("/"))
		// The client reads nothing: the socket buffers fill, the writes
		// block, and the write deadline ends them.
		if err := <-writeErr; !isTimeout(err) {
			t.Errorf("the handler's write: %v, want a timeout", err)
		}
	})

	t.Run("idle: no next request", func(t *testing.T) {
		srv := &Server{Handler: newGate(), ReadTimeout: testTimeout, IdleTimeout: short}
		addr := startServer(t, srv.Serve)
		conn := dial(t, addr)
		send(t, conn, get("/"))
		readResponse(t, conn, "GET")
		if got := readAll(t, conn); got != "" {
			t.Errorf("got %q, want the idle connection closed", got)
		}
	})
}

// TestSlowClientsDoNotBlockOthers: 500 clients that each sent part of a
// request head and then nothing (or a byte a second, which is the same to
// the server) hold a goroutine each, and nothing else: a normal client is
// served at once.
func TestSlowClientsDoNotBlockOthers(t *testing.T) {
	g := newGate()
	srv := &Server{Handler: g, ReadHeaderTimeout: testTimeout, ReadTimeout: testTimeout}
	addr := startServer(t, srv.Serve)
	for range 500 {
		send(t, dial(t, addr), "GET / HTTP/1.1\r\nHo")
	}
	if got := do(t, addr, get("/normal")); got.Body != "done /normal" {
		t.Errorf("normal client: %+v", got)
	}
}

// TestShutdown: Shutdown closes the listener and the idle connections at
// once, lets the requests in flight finish (each gets its whole answer,
// with "Connection: close"), then returns; Serve returns
// http.ErrServerClosed.
func TestShutdown(t *testing.T) {
	g := newGate()
	srv := &Server{Handler: g, ReadTimeout: testTimeout}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()

	// Three requests in flight, inside the handler.
	var busy []net.Conn
	for i := range 3 {
		c := dial(t, addr)
		send(t, c, get(fmt.Sprintf("/slow?%d", i)))
		<-g.started
		busy = append(busy, c)
	}
	// Two idle connections: each has had its answer, and waits.
	var idle []net.Conn
	for range 2 {
		c := dial(t, addr)
		send(t, c, get("/"))
		readResponse(t, c, "GET")
		idle = append(idle, c)
	}

	shutdown := make(chan error, 1)
	go func() { shutdown <- srv.Shutdown(context.Background()) }()
	for _, c := range idle {
		if got := readAll(t, c); got != "" {
			t.Errorf("idle connection: got %q, want it closed", got)
		}
	}
	// The idle ones are closed, so Shutdown has begun; the listener is
	// closed too: a new client is refused.
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("a new connection was accepted during shutdown")
	}
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned %v with requests in flight", err)
	default:
	}
	close(g.release)
	for i, c := range busy {
		got := parseResponse(t, readResponse(t, c, "GET"), "GET", "Connection")
		want := result{200, map[string]string{"Connection": "close"}, "done /slow"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("request %d in flight (-want +got):\n%s", i, diff)
		}
		if rest := readAll(t, c); rest != "" {
			t.Errorf("request %d: after the answer %q, want the close", i, rest)
		}
	}
	if err := <-shutdown; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
}

// TestShutdownTimesOut: a request that does not finish in time makes
// Shutdown return the context's error, and Close then ends it.
func TestShutdownTimesOut(t *testing.T) {
	g := newGate()
	defer close(g.release)
	srv, addr := startModel(t, "", g)
	c := dial(t, addr)
	send(t, c, get("/slow"))
	<-g.started
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // out of time already
	if err := srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown: %v, want context.Canceled", err)
	}
	srv.Close()
	if got := readAll(t, c); got != "" {
		t.Errorf("after Close: %q, want the connection closed", got)
	}
}

// TestCapGivesWay: at MaxConns, a client that made its request and stays
// connected must not lock the next client out until the idle timeout: the
// server closes the kept-alive connection that waits for its next
// request, never the one in the middle of a request.
func TestCapGivesWay(t *testing.T) {
	g := newGate()
	srv := &Server{Handler: g, MaxConns: 2, ReadTimeout: testTimeout, IdleTimeout: time.Hour}
	addr := startServer(t, srv.Serve)

	busy := dial(t, addr) // in the middle of a request
	send(t, busy, get("/slow"))
	<-g.started
	idle := dial(t, addr) // had its answer, and stays
	send(t, idle, get("/first"))
	readResponse(t, idle, "GET")

	// A third client, past the cap: served, whether the idle connection
	// had begun to wait when it came or begins after.
	third := dial(t, addr)
	send(t, third, get("/third"))
	if got := parseResponse(t, readResponse(t, third, "GET"), "GET"); got.Body != "done /third" {
		t.Errorf("the third client: %+v", got)
	}
	if got := readAll(t, idle); got != "" {
		t.Errorf("the idle connection: got %q, want it closed", got)
	}
	close(g.release)
	if got := parseResponse(t, readResponse(t, busy, "GET"), "GET"); got.Body != "done /slow" {
		t.Errorf("the request in flight: %+v", got)
	}
}

// TestCapSaysClose: a response that ends while a client waits at the cap
// says "Connection: close", and its connection closes after it, so that
// its client knows not to send another request on it (RFC 9112 section
// 9.6); the waiting client is served next.
func TestCapSaysClose(t *testing.T) {
	g := newGate()
	srv := &Server{Handler: g, MaxConns: 1, ReadTimeout: testTimeout, IdleTimeout: time.Hour}
	addr := startServer(t, srv.Serve)
	busy := dial(t, addr)
	send(t, busy, get("/slow"))
	<-g.started
	waiting := dial(t, addr)
	send(t, waiting, get("/next"))
	if !eventually(srv.clientWaits.Load) {
		t.Fatal("the server never saw the second client wait at the cap")
	}
	close(g.release)
	got := parseResponse(t, readResponse(t, busy, "GET"), "GET", "Connection")
	if diff := cmp.Diff(result{200, map[string]string{"Connection": "close"}, "done /slow"}, got); diff != "" {
		t.Errorf("the response that frees the slot (-want +got):\n%s", diff)
	}
	if rest := readAll(t, busy); rest != "" {
		t.Errorf("after it: %q, want the close", rest)
	}
	if got := parseResponse(t, readResponse(t, waiting, "GET"), "GET"); got.Body != "done /next" {
		t.Errorf("the client that waited: %+v", got)
	}
}

// TestShutdownClosesSilentConnections: a connection that has not sent a
// byte of its first request has nothing in flight: Shutdown closes it at
// once, as it does a kept-alive one, instead of waiting for it.
func TestShutdownClosesSilentConnections(t *testing.T) {
	srv := &Server{Handler: newGate()} // no timeouts: only Shutdown can end the wait
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	silent := dial(t, ln.Addr().String())
	if !eventually(func() bool { return waitsForFirstRequest(srv) }) {
		t.Fatal("the server never began to wait for the first request")
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v, want nil at once", err)
	}
	if got := readAll(t, silent); got != "" {
		t.Errorf("the silent connection: got %q, want it closed", got)
	}
	<-served
}

// TestHijack: a handler takes the connection over, as a WebSocket library
// does after its handshake (RFC 9110 section 7.8, Upgrade): it answers
// 101 itself and then speaks its own protocol on the raw connection; here
// it echoes lines in capitals. What the client sent right behind the
// request, before the 101, is not lost: it is in the bufio.Reader the
// handler gets.
func TestHijack(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "shout") {
			http.Error(w, "upgrade to shout", http.StatusUpgradeRequired)
			return
		}
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		if _, _, err := w.(http.Hijacker).Hijack(); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("second Hijack: %v, want http.ErrHijacked", err)
		}
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n")
		rw.Flush()
		for {
			line, err := rw.ReadString('\n')
			if err != nil {
				return
			}
			rw.WriteString(strings.ToUpper(line))
			rw.Flush()
		}
	})
	_, addr := startModel(t, "", h)
	conn := dial(t, addr)
	send(t, conn, get("/", "Connection: Upgrade\r\nUpgrade: shout\r\n")+"hello\n")
	br := bufio.NewReader(conn)
	head := readResponse(t, br, "GET")
	if diff := cmp.Diff("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n", head); diff != "" {
		t.Errorf("handshake (-want +got):\n%s", diff)
	}
	send(t, conn, "world\n")
	var got []string
	for range 2 {
		line, err := br.ReadString('\n')
		must(t, err)
		got = append(got, line)
	}
	if diff := cmp.Diff([]string{"HELLO\n", "WORLD\n"}, got); diff != "" {
		t.Errorf("after the handshake (-want +got):\n%s", diff)
	}
	if got := do(t, addr, get("/")); got.Status != http.StatusUpgradeRequired {
		t.Errorf("without Upgrade: %+v", got)
	}
}

// TestIdleConnectionHoldsNoBuffers: between requests a kept-alive
// connection gives its reader and writer back to the server's free lists, so
// that thousands of idle clients cost little; bytes of a pipelined request
// keep them (they are in the reader).
func TestIdleConnectionHoldsNoBuffers(t *testing.T) {
	srv, addr := startModel(t, "", newGate())
	conn := dial(t, addr)
	send(t, conn, get("/a"))
	readResponse(t, conn, "GET")
	if !eventually(func() bool { return isIdle(srv) }) {
		t.Fatal("the connection never went idle")
	}
	srv.mu.Lock()
	for c := range srv.conns {
		if c.br != nil || c.bw != nil {
			t.Error("the idle connection still holds its buffers")
		}
	}
	srv.mu.Unlock()
	// It takes them again for the next request, and answers it.
	send(t, conn, get("/b"))
	got := parseResponse(t, readResponse(t, conn, "GET"), "GET")
	if diff := cmp.Diff(result{200, nil, "done /b"}, got); diff != "" {
		t.Errorf("GET /b after idling (-want +got):\n%s", diff)
	}
}

// TestWriteAfterHandlerReturns: a handler that leaves a goroutine behind
// which writes once the handler has returned gets an error: the response
// is complete, and its buffer has gone back to the free list, where the next
// response (perhaps another client's) takes it.
func TestWriteAfterHandlerReturns(t *testing.T) {
	late := make(chan http.ResponseWriter, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/leak" {
			late <- w
		}
		io.WriteString(w, "answer "+r.URL.Path)
	})
	srv, addr := startModel(t, "", h)
	conn := dial(t, addr)
	send(t, conn, get("/leak"))
	readResponse(t, conn, "GET")
	w := <-late
	// Once the connection is idle the server is done with w (and taking
	// srv.mu orders its last use of w before ours, for the race detector).
	if !eventually(func() bool { return isIdle(srv) }) {
		t.Fatal("the connection never went idle")
	}
	if _, err := io.WriteString(w, "too late"); !errors.Is(err, errHandlerDone) {
		t.Errorf("Write after the handler returned: error %v, want %v", err, errHandlerDone)
	}
	send(t, conn, get("/next"))
	got := parseResponse(t, readResponse(t, conn, "GET"), "GET")
	if diff := cmp.Diff(result{200, nil, "answer /next"}, got); diff != "" {
		t.Errorf("the next response (-want +got):\n%s", diff)
	}
}

// isIdle reports whether srv's one connection waits for its next request.
func isIdle(srv *Server) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for c := range srv.conns {
		return c.idle && !c.idleSince.IsZero()
	}
	return false
}

// waitsForFirstRequest reports whether srv's one connection is idle
// before its first request.
func waitsForFirstRequest(srv *Server) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for c := range srv.conns {
		return c.idle && c.idleSince.IsZero()
	}
	return false
}
