// pollConn: a connection of the event loop model, as a net.Conn. The
// loop reads request heads through it; the goroutine that serves a
// request reads the body and writes the answer through it, and the
// gateway, the client watch and Hijack use it as they use a *net.TCPConn.
// Its socket is non-blocking: a read or write that would block returns
// EAGAIN at once, and the goroutine then waits for the loop to see the
// socket ready (wait): the runtime's netpoller does the same for every
// net.Conn.

package main

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

type pollConn struct {
	fd    int
	l     *loop
	id    uint64 // what the loop knows it by in its events
	c     *conn
	raddr net.Addr
	laddr net.Addr

	// The loop's, or the serving goroutine's, as state says: the
	// request's start (for the head's deadline), whether it is the
	// connection's first, and whether the loop is reading (then a read
	// that would block returns errWouldBlock instead of waiting).
	start     time.Time
	first     bool
	loopReads bool

	when  time.Time // its deadline in the loop's timers; guarded by l.mu
	index int       // its place there, -1 if none; guarded by l.mu

	mu         sync.Mutex
	state      connState
	armed      uint32        // the events epoll watches for (0: not registered)
	want       uint32        // what a waiting goroutine waits for
	readReady  chan struct{} // a waiting reader is woken here (made on first wait)
	writeReady chan struct{} // and a waiting writer here
	rdeadline  time.Time
	wdeadline  time.Time
	closed     bool // Close was called: reads and writes fail
	fdClosed   bool // the descriptor is closed (end) or handed over (detach)
}

// errWouldBlock is what a read by the loop returns when the socket is
// empty: the loop never waits on one socket.
var errWouldBlock = errors.New("would block")

