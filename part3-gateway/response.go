// Response writing: the status line, the header fields and the body of an
// HTTP/1.1 response (RFC 9112 section 4, RFC 9110 section 15).

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serverName is what we send in the Server field (RFC 9110 section 10.2.4).
const serverName = "part3-gateway"

// newlinesToSpaces guards header values: see writeResponse.
var newlinesToSpaces = strings.NewReplacer("\r", " ", "\n", " ")

// Response is an answer the server writes itself, to a request it refuses
// before any handler runs (handlers answer through the gateway).
type Response struct {
	Status int    // 200, 404, …
	Header Header // Content-Type and whatever else the site sets
	Body   []byte
}

// textResponse returns a response with a text/plain body.
func textResponse(status int, text string) *Response {
	return &Response{
		Status: status,
		Header: Header{{"Content-Type", "text/plain; charset=utf-8"}},
		Body:   []byte(text),
	}
}

// errorResponse turns a refused request into its response: the status,
// and the reason as a short text body, so that the client learns what
// was wrong.
func errorResponse(err *statusError) *Response {
	return textResponse(err.code, err.reason+"\n")
}

// writeResponse writes resp as the answer to req (nil when the request
// could not be parsed) at time now.
func writeResponse(w io.Writer, req *Request, resp *Response, now time.Time) error {
	var b strings.Builder
	// The status line: our version, the code, and its reason phrase
	// (RFC 9112 section 4). We always answer HTTP/1.1, even to an HTTP/1.0
	// client: the version says what the server can do (RFC 9110 section 2.5).
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", resp.Status, http.StatusText(resp.Status))
	// Date is required from an origin server with a clock (RFC 9110
	// section 6.6.1), in the IMF-fixdate format; LSBAWS hard-coded one.
	b.WriteString("Date: " + now.UTC().Format(http.TimeFormat) + "\r\n")
	b.WriteString("Server: " + serverName + "\r\n")
	for _, f := range resp.Header {
		// A CR or LF in a value would end the field early and let the
		// rest pose as a new field (response splitting); net/http replaces
		// them with spaces too.
		b.WriteString(f.Name + ": " + newlinesToSpaces.Replace(f.Value) + "\r\n")
	}
	// No Content-Length and no body in a 204 or a 304 (RFC 9110 sections
	// 8.6 and 6.4.1); for a HEAD, the length the GET would have had.
	body := resp.Body
	if resp.Status != http.StatusNoContent && resp.Status != http.StatusNotModified {
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	} else {
		body = nil
	}
	if req != nil && req.Method == "HEAD" {
		body = nil
	}
	// The server writes a response itself only to refuse a request, and
	// then closes the connection: it says so (RFC 9112 section 9.6).
	b.WriteString("Connection: close\r\n\r\n")

	// The head and the body leave in one writev system call: no copying
	// of the body into the head's buffer, and one TCP segment when it fits.
	bufs := net.Buffers{[]byte(b.String()), body}
	_, err := bufs.WriteTo(w)
	return err
}
