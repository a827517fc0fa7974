// The gateway: the translation between our server and any Go web
// application. It turns a parsed request into the *http.Request every
// handler takes, hands it to the handler with a ResponseWriter of our own,
// and turns what the handler did into HTTP bytes, as net/http would.
//
// This is LSBAWS part 2's lesson, WSGI, in Go's terms:
//
//	WSGI                           Go (net/http)
//	application(environ, ...)      Handler.ServeHTTP(w, r)
//	environ                        *http.Request
//	start_response(status, hdrs)   w.Header().Set(...), w.WriteHeader(code)
//	the returned iterable          w.Write(...)

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bufferBeforeChunkingSize is how much of the body the ResponseWriter
// holds back before it sends the head: a handler that writes less and
// returns gets a Content-Length; one that writes more is sent chunked.
// net/http holds back the same 2048 bytes.
const bufferBeforeChunkingSize = 2048

// serveHTTP runs the handler for req, a request the parser accepted, and
// writes its response on the connection. It reports whether the
// connection can carry the next request (keep-alive), and whether this
// request was read to its end, body included: if not, and the connection
// closes, bytes may still be on their way, and the server must close with
// care.
func (s *Server) serveHTTP(c *conn, req *Request) (keepAlive, bodyDone bool) {
	w := newResponseWriter(c, req, s)
	// The request's context ends when the client goes away or the handler
	// returns: a handler that started work for this request (a query, a
	// call to another service) learns that nobody waits for its result.
	// The watch that notices the client is the context (see clientWatch).
	watch := &w.watch
	defer watch.cancel()
	r, body := newHTTPRequest(watch, req, c.br, w)
	w.body = body
	if body == nil {
		watch.start()
	} else {
		body.onEOF = watch.start
	}
	handler := s.Handler
	if req.Method == "OPTIONS" && req.Target == "*" {
		// "OPTIONS *" asks about the server, not about a resource of the
		// application: like net/http, the server answers it itself.
		handler = http.HandlerFunc(optionsStar)
	}

	ok := s.runHandler(handler, w, r)
	if c.hijacked {
		return false, false // the handler owns the connection now
	}
	if w.fullDuplex && !w.closeAfterReply && !body.drain() {
		w.closeAfterReply = true // the head said keep-alive; closing still ends it cleanly
	}
	if ok {
		w.finish()
	} else {
		w.closeAfterReply = true
	}
	if err := c.bw.Flush(); err != nil {
		s.logf("%s: write response: %v", r.RemoteAddr, err)
		w.closeAfterReply = true
	}
	w.giveBufferBack()
	watch.stop()
	// Each request the handler answered is logged by the application's
	// access log middleware, on whichever server runs it; the server logs
	// only what the application never sees: refusals, dropped clients,
	// panics and write errors.
	bodyDone = body == nil || body.readToEnd()
	return w.shouldReuseConnection() && bodyDone, bodyDone
}

// asHTTPServer returns the *http.Server a handler finds under
// http.ServerContextKey: the key's documented type is *http.Server, so
// ours is described as one (its handler and timeouts), made once. It is
// never started: it only answers a handler that asks how it is served.
func (s *Server) asHTTPServer() *http.Server {
	s.describeOnce.Do(func() {
		s.described = &http.Server{
			Handler: s.Handler, ReadHeaderTimeout: s.ReadHeaderTimeout, ReadTimeout: s.ReadTimeout,
			WriteTimeout: s.WriteTimeout, IdleTimeout: s.IdleTimeout, ErrorLog: s.Log,
		}
	})
	return s.described
}

