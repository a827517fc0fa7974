// Server accepts TCP connections and serves many of them at once: the
// model (iterative, a process or a goroutine per connection, or an event
// loop) decides who serves each one. A connection now carries request
// after request (keep-alive), each bounded by its own timeout, until
// either side closes it or the server shuts down.

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
	"sync/atomic"
	"syscall"
	"time"
)

// lingerTimeout bounds how long we keep reading (and discarding) what a
// client may still send after we have answered, when it may still send
// something; see lingeringClose. net/http waits 500 ms for the same reason
// (rstAvoidanceDelay).
const lingerTimeout = 500 * time.Millisecond

// Model is how the server serves the connections it accepts.
type Model string

const (
	// Goroutine serves each connection in a goroutine of its own: Go's
	// answer, and net/http's. It is the default (the zero Model).
	Goroutine Model = "goroutine"
	// Process serves each connection in a new process, a copy of this
	// program: the Go analogue of LSBAWS's fork (see process.go).
	Process Model = "process"
	// Iterative serves one connection at a time, one request each, as
	// parts 1 to 3 did: kept to show the problem.
	Iterative Model = "iterative"
	// EventLoop watches every connection from a few event loops, one per
	// core, on Linux's epoll: what Go's runtime does under every
	// goroutine, by hand (see eventloop_linux.go). Linux only.
	EventLoop Model = "epoll"
)

// Server is a concurrent HTTP/1.1 server.
type Server struct {
	// Handler answers each request the parser accepted: any http.Handler,
	// the standard library's ServeMux or a framework's router, unchanged.
	// The server knows nothing of the application, and the application
	// nothing of the server: gateway.go translates between them.
	Handler http.Handler

	// Model says who serves each connection; "" means Goroutine.
	Model Model

	// The timeouts, named as http.Server names them; zero means no limit.
	// Each bounds what a client can take from the server by being slow:
	// a slow client holds its own goroutine (or process), for at most
	// this long, and nothing else.
	//
	// ReadHeaderTimeout: how long a client has to send a request's head
	// (zero: ReadTimeout). ReadTimeout: the whole request, body included.
	// Both count from the request's first byte, or for the first request
	// of a connection from its start. WriteTimeout: from the end of the
	// request's head to the end of the response. IdleTimeout: how long a
	// kept-alive connection may wait for its next request (zero:
	// ReadTimeout).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration

	// MaxConns caps the connections served at once, in every model: at
	// the cap the server stops accepting, and the kernel's backlog holds
	// the next clients until a connection ends (as
	// golang.org/x/net/netutil.LimitListener does for net/http). In the
	// process model it caps the children, as Apache's MaxRequestWorkers
	// does; zero there means defaultMaxChildren (and with LeaveZombies,
	// whose children are never reaped, no slot ever comes back: the cap
	// soon stops the server, one more reason to reap). In the other
	// models zero means no cap.
	MaxConns int

	// Process model only, two switches for the lessons of process.go:
	// LeaveZombies does not reap the children that exited, so that ps
	// shows them <defunct>; ParentKeepsCopies has the parent keep its
	// copies of each connection's descriptor, so that the client never
	// sees the connection end.
	LeaveZombies      bool
	ParentKeepsCopies bool

	// Event loop model only, for the tests that show its traps: register
	// each socket edge-triggered (EPOLLET), read at most loopReadMax bytes
	// at a time (zero: as much as fits), run handlers on the loop itself
	// (TestEdgeTriggeredTrap, TestInlineHandlerStallsItsLoop).
	edgeTriggered  bool
	loopReadMax    int
	inlineHandlers bool

	// Now returns the time for the Date field. Nil means time.Now; tests
	// set a fixed clock to compare whole responses.
	Now func() time.Time

	// Log receives each request the server refuses, each dropped
	// connection and each handler's panic. Nil discards them.
	Log *log.Logger

	describeOnce sync.Once
	described    *http.Server // the server as handlers see it (asHTTPServer)

	// Buffers a connection borrows while it serves a request and gives
	// back while it waits for the next one: an idle connection then holds
	// no buffer but conn.next, and a new connection allocates none (see
	// takeBuffers, and freeList for why not sync.Pool).
	readers     freeList[*bufio.Reader]
	writers     freeList[*bufio.Writer]
	bodyWriters freeList[*bufio.Writer]

	// slots holds a token per connection being served (per child in the
	// process model); nil when there is no cap. See takeSlot.
	slotsOnce sync.Once
	slots     chan struct{}

	// What the server is serving, for Shutdown: its listeners, its
	// connections and (process model) its children. Guarded by mu.
	mu          sync.Mutex
	listeners   map[net.Listener]bool
	conns       map[*conn]bool
	children    map[int]bool
	clientWaits atomic.Bool // at the cap, a client waits for a slot (giveWay)
	leaked      []io.Closer // the copies ParentKeepsCopies keeps
	stop        stopState   // Shutdown and Close (shutdown.go)
}

