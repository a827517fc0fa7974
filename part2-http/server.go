// Server accepts TCP connections one at a time, reads one HTTP request
// from each, and writes the site's response.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"time"
)

// lingerTimeout bounds how long we keep reading (and discarding) what a
// client may still send after we have answered, when it may still send
// something; see lingeringClose. net/http waits 500 ms for the same reason
// (rstAvoidanceDelay).
const lingerTimeout = 500 * time.Millisecond

// Server is an iterative HTTP server: it serves one connection at a time,
// one request per connection.
type Server struct {
	// Handler answers each request the parser accepted.
	Handler func(*Request) *Response

	// ReadTimeout is how long a client has to send its whole request,
	// body included. A silent or endless client is dropped after it, so
	// the next one is served. Zero means no limit.
	ReadTimeout time.Duration

	// WriteTimeout is how long a client has to take in our response: one
	// that stops reading cannot hold the server for ever. Zero means no
	// limit.
	WriteTimeout time.Duration

	// Now returns the time for the Date field. Nil means time.Now; tests
	// set a fixed clock to compare whole responses.
	Now func() time.Time

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

// serveConn reads one request from conn, answers it and closes the
// connection. Whatever the client does (stays silent, sends too much or
// garbage, resets), serveConn returns, so the accept loop goes on.
func (s *Server) serveConn(conn net.Conn) {
	defer conn.Close()
	client := conn.RemoteAddr().String()

	if s.ReadTimeout > 0 {
		// One deadline for the whole request: a client that trickles a
		// byte at a time cannot keep us busy longer than ReadTimeout.
		conn.SetReadDeadline(time.Now().Add(s.ReadTimeout))
	}
	br := bufio.NewReaderSize(conn, readBufferBytes)
	req, err := readRequest(br)
	if err == nil && req.ExpectContinue {
		// The client waits for our go-ahead before it sends the body;
		// had we refused the request, it would not send it at all.
		err = writeContinue(conn)
	}
	if err == nil {
		err = readBody(br, req)
	}

	var resp *Response
	var refused *statusError
	switch {
	case errors.As(err, &refused):
		resp = errorResponse(refused)
	case err != nil:
		// Timeout, early close, reset: nobody is listening for an answer
		// (net/http also closes without one), so we just hang up.
		s.logf("%s: dropped: %v", client, err)
		return
	default:
		resp = s.Handler(req)
	}

	if s.WriteTimeout > 0 {
		conn.SetWriteDeadline(time.Now().Add(s.WriteTimeout))
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if err := writeResponse(conn, req, resp, now()); err != nil {
		s.logf("%s: write response: %v", client, err)
		return
	}
	s.logf("%s %s %d %d", client, requestLine(req, err), resp.Status, len(resp.Body))
	// A refused request was not read to its end: the parser stops at the
	// first fault, and the rest of the head or the body may still come.
	// Bytes already in br are a request we will not read either. Closing
	// with unread bytes resets the connection and may destroy the answer:
	// linger then. Otherwise close at once: lingering after every answer
	// would make the next client wait while this one keeps its end open.
	if err != nil || br.Buffered() > 0 {
		lingeringClose(conn)
	}
}

// requestLine describes the request in the log: its request line, or what
// was wrong with it.
func requestLine(req *Request, err error) string {
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return fmt.Sprintf("%q", req.Method+" "+req.Target+" "+req.Proto)
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
	io.Copy(io.Discard, io.LimitReader(conn, 4*maxHeaderBytes))
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log.Printf(format, args...)
	}
}
