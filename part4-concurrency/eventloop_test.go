//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestIdleConnectionsHoldNoGoroutine is the event loop's point: fifty
// kept-alive connections waiting for their next request cost the
// goroutine model fifty goroutines (each blocked in a read, each with its
// stack), and the event loop none: its loops watch them all. (Each loop
// keeps a few goroutines that have served waiting for the next request
// to serve, at most maxIdleWorkers, however many connections there are.)
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	const n = 50
	serving := func() int { return goroutinesIn(".(*Server).serveConn(") + goroutinesIn(".(*loop).serve(") }
	for _, tt := range []struct {
		model Model
		want  int
	}{
		{Goroutine, n},
		{EventLoop, 0},
	} {
		t.Run(string(tt.model), func(t *testing.T) {
			// Goroutines of servers that earlier tests left behind (a
			// failed test's, say) only end: count from them.
			before := serving()
			srv, addr := startModel(t, tt.model, newGate())
			for range n {
				conn := dial(t, addr)
				send(t, conn, get("/a"))
				readResponse(t, conn, "GET")
			}
			if !eventually(func() bool { return idleConns(srv) == n }) {
				t.Fatalf("%d connections idle, want %d", idleConns(srv), n)
			}
			ours := func() int { return max(serving()-before, 0) }
			enough := func() bool { return serving() >= before+n } // a goroutine each
			if tt.want == 0 {
				enough = func() bool { return serving() <= before } // none
			}
			if !eventually(enough) {
				t.Errorf("%d goroutines serve %d idle connections, want %d", ours(), n, tt.want)
			}
			t.Logf("%d idle connections, %d goroutines serving them", n, ours())
		})
	}
}

// goroutinesIn counts the goroutines with fn on their stack.
func goroutinesIn(fn string) int {
	buf := make([]byte, 4<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, fn) {
			n++
		}
	}
	return n
}

// idleConns counts srv's connections that wait for their next request,
// without buffers.
func idleConns(srv *Server) int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	n := 0
	for c := range srv.conns {
		if c.idle && !c.idleSince.IsZero() && c.br == nil && c.bw == nil {
			n++
		}
	}
	return n
}

// TestEdgeTriggeredTrap: registered edge-triggered, a socket gets one
// event when bytes arrive, and none while unread bytes remain. A loop
// that reads less than is there (here 16 bytes at a time) and waits for
// the next event waits for ever: the request is never answered, and the
// head's deadline ends the connection. Level-triggered (the default, as
// in evio and gnet), epoll_wait reports the socket again as long as bytes
// remain, and the loop reads on. Go's runtime registers its sockets
// edge-triggered, which is right for it: a goroutine reads until EAGAIN
// before it waits again.
func TestEdgeTriggeredTrap(t *testing.T) {
	for _, tt := range []struct {
		name string
		edge bool
		want string
	}{
		{"level-triggered", false, "done /trap"},
		{"edge-triggered", true, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := &Server{
				Handler: newGate(), Model: EventLoop,
				ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: testTimeout,
				edgeTriggered: tt.edge, loopReadMax: 16,
			}
			addr := startServer(t, srv.Serve)
			conn := dial(t, addr)
			start := time.Now()
			send(t, conn, get("/trap", "Connection: close\r\n")) // one write, one event
			b, err := io.ReadAll(conn)
			if err != nil && !tt.edge {
				// (Edge-triggered, the server closes with most of the
				// request unread: the client may see a reset.)
				t.Fatalf("read: %v", err)
			}
			got := string(b)
			if i := strings.Index(got, "\r\n\r\n"); i >= 0 {
				got = got[i+4:] // the body
			}
			if got != tt.want {
				t.Errorf("answer %q, want %q", got, tt.want)
			}
			t.Logf("the loop reads 16 bytes at a time; answer %q, connection closed after %v", got, time.Since(start).Round(100*time.Millisecond))
		})
	}
}

