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
// writes its response on conn. It reports whether the request was read to
// its end, body included, with nothing after it: if not, bytes may still
// be on their way, and the server must close with care.
func (s *Server) serveHTTP(conn net.Conn, br *bufio.Reader, req *Request) (bodyDone bool) {
	bw := bufio.NewWriterSize(conn, 4<<10)
	w := newResponseWriter(conn, bw, req, s)
	// The request's context ends when the client goes away or the handler
	// returns: a handler that started work for this request (a query, a
	// call to another service) learns that nobody waits for its result.
	ctx, cancel := context.WithCancel(s.baseContext(conn))
	defer cancel()
	watch := &clientWatch{conn: conn, cancel: cancel}
	r, body := newHTTPRequest(ctx, req, br, conn, w)
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

	if s.runHandler(handler, w, r) {
		w.finish()
	}
	if err := bw.Flush(); err != nil {
		s.logf("%s: write response: %v", r.RemoteAddr, err)
	}
	watch.stop()
	// Each request the handler answered is logged by the application's
	// access log middleware, on whichever server runs it; the server logs
	// only what the application never sees: refusals, dropped clients,
	// panics and write errors.
	return (body == nil || body.readToEnd()) && !watch.sawData
}

// baseContext is what each request's context starts from: the values
// net/http's server puts there, which some handlers and libraries read
// (and type-assert, so that a missing one is a panic): the server, under
// http.ServerContextKey, and the address the client connected to, under
// http.LocalAddrContextKey.
func (s *Server) baseContext(conn net.Conn) context.Context {
	ctx := context.WithValue(context.Background(), http.ServerContextKey, s.asHTTPServer())
	return context.WithValue(ctx, http.LocalAddrContextKey, conn.LocalAddr())
}

