package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// startEcho starts an echo server with the given read timeout.
func startEcho(t *testing.T, readTimeout time.Duration) string {
	t.Helper()
	srv := &Server{ReadTimeout: readTimeout}
	return startServer(t, srv.Serve)
}

// okResponse is the response the server must send for a request head.
func okResponse(head string) string {
	return "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n", len(head)) +
		"Connection: close\r\n" +
		"\r\n" + head
}

const curlRequest = "GET /hello HTTP/1.1\r\n" +
	"Host: 127.0.0.1:8888\r\n" +
	"User-Agent: curl/7.88.1\r\n" +
	"Accept: */*\r\n" +
	"\r\n"

func TestEchoExactResponse(t *testing.T) {
	addr := startEcho(t, testTimeout)
	got := roundTrip(t, addr, curlRequest)
	want := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: 83\r\n" +
		"Connection: close\r\n" +
		"\r\n" +
		curlRequest
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
}

func TestEchoHeads(t *testing.T) {
	bigHeader := "X-Big: " + strings.Repeat("a", 10<<10) + "\r\n"
	tests := []struct {
		name string
		sent string // what the client sends
		head string // what the server must echo
	}{
		{"curl", curlRequest, curlRequest},
		{"bare LF line endings", "GET / HTTP/1.1\nHost: x\n\n", "GET / HTTP/1.1\nHost: x\n\n"},
		{"mixed line endings", "GET / HTTP/1.1\r\nHost: x\n\r\n", "GET / HTTP/1.1\r\nHost: x\n\r\n"},
		{"empty lines before the request line are skipped", "\r\n\nGET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\n\r\n"},
		// bufio's buffer is 4096 bytes: these lines end just past it, so
		// their last piece is "\r\n" or "\n" alone.
		{"a line whose CRLF falls past the read buffer", "GET / HTTP/1.1\r\nX-A: " + strings.Repeat("a", 4091) + "\r\nX-B: b\r\n\r\n", "GET / HTTP/1.1\r\nX-A: " + strings.Repeat("a", 4091) + "\r\nX-B: b\r\n\r\n"},
		{"a line whose LF falls past the read buffer", "GET / HTTP/1.1\r\nX-A: " + strings.Repeat("a", 4090) + "\r\nX-B: b\r\n\r\n", "GET / HTTP/1.1\r\nX-A: " + strings.Repeat("a", 4090) + "\r\nX-B: b\r\n\r\n"},
		{"10 KB head", "GET / HTTP/1.1\r\n" + bigHeader + "\r\n", "GET / HTTP/1.1\r\n" + bigHeader + "\r\n"},
		{"a body after the head is not echoed", "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"},
		{"garbage is echoed as it came", "\x00\xff\xfe not http\r\n\r\n", "\x00\xff\xfe not http\r\n\r\n"},
	}
	addr := startEcho(t, testTimeout)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, addr, tt.sent)
			if diff := cmp.Diff(okResponse(tt.head), got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEchoOneByteAtATime sends the request in one-byte writes: each
// becomes its own TCP segment (Go sets TCP_NODELAY), so the server's reads
// return a byte or a few at a time, and it must keep reading until the
// blank line.
func TestEchoOneByteAtATime(t *testing.T) {
	addr := startEcho(t, testTimeout)
	conn := dial(t, addr)
	for i := range len(curlRequest) {
		if _, err := io.WriteString(conn, curlRequest[i:i+1]); err != nil {
			t.Fatalf("write byte %d: %v", i, err)
		}
	}
	if diff := cmp.Diff(okResponse(curlRequest), readAll(t, conn)); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
}

func TestHeadTooLarge(t *testing.T) {
	want := "HTTP/1.1 431 Request Header Fields Too Large\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: 44\r\n" +
		"Connection: close\r\n" +
		"\r\n" +
		"request head larger than the server accepts\n"
	tests := []struct {
		name string
		sent string
	}{
		{"many header lines", "GET / HTTP/1.1\r\n" + strings.Repeat("X-Filler: 0123456789\r\n", maxHeadBytes/20) + "\r\n"},
		{"one endless line", "GET /" + strings.Repeat("a", maxHeadBytes) + " HTTP/1.1\r\n\r\n"},
		{"endless empty lines", strings.Repeat("\r\n", maxHeadBytes)},
	}
	addr := startEcho(t, testTimeout)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := roundTrip(t, addr, tt.sent)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// The server is still serving.
	if diff := cmp.Diff(okResponse(curlRequest), roundTrip(t, addr, curlRequest)); diff != "" {
		t.Errorf("next client: response mismatch (-want +got):\n%s", diff)
	}
}

// TestHeadAtTheCap checks the boundary: a head of exactly maxHeadBytes
// is served.
func TestHeadAtTheCap(t *testing.T) {
	start := "GET / HTTP/1.1\r\nX-Pad: "
	end := "\r\n\r\n"
	head := start + strings.Repeat("p", maxHeadBytes-len(start)-len(end)) + end
	addr := startEcho(t, testTimeout)
	got := roundTrip(t, addr, head)
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("head of exactly %d bytes: got %.40q, want 200", len(head), got)
	}
}