// TestHeadByteByByte: the loop, reading one byte at a time, feeds the same
// parser the same requests: every answer, refusals included, is the one
// the goroutine model gives.
func TestHeadByteByByte(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s %d fields, body %q\n", r.Method, r.RequestURI, r.Proto, len(r.Header), body)
	})
	fixed := func() time.Time { return time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC) }
	ours := startServer(t, (&Server{Handler: h, Model: Goroutine, ReadTimeout: testTimeout, Now: fixed}).Serve)
	loop := startServer(t, (&Server{Handler: h, Model: EventLoop, ReadTimeout: testTimeout, Now: fixed, loopReadMax: 1}).Serve)
	last := "Connection: close\r\n"
	for _, tt := range []struct{ name, raw string }{
		{"GET", get("/a?b=c", last)},
		{"POST", "POST /p HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n" + last + "\r\nhello"},
		{"chunked", "POST /c HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n" + last + "\r\n5\r\nhello\r\n0\r\n\r\n"},
		{"pipelined", get("/1") + get("/2") + get("/3", last)},
		{"empty lines first", "\r\n\r\n" + get("/after", last)},
		{"bare LF", "GET /lf HTTP/1.1\nHost: test\n" + strings.TrimSuffix(last, "\r\n") + "\n\n"},
		{"HTTP/1.0", "GET /old HTTP/1.0\r\n\r\n"},
		{"400", "GET /a b HTTP/1.1\r\nHost: test\r\n\r\n"},
		{"414", get("/" + strings.Repeat("x", maxRequestLineBytes))},
		{"431", get("/", strings.Repeat("X-Filler: 0123456789\r\n", maxHeaderBytes/20))},
		{"501", "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n"},
		{"505", "GET / HTTP/2.0\r\nHost: test\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, got := exchange(t, ours, tt.raw), exchange(t, loop, tt.raw)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the loop's answer differs from the goroutine model's (-want +got):\n%s", diff)
			}
		})
	}
}

// exchange sends raw on a new connection, says it has no more to send,
// and returns everything the server answers until it closes.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	conn := dial(t, addr)
	send(t, conn, raw)
	conn.(*net.TCPConn).CloseWrite()
	return readAll(t, conn)
}

// TestWriteWaitsForEPOLLOUT: a response larger than the socket's send
// buffer, to a client that does not read yet: the write meets EAGAIN and
// waits for the loop to see the socket writable, then goes on. With a
// WriteTimeout, a client that never reads makes the write fail at its
// deadline, which the loop's timers enforce.
func TestWriteWaitsForEPOLLOUT(t *testing.T) {
	const size = 16 << 20
	errs := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := w.Write([]byte(strings.Repeat("x", size)))
		errs <- err
	})
	t.Run("the client reads later", func(t *testing.T) {
		_, addr := startModel(t, EventLoop, h)
		conn := dial(t, addr)
		send(t, conn, get("/big"))
		if !waitingIn("pollConn).Write(") {
			t.Fatal("the write never waited")
		}
		got := parseResponse(t, readResponse(t, conn, "GET"), "GET")
		if len(got.Body) != size || strings.Trim(got.Body, "x") != "" {
			t.Errorf("body of %d bytes, want %d x", len(got.Body), size)
		}
		if err := <-errs; err != nil {
			t.Errorf("Write: %v", err)
		}
	})
	t.Run("the client never reads", func(t *testing.T) {
		srv := &Server{Handler: h, Model: EventLoop, WriteTimeout: 100 * time.Millisecond}
		addr := startServer(t, srv.Serve)
		conn := dial(t, addr)
		send(t, conn, get("/big"))
		if err := <-errs; !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Write: %v, want a timeout", err)
		}
	})
}

// waitingIn reports whether a goroutine waits in pollConn.wait, called
// from fn, within testTimeout.
func waitingIn(fn string) bool {
	return eventually(func() bool {
		buf := make([]byte, 1<<20)
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "pollConn).wait(") && strings.Contains(g, fn) {
				return true
			}
		}
		return false
	})
}

// TestBackpressure: while a handler does not read the body, nobody reads
// the socket: the kernel's buffers fill and the client's write stops. The
// loop does not read ahead for a handler that is busy.
func TestBackpressure(t *testing.T) {
	g := newGate()
	_, addr := startModel(t, EventLoop, g)
	conn := dial(t, addr)
	const size = 64 << 20
	send(t, conn, fmt.Sprintf("POST /slow HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n", size))
	<-g.started
	conn.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := conn.Write(make([]byte, size))
	if !errors.Is(err, os.ErrDeadlineExceeded) || n >= size {
		t.Errorf("the client wrote %d of %d bytes (%v): want it stopped", n, size, err)
	}
	t.Logf("the client could send %d KiB before the buffers were full", n>>10)
	close(g.release)
}