// Serve accepts connections on ln and serves them as s.Model says. It
// returns http.ErrServerClosed after Shutdown or Close, nil when ln is
// closed by someone else, and the error of an Accept that fails for good.
func (s *Server) Serve(ln net.Listener) error {
	if !s.trackListener(ln) {
		return http.ErrServerClosed
	}
	defer s.untrackListener(ln)
	if s.model() == Process {
		// The reaper outlives Serve during a shutdown: the children it
		// waits for are still finishing their requests.
		stop := s.reapChildren()
		defer func() {
			if !s.isStopping() {
				stop()
			}
		}()
	}
	accept := ln.Accept
	if s.model() == EventLoop {
		loops, err := s.startLoops(ln) // eventloop_linux.go
		if err != nil {
			return err
		}
		defer loops.stopAccepting()
		accept = loops.accept
	}
	var backoff time.Duration
	for {
		// Accept blocks until the kernel has completed a TCP handshake
		// with a client and hands us a new socket for that client alone;
		// ln keeps listening for the next one. (LSBAWS 3f: a signal
		// interrupting accept fails it with EINTR in C and old Pythons;
		// Go's net package retries for us.)
		rwc, err := accept()
		if err != nil {
			if s.isStopping() {
				return http.ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				// Out of descriptors (EMFILE), say: the connection waits
				// in the backlog while we give the others time to end.
				// net/http backs off the same way, from 5 ms to 1 s.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.logf("accept: %v; retrying in %v", err, backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		backoff = 0
		// At the cap, the loop waits here for a connection to end before
		// it accepts again (see takeSlot).
		if !s.takeSlot() {
			rwc.Close()
			return http.ErrServerClosed
		}
		s.serve(rwc)
	}
}

// serve hands a connection the loop has accepted to whoever serves it in
// s.Model, and returns when the loop may go back to Accept. The lesson of
// part 4 is this switch.
func (s *Server) serve(rwc net.Conn) {
	switch s.model() {
	case Iterative:
		s.serveConn(rwc) // nobody else: the loop waits
		s.giveSlotBack()
	case Process:
		s.startChild(rwc) // a new process (process.go); its slot comes back when it is reaped
	case EventLoop:
		s.addToLoop(rwc) // one of the loops watches it (eventloop_linux.go); its slot comes back when it closes
	default:
		go func() { // a new goroutine
			s.serveConn(rwc)
			s.giveSlotBack()
		}()
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

func (s *Server) model() Model {
	if s.Model == "" {
		return defaultModel
	}
	return s.Model
}

// defaultModel is the model of a Server whose Model is "": Goroutine.
// (The tests run again with EventLoop here: see TestMain.)
var defaultModel = Goroutine

// conn is one client's connection, and what the server reads and writes
// it through.
type conn struct {
	rwc    net.Conn
	remote string // the client's address, for every request's RemoteAddr
	r      *connReader
	br     *bufio.Reader // nil while idle: the buffers are the free lists'
	bw     *bufio.Writer
	// idle: waiting for a request, so Shutdown may close it; idleSince:
	// when a kept-alive connection began to wait for its next request
	// (zero while it waits for its first). Both guarded by s.mu.
	idle      bool
	idleSince time.Time

	hijacked bool // a handler took the connection over (see Hijack)

	// next receives the first bytes of each request: what an idle
	// connection waits with, instead of a 16 KiB reader. (The event loop
	// model's connections wait with none: nil.)
	next *[1 << 10]byte
}

func newConn(rwc net.Conn) *conn {
	return &conn{rwc: rwc, r: &connReader{conn: rwc}, remote: rwc.RemoteAddr().String()}
}

// serveConn serves the requests of one connection, one after the other,
// until the client or the server closes it. Whatever the client does
// (stays silent, sends too much or garbage, resets), serveConn returns.
func (s *Server) serveConn(rwc net.Conn) {
	c := newConn(rwc)
	if !s.trackConn(c) {
		rwc.Close() // shutting down: no new connections
		return
	}
	defer s.untrackConn(c)
	defer s.giveBuffersBack(c)

	for first := true; ; first = false {
		// Wait for the first byte of the next request: for the first
		// request ReadHeaderTimeout bounds the wait, between requests
		// IdleTimeout does. Either way the connection is idle: nothing is
		// in flight, so Shutdown closes it at once.
		if !s.setIdle(c, true, !first) {
			break // shutting down, or a client waits at the cap
		}
		start := time.Now()
		if first {
			rwc.SetReadDeadline(deadline(start, s.readHeaderTimeout()))
		} else {
			rwc.SetReadDeadline(deadline(start, s.idleTimeout()))
		}
		err := s.waitForRequest(c)
		if !s.setIdle(c, false, false) {
			break // Shutdown closed it while it was idle
		}
		if err != nil {
			// The client closed a connection it had finished with, or it
			// stayed silent too long: nothing to answer, nothing to log
			// (net/http is silent too).
			break
		}

		if !first {
			start = time.Now()
		}
		if !s.serveRequest(c, start) {
			return
		}
		s.giveBuffersBack(c) // idle until the next request
	}
}

// serveRequest reads the request whose first bytes c.br holds, which
// started at start, and answers it. It reports whether the connection
// may carry the next request.
func (s *Server) serveRequest(c *conn, start time.Time) (keepAlive bool) {
	// One deadline for the head and one for the whole request, counted
	// from the request's start: a client that trickles a byte at a time
	// cannot hold its goroutine longer than that. (The first request
	// starts with the connection, as in net/http.) The write deadline
	// starts once the head is read.
	rwc, client := c.rwc, c.remote
	rwc.SetReadDeadline(deadline(start, s.readHeaderTimeout()))
	req, err := readRequest(c.br)
	rwc.SetReadDeadline(deadline(start, s.ReadTimeout))
	rwc.SetWriteDeadline(deadline(time.Now(), s.WriteTimeout))
	if err != nil && c.bw.Buffered() > 0 {
		// The answers to the requests before this one (pipelined) are
		// still in the buffer: they go first.
		c.bw.Flush()
	}
	switch refused := refusal(err); {
	case refused != nil:
		// A request the parser refused never reaches the handler: the
		// server answers it itself, as in part 2, closes the connection
		// (where the next request would start is unknown) and lingers,
		// since the parser stopped before the end.
		resp := errorResponse(refused)
		if err := writeResponse(rwc, req, resp, s.now()); err != nil {
			s.logf("%s: write response: %v", client, err)
			return false
		}
		s.logf("%s %s %d %d", client, requestLine(req, err), resp.Status, len(resp.Body))
		lingeringClose(rwc)
		return false
	case err != nil:
		// Timeout, early close, reset in the middle of a request: nobody
		// is listening for an answer (net/http also closes without one),
		// so we just hang up.
		s.logf("%s: dropped: %v", client, err)
		return false
	}

	keepAlive, bodyDone := s.serveHTTP(c, req)
	if c.hijacked {
		return false // the connection is the handler's now
	}
	rwc.SetWriteDeadline(time.Time{})
	if !keepAlive {
		// Bytes the handler did not read (a body, or requests behind this
		// one) would turn our close into a reset that may destroy the
		// answer: linger then, draining them for a short while. Otherwise
		// close at once.
		if !bodyDone || c.br.Buffered() > 0 {
			lingeringClose(rwc)
		}
		return false
	}
	return true
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

// waitForRequest waits for the first bytes of the connection's next
// request, then takes the buffers to read and answer it. An idle
// connection waits with no more memory than c.next: with thousands of
// kept-alive connections, that is most of what the server holds. Bytes
// already read ahead (a pipelined request) need no wait.
func (s *Server) waitForRequest(c *conn) error {
	if c.br == nil {
		if len(c.r.pending) == 0 {
			if c.next == nil {
				c.next = new([1 << 10]byte)
			}
			n, err := c.rwc.Read(c.next[:])
			if n == 0 && err != nil {
				return err
			}
			c.r.pending = c.next[:n]
		}
		s.takeBuffers(c)
	}
	_, err := c.br.Peek(1)
	return err
}

// connReader is what the connection's bufio.Reader reads from: the socket,
// and first the byte the client watch may have read ahead (see
// clientWatch): the start of the next request, when the client pipelines.
type connReader struct {
	conn    net.Conn
	pending []byte
}

func (r *connReader) Read(p []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	return r.conn.Read(p)
}

// readHeaderTimeout and idleTimeout fall back on ReadTimeout, as
// http.Server's do.
func (s *Server) readHeaderTimeout() time.Duration {
	if s.ReadHeaderTimeout != 0 {
		return s.ReadHeaderTimeout
	}
	return s.ReadTimeout
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout != 0 {
		return s.IdleTimeout
	}
	return s.ReadTimeout
}

// deadline returns the time d after start, or no deadline (the zero
// time) when d is zero.
func deadline(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return start.Add(d)
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
// a body we never read, or a head we cut off at the cap. serveConn calls
// it only in those cases, as net/http does (closeWriteAndWait).
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
