// The ResponseWriter a handler writes to: what it holds back, when it
// sends, and what a handler may ask of it (Flush, deadlines).

package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// bufferBeforeChunkingSize is how much of the body the ResponseWriter
// holds back before it sends the head: a handler that writes less and
// returns gets a Content-Length; one that writes more is sent chunked.
// net/http holds back the same 2048 bytes.
const bufferBeforeChunkingSize = 2048

// responseWriter is the http.ResponseWriter a handler writes its response
// to. The head (status line and fields) goes out only when it must: when
// the body outgrows the buffer, when the handler flushes, or when it
// returns. Until then the handler may still change its mind, and the
// gateway may still learn the body's length.
type responseWriter struct {
	conn net.Conn
	bw   *bufio.Writer // the connection's writer: heads and body bytes
	req  *Request
	body *requestBody // nil when the request has none
	c    *conn
	s    *Server

	watch clientWatch // the request's context (lazywatch.go)

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

	statusDecided bool // a final (non-1xx) status is decided
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
	w.w = s.takeBodyWriter(w)
	return w
}

// Header returns the fields the response will carry. Changing them after
// WriteHeader (or the first Write) changes nothing, except for trailers:
// the fields as they were then are kept aside (net/http does the same).
func (w *responseWriter) Header() http.Header {
	if w.statusDecided && !w.headSent && w.sentHeader == nil {
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
	if w.c.hijacked { // nothing more goes out: net/http logs the same mistake
		w.s.logf("WriteHeader(%d) on a hijacked connection from %s", code, callerOutsideGateway())
		return
	}
	if w.statusDecided {
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
	w.statusDecided = true
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
	if w.c.hijacked {
		return http.ErrHijacked // as net/http: the connection is the handler's
	}
	if !w.statusDecided {
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
	if w.c.hijacked {
		return http.ErrHijacked
	}
	if w.w == nil {
		return errHandlerDone
	}
	if !w.statusDecided {
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
func (w *responseWriter) SetReadDeadline(t time.Time) error { return w.conn.SetReadDeadline(t) }

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
	if w.statusDecided {
		// Whatever the handler wrote so far goes out first.
		w.FlushError()
	}
	w.watch.stop()
	var err error
	if w.conn, err = w.c.takeOver(); err != nil { // out of its event loop, in that model
		return nil, nil, err
	}
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
	if !w.statusDecided {
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

// callerOutsideGateway names the function that called into the
// ResponseWriter, for the log: the handler's line, not ours.
func callerOutsideGateway() string {
	pc := make([]uintptr, 16)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, ".(*responseWriter)") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, f.File, f.Line)
		}
		if !more {
			return "?"
		}
	}
}