// runHandler calls the handler and reports whether it returned normally.
// A handler that panics does not bring the server down: the panic is
// logged with its stack, and the client gets a 500 if nothing of the
// response has been sent yet (net/http sends nothing: see the differential
// test). A panic with http.ErrAbortHandler is the handler's way to abort
// the response on purpose: nothing is logged, and nothing more is sent.
func (s *Server) runHandler(h http.Handler, w *responseWriter, r *http.Request) (ok bool) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		ok = false
		if v == http.ErrAbortHandler {
			return
		}
		stack := make([]byte, 64<<10)
		stack = stack[:runtime.Stack(stack, false)]
		s.logf("%s: panic serving %s: %v\n%s", r.RemoteAddr, r.RequestURI, v, stack)
		if !w.headSent {
			w.status = http.StatusInternalServerError
			w.bw.Reset(w.conn) // drop anything the handler left in the buffer
			resp := textResponse(http.StatusInternalServerError, "internal server error\n")
			writeResponse(w.bw, w.req, resp, w.s.now())
		}
	}()
	h.ServeHTTP(w, r)
	return true
}

// optionsStar answers "OPTIONS *" (RFC 9110 section 9.3.7) as net/http's
// server does: 200, and nothing to say.
func optionsStar(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
}

// newHTTPRequest builds the *http.Request a handler receives from what the
// parser read: every field net/http's own server fills, filled the same
// way. LSBAWS's environ left the query inside PATH_INFO and had no
// QUERY_STRING: here the target is split into URL.Path and URL.RawQuery.
// The body, if any, is returned too, to learn later how much was read.
func newHTTPRequest(ctx context.Context, req *Request, br *bufio.Reader, w *responseWriter) (*http.Request, *requestBody) {
	r := &http.Request{
		Method:     req.Method,
		RequestURI: req.Target,
		Proto:      req.Proto,
		ProtoMajor: 1,
		ProtoMinor: int(req.Proto[len(req.Proto)-1] - '0'),
		Header:     make(http.Header, len(req.Header)),
		Host:       req.Host,
		RemoteAddr: w.c.remote,
		// Whether the client asked to close the connection after this
		// response, as net/http's server sets it.
		Close: w.wantsClose || req.Proto == "HTTP/1.0" && !w.wants10KeepAlive,
	}
	// The parser checked the target's structure; net/url turns it into
	// the url.URL every handler expects, exactly as net/http does (the
	// authority-form of CONNECT is read as a host).
	target := req.Target
	if req.Method == "CONNECT" && !strings.HasPrefix(target, "/") {
		target = "http://" + target
	}
	r.URL, _ = url.ParseRequestURI(target)
	if r.URL == nil {
		r.URL = &url.URL{Path: req.Path, RawQuery: req.RawQuery}
	}
	if req.Method == "CONNECT" {
		r.URL.Scheme = ""
	}
	// Field names become canonical ("content-type" is "Content-Type") and
	// repeated fields keep their order under one key. Host is not among
	// them: it is in r.Host, as in net/http. The values of the keys share
	// one array, as in net/http: one allocation for the head, not one per
	// field. Each key's slice is cut to its one value (cap 1), so that a
	// repeated field appends to a copy, not over the next key's value.
	values := make([]string, 0, max(len(req.Header)-1, 0)) // all but Host
	for _, f := range req.Header {
		key := http.CanonicalHeaderKey(f.Name)
		if key == "Host" {
			continue
		}
		if vs, ok := r.Header[key]; ok {
			r.Header[key] = append(vs, f.Value)
			continue
		}
		values = append(values, f.Value)
		n := len(values)
		r.Header[key] = values[n-1 : n : n]
	}

	var body *requestBody
	switch {
	case req.Chunked:
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
		r.Header.Del("Transfer-Encoding")
		r.Trailer = declaredTrailers(r.Header)
		r.Header.Del("Trailer")
	case req.ContentLength > 0:
		r.ContentLength = req.ContentLength
	}
	if req.Chunked || req.ContentLength > 0 {
		body = &requestBody{r: newBodyReader(br, req), w: w, trailer: r.Trailer}
		body.expectContinue = req.ExpectContinue
		r.Body = body
	} else {
		r.Body = http.NoBody
	}
	return r.WithContext(ctx), body
}

// declaredTrailers returns the fields a chunked request's Trailer field
// announces, as keys with no value yet: requestBody fills them in once the
// last chunk is read (net/http does the same; a handler must read the
// whole body before it looks).
func declaredTrailers(h http.Header) http.Header {
	var t http.Header
	for _, v := range h["Trailer"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				if t == nil {
					t = make(http.Header)
				}
				t[http.CanonicalHeaderKey(name)] = nil
			}
		}
	}
	return t
}

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