// TestStalledClientIsDropped checks that a client that never finishes its
// head cannot block the iterative server: it is dropped after ReadTimeout
// and the client queued behind it is served.
func TestStalledClientIsDropped(t *testing.T) {
	tests := []struct {
		name string
		sent string
	}{
		{"silent", ""},
		{"half a head", "GET / HTTP/1.1\r\nHost: exam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startEcho(t, 100*time.Millisecond)
			// The kernel queues completed connections in order, so the
			// server accepts the stalled client first.
			stalled := dial(t, addr)
			io.WriteString(stalled, tt.sent)
			next := roundTrip(t, addr, curlRequest)
			if diff := cmp.Diff(okResponse(curlRequest), next); diff != "" {
				t.Errorf("client behind the stalled one: response mismatch (-want +got):\n%s", diff)
			}
			// The stalled client was hung up on without an answer.
			if got := readAll(t, stalled); got != "" {
				t.Errorf("stalled client got %q, want nothing", got)
			}
		})
	}
}

// TestClientGoesAway checks that a client that closes or resets its
// connection in the middle of its request does not stop the server.
func TestClientGoesAway(t *testing.T) {
	tests := []struct {
		name  string
		sent  string
		reset bool // close with SO_LINGER 0: the kernel sends RST, not FIN
	}{
		{"closes before sending", "", false},
		{"closes mid-head", "GET / HTTP/1.1\r\nHo", false},
		{"resets mid-head", "GET / HTTP/1.1\r\nHo", true},
		{"resets after the head", curlRequest, true},
	}
	addr := startEcho(t, testTimeout)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := dial(t, addr)
			io.WriteString(conn, tt.sent)
			if tt.reset {
				conn.(*net.TCPConn).SetLinger(0)
			}
			conn.Close()
			if diff := cmp.Diff(okResponse(curlRequest), roundTrip(t, addr, curlRequest)); diff != "" {
				t.Errorf("next client: response mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestServeReturnsWhenListenerCloses checks that Serve ends cleanly.
func TestServeReturnsWhenListenerCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- (&Server{}).Serve(ln) }()
	ln.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve after Close = %v, want nil", err)
	}
}

func TestReadHeadErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", io.ErrUnexpectedEOF},
		{"no blank line", "GET / HTTP/1.1\r\n", io.ErrUnexpectedEOF},
		{"too large", strings.Repeat("a", maxHeadBytes+1), errHeadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readHead(newReader(tt.in))
			if !errors.Is(err, tt.want) {
				t.Errorf("readHead(%.20q) error = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func newReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// TestLingerOnlyWhenBytesMayRemain: the server lingers (half-closes, then
// drains) only when the client sent, or announced, bytes after the head
// that it never read; otherwise it closes at once, so that a client that
// keeps its end open does not hold up the next one.
func TestLingerOnlyWhenBytesMayRemain(t *testing.T) {
	tests := []struct {
		name   string
		sent   string
		linger bool
	}{
		{"head only", curlRequest, false},
		{"Content-Length 0", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", false},
		{"head and body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", true},
		{"body announced, lower case", "POST / HTTP/1.1\r\nHost: x\r\ncontent-length: 5\r\n\r\n", true},
		{"chunked body announced", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", true},
		{"a second request behind the first", curlRequest + curlRequest, true},
		{"head cut off at the cap", "GET / HTTP/1.1\r\n" + strings.Repeat("X-Filler: 0123456789\r\n", maxHeadBytes/20) + "\r\n", true},
	}
	srv := &Server{ReadTimeout: testTimeout}
	addr, conns := startWatched(t, srv.Serve)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lingered(t, addr, conns, tt.sent); got != tt.linger {
				t.Errorf("lingered = %v, want %v", got, tt.linger)
			}
		})
	}
}

// BenchmarkNextClientBehindOpenOne measures how long a client waits for its
// answer when the client served before it keeps its end of the connection
// open after a complete exchange: the cost of lingering after every answer.
//
//	go test -run=NONE -bench=NextClient .
func BenchmarkNextClientBehindOpenOne(b *testing.B) {
	srv := &Server{ReadTimeout: testTimeout}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go srv.Serve(ln)
	addr := ln.Addr().String()
	for b.Loop() {
		b.StopTimer()
		first, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(first, curlRequest)
		if _, err := io.ReadAll(first); err != nil { // the answer, then the FIN
			b.Fatal(err)
		}
		b.StartTimer()
		next, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(next, curlRequest)
		if _, err := io.ReadAll(next); err != nil {
			b.Fatal(err)
		}
		next.Close()
		first.Close()
	}
}