// asHTTPServer returns the *http.Server a handler finds under
// http.ServerContextKey: the key's documented type is *http.Server, so
// ours is described as one (its handler and timeouts), made once. It is
// never started: it only answers a handler that asks how it is served.
func (s *Server) asHTTPServer() *http.Server {
	s.describeOnce.Do(func() {
		s.described = &http.Server{Handler: s.Handler, ReadTimeout: s.ReadTimeout, WriteTimeout: s.WriteTimeout, ErrorLog: s.Log}
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
			writeResponse(w.bw, w.req, resp, w.now())
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
func newHTTPRequest(ctx context.Context, req *Request, br *bufio.Reader, conn net.Conn, w *responseWriter) (*http.Request, *requestBody) {
	r := &http.Request{
		Method:     req.Method,
		RequestURI: req.Target,
		Proto:      req.Proto,
		ProtoMajor: 1,
		ProtoMinor: int(req.Proto[len(req.Proto)-1] - '0'),
		Header:     make(http.Header, len(req.Header)),
		Host:       req.Host,
		RemoteAddr: conn.RemoteAddr().String(),
		// The server closes the connection after this response (one
		// request per connection until part 4); Close says so.
		Close: true,
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
	// them: it is in r.Host, as in net/http.
	for _, f := range req.Header {
		key := http.CanonicalHeaderKey(f.Name)
		if key == "Host" {
			continue
		}
		r.Header[key] = append(r.Header[key], f.Value)
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
	readMu  sync.Mutex  // one Read at a time

	mu             sync.Mutex
	expectContinue bool // the client waits for "100 Continue"
	sawEOF         bool
	closed         bool
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
// wait on the client as a read can: it is the first byte of this
// response, and the write deadline bounds it. (net/http holds its
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

// responseWriter is the http.ResponseWriter a handler writes its response
// to. The head (status line and fields) goes out only when it must: when
// the body outgrows the buffer, when the handler flushes, or when it
// returns. Until then the handler may still change its mind, and the
// gateway may still learn the body's length.
type responseWriter struct {
	conn net.Conn
	bw   *bufio.Writer // the connection's writer: heads and body bytes
	req  *Request
	now  func() time.Time
	logf func(format string, args ...any)
	body *requestBody // nil when the request has none

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

func newResponseWriter(conn net.Conn, bw *bufio.Writer, req *Request, s *Server) *responseWriter {
	w := &responseWriter{
		conn:          conn,
		bw:            bw,
		req:           req,
		now:           s.now,
		logf:          s.logf,
		handlerHeader: make(http.Header),
		contentLength: -1,
	}
	w.w = bufio.NewWriterSize(chunkWriter{w}, bufferBeforeChunkingSize)
	return w
}

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
		w.logf("superfluous WriteHeader(%d) from %s", code, callerOutsideGateway())
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
			w.logf("invalid Content-Length %q set by the handler", cl)
			w.handlerHeader.Del("Content-Length")
		}
	}
}

// Write writes body bytes, after an implicit WriteHeader(200) (the body of
// the WSGI iterable). It refuses bytes a response of this status cannot
// carry, and bytes past the Content-Length the handler declared.
func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	return w.w.Write(p)
}

// Flush sends what the handler wrote so far: the head, and the body so far
// as a chunk. The framing is decided by then: a flushed response has no
// Content-Length (unless the handler set one), so it goes out chunked.
func (w *responseWriter) Flush() {
	w.FlushError()
}

// FlushError is Flush, with the error; http.ResponseController uses it.
func (w *responseWriter) FlushError() error {
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

// SetReadDeadline and SetWriteDeadline let a handler change the
// connection's deadlines through http.ResponseController: a long upload
// may need more time than ReadTimeout.
func (w *responseWriter) SetReadDeadline(t time.Time) error  { return w.conn.SetReadDeadline(t) }
func (w *responseWriter) SetWriteDeadline(t time.Time) error { return w.conn.SetWriteDeadline(t) }

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
		b.expectContinue = false
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
		fmt.Fprintf(w.bw, "%x\r\n", len(p))
	}
	n, err := w.bw.Write(p)
	if w.chunking && err == nil {
		_, err = w.bw.WriteString("\r\n")
	}
	return n, err
}

// writeHead writes the status line and the header fields, p being the
// first piece of the body (all of it if the handler has returned). It
// decides the framing as net/http does (its chunkWriter.writeHeader),
// for a server that closes the connection after every response:
//   - the handler returned and the body fit in the buffer: Content-Length;
//   - the handler set Content-Length: that, and writing past it fails;
//   - otherwise, to an HTTP/1.1 client: Transfer-Encoding: chunked; to an
//     HTTP/1.0 client, which knows no chunks: the end of the connection
//     ends the body.
//
// And it fills in what the handler left out: Date, and a Content-Type
// sniffed from the first bytes of the body (http.DetectContentType).
func (w *responseWriter) writeHead(p []byte) {
	w.headSent = true
	header := w.sentHeader
	if header == nil {
		header = w.handlerHeader
	}
	exclude := map[string]bool{}
	// The fields written after the handler's, in this order.
	var date, contentLength, contentType, connection, transferEncoding string

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
		date = w.now().UTC().Format(http.TimeFormat)
	}
	if hasCL && hasTE && te != "identity" {
		w.logf("the handler set both Transfer-Encoding %q and Content-Length %d: dropping Content-Length", te, w.contentLength)
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
	// One request per connection: we close after this response and say so
	// to an HTTP/1.1 client (RFC 9112 section 9.6), whatever the handler
	// put in Connection. An HTTP/1.0 client expects the close anyway.
	exclude["Connection"] = true
	if w.req.Proto == "HTTP/1.1" {
		connection = "close"
	}

	writeStatusLine(w.bw, w.req.Proto == "HTTP/1.1", w.status)
	// http.Header writes itself as net/http does: fields sorted by name,
	// invalid names dropped, CR and LF in values turned into spaces.
	header.WriteSubset(w.bw, exclude)
	for _, f := range [][2]string{{"Date", date}, {"Content-Length", contentLength}, {"Content-Type", contentType}, {"Connection", connection}, {"Transfer-Encoding", transferEncoding}} {
		if f[1] != "" {
			w.bw.WriteString(f[0] + ": " + f[1] + "\r\n")
		}
	}
	w.bw.WriteString("\r\n")
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
		bw.WriteString(strconv.Itoa(code) + " " + text + "\r\n")
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
		if !strings.Contains(f.Function, "part3-gateway.(*responseWriter)") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
		}
		if !more {
			return "?"
		}
	}
}