// responseWriter is the http.ResponseWriter a handler writes its response
// to. The head (status line and fields) goes out only when it must: when
// the body outgrows the buffer, when the handler flushes, or when it
// returns. Until then the handler may still change its mind, and the
// gateway may still learn the body's length.
type responseWriter struct {
	conn  net.Conn
	bw    *bufio.Writer // the connection's writer: heads and body bytes
	req   *Request
	body  *requestBody // nil when the request has none
	c     *conn
	s     *Server
	watch clientWatch // the request's context

	// Keep-alive (RFC 9112 section 9.3): what the client asked for, read
	// before the handler runs (it may change the request's fields), and
	// whether the connection closes after this response.
	wantsClose       bool // "Connection: close"
	wants10KeepAlive bool // HTTP/1.0 with "Connection: keep-alive"
	closeAfterReply  bool
	fullDuplex       bool // the handler reads the body while it writes (EnableFullDuplex)

	handlerHeader http.Header // what Header returns
	calledHeader  bool
	sentHeader    http.Header // handlerHeader as it was at WriteHeader

	wroteHeader   bool // a final (non-1xx) status is decided
	status        int
	headSent      bool  // the head is in bw
	chunking      bool  // the body goes out in chunks
	contentLength int64 // what the head declares, or -1
	written       int64 // body bytes the handler wrote
	handlerDone   bool
	trailers      []string

	// w holds back the first bufferBeforeChunkingSize bytes of the body:
	// it writes to chunkWriter, which sends the head first, and frames
	// every later write as a chunk when chunking.
	w *bufio.Writer
}

func newResponseWriter(c *conn, req *Request, s *Server) *responseWriter {
	w := &responseWriter{
		conn:          c.rwc,
		bw:            c.bw,
		req:           req,
		c:             c,
		s:             s,
		watch:         clientWatch{conn: c.rwc, s: s, r: c.r},
		handlerHeader: make(http.Header),
		contentLength: -1,
	}
	connection := req.Header.Values("Connection")
	w.wantsClose = hasToken(connection, "close")
	w.wants10KeepAlive = req.Proto == "HTTP/1.0" && hasToken(connection, "keep-alive")
	// The buffer comes from a free list and goes back when the response is
	// complete: without it, each request allocated 2 KiB, a third of all
	// the bytes the server allocated per request.
	if bw, ok := s.bodyWriters.get(); ok {
		bw.Reset(chunkWriter{w})
		w.w = bw
	} else {
		w.w = bufio.NewWriterSize(chunkWriter{w}, bufferBeforeChunkingSize)
	}
	return w
}

// giveBufferBack returns w's body buffer to its free list once the response is
// complete. From then on w.w is nil: a handler that writes after it
// returned gets errHandlerDone, not another client's buffer.
func (w *responseWriter) giveBufferBack() {
	if w.c.hijacked {
		return
	}
	w.w.Reset(nil)
	w.s.bodyWriters.put(w.w)
	w.w = nil
}

// errHandlerDone is what Write and Flush return after the handler has
// returned: the response is complete, and the buffer is gone.
var errHandlerDone = errors.New("http: write after the handler returned")

// Header returns the fields the response will carry. Changing them after
// WriteHeader (or the first Write) changes nothing, except for trailers:
// the fields as they were then are kept aside (net/http does the same).
func (w *responseWriter) Header() http.Header {
	if w.wroteHeader && !w.headSent && w.sentHeader == nil {
		w.sentHeader = w.handlerHeader.Clone()
	}
	w.calledHeader = true
	return w.handlerHeader
}

