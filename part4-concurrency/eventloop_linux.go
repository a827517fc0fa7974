// The event loop model (-model epoll): the third classic answer to "many
// clients at once", after a process and a thread (here a goroutine) per
// connection. A few loops, one per core, each watch thousands of sockets
// with epoll(7) and touch a socket only when the kernel says it is ready.
// It is nginx's design, Node's and Redis's, and what Go's runtime does
// under every goroutine: its netpoller (runtime/netpoll_epoll.go) is an
// epoll loop, and a goroutine that reads an empty socket is parked until
// the loop sees the socket ready. Here that loop is ours, by hand.
//
// A connection is a small state machine (connState). The loop reads each
// request's head itself, into a buffer it borrows when the first byte
// comes; once the head is whole, a goroutine runs the handler, which may
// block (an upload, CGI, /sleep) without holding up the loop. The
// goroutine reads the body and writes the answer on the non-blocking
// socket itself, and when the kernel says EAGAIN it waits for the loop
// to see the socket ready (pollconn_linux.go). Once nothing more is
// buffered it hands the connection back: an idle connection holds no
// goroutine and no buffer, only a few hundred bytes of state.

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// eventLoopSupported: -model epoll runs here.
const eventLoopSupported = true

// connState is where a connection of a loop is in its life.
type connState int

const (
	// idle: waiting for the first byte of a request. The loop watches
	// it; it holds no buffer.
	idle connState = iota
	// readingHead: the loop reads the head into a borrowed buffer.
	readingHead
	// serving: a goroutine has it, from the head's end to the response's
	// last byte: it runs the handler, reads the body, writes the answer.
	// The loop only wakes it when the socket is ready (pollConn.wait).
	serving
)

// loops is the loops of one call to Serve, and its listener.
type loops struct {
	s    *Server
	ln   net.Listener
	all  []*loop
	next int // the loop that gets the next connection
}

// loop is one event loop: a goroutine locked to its thread, with its own
// epoll descriptor, watching its share of the connections.
type loop struct {
	s    *Server
	ep   int // its epoll instance
	wake int // an eventfd: others write to it to wake the loop from epoll_wait

	// Tests set these (Server.edgeTriggered, loopReadMax) to show edge
	// triggered epoll's trap: with edge set, each socket is registered with
	// EPOLLET; readMax caps each read.
	edge    bool
	readMax int

	// mu guards what other goroutines touch: the connections (the loop
	// looks each event's up here), the timers and the loop's sleep.
	mu         sync.Mutex
	conns      map[uint64]*pollConn
	ids        uint64
	live       int // its connections not yet ended, hijacked ones included
	timers     timerHeap
	sleeping   bool      // in epoll_wait
	sleepUntil time.Time // when that epoll_wait returns by itself (zero: never)
	accepting  bool      // Serve may still add connections; the loop ends when not, and none is live
	exited     bool      // the loop has ended: its descriptors are closed

	scratch  []byte        // where an idle connection's first bytes land (readHead)
	maxSleep time.Duration // the shortest of the server's timeouts (sleep)

	work        chan *pollConn // to a worker that waits (dispatch)
	idleWorkers atomic.Int32   // how many wait
}

// startLoops starts one loop per core (GOMAXPROCS) for Serve, which
// accepts with loops.accept and hands each connection to a loop
// (addToLoop), round robin. The loops stop once Serve has returned and
// their last connection has closed.
func (s *Server) startLoops(ln net.Listener) (*loops, error) {
	g := &loops{s: s, ln: ln}
	for range runtime.GOMAXPROCS(0) {
		l, err := newLoop(s)
		if err != nil {
			g.stopAccepting()
			return nil, err
		}
		g.all = append(g.all, l)
		go l.run()
	}
	return g, nil
}

