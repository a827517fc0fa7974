//go:build unix

// The process model: a process per connection, LSBAWS part 3's fork, the
// Go way.
//
// A C or Python server calls fork() after accept: the child is a copy of
// the parent, holding the same descriptors, and serves the client while
// the parent goes back to accept. A Go program cannot fork safely: its
// runtime runs many threads, and fork copies only the calling one. So the
// parent starts a new process of its own program (re-exec) and passes it
// the accepted socket as an extra descriptor: fd 3 in the child. The
// child serves that one connection and exits.
//
// Two lessons come with it, as in LSBAWS:
//   - Descriptors: the child's fd 3 and the parent's copies refer to one
//     socket, which the kernel ends only when the last descriptor closes.
//     The parent must close its copies, or the client never sees the end
//     of the connection (ParentKeepsCopies shows it).
//   - Zombies: a child that exits stays in the process table, <defunct>,
//     until its parent collects its exit status (waitpid). The parent
//     reaps them when SIGCHLD says one exited (LeaveZombies shows it).

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// childEnv marks a process as a child of the process model: its fd 3 is
// the connection to serve.
const childEnv = "PART4_CHILD"

// processModelSupported: this system has what the process model needs
// (process_other.go says false elsewhere; main checks it for -model).
const processModelSupported = true

// startChild starts a new process of this program to serve conn.
func (s *Server) startChild(conn net.Conn) {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		s.noChild(conn, fmt.Errorf("%T is not a TCP connection", conn))
		return
	}
	// File returns a new descriptor for the socket (dup): the one the
	// child inherits. conn keeps its own. Out of descriptors, it fails.
	f, err := tc.File()
	if err != nil {
		s.noChild(conn, err)
		return
	}
	exe, err := os.Executable()
	if err != nil {
		f.Close()
		s.noChild(conn, err)
		return
	}
	// The child runs with the parent's flags, so it builds the same site;
	// ExtraFiles[0] becomes its fd 3 (0, 1 and 2 are stdin, stdout and
	// stderr, which it shares with us: its log lines appear with ours).
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr

	// The child is recorded before the reaper can see it exit.
	s.mu.Lock()
	err = cmd.Start()
	if err == nil {
		if s.children == nil {
			s.children = map[int]bool{}
		}
		s.children[cmd.Process.Pid] = true
	}
	s.mu.Unlock()
	if err != nil {
		s.logf("process model: start child: %v", err)
		s.giveSlotBack() // no child will be reaped for it
	} else {
		// The reaper collects the child with wait4, not with cmd.Wait:
		// Release frees what os.Process holds (a pidfd on Linux) without
		// waiting. Never mix the two: whichever waits first takes the
		// exit status, and the other fails with ECHILD.
		cmd.Process.Release()
	}

	if s.ParentKeepsCopies {
		// LSBAWS's "hanging curl": the parent keeps both descriptors (here
		// for ever), so the socket outlives the child's close.
		s.mu.Lock()
		s.leaked = append(s.leaked, f, conn)
		s.mu.Unlock()
		return
	}
	// The parent is done with this client: its copies close, and the
	// child's fd 3 is now the socket's only descriptor.
	f.Close()
	conn.Close()
}

// noChild gives up on a connection that no child will serve: it closes it
// and gives its slot back, since no child will be reaped for it. Without
// the slot, a parent out of descriptors would stop accepting for good
// once the failures reached the cap.
func (s *Server) noChild(conn net.Conn, err error) {
	s.logf("process model: %v", err)
	conn.Close()
	s.giveSlotBack()
}

// reapChildren collects the children as they exit, so that none is left a
// zombie, and returns a function that stops it. Signals coalesce: while
// a SIGCHLD is pending, another is not queued, so one signal may stand for
// many children that exited (LSBAWS 3g). So each signal leads to a loop
// of wait4(-1, WNOHANG) calls, until none is left to collect.
func (s *Server) reapChildren() (stop func()) {
	// SIGUSR1 asks a child to give way (askChildrenToGiveWay). A child
	// that is still starting, before its Go runtime handles signals,
	// would die of it, as of any signal it does not handle: so the parent
	// ignores it, and its children start with it ignored (an ignored
	// signal stays ignored across fork and exec) until they ask for it.
	signal.Ignore(syscall.SIGUSR1)
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, syscall.SIGCHLD)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigchld:
			case <-done:
				return
			}
			// Go delivers the signal on a channel, to an ordinary
			// goroutine: we may log and lock here, which a C or Python
			// signal handler must not (LSBAWS prints in its handler).
			if !s.LeaveZombies || s.isStopping() {
				s.reapNow()
			}
		}
	}()
	return func() {
		signal.Stop(sigchld)
		close(done)
	}
}

// reapNow collects every child that has exited, without waiting for the
// others.
func (s *Server) reapNow() {
	for {
		var status syscall.WaitStatus
		// WNOHANG: return at once. wait4 returns 0 while children still
		// run, and fails with ECHILD when there are none (LSBAWS's
		// comment says an error means "would block": it does not).
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
		if status.Signaled() {
			s.logf("child %d: ended by signal %d (%v)", pid, status.Signal(), status.Signal())
		} else if code := status.ExitStatus(); code != 0 {
			s.logf("child %d: exit status %d", pid, code)
		}
		s.mu.Lock()
		_, ours := s.children[pid]
		delete(s.children, pid)
		s.checkDone()
		s.mu.Unlock()
		if ours {
			s.giveSlotBack() // the child's connection has ended: the next may come
		}
	}
}

// askChildrenToGiveWay is takeSlot's giveWay for the process model: the
// parent cannot close a connection a child serves, nor see which children
// wait between two requests, so it asks them all, with SIGUSR1. A child
// that waits for its client's next request closes the connection and
// exits (its slot comes back when it is reaped); one serving a request
// finishes it, then does the same. nginx, too, closes its idle keep-alive
// connections in batches when it runs out.
func (s *Server) askChildrenToGiveWay() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for pid := range s.children {
		syscall.Kill(pid, syscall.SIGUSR1)
	}
}

// signalChildren passes a shutdown on to the children: SIGTERM asks each
// to finish its request and exit; kill sends SIGKILL instead. s.mu is
// held. (A child started a moment before, still starting up, has not yet
// asked for SIGTERM in main and dies of it: it had not read its request,
// and its client sees the connection close unanswered, as when a server
// closes an idle connection; clients retry those.)
func (s *Server) signalChildren(kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	for pid := range s.children {
		syscall.Kill(pid, sig)
	}
}

// serveChild serves the connection a process-model parent passed as fd 3,
// then returns: the child's whole life.
func (s *Server) serveChild() error {
	f := os.NewFile(3, "connection")
	if f == nil {
		return fmt.Errorf("%s is set but fd 3 is not open", childEnv)
	}
	conn, err := net.FileConn(f) // another dup: f closes, conn stays
	f.Close()
	if err != nil {
		return err
	}
	// SIGUSR1: the parent is at its cap and asks for idle connections
	// back (askChildrenToGiveWay).
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer func() {
		signal.Stop(usr1)
		close(usr1)
	}()
	go func() {
		for range usr1 {
			s.giveWay(true)
		}
	}()
	s.serveConn(conn)
	return nil
}