// WriteHeader sends or decides the status (start_response in WSGI). A 1xx
// status (103 Early Hints, say) is an interim response: it goes out at
// once, with the fields set so far, and the handler goes on. The first
// final status wins; a later call is a bug in the handler, logged.
func (w *responseWriter) WriteHeader(code int) {
	if w.wroteHeader {
		w.s.logf("superfluous WriteHeader(%d) from %s", code, callerOutsideGateway())
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		w.body.noContinue() // the client is answered: no 100 Continue now
		writeStatusLine(w.bw, w.req.Proto == "HTTP/1.1", code)
		w.handlerHeader.WriteSubset(w.bw, map[string]bool{"Content-Length": true, "Transfer-Encoding": true})
		w.bw.WriteString("\r\n")
		w.bw.Flush()
		return
	}
	w.body.noContinue()
	w.wroteHeader = true
	w.status = code
	if w.calledHeader {
		w.sentHeader = w.handlerHeader.Clone()
	}
	if cl := w.handlerHeader.Get("Content-Length"); cl != "" {
		if v, err := strconv.ParseInt(cl, 10, 64); err == nil && v >= 0 {
			w.contentLength = v
		} else {
			w.s.logf("invalid Content-Length %q set by the handler", cl)
			w.handlerHeader.Del("Content-Length")
		}
	}
}

// Write writes body bytes, after an implicit WriteHeader(200) (the body of
// the WSGI iterable). It refuses bytes a response of this status cannot
// carry, and bytes past the Content-Length the handler declared.
func (w *responseWriter) Write(p []byte) (int, error) {
	if err := w.willWrite(len(p)); err != nil || len(p) == 0 {
		return 0, err
	}
	return w.w.Write(p)
}

// WriteString is Write for a string, without first copying it into a
// []byte of its own: io.WriteString uses it when it is there, as it is on
// net/http's ResponseWriter.
func (w *responseWriter) WriteString(s string) (int, error) {
	if err := w.willWrite(len(s)); err != nil || len(s) == 0 {
		return 0, err
	}
	return w.w.WriteString(s)
}

// willWrite decides the status if the handler has not (200), and counts
// n bytes more of the body, unless the response can take no more.
func (w *responseWriter) willWrite(n int) error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if n == 0 {
		return nil
	}
	if !bodyAllowedForStatus(w.status) {
		return http.ErrBodyNotAllowed
	}
	if w.w == nil {
		return errHandlerDone
	}
	w.written += int64(n)
	if w.contentLength != -1 && w.written > w.contentLength {
		return http.ErrContentLength
	}
	return nil
}

// Flush sends what the handler wrote so far: the head, and the body so far
// as a chunk. The framing is decided by then: a flushed response has no
// Content-Length (unless the handler set one), so it goes out chunked.
func (w *responseWriter) Flush() {
	w.FlushError()
}

// FlushError is Flush, with the error; http.ResponseController uses it.
func (w *responseWriter) FlushError() error {
	if w.w == nil {
		return errHandlerDone
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	err := w.w.Flush()
	if !w.headSent {
		w.writeHead(nil)
	}
	if e := w.bw.Flush(); err == nil {
		err = e
	}
	return err
}

// EnableFullDuplex lets the handler read the body while it writes the
// response (http.ResponseController calls it), as an echo or a proxy
// does. Without it, the server reads what is left of the body once the
// response's head goes out, to keep the connection for the next request,
// as net/http does: a handler still reading would find its body gone.
func (w *responseWriter) EnableFullDuplex() error {
	w.fullDuplex = true
	return nil
}

// SetReadDeadline and SetWriteDeadline let a handler change the
// connection's deadlines through http.ResponseController: a long upload
// may need more time than ReadTimeout.
func (w *responseWriter) SetReadDeadline(t time.Time) error  { return w.conn.SetReadDeadline(t) }
func (w *responseWriter) SetWriteDeadline(t time.Time) error { return w.conn.SetWriteDeadline(t) }

// Hijack hands the connection over to the handler (http.Hijacker): after
// it, the server writes nothing more, reads nothing more, and does not
// close it. A WebSocket library takes the connection this way, after its
// own "101 Switching Protocols". What the server had read ahead and not
// yet parsed is in the returned reader; the connection has no deadline.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.handlerDone {
		panic("Hijack called after ServeHTTP returned")
	}
	if w.c.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.wroteHeader {
		// Whatever the handler wrote so far goes out first.
		w.FlushError()
	}
	w.watch.stop()
	w.s.forget(w.c)
	w.conn.SetDeadline(time.Time{})
	if len(w.c.r.pending) > 0 {
		// The byte the watch read ahead moves into the buffered reader.
		w.c.br.Peek(w.c.br.Buffered() + 1)
	}
	return w.conn, bufio.NewReadWriter(w.c.br, w.c.bw), nil
}