// TestBurstLeavesNothing: after a burst of clients and a shutdown, the
// server holds no descriptor (sockets, epoll instances, eventfds) and no
// goroutine more than before it started.
func TestBurstLeavesNothing(t *testing.T) {
	fds := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		must(t, err)
		return len(entries)
	}
	fdsBefore, goroutinesBefore := fds(), runtime.NumGoroutine()
	srv := &Server{Handler: newGate(), Model: EventLoop, ReadTimeout: testTimeout}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(testTimeout))
			if i%2 == 0 { // half of them stay, kept alive, until Shutdown
				io.WriteString(conn, get(fmt.Sprintf("/%d", i)))
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				return
			}
			io.WriteString(conn, get(fmt.Sprintf("/%d", i), "Connection: close\r\n"))
			io.Copy(io.Discard, conn)
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	must(t, srv.Shutdown(ctx))
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	if !eventually(func() bool { return fds() <= fdsBefore }) {
		t.Errorf("%d descriptors open, %d before", fds(), fdsBefore)
	}
	if !eventually(func() bool { return runtime.NumGoroutine() <= goroutinesBefore }) {
		t.Errorf("%d goroutines, %d before", runtime.NumGoroutine(), goroutinesBefore)
	}
}

// TestInlineHandlerStallsItsLoop: why the loop hands each request to a
// goroutine. A loop that ran handlers itself (as event loops in C, Node
// or evio do, whose handlers must never block) would stop at a slow one
// (/sleep, an upload, a CGI script, a database call), and every other
// connection of that loop would wait for it: here the second client's
// request cannot even begin until the first one's ends. With the
// goroutines, the second is answered while the first still waits.
func TestInlineHandlerStallsItsLoop(t *testing.T) {
	for _, tt := range []struct {
		name      string
		inline    bool
		wantOrder []string
	}{
		{"handlers on goroutines", false, []string{"/fast", "/slow"}},
		{"handlers on the loop", true, []string{"/slow", "/fast"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			srv := &Server{Handler: g, Model: EventLoop, ReadTimeout: testTimeout, inlineHandlers: tt.inline}
			addr := startServer(t, srv.Serve)
			first := dial(t, addr)
			send(t, first, get("/slow"))
			<-g.started // the first client is inside the handler
			// Connections go to the loops in turn: the next ones go to
			// the other loops, and then one to the first client's loop.
			for range runtime.GOMAXPROCS(0) - 1 {
				dial(t, addr)
			}
			second := dial(t, addr)
			send(t, second, get("/fast"))
			if tt.inline {
				close(g.release)
				readResponse(t, first, "GET")
				readResponse(t, second, "GET")
			} else {
				readResponse(t, second, "GET") // while the first waits
				close(g.release)
				readResponse(t, first, "GET")
			}
			if diff := cmp.Diff(tt.wantOrder, g.order()); diff != "" {
				t.Errorf("order the handlers finished in (-want +got):\n%s", diff)
			}
			t.Logf("the handlers finished in the order %v", g.order())
		})
	}
}

// TestKeepAliveAfterTheContextWasAsked: a handler that asks its request's
// context starts the client watch, which leaves a read deadline in the
// past when it stops. The next request on the connection must still be
// read: the loop once failed its read, and closed the connection with
// the request unread (a reset), after every GET /sleep.
func TestKeepAliveAfterTheContextWasAsked(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		default:
		}
		io.WriteString(w, "answer "+r.URL.Path)
	})
	for _, model := range []Model{Goroutine, EventLoop} {
		t.Run(string(model), func(t *testing.T) {
			_, addr := startModel(t, model, h)
			conn := dial(t, addr)
			for _, path := range []string{"/a", "/b", "/c"} {
				send(t, conn, get(path))
				got := parseResponse(t, readResponse(t, conn, "GET"), "GET")
				if diff := cmp.Diff(result{200, nil, "answer " + path}, got); diff != "" {
					t.Errorf("GET %s (-want +got):\n%s", path, diff)
				}
			}
		})
	}
}
