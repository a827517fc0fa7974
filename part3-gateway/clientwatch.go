// The client watch: the request's context ends when the client closes its
// connection while the handler runs.

package main

import (
	"context"
	"errors"
	"net"
	"time"
)

// clientWatch notices a client that closes its connection while the
// handler runs, and cancels the request's context. Once the request is
// read to its end, nothing more should come from the client (one request
// per connection): so a read that returns means the client hung up (or,
// if it brings bytes, sent something the server will not read). net/http
// watches the same way (its connReader.backgroundRead).
type clientWatch struct {
	conn    net.Conn
	cancel  context.CancelFunc
	done    chan struct{} // closed when the read returns; nil if not started
	sawData bool
}

func (c *clientWatch) start() {
	if c.done != nil {
		return
	}
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		var b [1]byte
		n, err := c.conn.Read(b[:])
		var ne net.Error
		switch {
		case n > 0:
			c.sawData = true
		case errors.As(err, &ne) && ne.Timeout():
			// Our own deadline (ReadTimeout, or stop below): not the client.
		default:
			c.cancel() // EOF or reset: the client is gone, or has half-closed and waits
		}
	}()
}

// stop ends the watch once the handler has returned, by making the read
// time out at once, and waits for it.
func (c *clientWatch) stop() {
	if c.done == nil {
		return
	}
	c.conn.SetReadDeadline(time.Unix(1, 0))
	<-c.done
}