// finish completes the response once the handler has returned: the head
// if it is still held back (now with the body's length known), the rest
// of the body, and the last chunk with the trailers.
func (w *responseWriter) finish() {
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	w.w.Flush()
	if !w.headSent {
		w.writeHead(nil)
	}
	if w.chunking {
		w.bw.WriteString("0\r\n")
		if t := w.finalTrailers(); t != nil {
			t.Write(w.bw)
		}
		w.bw.WriteString("\r\n")
	}
}

// writeContinue sends "100 Continue". The body's beforeRead calls it, with
// the body's mu held, only while no part of the response has begun.
func (w *responseWriter) writeContinue() error {
	if _, err := w.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
		return err
	}
	return w.bw.Flush()
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

// chunkWriter receives the body from the responseWriter's buffer: the
// first time, it sends the head (and so decides the framing); then it
// writes each piece as it is, or as a chunk.
type chunkWriter struct{ w *responseWriter }

func (cw chunkWriter) Write(p []byte) (int, error) {
	w := cw.w
	if !w.headSent {
		w.writeHead(p)
	}
	if w.req.Method == "HEAD" {
		return len(p), nil // a HEAD response has no body: its bytes are only counted
	}
	if w.chunking {
		// The chunk's size in hex, without fmt: this runs for every
		// write of a streamed body.
		w.bw.Write(strconv.AppendInt(w.bw.AvailableBuffer(), int64(len(p)), 16))
		w.bw.WriteString("\r\n")
	}
	n, err := w.bw.Write(p)
	if w.chunking && err == nil {
		_, err = w.bw.WriteString("\r\n")
	}
	return n, err
}

