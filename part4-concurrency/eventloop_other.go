//go:build !linux

// Stand-ins for eventloop_linux.go where epoll does not exist (not Linux).

package main

import (
	"errors"
	"net"
)

// eventLoopSupported is false: main refuses -model epoll at start-up, and
// Serve fails with errNoEventLoop.
const eventLoopSupported = false

var errNoEventLoop = errors.New("the epoll model needs Linux (epoll(7)); use -model goroutine")

// loops would be the event loops of one call to Serve.
type loops struct{}

func (s *Server) startLoops(ln net.Listener) (*loops, error) { return nil, errNoEventLoop }

func (g *loops) accept() (net.Conn, error) { return nil, errNoEventLoop }

func (g *loops) stopAccepting() {}

// addToLoop closes rwc unanswered: no loop can serve it.
func (s *Server) addToLoop(rwc net.Conn) {
	rwc.Close()
	s.giveSlotBack()
}

// takeOver is the connection as a handler that hijacks it gets it.
func (c *conn) takeOver() (net.Conn, error) { return c.rwc, nil }
