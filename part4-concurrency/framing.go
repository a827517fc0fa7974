// The response's head and framing: the status line, the fields, and
// whether the body goes out with a Content-Length, in chunks or up to the
// close, as net/http decides it.

package main

import (
	"bufio"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

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
// first piece of the body (all of it if the handler has returned). Three
// decisions make the head: how the body is framed (framing), what the
// handler left out that the server fills in (defaults), and whether the
// connection stays open (connection).
func (w *responseWriter) writeHead(p []byte) {
	w.headSent = true
	header := w.sentHeader
	if header == nil {
		header = w.handlerHeader
	}
	h := headFields{exclude: map[string]bool{}}
	w.framing(header, p, &h)
	w.defaults(header, p, &h)
	w.connection(header, &h)

	writeStatusLine(w.bw, w.req.Proto == "HTTP/1.1", w.status)
	// http.Header writes itself as net/http does: fields sorted by name,
	// invalid names dropped, CR and LF in values turned into spaces.
	header.WriteSubset(w.bw, h.exclude)
	if h.date {
		w.bw.WriteString("Date: ")
		w.bw.Write(w.s.now().UTC().AppendFormat(w.bw.AvailableBuffer(), http.TimeFormat))
		w.bw.WriteString("\r\n")
	}
	for _, f := range [][2]string{{"Content-Length", h.contentLength}, {"Content-Type", h.contentType}, {"Connection", h.connection}, {"Transfer-Encoding", h.transferEncoding}} {
		if f[1] != "" {
			w.bw.WriteString(f[0])
			w.bw.WriteString(": ")
			w.bw.WriteString(f[1])
			w.bw.WriteString("\r\n")
		}
	}
	w.bw.WriteString("\r\n")
}

// headFields is what writeHead leaves out of the handler's fields (exclude),
// and what it writes after them, in this order: Date if the handler set
// none, then each field that is not "".
type headFields struct {
	exclude          map[string]bool
	date             bool
	contentLength    string
	contentType      string
	connection       string
	transferEncoding string
	lengthKnown      bool // the head gives the body's length
	closeDelimited   bool // nothing but the close ends the body
}

// framing decides how the body is framed, as net/http does (its
// chunkWriter.writeHeader):
//   - the handler returned and the body fit in the buffer: Content-Length;
//   - the handler set Content-Length: that, and writing past it fails;
//   - otherwise, to an HTTP/1.1 client: Transfer-Encoding: chunked; to an
//     HTTP/1.0 client, which knows no chunks: the end of the connection
//     ends the body, so that connection cannot be kept.
//
// A 204 or a 304 has no body, and a HEAD response none to frame.
func (w *responseWriter) framing(header http.Header, p []byte, h *headFields) {
	isHEAD := w.req.Method == "HEAD"
	// Trailers make the body chunked. Like net/http, only the fields the
	// handler had set when it called WriteHeader count here: a trailer set
	// later, on a body small enough for a Content-Length, is not sent.
	trailers := false
	for k := range w.sentHeader {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			h.exclude[k] = true
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
		h.contentLength = strconv.Itoa(len(p))
	}
	hasCL := w.contentLength != -1
	if !bodyAllowedForStatus(w.status) {
		// RFC 9110 sections 15.3.5 and 15.4.5: a 204 or 304 has no body,
		// so nothing about one: no length, no coding.
		h.exclude["Content-Length"] = true
		h.exclude["Transfer-Encoding"] = true
	}
	if hasCL && hasTE && te != "identity" {
		w.s.logf("the handler set both Transfer-Encoding %q and Content-Length %d: dropping Content-Length", te, w.contentLength)
		h.exclude["Content-Length"] = true
		hasCL = false
	}
	h.lengthKnown = hasCL
	switch {
	case isHEAD || !bodyAllowedForStatus(w.status):
		h.exclude["Transfer-Encoding"] = true
	case hasCL:
		h.exclude["Transfer-Encoding"] = true
	case w.req.Proto == "HTTP/1.1" && hasTE && te == "identity":
		h.exclude["Transfer-Encoding"] = true // the close ends the body
		h.closeDelimited = true
	case w.req.Proto == "HTTP/1.1":
		w.chunking = true
		h.transferEncoding = "chunked"
		h.exclude["Content-Length"] = true
		if te == "chunked" {
			h.exclude["Transfer-Encoding"] = true // we write it ourselves
		}
	default: // HTTP/1.0
		h.exclude["Transfer-Encoding"] = true
		h.closeDelimited = true
	}
}

// defaults fills in what the handler left out: Date, and a Content-Type
// sniffed from the first bytes of the body (http.DetectContentType). A
// 304 carries no Content-Type (RFC 9110 section 15.4.5).
func (w *responseWriter) defaults(header http.Header, p []byte, h *headFields) {
	if header.Get("Date") == "" {
		h.date = true
	}
	if w.status == http.StatusNotModified {
		h.exclude["Content-Type"] = true
		return
	}
	_, haveType := header["Content-Type"]
	if bodyAllowedForStatus(w.status) && !haveType && header.Get("Content-Encoding") == "" && header.Get("Transfer-Encoding") == "" && len(p) > 0 {
		h.contentType = http.DetectContentType(p)
	}
}

// connection decides whether the connection stays open after this
// response, as net/http decides it (RFC 9112 section 9.3). An HTTP/1.1
// connection persists unless a side says "Connection: close"; an HTTP/1.0
// one only if the client asked for "keep-alive" and the body's end is
// known without the close: then we say "keep-alive" back.
func (w *responseWriter) connection(header http.Header, h *headFields) {
	if h.closeDelimited {
		w.closeAfterReply = true // the end of the connection ends the body
	}
	if w.wants10KeepAlive && (w.req.Method == "HEAD" || h.lengthKnown || !bodyAllowedForStatus(w.status)) {
		if _, set := header["Connection"]; !set {
			h.connection = "keep-alive"
		}
	} else if w.req.Proto == "HTTP/1.0" || w.wantsClose {
		w.closeAfterReply = true
	}
	if header.Get("Connection") == "close" || !w.s.keepAlives() {
		w.closeAfterReply = true
	}
	if w.s.clientWaits.Load() {
		// At the cap, a client waits for this connection's slot: it
		// ends with this response, and says so (see giveWay).
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
		h.exclude["Connection"] = true
		h.connection = ""
		if w.req.Proto == "HTTP/1.1" {
			h.connection = "close"
		}
	}
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
