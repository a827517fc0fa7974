package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"example.com/webserver/part4-concurrency/middleware"
	"example.com/webserver/part4-concurrency/site"
	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"
)

// The site's WebSocket endpoints (site/websocket.go) through the
// library's own client, on our server and on net/http's, with both
// routers; then what a hijacking library needs from the server, checked
// against net/http.

// startWebSocketSite runs the site as main.go wires it (access log and
// gzip around it) on the named server, and returns its address.
func startWebSocketSite(t *testing.T, start func(*testing.T, http.Handler) string, router string) string {
	t.Helper()
	h, err := site.New(site.Pages, t.TempDir(), router, nil)
	must(t, err)
	return start(t, middleware.AccessLog(log.New(io.Discard, "", 0), middleware.Gzip(h)))
}

// eachWebSocketSite runs test on the site on both servers with both
// routers.
func eachWebSocketSite(t *testing.T, test func(t *testing.T, addr string)) {
	for _, server := range bothServers {
		for _, router := range []string{"mux", "chi"} {
			t.Run(server.name+"/"+router, func(t *testing.T) {
				test(t, startWebSocketSite(t, server.start, router))
			})
		}
	}
}

// wsDial opens a WebSocket to path on addr, closed when the test ends.
func wsDial(t *testing.T, addr, path string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// testContext is a context that ends with the test, or after testTimeout.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// TestWebSocketEcho: text and binary messages of every length class of
// the frame header (7-bit, 16-bit and 64-bit lengths) up to the 1 MiB
// limit come back as they went; a message sent in fragments comes back
// whole; a ping gets its pong; a close gets a close; and a message over
// the limit closes the socket with 1009.
func TestWebSocketEcho(t *testing.T) {
	eachWebSocketSite(t, func(t *testing.T, addr string) {
		ctx := testContext(t)
		c := wsDial(t, addr, "/ws/echo")
		c.SetReadLimit(2 << 20)
		for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
			for _, typ := range []websocket.MessageType{websocket.MessageText, websocket.MessageBinary} {
				msg := bytes.Repeat([]byte("a"), n)
				must(t, c.Write(ctx, typ, msg))
				gotType, got, err := c.Read(ctx)
				must(t, err)
				if gotType != typ || !bytes.Equal(got, msg) {
					t.Errorf("%v of %d bytes: got %v of %d bytes", typ, n, gotType, len(got))
				}
			}
		}

		// Fragments: each Write of the message writer is a frame of its
		// own, and the last one (Close) has FIN set.
		w, err := c.Writer(ctx, websocket.MessageText)
		must(t, err)
		for _, part := range []string{"frag", "men", "ted"} {
			_, err := io.WriteString(w, part)
			must(t, err)
		}
		must(t, w.Close())
		_, got, err := c.Read(ctx)
		must(t, err)
		if string(got) != "fragmented" {
			t.Errorf("fragmented message: got %q", got)
		}

		// Ping waits for the pong; the library answers pings while a
		// Read waits, so read on the side as a browser would.
		readErr := make(chan error, 1)
		go func() {
			_, _, err := c.Read(ctx)
			readErr <- err
		}()
		must(t, c.Ping(ctx))
		must(t, c.Close(websocket.StatusNormalClosure, "bye"))
		if err := <-readErr; websocket.CloseStatus(err) != -1 && !errors.Is(err, net.ErrClosed) {
			// Close ends the side read with an error of its own.
			t.Logf("the side read ended with %v", err)
		}

		// Over the limit: the server closes with 1009.
		big := wsDial(t, addr, "/ws/echo")
		must(t, big.Write(ctx, websocket.MessageBinary, make([]byte, 1<<20+1)))
		_, _, err = big.Read(ctx)
		if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
			t.Errorf("a message over 1 MiB: %v, want close status 1009", err)
		}
	})
}

// TestWebSocketOrigin: a page of another site may not open a socket
// (403); a page of this one may, and so may a client that sends no
// Origin (not a browser).
func TestWebSocketOrigin(t *testing.T) {
	eachWebSocketSite(t, func(t *testing.T, addr string) {
		ctx := testContext(t)
		for origin, want := range map[string]int{
			"http://evil.example": http.StatusForbidden,
			"http://" + addr:      http.StatusSwitchingProtocols,
		} {
			c, resp, err := websocket.Dial(ctx, "ws://"+addr+"/ws/echo", &websocket.DialOptions{
				HTTPHeader: http.Header{"Origin": {origin}},
			})
			if c != nil {
				c.CloseNow()
			}
			if resp == nil {
				t.Fatalf("Origin %s: %v", origin, err)
			}
			if resp.StatusCode != want {
				t.Errorf("Origin %s: status %d, want %d", origin, resp.StatusCode, want)
			}
		}
	})
}