// writeHead writes the status line and the header fields, p being the
// first piece of the body (all of it if the handler has returned). It
// decides the framing as net/http does (its chunkWriter.writeHeader):
//   - the handler returned and the body fit in the buffer: Content-Length;
//   - the handler set Content-Length: that, and writing past it fails;
//   - otherwise, to an HTTP/1.1 client: Transfer-Encoding: chunked; to an
//     HTTP/1.0 client, which knows no chunks: the end of the connection
//     ends the body, so that connection cannot be kept.
//
// Then whether the connection outlives the response (keep-alive), which
// the Connection field says; and it fills in what the handler left out:
// Date, and a Content-Type sniffed from the first bytes of the body
// (http.DetectContentType).
func (w *responseWriter) writeHead(p []byte) {
	w.headSent = true
	header := w.sentHeader
	if header == nil {
		header = w.handlerHeader
	}
	exclude := map[string]bool{}
	// The fields written after the handler's, in this order.
	var contentLength, contentType, connection, transferEncoding string
	needDate := false

	isHEAD := w.req.Method == "HEAD"
	// Trailers make the body chunked. Like net/http, only the fields the
	// handler had set when it called WriteHeader count here: a trailer set
	// later, on a body small enough for a Content-Length, is not sent.
	trailers := false
	for k := range w.sentHeader {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			exclude[k] = true
			trailers = true
		}
	}
	for _, v := range w.sentHeader["Trailer"] {
		trailers = true
		for _, k := range strings.Split(v, ",") {
			w.declareTrailer(strings.TrimSpace(k))
		}
	}
	te := header.Get("Transfer-Encoding")
	hasTE := te != ""

	if w.handlerDone && !trailers && !hasTE && bodyAllowedForStatus(w.status) && header.Get("Content-Length") == "" && (!isHEAD || len(p) > 0) {
		w.contentLength = int64(len(p))
		contentLength = strconv.Itoa(len(p))
	}
	hasCL := w.contentLength != -1

	if bodyAllowedForStatus(w.status) {
		_, haveType := header["Content-Type"]
		if !haveType && header.Get("Content-Encoding") == "" && !hasTE && len(p) > 0 {
			contentType = http.DetectContentType(p)
		}
	} else {
		// RFC 9110 sections 15.3.5 and 15.4.5: a 204 or 304 has no body,
		// so nothing about one: no length, no coding (a 304 keeps no
		// Content-Type either).
		for _, k := range []string{"Content-Length", "Transfer-Encoding"} {
			exclude[k] = true
		}
		if w.status == http.StatusNotModified {
			exclude["Content-Type"] = true
		}
	}
	if header.Get("Date") == "" {
		needDate = true
	}
	if hasCL && hasTE && te != "identity" {
		w.s.logf("the handler set both Transfer-Encoding %q and Content-Length %d: dropping Content-Length", te, w.contentLength)
		exclude["Content-Length"] = true
		hasCL = false
	}
	switch {
	case isHEAD || !bodyAllowedForStatus(w.status):
		exclude["Transfer-Encoding"] = true
	case hasCL:
		exclude["Transfer-Encoding"] = true
	case w.req.Proto == "HTTP/1.1" && hasTE && te == "identity":
		exclude["Transfer-Encoding"] = true // the close ends the body
	case w.req.Proto == "HTTP/1.1":
		w.chunking = true
		transferEncoding = "chunked"
		if te == "chunked" {
			exclude["Transfer-Encoding"] = true // we write it ourselves
		}
	default: // HTTP/1.0
		exclude["Transfer-Encoding"] = true
	}
	if w.chunking {
		exclude["Content-Length"] = true
	}
	// The end of the connection ends the body: it cannot stay open.
	if !hasCL && !w.chunking && !isHEAD && bodyAllowedForStatus(w.status) {
		w.closeAfterReply = true
	}
	// Whether the connection stays open after this response, decided as
	// net/http decides it (RFC 9112 section 9.3). An HTTP/1.1 connection
	// persists unless a side says "Connection: close"; an HTTP/1.0 one
	// only if the client asked for "keep-alive" and the body's end is
	// known without the close: then we say "keep-alive" back.
	if w.wants10KeepAlive && (isHEAD || hasCL || !bodyAllowedForStatus(w.status)) {
		if _, set := header["Connection"]; !set {
			connection = "keep-alive"
		}
	} else if w.req.Proto == "HTTP/1.0" || w.wantsClose {
		w.closeAfterReply = true
	}
	if header.Get("Connection") == "close" || !w.s.keepAlives() {
		w.closeAfterReply = true
	}
	if !w.closeAfterReply && !w.fullDuplex {
		// The next request comes after this one's body: read what the
		// handler left of it now, before we answer (a client that sends
		// the whole request before it reads could otherwise block). A
		// handler that asked for full duplex is still reading it: the
		// rest is drained once it returns (serveHTTP).
		w.closeAfterReply = !w.body.drain()
	}
	if w.closeAfterReply && (!w.s.keepAlives() || !hasToken(header["Connection"], "close")) && !isProtocolSwitch(w.status, header) {
		// We close after this response and say so to an HTTP/1.1 client
		// (RFC 9112 section 9.6), whatever the handler put in
		// Connection. An HTTP/1.0 client expects the close anyway.
		exclude["Connection"] = true
		connection = ""
		if w.req.Proto == "HTTP/1.1" {
			connection = "close"
		}
	}

	writeStatusLine(w.bw, w.req.Proto == "HTTP/1.1", w.status)
	// http.Header writes itself as net/http does: fields sorted by name,
	// invalid names dropped, CR and LF in values turned into spaces.
	header.WriteSubset(w.bw, exclude)
	if needDate {
		w.bw.WriteString("Date: ")
		w.bw.Write(w.s.now().UTC().AppendFormat(w.bw.AvailableBuffer(), http.TimeFormat))
		w.bw.WriteString("\r\n")
	}
	for _, f := range [][2]string{{"Content-Length", contentLength}, {"Content-Type", contentType}, {"Connection", connection}, {"Transfer-Encoding", transferEncoding}} {
		if f[1] != "" {
			w.bw.WriteString(f[0])
			w.bw.WriteString(": ")
			w.bw.WriteString(f[1])
			w.bw.WriteString("\r\n")
		}
	}
	w.bw.WriteString("\r\n")
}

