// Whether a connection carries the next request (keep-alive, RFC 9112
// section 9.3): what connection (framing.go) and serveHTTP (gateway.go)
// ask, once per response.

package main

import (
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
