//go:build !unix

// Stand-ins for process.go where the process model cannot run (not Unix).

package main

import (
	"errors"
	"net"
)

// childEnv is as in process.go: no process is ever started with it here.
const childEnv = "PART4_CHILD"

// processModelSupported is false: main refuses -model process at start-up,
// so nothing below runs in normal use.
const processModelSupported = false

// errNoProcessModel says why the stand-ins below do nothing.
var errNoProcessModel = errors.New("the process model needs a Unix system (fork/exec with an inherited socket, SIGCHLD and waitpid)")

// startChild closes conn unanswered: no child can serve it.
func (s *Server) startChild(conn net.Conn) {
	s.logf("process model: %v", errNoProcessModel)
	conn.Close()
}

// reapChildren has no children to reap: its stop does nothing.
func (s *Server) reapChildren() (stop func()) { return func() {} }

// reapNow has no children to reap.
func (s *Server) reapNow() {}

// askChildrenToGiveWay has no children to ask.
func (s *Server) askChildrenToGiveWay() {}

// signalChildren has no children to signal (s.children stays empty).
func (s *Server) signalChildren(kill bool) {}

// serveChild fails: no parent passes a connection here.
func (s *Server) serveChild() error { return errNoProcessModel }