func (pc *pollConn) Read(p []byte) (int, error) {
	if pc.readMax() > 0 && len(p) > pc.readMax() {
		p = p[:pc.readMax()]
	}
	for {
		if err := pc.check(&pc.rdeadline); err != nil {
			return 0, pc.opError("read", err)
		}
		n, err := unix.Read(pc.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN && pc.loopReads:
			return 0, errWouldBlock
		case err == unix.EAGAIN:
			if err := pc.wait(unix.EPOLLIN); err != nil {
				return 0, pc.opError("read", err)
			}
			continue
		case err != nil:
			return 0, pc.opError("read", os.NewSyscallError("read", err))
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (pc *pollConn) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if err := pc.check(&pc.wdeadline); err != nil {
			return written, pc.opError("write", err)
		}
		n, err := unix.Write(pc.fd, p)
		if n > 0 {
			written += n
			p = p[n:]
		}
		switch {
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			// The socket's send buffer is full (a slow reader): wait for
			// EPOLLOUT.
			if err := pc.wait(unix.EPOLLOUT); err != nil {
				return written, pc.opError("write", err)
			}
		case err != nil:
			return written, pc.opError("write", os.NewSyscallError("write", err))
		}
	}
	return written, nil
}

// loopRead is a read by the loop: errWouldBlock if the socket is empty.
func (pc *pollConn) loopRead(p []byte) (int, error) {
	pc.loopReads = true
	defer func() { pc.loopReads = false }()
	return pc.Read(p)
}

// check fails a read or write on a closed connection, or past its
// deadline.
func (pc *pollConn) check(deadline *time.Time) error {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	switch {
	case pc.closed:
		return net.ErrClosed
	case !deadline.IsZero() && !time.Now().Before(*deadline):
		return os.ErrDeadlineExceeded
	}
	return nil
}

// wait waits until the loop sees the socket ready for ev (EPOLLIN or
// EPOLLOUT), the connection closes, or its deadline passes. The caller
// then tries again, and finds out which.
func (pc *pollConn) wait(ev uint32) error {
	pc.mu.Lock()
	ch, d := &pc.readReady, pc.rdeadline
	if ev == unix.EPOLLOUT {
		ch, d = &pc.writeReady, pc.wdeadline
	}
	if *ch == nil {
		*ch = make(chan struct{}, 1)
	}
	wake := *ch
	if pc.closed {
		pc.mu.Unlock()
		return net.ErrClosed
	}
	pc.want |= ev
	err := pc.arm(pc.armed | ev)
	if !d.IsZero() {
		pc.l.setTimerBy(pc, d)
	}
	pc.mu.Unlock()
	if err != nil {
		return err
	}
	<-wake
	return nil
}

// ready is the loop's part of wait: epoll says the socket is ready for
// events, and the goroutine waiting for it wakes. Level-triggered epoll
// would say so again at every epoll_wait until somebody reads (or
// writes): so what nobody waits for is no longer watched, and a goroutine
// that finds EAGAIN again asks again. pc.mu is held.
func (pc *pollConn) ready(events uint32) {
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 && pc.want&unix.EPOLLIN != 0 {
		pc.want &^= unix.EPOLLIN
		pc.notify(&pc.readReady)
	}
	if events&(unix.EPOLLOUT|unix.EPOLLHUP|unix.EPOLLERR) != 0 && pc.want&unix.EPOLLOUT != 0 {
		pc.want &^= unix.EPOLLOUT
		pc.notify(&pc.writeReady)
	}
	if !pc.l.edge {
		pc.arm(pc.want)
	}
}

// notify wakes the goroutine waiting on ch, if any; a wake that finds
// nobody waits for the next one, who then tries again and waits again.
// pc.mu is held.
func (pc *pollConn) notify(ch *chan struct{}) {
	if *ch == nil {
		return
	}
	select {
	case *ch <- struct{}{}:
	default:
	}
}

// arm has epoll watch the socket for events (none: it forgets it, since
// it reports a hang-up or an error even when asked for nothing). pc.mu is
// held.
func (pc *pollConn) arm(events uint32) error {
	if pc.fdClosed || events == pc.armed && !pc.l.edge {
		return nil
	}
	ev := unix.EpollEvent{Events: events, Fd: int32(uint32(pc.id)), Pad: int32(uint32(pc.id >> 32))}
	if pc.l.edge {
		// Edge-triggered: one event when the socket becomes ready, none
		// while it stays so (see TestEdgeTriggeredTrap). Re-registering
		// asks the kernel to look again, in case it is ready already.
		ev.Events |= unix.EPOLLET
	}
	var err error
	switch {
	case events == 0:
		err = unix.EpollCtl(pc.l.ep, unix.EPOLL_CTL_DEL, pc.fd, nil)
	case pc.armed == 0:
		err = unix.EpollCtl(pc.l.ep, unix.EPOLL_CTL_ADD, pc.fd, &ev)
	default:
		err = unix.EpollCtl(pc.l.ep, unix.EPOLL_CTL_MOD, pc.fd, &ev)
	}
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	pc.armed = events
	return nil
}

// Close closes the connection for its reader and writer, and its client.
// The descriptor itself is closed by whoever holds the connection (its
// loop, or its goroutine: end), so that a number the kernel may give
// again is never closed twice: shutdown(2) here ends the connection, and
// the loop, which sees it end, closes an idle one.
func (pc *pollConn) Close() error {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.closed {
		return nil
	}
	pc.closed = true
	pc.notify(&pc.readReady)
	pc.notify(&pc.writeReady)
	if !pc.fdClosed {
		unix.Shutdown(pc.fd, unix.SHUT_RDWR)
	}
	return nil
}

// CloseWrite sends the client our FIN (lingeringClose).
func (pc *pollConn) CloseWrite() error {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.fdClosed {
		return net.ErrClosed
	}
	return unix.Shutdown(pc.fd, unix.SHUT_WR)
}

func (pc *pollConn) RemoteAddr() net.Addr { return pc.raddr }

func (pc *pollConn) LocalAddr() net.Addr { return pc.laddr }

func (pc *pollConn) SetDeadline(t time.Time) error {
	pc.SetReadDeadline(t)
	return pc.SetWriteDeadline(t)
}

// SetReadDeadline and SetWriteDeadline also wake a goroutine waiting
// with the old deadline: it checks the new one.
func (pc *pollConn) SetReadDeadline(t time.Time) error {
	return pc.setDeadline(&pc.rdeadline, &pc.readReady, t)
}

func (pc *pollConn) SetWriteDeadline(t time.Time) error {
	return pc.setDeadline(&pc.wdeadline, &pc.writeReady, t)
}

func (pc *pollConn) setDeadline(d *time.Time, ready *chan struct{}, t time.Time) error {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	*d = t
	pc.notify(ready)
	return nil
}

func (pc *pollConn) readMax() int { return pc.l.readMax }

func (pc *pollConn) opError(op string, err error) error {
	if err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: "tcp", Addr: pc.raddr, Err: err}
}

// fileConn makes an ordinary net.Conn of a copy of fd.
func fileConn(fd int) (net.Conn, error) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("fcntl", err)
	}
	f := os.NewFile(uintptr(dup), "tcp")
	defer f.Close()
	return net.FileConn(f)
}

// detach takes a connection out of its loop for a handler that hijacks
// it: the handler gets an ordinary *net.TCPConn, in the runtime's poller,
// and the loop forgets the socket.
func (l *loop) detach(pc *pollConn) (net.Conn, error) {
	l.mu.Lock()
	delete(l.conns, pc.id)
	l.timers.remove(pc)
	l.mu.Unlock()
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.fdClosed {
		return nil, net.ErrClosed
	}
	pc.arm(0)
	nc, err := fileConn(pc.fd)
	pc.fdClosed = true
	unix.Close(pc.fd) // nc has a copy
	return nc, err
}

// takeOver is the connection as a handler that hijacks it gets it: in the
// event loop model, out of its loop, with what the server's writer held
// sent first.
func (c *conn) takeOver() (net.Conn, error) {
	pc, ok := c.rwc.(*pollConn)
	if !ok {
		return c.rwc, nil
	}
	if err := c.bw.Flush(); err != nil {
		return nil, err
	}
	nc, err := pc.l.detach(pc)
	if err != nil {
		return nil, err
	}
	c.r.conn = nc
	c.bw.Reset(nc)
	return nc, nil
}