// chatNext reads the next message of the chat on c.
func chatNext(t *testing.T, ctx context.Context, c *websocket.Conn) map[string]any {
	t.Helper()
	_, b, err := c.Read(ctx)
	must(t, err)
	var m map[string]any
	must(t, json.Unmarshal(b, &m))
	delete(m, "pid") // differs between runs
	return m
}

// TestChat: two members see each other join, talk and leave, in the one
// order the hub saw it.
func TestChat(t *testing.T) {
	eachWebSocketSite(t, func(t *testing.T, addr string) {
		ctx := testContext(t)
		ann := wsDial(t, addr, "/chat/ws?name=ann")
		want := func(c *websocket.Conn, who string, msgs ...map[string]any) {
			t.Helper()
			for _, w := range msgs {
				if diff := cmp.Diff(w, chatNext(t, ctx, c)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", who, diff)
				}
			}
		}
		want(ann, "ann", map[string]any{"kind": "welcome", "name": "ann", "here": []any{"ann"}},
			map[string]any{"kind": "join", "name": "ann"})
		bob := wsDial(t, addr, "/chat/ws?name=bob")
		want(bob, "bob", map[string]any{"kind": "welcome", "name": "bob", "here": []any{"ann", "bob"}},
			map[string]any{"kind": "join", "name": "bob"})
		want(ann, "ann", map[string]any{"kind": "join", "name": "bob"})

		must(t, ann.Write(ctx, websocket.MessageText, []byte("hello, <b>bob</b>")))
		said := map[string]any{"kind": "say", "name": "ann", "text": "hello, <b>bob</b>"}
		want(ann, "ann", said)
		want(bob, "bob", said)

		must(t, bob.Close(websocket.StatusNormalClosure, ""))
		want(ann, "ann", map[string]any{"kind": "leave", "name": "bob"})
	})
}

// The rest checks what a library that hijacks the connection needs from
// the server, on ours beside net/http's.

// wsKey is RFC 6455's sample key; its Sec-WebSocket-Accept is
// s3pPLMBiTxaQ9kYGzzhZRbK+xOo=.
const wsKey = "dGhlIHNhbXBsZSBub25jZQ=="

// handshake is a WebSocket handshake request for path, as a browser on
// addr's own pages would send it.
func handshake(path string) string {
	return get(path, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "+wsKey+"\r\n")
}

// clientFrame is one unfragmented text frame from a client, masked as
// RFC 6455 section 5.3 requires of every client frame.
func clientFrame(text string) string {
	mask := [4]byte{1, 2, 3, 4}
	b := []byte{0x81, 0x80 | byte(len(text)), mask[0], mask[1], mask[2], mask[3]} // FIN, text; masked, length < 126
	for i := range len(text) {
		b = append(b, text[i]^mask[i%4])
	}
	return string(b)
}

// TestHijackKeepsBufferedBytes: a client may send its first frame right
// behind the handshake, in the same packet. Our reader has it buffered
// by the time the handler runs; Hijack must hand it over (in the
// bufio.Reader it returns), or the library never sees that message. The
// 101 heads of both servers are compared too.
func TestHijackKeepsBufferedBytes(t *testing.T) {
	var heads []string
	for _, server := range bothServers {
		t.Run(server.name, func(t *testing.T) {
			addr := startWebSocketSite(t, server.start, "mux")
			conn := dial(t, addr)
			send(t, conn, handshake("/ws/echo")+clientFrame("early"))
			br := bufio.NewReader(conn)
			heads = append(heads, withoutDate(readResponse(t, br, "GET")))
			frame := make([]byte, 2+len("early"))
			_, err := io.ReadFull(br, frame)
			must(t, err)
			if diff := cmp.Diff("\x81\x05early", string(frame)); diff != "" {
				t.Errorf("the echo of the frame sent with the handshake (-want +got):\n%s", diff)
			}
		})
	}
	if len(heads) == 2 {
		if diff := cmp.Diff(heads[1], heads[0]); diff != "" {
			t.Errorf("the 101 head (-net/http +ours):\n%s", diff)
		}
		if !strings.Contains(heads[0], "Sec-Websocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") {
			t.Errorf("the 101 head lacks RFC 6455's accept value:\n%s", heads[0])
		}
	}
}

// TestHijackClearsDeadlines: the read and write deadlines the server set
// for the request must not cut the socket off later. The server's every
// timeout is 50 ms here; the socket still echoes after four times that.
func TestHijackClearsDeadlines(t *testing.T) {
	const timeout = 50 * time.Millisecond
	h, err := site.New(site.Pages, t.TempDir(), "mux", nil)
	must(t, err)
	ours := &Server{Handler: h, ReadHeaderTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, IdleTimeout: timeout}
	theirs := &http.Server{Handler: h, ReadHeaderTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, IdleTimeout: timeout,
		ErrorLog: log.New(io.Discard, "", 0)}
	for name, serve := range map[string]func(net.Listener) error{"ours": ours.Serve, "net/http": theirs.Serve} {
		t.Run(name, func(t *testing.T) {
			addr := startServer(t, func(ln net.Listener) error {
				if err := serve(ln); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
					return err
				}
				return nil
			})
			ctx := testContext(t)
			c := wsDial(t, addr, "/ws/echo")
			<-time.After(4 * timeout) // what is tested is that time passes: not a synchronisation
			must(t, c.Write(ctx, websocket.MessageText, []byte("still here")))
			_, got, err := c.Read(ctx)
			if err != nil || string(got) != "still here" {
				t.Errorf("after the timeouts: %q, %v", got, err)
			}
		})
	}
}

