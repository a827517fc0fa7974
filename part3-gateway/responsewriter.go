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
	s    *Server

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

func newResponseWriter(conn net.Conn, bw *bufio.Writer, req *Request, s *Server) *responseWriter {
	w := &responseWriter{
		conn:          conn,
		bw:            bw,
		req:           req,
		s:             s,
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
	if !w.statusDecided {
		w.WriteHeader(http.StatusOK)
	}
	if n == 0 {
		return nil
	}
	if !bodyAllowedForStatus(w.status) {
		return http.ErrBodyNotAllowed
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

// SetReadDeadline and SetWriteDeadline let a handler change the
// connection's deadlines through http.ResponseController: a long upload
// may need more time than ReadTimeout.
func (w *responseWriter) SetReadDeadline(t time.Time) error { return w.conn.SetReadDeadline(t) }

func (w *responseWriter) SetWriteDeadline(t time.Time) error { return w.conn.SetWriteDeadline(t) }

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
