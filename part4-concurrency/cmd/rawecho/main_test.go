//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// startRaw listens with the raw calls on a kernel-chosen port, serves in
// the background, and returns the address. When the test ends it shuts the
// listening socket down, which wakes the blocked accept, and waits for
// serve to return before closing the descriptor.
func startRaw(t *testing.T, readTimeout time.Duration) string {
	t.Helper()
	fd, err := listen("127.0.0.1:0", 16)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(fd, readTimeout, io.Discard) }()
	t.Cleanup(func() {
		syscall.Shutdown(fd, syscall.SHUT_RDWR)
		if err := <-done; err != nil {
			t.Errorf("serve returned: %v", err)
		}
		syscall.Close(fd)
	})
	return peerString(sa)
}

// exchange connects to addr, writes each of parts in its own write, and
// returns everything the server sends until it closes.
func exchange(t *testing.T, addr string, parts ...string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	for _, p := range parts {
		if _, err := io.WriteString(conn, p); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, got)
	}
	return string(got)
}

func ok(head string) string {
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(head), head)
}

const req = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8888\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"

func TestRawEcho(t *testing.T) {
	big := "GET / HTTP/1.1\r\nX-Big: " + strings.Repeat("b", 10<<10) + "\r\n\r\n"
	tests := []struct {
		name  string
		parts []string // one write each
		want  string
	}{
		{"curl request", []string{req}, ok(req)},
		{"one byte at a time", strings.Split(req, ""), ok(req)},
		{"bare LF", []string{"GET / HTTP/1.1\nHost: x\n\n"}, ok("GET / HTTP/1.1\nHost: x\n\n")},
		{"leading empty lines", []string{"\r\n\n", "GET / HTTP/1.0\r\n\r\n"}, ok("GET / HTTP/1.0\r\n\r\n")},
		{"10 KB head", []string{big}, ok(big)},
		{"body not echoed", []string{"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"}, ok("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n")},
		{"over the cap", []string{"GET / HTTP/1.1\r\nX: " + strings.Repeat("x", maxHeadBytes) + "\r\n\r\n"},
			"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 44\r\nConnection: close\r\n\r\nrequest head larger than the server accepts\n"},
	}
	addr := startRaw(t, 10*time.Second)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, exchange(t, addr, tt.parts...)); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRawStalledClientIsDropped: a silent client is dropped after the read
// timeout, and the client queued behind it is served.
func TestRawStalledClientIsDropped(t *testing.T) {
	addr := startRaw(t, 100*time.Millisecond)
	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	stalled.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(stalled, "GET / HT")

	if diff := cmp.Diff(ok(req), exchange(t, addr, req)); diff != "" {
		t.Errorf("next client: response mismatch (-want +got):\n%s", diff)
	}
	if got, err := io.ReadAll(stalled); err != nil || len(got) != 0 {
		t.Errorf("stalled client got %q, %v; want nothing, nil", got, err)
	}
}

// TestRawClientGoesAway: a client that resets mid-head does not stop the
// server.
func TestRawClientGoesAway(t *testing.T) {
	addr := startRaw(t, 10*time.Second)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET / HTTP/1.1\r\nHo")
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
	if diff := cmp.Diff(ok(req), exchange(t, addr, req)); diff != "" {
		t.Errorf("next client: response mismatch (-want +got):\n%s", diff)
	}
}

func TestHeadBounds(t *testing.T) {
	tests := []struct {
		buf        string
		start, end int
	}{
		{"", 0, -1},
		{"GET / HTTP/1.1\r\n", 0, -1},
		{"GET / HTTP/1.1\r\n\r\n", 0, 18},
		{"GET / HTTP/1.1\n\n", 0, 16},
		{"\r\n\nGET / HTTP/1.1\r\n\r\nbody\n\n", 3, 21},
		{"A\n\r\nB\n\n", 0, 4},
	}
	for _, tt := range tests {
		start, end := headBounds([]byte(tt.buf))
		if start != tt.start || end != tt.end {
			t.Errorf("headBounds(%q) = %d, %d; want %d, %d", tt.buf, start, end, tt.start, tt.end)
		}
	}
}