func newLoop(s *Server) (*loop, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(ep)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	// The eventfd is id 0; connections count from 1.
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN}); err != nil {
		unix.Close(ep)
		unix.Close(wake)
		return nil, fmt.Errorf("epoll_ctl: %w", err)
	}
	return &loop{
		s: s, ep: ep, wake: wake, conns: map[uint64]*pollConn{}, accepting: true,
		edge: s.edgeTriggered, readMax: s.loopReadMax, scratch: make([]byte, readBufferBytes),
		work: make(chan *pollConn), maxSleep: shortest(s.readHeaderTimeout(), s.idleTimeout()),
	}, nil
}

// accept accepts the next connection, and takes its socket out of Go's
// runtime poller for a loop: one acceptor (Serve's loop, as in every
// model) hands the connections over. The socket's descriptor is copied
// (dup) and Go's copy closed, so that only the loop's epoll watches it.
// That costs each connection three system calls, which a listener per
// loop (SO_REUSEPORT, each loop calling accept4 itself) would save; but
// Serve is given one listener, and must return when whoever owns it
// closes it, which only Go's poller hears of.
func (g *loops) accept() (net.Conn, error) {
	rwc, err := g.ln.Accept()
	if err != nil {
		return nil, err
	}
	defer rwc.Close()
	sc, ok := rwc.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("-model epoll needs TCP connections, not %T", rwc)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	err = raw.Control(func(gofd uintptr) {
		// The copy shares the socket's flags: non-blocking, as Go set it.
		fd, derr = unix.FcntlInt(gofd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("fcntl", err)}
	}
	l := g.all[g.next]
	g.next = (g.next + 1) % len(g.all)
	return &pollConn{fd: fd, l: l, raddr: rwc.RemoteAddr(), laddr: rwc.LocalAddr(), index: -1}, nil
}

// stopAccepting tells the loops that Serve has returned: each ends once
// its last connection has closed.
func (g *loops) stopAccepting() {
	for _, l := range g.all {
		l.mu.Lock()
		l.accepting = false
		l.wakeUp()
		l.mu.Unlock()
	}
}

// addToLoop gives a connection Serve accepted to its loop, which watches
// it from now on: it waits for its first request, idle.
func (s *Server) addToLoop(rwc net.Conn) {
	pc := rwc.(*pollConn)
	l := pc.l
	c := newConn(pc)
	pc.c, pc.start, pc.first = c, time.Now(), true
	if !s.trackConn(c) {
		pc.Close() // shutting down: no new connections
		unix.Close(pc.fd)
		s.giveSlotBack()
		return
	}
	s.setIdle(c, true, false)
	l.mu.Lock()
	l.ids++
	pc.id = l.ids
	l.conns[pc.id] = pc
	l.live++
	l.mu.Unlock()
	pc.mu.Lock()
	err := pc.arm(unix.EPOLLIN)
	l.setTimer(pc, deadline(pc.start, s.readHeaderTimeout()))
	pc.mu.Unlock()
	if err != nil {
		s.logf("%s: epoll_ctl: %v", c.remote, err)
		l.end(pc)
	}
}

// run is the loop: wait for events, handle each, fire the timers that are
// due, again, until Serve has returned and no connection is left.
func (l *loop) run() {
	// The loop has a thread of its own, as a C event loop has: the
	// runtime runs no other goroutine on it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(l.work) // the waiting workers end
	events := make([]unix.EpollEvent, 256)
	ready := make([]*pollConn, 0, len(events))
	for {
		timeout, done := l.sleep()
		if done {
			return
		}
		// Poll first without waiting; if nothing is ready, yield before
		// sleeping in epoll_wait. A thread that waits in a system call
		// keeps its share of the CPU (its P, in the runtime's terms)
		// until the runtime takes it back, some microseconds later: the
		// goroutines this loop just started would wait that long.
		n, err := unix.EpollWait(l.ep, events, 0)
		if n == 0 && timeout != 0 {
			runtime.Gosched()
			n, err = unix.EpollWait(l.ep, events, timeout)
		}
		l.mu.Lock()
		l.sleeping = false
		ready = ready[:0]
		for _, ev := range events[:max(n, 0)] {
			ready = append(ready, l.conns[eventID(ev)]) // nil: the eventfd, or a connection gone since
		}
		l.mu.Unlock()
		if err != nil && err != unix.EINTR {
			// EBADF, EFAULT or EINVAL: a bug, not a client. Go's own
			// poller throws here (runtime/netpoll_epoll.go); a loop that
			// returned would leave its connections hanging, unserved.
			panic("epoll_wait: " + err.Error())
		}
		for i, pc := range ready {
			switch {
			case eventID(events[i]) == 0:
				var b [8]byte
				unix.Read(l.wake, b[:])
			case pc != nil:
				l.handle(pc, events[i].Events)
			}
		}
		l.fireTimers(time.Now())
	}
}

// wakeUp makes the loop's epoll_wait return. l.mu is held: the loop
// cannot have closed its eventfd.
func (l *loop) wakeUp() {
	if !l.exited {
		one := [8]byte{1}
		unix.Write(l.wake, one[:])
	}
}

// handle is what the loop does when epoll says a connection is ready.
func (l *loop) handle(pc *pollConn, events uint32) {
	pc.mu.Lock()
	if pc.fdClosed {
		pc.mu.Unlock()
		return
	}
	if pc.state == serving {
		pc.ready(events) // wake the goroutine that waits for it
		pc.mu.Unlock()
		return
	}
	pc.mu.Unlock()
	l.readHead(pc)
}

// readHead reads what the socket holds of a request's head, once (a level
// triggered loop hears of the rest at its next epoll_wait), into the
// connection's reader, borrowed at the request's first byte. Once the
// head is whole, a goroutine serves the request (serve).
func (l *loop) readHead(pc *pollConn) {
	s, c := l.s, pc.c
	before := 0
	var err error
	if c.br == nil {
		// Idle: no buffer. Read into the loop's own, and borrow one only
		// if bytes came: a close, or an event that finds nothing, costs
		// none.
		n, err := pc.loopRead(l.scratch)
		if n == 0 {
			if !errors.Is(err, errWouldBlock) {
				l.end(pc) // closed (or reset) between requests: nothing to answer
			}
			return
		}
		// The request's first bytes: the connection is no longer idle,
		// and the head's deadline starts (the first request's started
		// with the connection).
		if !s.setIdle(c, false, false) {
			l.end(pc) // Shutdown closed it while it was idle
			return
		}
		pc.mu.Lock()
		pc.state = readingHead
		if !pc.first {
			pc.start = time.Now()
			l.setTimer(pc, deadline(pc.start, s.readHeaderTimeout()))
		}
		pc.mu.Unlock()
		s.takeBuffers(c)
		c.r.pending = l.scratch[:n]
		c.br.Peek(n) // the bytes move into the connection's reader
	} else {
		before = c.br.Buffered()
		pc.loopReads = true
		_, err = c.br.Peek(before + 1) // reads the socket once, if it can
		pc.loopReads = false
	}
	b, _ := c.br.Peek(c.br.Buffered())
	switch {
	case len(b) == before && errors.Is(err, errWouldBlock):
		// No more yet.
	case len(b) == before:
		// Closed or reset in the middle of the head: the parser says so,
		// and the goroutine logs it, as in the other models.
		l.dispatch(pc)
	case headEnd(b) >= 0 || len(b) == readBufferBytes:
		// Whole, or the buffer is full (a head this long is the parser's
		// to refuse or to read on): the request is the goroutine's now.
		l.dispatch(pc)
	}
}

// dispatch hands a connection whose request head is in its buffer to a
// new goroutine. Goroutines are bounded as connections are (-max-conns):
// one per connection, while it is served.
func (l *loop) dispatch(pc *pollConn) {
	pc.mu.Lock()
	pc.state = serving
	l.setTimer(pc, time.Time{}) // the goroutine's deadlines apply now
	pc.mu.Unlock()
	if l.s.inlineHandlers {
		// The design this model avoids, for TestInlineHandlerStallsItsLoop:
		// the loop runs the handler itself, and watches none of its other
		// sockets until it returns. (It works only for requests whose
		// reads and writes never wait: the loop would wait for itself.)
		l.serve(pc)
		return
	}
	select {
	case l.work <- pc: // a worker waits: it takes it
	default:
		go l.worker(pc)
	}
}

// maxIdleWorkers is how many goroutines at most wait in each loop's pool
// for the next connection to serve. A goroutine's stack grows as it
// serves (the gateway and the site need several KiB): a new goroutine for
// each request paid for that growth every time (runtime.newstack took
// 8% of the CPU in a profile of a keep-alive run). Beyond these, a
// goroutine that has served ends.
const maxIdleWorkers = 64

// worker serves pc, then waits in the pool for the next connection, or
// ends if the pool is full or the loop has ended.
func (l *loop) worker(pc *pollConn) {
	for ok := true; ok; {
		l.serve(pc)
		if l.idleWorkers.Add(1) > maxIdleWorkers {
			l.idleWorkers.Add(-1)
			return
		}
		pc, ok = <-l.work
		l.idleWorkers.Add(-1)
	}
}

// serve answers the requests whose heads are in the connection's buffer,
// one after the other: the answers to pipelined requests wait in the
// buffer and go out in one write (serveHTTP). Then it gives the
// connection back to its loop, or ends it.
func (l *loop) serve(pc *pollConn) {
	s, c := l.s, pc.c
	for {
		if !s.serveRequest(c, pc.start) || c.hijacked {
			break
		}
		pc.first = false
		if c.br.Buffered() == 0 && len(c.r.pending) == 0 {
			if l.handBack(pc) {
				return
			}
			break
		}
		// The next request is here already (pipelined), at least its
		// start: serve it now, unless the server wants the connection
		// closed (shutting down, or a client waits at the cap).
		if s.isStopping() || s.clientWaits.Load() {
			break
		}
		pc.start = time.Now()
	}
	l.end(pc)
}

// handBack gives an idle connection back to its loop, without its
// buffers, and reports false if it must close instead.
func (l *loop) handBack(pc *pollConn) bool {
	s, c := l.s, pc.c
	s.giveBuffersBack(c)
	if !s.setIdle(c, true, true) {
		return false // shutting down, or a client waits at the cap
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.closed {
		return false
	}
	pc.state = idle
	pc.want = 0
	// The goroutine's deadlines end with it (the client watch leaves one
	// in the past when it stops): the loop's own timers apply now.
	pc.rdeadline, pc.wdeadline = time.Time{}, time.Time{}
	l.setTimer(pc, deadline(time.Now(), s.idleTimeout()))
	if err := pc.arm(unix.EPOLLIN); err != nil {
		s.logf("%s: epoll_ctl: %v", c.remote, err)
		return false
	}
	return true
}

// end closes a connection for good (unless a handler hijacked it: it has
// left the loop already) and forgets it.
func (l *loop) end(pc *pollConn) {
	l.mu.Lock()
	if l.conns[pc.id] == pc {
		delete(l.conns, pc.id)
	}
	l.timers.remove(pc)
	l.live--
	if !l.accepting && l.live == 0 {
		l.wakeUp() // the last one: the loop ends
	}
	l.mu.Unlock()
	pc.mu.Lock()
	pc.closed = true
	if !pc.fdClosed {
		pc.fdClosed = true
		unix.Close(pc.fd) // and epoll forgets it
	}
	pc.mu.Unlock()
	l.s.giveBuffersBack(pc.c)
	l.s.untrackConn(pc.c)
	l.s.giveSlotBack()
}

// eventID is the connection an event is about: the id it was registered
// with (epoll_event's 64-bit data, which x/sys/unix splits in two). An id
// is never used twice, unlike a descriptor: an event still in hand for a
// connection that has closed since cannot be mistaken for a new one's.
func eventID(ev unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}
