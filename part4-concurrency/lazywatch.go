// The client watch, made lazy: a speed mechanism, not part 4's lesson.
// Part 3's clientwatch.go is the lesson: the request's context ends when
// the client closes its connection while the handler runs, noticed by a
// read in the background that begins once the request is read. That read
// costs every request a goroutine, a system call and a wakeup, and with
// keep-alive the connection's goroutine must wait for it to end before it
// reads the next request. Most handlers never look at their context. So
// here the watch begins only when somebody asks, and the watch is the
// context itself, allocated with the ResponseWriter. Measured when it
// came (BenchmarkServers, benchstat of six runs each way): a kept-alive
// exchange took two fifths less time, with four allocations fewer; with
// 8 and 64 connections, the load client's small page with keep-alive went
// from 0.91x and 0.93x net/http's rate to 1.12x and 1.05x
// (docs/performance.md at the root of the repository).

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
// somebody asks the context whether it has ended (Done, Err or AfterFunc:
// a handler that waits for a query or a timer, or a context made from
// this one).
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
	done     chan struct{}    // what Done returns, made when first asked for
	err      error            // what Err returns: context.Canceled once ended
	asked    bool             // Done or Err was called: watch the client
	bodyRead bool             // the request is read to its end (start)
	started  bool             // the watch's read has begun
	reading  sync.WaitGroup   // until it returns
	stopped  bool             // the handler returned: no watch from now on
	afters   map[*func()]bool // what AfterFunc registered, until the end
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

// AfterFunc runs f in a goroutine of its own once the context ends, and
// returns a function that cancels that (true if it did). The context
// package looks for this method: a context made from this one, such as
// context.WithTimeout(r.Context(), …) before a database call, then
// registers here instead of starting a goroutine that waits on Done, as
// it does for a context it does not know. net/http's request context is
// a cancelCtx, which the package knows: no goroutine there either.
func (c *clientWatch) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = true
	c.begin()
	if c.err != nil {
		go f()
		return func() bool { return false }
	}
	if c.afters == nil {
		c.afters = map[*func()]bool{}
	}
	key := &f
	c.afters[key] = true
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		registered := c.afters[key]
		delete(c.afters, key)
		return registered
	}
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
		for f := range c.afters {
			go (*f)()
		}
		c.afters = nil
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
