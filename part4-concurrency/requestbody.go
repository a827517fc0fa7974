// The request's body as the handler reads it (r.Body): a stream from the
// connection, with "100 Continue" sent on the first read.

package main

import (
	"io"
	"net/http"
	"sync"
)

// requestBody is r.Body: the request's body, read from the connection as
// the handler asks for it.
//
// A handler may read the body in one goroutine while it writes the
// response in another (a proxy, an echo that streams both ways): so no
// lock that the response needs is ever held across a read from the
// socket, which may wait for the client for as long as ReadTimeout.
// readMu keeps two Reads from interleaving (and is all a waiting Read
// holds); mu guards the fields below it, for a moment at a time.
type requestBody struct {
	r       io.Reader // a lengthReader or a chunkedReader
	w       *responseWriter
	trailer http.Header // r.Trailer, filled at the end
	onEOF   func()      // called once the body is read to its end
	readMu  sync.Mutex  // one Read (or drain) at a time

	mu               sync.Mutex
	expectContinue   bool // the client waits for "100 Continue"
	continueWithheld bool // the response began first: the client was never told to send the body
	sawEOF           bool
	closed           bool
}

func (b *requestBody) Read(p []byte) (int, error) {
	b.readMu.Lock()
	defer b.readMu.Unlock()
	if err := b.beforeRead(); err != nil {
		return 0, err
	}
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.mu.Lock()
		b.hitEOF()
		b.mu.Unlock()
	}
	return n, err
}

// beforeRead refuses a read after Close, and sends "100 Continue" before
// the first one if the client waits for it. The client sent "Expect:
// 100-continue" and waits for our go-ahead before it sends the body. The
// handler asking for the body is the go-ahead; a handler that answers
// without reading it never makes the client send it (RFC 9110 section
// 10.1.1). net/http waits for the first Read too.
//
// mu is held while the 25 bytes go out: that orders them before the
// response's head, which WriteHeader writes only after noContinue (it
// waits for mu). It is the one write made under the lock, and it cannot
// wait on the client as a read can: nothing of this response was sent
// before it, and the write deadline bounds it. (net/http holds its
// writeContinueMu across the same write.)
func (b *requestBody) beforeRead() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return http.ErrBodyReadAfterClose
	}
	if b.expectContinue {
		b.expectContinue = false
		return b.w.writeContinue()
	}
	return nil
}

// hitEOF notes the end of the body: the trailers are known, and the client
// watch may start. b.mu is held.
func (b *requestBody) hitEOF() {
	if b.sawEOF {
		return
	}
	b.sawEOF = true
	if b.onEOF != nil {
		b.onEOF()
	}
	if cr, ok := b.r.(*chunkedReader); ok && len(cr.trailer) > 0 {
		if b.trailer == nil {
			b.trailer = make(http.Header)
		}
		for _, f := range cr.trailer {
			b.trailer.Add(f.Name, f.Value)
		}
	}
}

// maxPostHandlerReadBytes bounds how much of a body the handler left
// unread the server reads and discards to keep the connection: beyond
// it, closing is cheaper. net/http's bound is the same 256 KiB.
const maxPostHandlerReadBytes = 256 << 10

// drain reads and discards what the handler left of the body, so that the
// next request can be read after it. It reports false when the connection
// must close instead: the body is larger than maxPostHandlerReadBytes, or
// broken, or the handler closed it early, or the client waited for "100
// Continue" and was never told to send it (it may send the body or not:
// what comes next is unknown). A nil body (none) drains at once. Like a
// Read, it holds only readMu while it reads.
func (b *requestBody) drain() bool {
	if b == nil {
		return true
	}
	b.readMu.Lock()
	defer b.readMu.Unlock()
	b.mu.Lock()
	sawEOF, closed, withheld := b.sawEOF, b.closed, b.continueWithheld
	b.mu.Unlock()
	switch {
	case sawEOF:
		return true
	case closed, withheld:
		return false
	}
	if lr, ok := b.r.(*lengthReader); ok && lr.left > maxPostHandlerReadBytes {
		return false
	}
	_, err := io.CopyN(io.Discard, b.r, maxPostHandlerReadBytes+1)
	if err == io.EOF {
		b.mu.Lock()
		b.hitEOF()
		b.mu.Unlock()
		return true
	}
	return false
}

// readToEnd reports whether the body was read to its end.
func (b *requestBody) readToEnd() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sawEOF
}

// Close stops the body: later reads fail. What was not read stays on the
// connection, which the server then closes with care (see serveConn).
func (b *requestBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

// noContinue notes that the client has an answer: the body need not come.
// WriteHeader calls it before it writes anything: once it returns, no
// "100 Continue" can go out.
func (b *requestBody) noContinue() {
	if b != nil {
		b.mu.Lock()
		if b.expectContinue {
			b.expectContinue = false
			b.continueWithheld = true
		}
		b.mu.Unlock()
	}
}
