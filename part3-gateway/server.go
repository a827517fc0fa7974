// Server accepts TCP connections one at a time, reads one HTTP request
// from each, and hands it to an http.Handler through the gateway.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"syscall"
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
	// Handler answers each request the parser accepted: any http.Handler,
	// the standard library's ServeMux or a framework's router, unchanged.
	// The server knows nothing of the application, and the application
	// nothing of the server: gateway.go translates between them.
	Handler http.Handler

	// ReadTimeout is how long a client has to send its whole request,
	// body included (the handler reads the body: a read past the deadline
	// fails). A silent or endless client is dropped after it, so the next
	// one is served. Zero means no limit.
	ReadTimeout time.Duration

	// WriteTimeout is how long a client has to take in our response: one
	// that stops reading cannot hold the server for ever. Zero means no
	// limit.
	WriteTimeout time.Duration

	// Now returns the time for the Date field. Nil means time.Now; tests
	// set a fixed clock to compare whole responses.
	Now func() time.Time

	// Log receives each request the server refuses, each dropped
	// connection and each handler's panic. Nil discards them.
	Log *log.Logger

	describeOnce sync.Once
	described    *http.Server // the server as handlers see it (asHTTPServer)
}

// Serve accepts connections on ln and serves them one after the other.
// It returns when ln is closed (or Accept fails for good).
func (s *Server) Serve(ln net.Listener) error {
	var backoff time.Duration
	for {
		// Accept blocks until the kernel has completed a TCP handshake
		// with a client and hands us a new socket for that client alone;
		// ln keeps listening for the next one.
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				// Out of descriptors (EMFILE), say: the connection waits
				// in the backlog while we give the process time to close
				// some. Returning would end the server for a passing
				// shortage; net/http backs off the same way, from 5 ms
				// to 1 s.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logf("accept: %v; retrying in %v", err, backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		backoff = 0
		s.serveConn(conn)
	}
}

// isTemporary reports whether an Accept error passes: the process is out
// of descriptors or memory for a moment, or a client gave up before we
// accepted it.
func isTemporary(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// serveConn reads one request head from conn, has the handler answer it
// and closes the connection. Whatever the client does (stays silent, sends
// too much or garbage, resets), serveConn returns, so the accept loop goes
// on.
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
	if s.WriteTimeout > 0 {
		conn.SetWriteDeadline(time.Now().Add(s.WriteTimeout))
	}
	switch refused := refusal(err); {
	case refused != nil:
		// A request the parser refused never reaches the handler: the
		// server answers it itself, as in part 2, and lingers, since the
		// parser stopped before the end of the request.
		resp := errorResponse(refused)
		if err := writeResponse(conn, req, resp, s.now()); err != nil {
			s.logf("%s: write response: %v", client, err)
			return
		}
		s.logf("%s %s %d %d", client, requestLine(req, err), resp.Status, len(resp.Body))
		lingeringClose(conn)
		return
	case err != nil:
		// Timeout, early close, reset: nobody is listening for an answer
		// (net/http also closes without one), so we just hang up.
		s.logf("%s: dropped: %v", client, err)
		return
	}

	bodyDone := s.serveHTTP(conn, br, req)
	// Bytes the handler did not read (a body, or a request behind this
	// one) would turn our close into a reset that may destroy the answer:
	// linger then, draining them for a short while. Otherwise close at
	// once, so that the next client does not wait.
	if !bodyDone || br.Buffered() > 0 {
		lingeringClose(conn)
	}
}

// refusal returns err as the parser's refusal, or nil if it is none.
// (Only a request that failed pays for errors.As: its target escapes.)
func refusal(err error) *statusError {
	if err == nil {
		return nil
	}
	var refused *statusError
	errors.As(err, &refused)
	return refused
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
	// Bodies are streams here, and may be large: a client still sending
	// a body the handler refused must not meet a reset before it reads the
	// answer. So read for the whole lingerTimeout, however much comes.
	io.Copy(io.Discard, conn)
}

// now returns the time for the Date field.
func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log.Printf(format, args...)
	}
}
