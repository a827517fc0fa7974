// Test helpers that start a server on a loopback port and talk to it.
// Later parts copy this file unchanged.
package main

import (
	"io"
	"net"
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

// roundTrip sends raw on a new connection and returns all the server
// sends back until it closes the connection. Then it closes its side too,
// as curl does, so the server is not left waiting for it.
func roundTrip(t *testing.T, addr, raw string) string {
	t.Helper()
	conn := dial(t, addr)
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("write request: %v", err)
	}
	return readAll(t, conn)
}

// readAll reads from conn until the server closes it.
func readAll(t *testing.T, conn net.Conn) string {
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