// shouldReuseConnection reports, once the response is complete, whether
// the connection can carry the next request.
func (w *responseWriter) shouldReuseConnection() bool {
	if w.closeAfterReply {
		return false
	}
	// A handler that declared a Content-Length and wrote less: the client
	// still waits for the missing bytes, and would read the next response
	// as the end of this one.
	if w.req.Method != "HEAD" && w.contentLength != -1 && bodyAllowedForStatus(w.status) && w.contentLength != w.written {
		return false
	}
	return true
}

// isProtocolSwitch reports a 101 Switching Protocols response that
// upgrades the connection: its Connection field says "Upgrade", and must
// stay as the handler set it.
func isProtocolSwitch(code int, h http.Header) bool {
	return code == http.StatusSwitchingProtocols && h.Get("Upgrade") != "" && hasToken(h["Connection"], "upgrade")
}

// hasToken reports whether the comma-separated lists in values hold
// token, ignoring case ("Connection: keep-alive, Upgrade").
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// declareTrailer notes a field the handler announced in Trailer, to send
// after the last chunk. Fields that frame or route the message cannot be
// trailers (RFC 9110 section 6.5.1).
func (w *responseWriter) declareTrailer(k string) {
	k = http.CanonicalHeaderKey(k)
	if k == "" || slices.Contains(forbiddenTrailers, k) {
		return
	}
	w.trailers = append(w.trailers, k)
}

// forbiddenTrailers are the fields net/http never sends as trailers.
var forbiddenTrailers = []string{
	"Authorization", "Cache-Control", "Connection", "Content-Encoding", "Content-Length", "Content-Range",
	"Content-Type", "Expect", "Host", "Keep-Alive", "Max-Forwards", "Pragma", "Proxy-Authenticate",
	"Proxy-Authorization", "Proxy-Connection", "Range", "Realm", "Te", "Trailer", "Transfer-Encoding", "Www-Authenticate",
}

// finalTrailers returns the trailer fields: those announced in Trailer,
// with the values the handler set by the end, and those set under
// http.TrailerPrefix ("Trailer:Name"), which need no announcement.
func (w *responseWriter) finalTrailers() http.Header {
	var t http.Header
	for k, vv := range w.handlerHeader {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			if t == nil {
				t = make(http.Header)
			}
			t[name] = vv
		}
	}
	for _, k := range w.trailers {
		for _, v := range w.handlerHeader[k] {
			if t == nil {
				t = make(http.Header)
			}
			t.Add(k, v)
		}
	}
	return t
}

// writeStatusLine writes "HTTP/1.1 200 OK": the version we answer in is
// the client's (net/http answers an HTTP/1.0 client in HTTP/1.0), then the
// code and its reason phrase.
func writeStatusLine(bw *bufio.Writer, is11 bool, code int) {
	if is11 {
		bw.WriteString("HTTP/1.1 ")
	} else {
		bw.WriteString("HTTP/1.0 ")
	}
	if text := http.StatusText(code); text != "" {
		// Appended to the writer's free space (AvailableBuffer): a
		// response's head allocates no strings.
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(code), 10))
		bw.WriteString(" ")
		bw.WriteString(text)
		bw.WriteString("\r\n")
	} else {
		fmt.Fprintf(bw, "%03d status code %d\r\n", code, code)
	}
}

// bodyAllowedForStatus reports whether a response with this status may
// have a body: not a 1xx, a 204 or a 304 (RFC 9112 section 6.3).
func bodyAllowedForStatus(code int) bool {
	switch {
	case code >= 100 && code <= 199:
		return false
	case code == http.StatusNoContent, code == http.StatusNotModified:
		return false
	}
	return true
}

// callerOutsideGateway names the function that called into the
// ResponseWriter, for the log: the handler's line, not ours.
func callerOutsideGateway() string {
	pc := make([]uintptr, 16)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, "part4-concurrency.(*responseWriter)") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
		}
		if !more {
			return "?"
		}
	}
}
