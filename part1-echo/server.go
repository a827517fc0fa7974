// Server accepts TCP connections one at a time and answers each with the
// request head it received: the smallest server that speaks HTTP correctly.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"
)

// maxHeadBytes caps the request head (request line plus header fields).
// Without a cap, a client that never sends the blank line would make us
// buffer for ever. net/http's default (http.DefaultMaxHeaderBytes) is 1 MiB;
// 64 KiB is more than any browser sends.
const maxHeadBytes = 64 << 10

// lingerTimeout bounds how long we keep reading (and discarding) what a
// client may still send after we have answered, when it may still send
// something; see lingeringClose. net/http waits 500 ms for the same reason
// (rstAvoidanceDelay).
const lingerTimeout = 500 * time.Millisecond

// errHeadTooLarge reports a request head longer than maxHeadBytes.
var errHeadTooLarge = errors.New("request head too large")

// Server is an iterative echo server: it serves one connection at a time,
// as LSBAWS part 1 does.
type Server struct {
	// ReadTimeout is how long a client has to send its whole request head.
	// A silent or endless client is dropped after it, so the next one is
	// served. Zero means no limit.
	ReadTimeout time.Duration

	// Log receives each request and each dropped connection.
	// Nil discards them.
	Log *log.Logger
}

// Serve accepts connections on ln and serves them one after the other.
// It returns when ln is closed (or Accept fails for good).
func (s *Server) Serve(ln net.Listener) error {
	for {
		// Accept blocks until the kernel has completed a TCP handshake
		// with a client and hands us a new socket for that client alone;
		// ln keeps listening for the next one.
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		s.serveConn(conn)
	}
}

// serveConn reads one request head from conn, prints it, echoes it back
// inside an HTTP response and closes the connection. Whatever the client
// does (stays silent, sends too much, resets), serveConn returns, so the
// accept loop goes on.
func (s *Server) serveConn(conn net.Conn) {
	defer conn.Close()
	client := conn.RemoteAddr().String()

	if s.ReadTimeout > 0 {
		// One deadline for the whole head: a client that trickles a byte
		// at a time cannot keep us busy longer than ReadTimeout either.
		conn.SetReadDeadline(time.Now().Add(s.ReadTimeout))
	}
	br := bufio.NewReader(conn)
	head, err := readHead(br)
	switch {
	case errors.Is(err, errHeadTooLarge):
		s.logf("%s: %v: answering 431", client, err)
		writeResponse(conn, "431 Request Header Fields Too Large",
			[]byte("request head larger than the server accepts\n"))
		lingeringClose(conn)
		return
	case err != nil:
		// Timeout, early close, reset: nobody is listening for an answer
		// (net/http also closes without one), so we just hang up.
		s.logf("%s: dropped: %v", client, err)
		return
	}

	s.logf("--- request from %s ---\n%s", client, head)
	writeResponse(conn, "200 OK", head)
	// We read the head and nothing after it. If the client sent more (a
	// body, or bytes already waiting in br), closing now would reset the
	// connection and could destroy the answer: linger. Otherwise close at
	// once: lingering after every answer would make the next client wait
	// for as long as this one keeps its end open.
	if br.Buffered() > 0 || declaresBody(head) {
		lingeringClose(conn)
	}
}

// declaresBody reports whether head announces a body after it: a
// Content-Length other than 0, or a Transfer-Encoding. Part 1 echoes the
// head and never reads a body; part 2 parses these fields properly.
func declaresBody(head []byte) bool {
	for _, line := range bytes.Split(head, []byte("\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		// Field names are case-insensitive (RFC 9110 section 5.1):
		// "content-length" counts as much as "Content-Length".
		switch strings.ToLower(string(name)) {
		case "content-length":
			if string(bytes.TrimSpace(value)) != "0" {
				return true
			}
		case "transfer-encoding":
			return true
		}
	}
	return false
}

// readHead reads the request head: every line up to and including the
// empty line that ends it (RFC 9112 section 2.1). It does not trust a
// single Read to return the whole request, the LSBAWS bug of recv(1024):
// TCP is a byte stream, and a Read returns whatever has arrived so far,
// be it one byte or ten kilobytes.
func readHead(r *bufio.Reader) ([]byte, error) {
	var head []byte
	n := 0             // bytes read so far, skipped empty lines included
	continued := false // line is the rest of a line longer than bufio's buffer
	for {
		line, err := r.ReadSlice('\n')
		n += len(line)
		if n > maxHeadBytes {
			return nil, errHeadTooLarge
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than bufio's buffer: keep it and read on.
			head = append(head, line...)
			continued = true
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // closed before the blank line
			}
			return nil, fmt.Errorf("read request head: %w", err)
		}
		// A server SHOULD ignore empty lines received before the request
		// line (RFC 9112 section 2.2): some clients send an extra CRLF.
		// They still count toward the cap, so endless CRLFs end in 431.
		// The rest of a long line may be just "\r\n": that ends the long
		// line, it is not an empty line of its own.
		blank := !continued && (bytes.Equal(line, []byte("\r\n")) || bytes.Equal(line, []byte("\n")))
		continued = false
		if blank && len(head) == 0 {
			continue
		}
		head = append(head, line...)
		// The head ends with an empty line. RFC 9112 section 2.2 lets a
		// recipient accept a bare LF as a line ending, so "\n" counts too.
		if blank {
			return head, nil
		}
	}
}

// writeResponse writes a complete HTTP/1.1 response with body as its
// text/plain body. Every line ends in CRLF (RFC 9112 section 2.1). LSBAWS
// answered with bare LFs and no header fields: browsers today put up with
// that, but a client is only required to understand CRLF, and without
// Content-Length it can only guess that the body ended when the connection
// closes. Connection: close tells it that we hang up after this response.
func writeResponse(w io.Writer, status string, body []byte) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %s\r\n", status)
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	b.WriteString("Connection: close\r\n")
	b.WriteString("\r\n")
	b.Write(body)
	// One Write: the whole response leaves in as few TCP segments as
	// possible, and Write either sends every byte or returns an error.
	_, err := w.Write(b.Bytes())
	return err
}

// lingeringClose says we are done sending (a FIN) and then reads and
// discards whatever the client still sends, for a short while, before
// closing. Closing a socket whose receive buffer holds unread bytes makes
// the kernel send a reset (RST) instead of a FIN, and the client may then
// lose our response before reading it: this happens when a request carries
// a body we never read, or a head we cut off at the cap. It costs up to
// lingerTimeout of the one-at-a-time server's time, so serveConn calls it
// only in those cases, as net/http does (closeWriteAndWait).
func lingeringClose(conn net.Conn) {
	// *net.TCPConn has CloseWrite (shutdown(SHUT_WR) underneath); asking
	// for the method rather than the type lets a wrapped conn have it too.
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.Copy(io.Discard, io.LimitReader(conn, 4*maxHeadBytes))
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log.Printf(format, args...)
	}
}
