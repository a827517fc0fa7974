// The client watch: the request's context ends when the client closes its
// connection while the handler runs.

package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// clientWatch is a request's context: it ends when the handler returns,
// or when the client closes its connection while the handler runs. To
// notice that, once the request is read to its end, it reads one byte in
// the background: a read can then only return the client's next request
// (if it pipelines), its close, or a reset. A byte is kept for the next
// request (r.pending); an end means the client is gone. net/http watches
// the same way (its connReader.backgroundRead).
//
// net/http watches for every request. Here the watch begins only when
// somebody asks the context whether it has ended (Done or Err: a handler
// that waits for a query or a timer, or a context made from this one).
// The read costs a goroutine, a system call and a wakeup, about a tenth of
// what a small request costs in all, and most handlers never ask. A
// client that left before the handler asked is noticed all the same: the
// read returns at once.
type clientWatch struct {
	conn net.Conn
	s    *Server
	r    *connReader // where a byte read ahead is kept
	b    [1]byte

	mu       sync.Mutex
	done     chan struct{}  // what Done returns, made when first asked for
	err      error          // what Err returns: context.Canceled once ended
	asked    bool           // Done or Err was called: watch the client
	bodyRead bool           // the request is read to its end (start)
	started  bool           // the watch's read has begun
	reading  sync.WaitGroup // until it returns
	stopped  bool           // the handler returned: no watch from now on
}

// Deadline, Done, Err and Value make the watch a context.Context, one with
// no deadline and the values net/http's server puts in every request's
// context, which some handlers and libraries read (and type-assert, so
// that a missing one is a panic): the server, under http.ServerContextKey,
// and the address the client connected to, under http.LocalAddrContextKey.
func (c *clientWatch) Deadline() (time.Time, bool) { return time.Time{}, false }

func (c *clientWatch) Value(key any) any {
	switch key {
	case http.ServerContextKey:
		return c.s.asHTTPServer()
	case http.LocalAddrContextKey:
		return c.conn.LocalAddr()
	}
	return nil
}

func (c *clientWatch) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		}
	}
	c.asked = true
	c.begin()
	return c.done
}

func (c *clientWatch) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = true
	c.begin()
	return c.err
}

// start says the request is read to its end: the watch may begin.
func (c *clientWatch) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodyRead = true
	c.begin()
}

// begin starts the watch's read once somebody has asked and the request
// is read, unless it has begun or the handler has returned. c.mu is held.
func (c *clientWatch) begin() {
	if !c.asked || !c.bodyRead || c.started || c.stopped {
		return
	}
	c.started = true
	c.reading.Go(func() {
		n, err := c.conn.Read(c.b[:])
		switch {
		case n > 0:
			c.r.pending = c.b[:1] // the start of the next request
		case errors.Is(err, os.ErrDeadlineExceeded):
			// Our own deadline (ReadTimeout, or stop below): not the client.
		default:
			c.cancel() // EOF or reset: the client is gone, or has half-closed and waits
		}
	})
}

// cancel ends the context: the client is gone, or the handler returned.
func (c *clientWatch) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = context.Canceled
		if c.done != nil {
			close(c.done)
		}
	}
}

// stop ends the watch once the handler has returned (or hijacked the
// connection), by making its read time out at once, and waits for it.
func (c *clientWatch) stop() {
	c.mu.Lock()
	c.stopped = true
	started := c.started
	c.mu.Unlock() // the read may need c.mu to cancel
	if started {
		c.conn.SetReadDeadline(time.Unix(1, 0))
		c.reading.Wait()
	}
}
