// Test helpers that start a server on a loopback port and talk to it.
// Later parts copy this file unchanged.
package main

import (
	"io"
	"net"
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
