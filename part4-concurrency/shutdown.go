// Graceful shutdown: what the server is serving (its listeners and
// connections), and how Shutdown and Close end it.

package main

import (
	"context"
	"net"
	"sync/atomic"
	"time"
)

// stopState is all a server knows of its own end, in one place.
type stopState struct {
	begun atomic.Bool   // Shutdown or Close has begun: set with s.mu held, read without it on every response
	began chan struct{} // closed when it begins (made on first use, with s.mu held)
	done  chan struct{} // closed once it has begun and nothing is left to wait for
}

// Shutdown stops the server gracefully, with http.Server.Shutdown's
// meaning: it closes the listeners (no new connections), closes the idle
// connections, and waits for the others to finish the request they are
// serving (each answers with "Connection: close" and closes) and, in the
// process model, for the children, which it asks to do the same (SIGTERM).
// If ctx ends first, Shutdown returns its error and leaves the rest
// running: call Close then.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.beginStopping()
	for c := range s.conns {
		if c.idle {
			c.rwc.Close()
		}
	}
	s.signalChildren(false)
	s.checkDone()
	done := s.stop.done
	s.mu.Unlock()
	if s.model() == Process && s.LeaveZombies {
		s.reapNow() // a server that stops still reaps its children
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the server at once: it closes the listeners and every
// connection, and kills the children (process model). Requests in flight
// are lost; Shutdown is the graceful way.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beginStopping()
	for c := range s.conns {
		c.rwc.Close()
	}
	s.signalChildren(true)
	return nil
}

// beginStopping closes the listeners and marks the server as shutting
// down: no connection is kept alive from now on. s.mu is held.
func (s *Server) beginStopping() {
	if !s.stop.begun.Load() {
		s.stop.begun.Store(true)
		close(s.stoppingChan0())
		s.stop.done = make(chan struct{})
	}
	for ln := range s.listeners {
		ln.Close()
	}
}

// checkDone closes allDone once a shutting-down server has nothing left
// to wait for. s.mu is held.
func (s *Server) checkDone() {
	if s.stop.begun.Load() && len(s.conns) == 0 && len(s.children) == 0 {
		select {
		case <-s.stop.done:
		default:
			close(s.stop.done)
		}
	}
}

// trackListener records a listener, and trackConn a connection, for
// Shutdown and Close; both report false once the server is shutting down.
// untrackListener and untrackConn forget them.
func (s *Server) trackListener(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop.begun.Load() {
		return false
	}
	if s.listeners == nil {
		s.listeners = map[net.Listener]bool{}
	}
	s.listeners[ln] = true
	return true
}

func (s *Server) trackConn(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop.begun.Load() {
		return false
	}
	if s.conns == nil {
		s.conns = map[*conn]bool{}
	}
	s.conns[c] = true
	return true
}

func (s *Server) untrackListener(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.listeners, ln)
	s.checkDone()
}

// untrackConn also closes the connection, unless a handler took it over.
func (s *Server) untrackConn(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !c.hijacked {
		c.rwc.Close()
	}
	delete(s.conns, c)
	s.checkDone()
}

// forget stops tracking a connection a handler hijacked: Shutdown and
// Close leave it alone, as http.Server's do.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.hijacked = true
	delete(s.conns, c)
	s.checkDone()
}

// setIdle marks c as waiting for a request (idle), between two requests
// if keptAlive, or as serving one. It reports false when the connection
// must close instead: the server is shutting down, or (kept alive) a
// client waits at the cap.
func (s *Server) setIdle(c *conn, idle, keptAlive bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.idle = idle
	c.idleSince = time.Time{}
	if keptAlive {
		c.idleSince = time.Now()
		if s.clientWaits.Load() {
			return false
		}
	}
	return !s.stop.begun.Load()
}

// keepAlives reports whether a connection may carry another request: not
// in the iterative model (one client at a time cannot wait for a client's
// next request), and not once the server shuts down.
func (s *Server) keepAlives() bool {
	if s.model() == Iterative {
		return false
	}
	return !s.isStopping()
}

// isStopping reports whether Shutdown or Close has begun. Every response
// asks: an atomic load costs less than taking s.mu, which every other
// connection wants too.
func (s *Server) isStopping() bool {
	return s.stop.begun.Load()
}

func (s *Server) stoppingChan() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stoppingChan0()
}

func (s *Server) stoppingChan0() chan struct{} {
	if s.stop.began == nil {
		s.stop.began = make(chan struct{})
	}
	return s.stop.began
}
