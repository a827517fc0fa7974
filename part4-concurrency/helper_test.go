// Test helpers that start a server on a loopback port and talk to it.
// Parts 1-3 read a response until the server closed the connection; from
// this part on the server keeps it open for the next request, so
// roundTrip reads one response by its framing instead.
package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testTimeout is a safety net, not a synchronisation: a test that hangs
// because of a bug fails after it instead of blocking the whole run.
const testTimeout = 10 * time.Second

// startServer runs serve on a new listener on 127.0.0.1:0 (the kernel
// picks a free port) and returns the listener's address. When the test
// ends, it closes the listener and waits for serve to return, so no server
// outlives its test.
func startServer(t *testing.T, serve func(net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(ln) }()
	t.Cleanup(func() {
		ln.Close()
		if err := <-done; err != nil {
			t.Errorf("serve returned: %v", err)
		}
	})
	return ln.Addr().String()
}

// dial connects to addr; the connection is closed when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetDeadline(time.Now().Add(testTimeout))
	t.Cleanup(func() { conn.Close() })
	return conn
}

// roundTrip sends raw on a new connection and returns the server's
// answer to it: one response (after any 1xx interim ones). Then it closes
// its side, as curl does when it is done.
func roundTrip(t *testing.T, addr, raw string) string {
	t.Helper()
	conn := dial(t, addr)
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("write request: %v", err)
	}
	method, _, _ := strings.Cut(raw, " ")
	return readResponse(t, conn, method)
}

// readResponse returns the bytes of one response read from r, as they
// came, framed as a client frames it (RFC 9112 section 6.3): no body after
// HEAD, 1xx, 204 or 304; else a chunked body up to its last chunk and
// trailer section; else Content-Length bytes; else everything up to the
// close. 1xx interim responses are included and read past (101 ends the
// response: the connection then speaks another protocol). If the server
// closes early, the response is what came before the close. It reads no
// byte past the response: what follows is the next one's.
func readResponse(t *testing.T, r io.Reader, method string) string {
	t.Helper()
	f := &framer{r: r}
	err := f.response(method)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read response: %v (got %q so far)", err, f.got.String())
	}
	return f.got.String()
}

// framer reads a response and keeps its bytes: lines a byte at a time (so
// as not to read past them), bodies by their length.
type framer struct {
	r   io.Reader
	got strings.Builder
}

func (f *framer) response(method string) error {
	for {
		status, err := f.line()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(status, "HTTP/") {
			return f.n(-1) // not HTTP: read to the close
		}
		code, _ := strconv.Atoi(strings.Fields(status + " 0")[1])
		length, chunked := int64(-1), false
		if err := f.fields(func(name, value string) {
			switch {
			case strings.EqualFold(name, "Content-Length"):
				length, _ = strconv.ParseInt(value, 10, 64)
			case strings.EqualFold(name, "Transfer-Encoding"):
				chunked = strings.HasSuffix(strings.ToLower(value), "chunked")
			}
		}); err != nil {
			return err
		}
		switch {
		case code == http.StatusSwitchingProtocols:
			return nil
		case code < 200:
			continue // an interim response: the final one follows
		case method == "HEAD" || code == 204 || code == 304:
			return nil
		case chunked:
			for {
				line, err := f.line()
				if err != nil {
					return err
				}
				size, _, _ := strings.Cut(strings.TrimSpace(line), ";")
				n, err := strconv.ParseInt(size, 16, 64)
				if err != nil {
					return err
				}
				if n == 0 {
					return f.fields(func(string, string) {}) // the trailers
				}
				if err := f.n(n + 2); err != nil { // the chunk and its CRLF
					return err
				}
			}
		default:
			return f.n(length) // -1: up to the close
		}
	}
}

// line reads one line, a byte at a time.
func (f *framer) line() (string, error) {
	var b [1]byte
	var line []byte
	for {
		n, err := f.r.Read(b[:])
		if n == 1 {
			line = append(line, b[0])
			if b[0] == '\n' {
				break
			}
		}
		if err != nil {
			f.got.Write(line)
			return string(line), err
		}
	}
	f.got.Write(line)
	return string(line), nil
}

// fields reads field lines up to the empty line that ends them.
func (f *framer) fields(field func(name, value string)) error {
	for {
		line, err := f.line()
		if err != nil {
			return err
		}
		if line == "\r\n" || line == "\n" {
			return nil
		}
		name, value, _ := strings.Cut(line, ":")
		field(name, strings.TrimSpace(value))
	}
}

// n reads n bytes, or everything up to the close if n is negative.
func (f *framer) n(n int64) error {
	if n < 0 {
		_, err := io.Copy(&f.got, f.r)
		return err
	}
	_, err := io.CopyN(&f.got, f.r, n)
	return err
}

// readAll reads from conn until the server closes it.
func readAll(t *testing.T, conn io.Reader) string {
	t.Helper()
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read response: %v (got %q so far)", err, got)
	}
	return string(got)
}

// watchListener hands the server connections that record how the server
// ends them: whether it said "done sending" first (CloseWrite, the start
// of a lingering close) and when it closed them. Each accepted connection
// is also sent on conns, so the test can wait for its end.
type watchListener struct {
	net.Listener
	conns chan *watchConn
}

func (l *watchListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	w := &watchConn{TCPConn: c.(*net.TCPConn), closed: make(chan struct{})}
	l.conns <- w
	return w, nil
}

type watchConn struct {
	*net.TCPConn
	halfClosed atomic.Bool
	closeOnce  sync.Once
	closed     chan struct{} // closed when the server closes the connection
}

func (c *watchConn) CloseWrite() error {
	c.halfClosed.Store(true)
	return c.TCPConn.CloseWrite()
}

func (c *watchConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.TCPConn.Close()
}

// startWatched runs serve on a watchListener and returns the address and
// the channel of accepted connections.
func startWatched(t *testing.T, serve func(net.Listener) error) (string, chan *watchConn) {
	t.Helper()
	conns := make(chan *watchConn, 16)
	addr := startServer(t, func(ln net.Listener) error {
		return serve(&watchListener{Listener: ln, conns: conns})
	})
	return addr, conns
}

// lingered does one exchange with raw on a watched server and reports
// whether the server lingered (half-closed, then waited) before closing.
func lingered(t *testing.T, addr string, conns chan *watchConn, raw string) bool {
	t.Helper()
	roundTrip(t, addr, raw) // reads to the server's FIN, then closes our end
	timeout := time.After(testTimeout)
	var c *watchConn
	select {
	case c = <-conns:
	case <-timeout:
		t.Fatal("the server never accepted the connection")
	}
	select {
	case <-c.closed:
	case <-timeout:
		t.Fatal("the server never closed the connection")
	}
	return c.halfClosed.Load()
}

// eventually reports whether cond holds within testTimeout, looking every
// few milliseconds: for what no event announces, such as a child's state
// in /proc, or a connection that has gone idle inside the server.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
