// Whether a connection carries the next request (keep-alive, RFC 9112
// section 9.3): what connection (framing.go) and serveHTTP (gateway.go)
// ask, once per response; and whether the next one is here already
// (pipelining, RFC 9112 section 9.3.2).

package main

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
)

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

// flush sends what the connection's writer holds, unless the client has
// pipelined: when its next request is here already and the connection
// stays open, this answer waits in the buffer for the next one, and they
// go out together, in one write.
func (w *responseWriter) flush() error {
	if w.shouldReuseConnection() && (w.body == nil || w.body.readToEnd()) && requestBuffered(w.c.br) {
		return nil
	}
	return w.c.bw.Flush()
}

// requestBuffered reports whether r holds the whole head of a request:
// the client pipelines, and the server may answer it before it flushes
// what it has written, so that the answers to a batch of requests go out
// in one write. Only a whole head counts: a client that sent part of its
// next request may wait for this answer before it sends the rest.
func requestBuffered(r *bufio.Reader) bool {
	b, _ := r.Peek(r.Buffered())
	return headEnd(b) >= 0
}

// headEnd returns where the head that b starts with ends (after its empty
// line), or -1 if b holds no whole head yet. It only looks for the end:
// the parser still reads the head. Empty lines before a request (which
// RFC 9112 section 2.2 asks servers to ignore; some old clients send one
// after a POST body) are no head.
func headEnd(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	for {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}
