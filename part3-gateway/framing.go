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