// TestHijackShutdownForgets: Shutdown does not wait for a hijacked
// connection (it is the handler's, and may live for hours): it returns
// at once, and the socket goes on, on ours as on net/http.
func TestHijackShutdownForgets(t *testing.T) {
	h, err := site.New(site.Pages, t.TempDir(), "mux", nil)
	must(t, err)
	ours := &Server{Handler: h}
	theirs := &http.Server{Handler: h}
	for name, srv := range map[string]interface {
		Serve(net.Listener) error
		Shutdown(context.Context) error
	}{"ours": ours, "net/http": theirs} {
		t.Run(name, func(t *testing.T) {
			addr := startServer(t, func(ln net.Listener) error {
				if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			})
			ctx := testContext(t)
			c := wsDial(t, addr, "/ws/echo")
			must(t, c.Write(ctx, websocket.MessageText, []byte("before")))
			_, _, err := c.Read(ctx)
			must(t, err)
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown with a socket open: %v", err)
			}
			must(t, c.Write(ctx, websocket.MessageText, []byte("after")))
			if _, got, err := c.Read(ctx); err != nil || string(got) != "after" {
				t.Errorf("after Shutdown: %q, %v", got, err)
			}
		})
	}
}

// TestHijackHoldsItsSlot: under -max-conns, a hijacked connection counts
// for as long as its handler runs (its goroutine and its descriptor are
// the server's cost), and its slot comes back when the handler returns.
func TestHijackHoldsItsSlot(t *testing.T) {
	h, err := site.New(site.Pages, t.TempDir(), "mux", nil)
	must(t, err)
	srv := &Server{Handler: h, MaxConns: 1}
	addr := startServer(t, srv.Serve)
	ctx := testContext(t)
	c := wsDial(t, addr, "/ws/echo")
	must(t, c.Write(ctx, websocket.MessageText, []byte("x")))
	_, _, err = c.Read(ctx)
	must(t, err)
	if n := len(srv.slots); n != 1 {
		t.Errorf("slots taken with a socket open: %d, want 1", n)
	}
	answered := make(chan result, 1)
	go func() { answered <- do(t, addr, get("/echo/next")) }()
	// The next client comes while the socket is open, and waits at the cap
	// until it closes.
	if !eventually(srv.clientWaits.Load) {
		t.Fatal("the server never saw the next client wait at the cap")
	}
	must(t, c.Close(websocket.StatusNormalClosure, ""))
	if got := <-answered; got.Status != http.StatusOK || got.Body != "next" {
		t.Errorf("the next client once the socket closed: %+v", got)
	}
}

// TestHijackAfterWrite: a handler may hijack after it began its answer.
// Neither server gives an error for that: each sends the head first. From
// then on the ResponseWriter refuses with http.ErrHijacked, and so does a
// second Hijack. One difference, kept on purpose: net/http drops the body
// bytes still in its buffer ("partial" here, and the Content-Type it
// would have sniffed from them), ours sends them: what a handler wrote,
// it meant to send. (Flush after Hijack returns ErrHijacked on ours; on
// net/http it panics, so it is not compared.)
func TestHijackAfterWrite(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "1")
		io.WriteString(w, "partial")
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack after a write: %v", err)
			return
		}
		defer conn.Close()
		var errs []string
		_, err = w.Write([]byte("more"))
		errs = append(errs, "Write: "+errString(err))
		_, _, err = http.NewResponseController(w).Hijack()
		errs = append(errs, "Hijack: "+errString(err))
		rw.WriteString(strings.Join(errs, "; "))
		rw.Flush()
	})
	const after = "Write: http: connection has been hijacked; Hijack: http: connection has been hijacked"
	want := map[string]string{
		"ours":     "HTTP/1.1 200 OK\r\nX-Before: 1\r\nDate: (set aside)\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n" + after,
		"net/http": "HTTP/1.1 200 OK\r\nX-Before: 1\r\nDate: (set aside)\r\nTransfer-Encoding: chunked\r\n\r\n" + after,
	}
	for _, server := range bothServers {
		got := withoutDate(roundTrip(t, server.start(t, h), get("/")))
		if diff := cmp.Diff(want[server.name], got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", server.name, diff)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
