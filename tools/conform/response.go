// Reading what a server sends back: a strict HTTP/1.1 response reader
// (RFC 9112 sections 4, 6 and 7), written for this tool rather than taken
// from net/http, whose client forgives what a scoreboard must notice (bare
// LFs, a Content-Length beside Transfer-Encoding) and hides the bytes.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits that keep a misbehaving server from making the tool read for ever.
const (
	maxResponseHead = 1 << 20
	maxResponseBody = 32 << 20
)

// A Field is one header field line of a response, as sent.
type Field struct {
	Name, Value string
}

// A Response is one response read from a connection.
type Response struct {
	Proto   string // "HTTP/1.1"
	Status  int
	Reason  string
	Fields  []Field // in the order they came
	Body    []byte  // decoded from the chunked coding when chunked
	Chunked bool    // the body came in the chunked coding
	Trailer []Field
	// UntilClose is set when the body had no length and ended with the
	// connection (RFC 9112 section 6.3, rule 8).
	UntilClose bool
	// BareLF is set when a line of the head ended in LF alone: RFC 9112
	// section 2.1 has a sender end every line in CRLF.
	BareLF bool
	// Interim holds the status of each 1xx response read before this one.
	Interim []int
	// Raw is every byte read for this response (interim ones included),
	// for the failure report.
	Raw []byte
}

// Get returns the value of the first field named name (any case, RFC 9110
// section 5.1), and whether there is one.
func (r *Response) Get(name string) (string, bool) {
	for _, f := range r.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// Values returns the values of every field named name, in order.
func (r *Response) Values(name string) []string {
	var vs []string
	for _, f := range r.Fields {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// hasToken reports whether a comma-separated field (Connection,
// Transfer-Encoding, Vary) lists token, in any case.
func (r *Response) hasToken(name, token string) bool {
	for _, v := range r.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// errNoResponse means the connection ended before the first byte of a
// response: nothing came back.
var errNoResponse = errors.New("connection closed without a response")

// responseReader reads responses from one connection, keeping every byte
// it reads so that a failure can show them.
type responseReader struct {
	br  *bufio.Reader
	raw []byte
}

// line reads one line of a head, a chunk size line or a trailer line.
func (rr *responseReader) line() ([]byte, error) {
	var line []byte
	for {
		part, err := rr.br.ReadSlice('\n')
		rr.raw = append(rr.raw, part...)
		line = append(line, part...)
		if len(line) > maxResponseHead {
			return nil, errors.New("a response line over 1 MiB")
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return line, err
		}
		return line, nil
	}
}

// read reads the next final response, and the interim (1xx) responses
// before it unless keepInterim, which returns a 1xx response as it comes.
// head says the request was HEAD, whose response has no body whatever its
// fields say (RFC 9110 section 9.3.2).
func (rr *responseReader) read(head, keepInterim bool) (*Response, error) {
	rr.raw = nil
	var interim []int
	for {
		resp, err := rr.readOne(head)
		if resp != nil {
			resp.Raw = rr.raw
		}
		if err != nil {
			return resp, err
		}
		if resp.Status >= 200 || keepInterim {
			resp.Interim = interim
			return resp, nil
		}
		interim = append(interim, resp.Status)
	}
}

func (rr *responseReader) readOne(head bool) (*Response, error) {
	line, err := rr.line()
	if err != nil {
		if len(rr.raw) == 0 && errors.Is(err, io.EOF) {
			return nil, errNoResponse
		}
		return nil, fmt.Errorf("reading the status line: %w", err)
	}
	resp := &Response{}
	text, bare := trimEOL(line)
	resp.BareLF = bare
	if err := resp.parseStatusLine(text); err != nil {
		return resp, err
	}
	for {
		line, err := rr.line()
		if err != nil {
			return resp, fmt.Errorf("reading the header: %w", err)
		}
		text, bare := trimEOL(line)
		resp.BareLF = resp.BareLF || bare
		if text == "" {
			break
		}
		f, err := parseFieldLine(text)
		if err != nil {
			return resp, err
		}
		resp.Fields = append(resp.Fields, f)
	}
	if resp.Status < 200 {
		return resp, nil // 1xx: a head and nothing else
	}
	return resp, rr.readBody(resp, head)
}

// parseStatusLine parses status-line = HTTP-version SP status-code SP
// [ reason-phrase ] (RFC 9112 section 4).
func (resp *Response) parseStatusLine(line string) error {
	proto, rest, ok1 := strings.Cut(line, " ")
	code, reason, ok2 := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if !ok1 || !ok2 || len(code) != 3 || err != nil || !strings.HasPrefix(proto, "HTTP/1.") || len(proto) != 8 {
		return fmt.Errorf("malformed status line %q", clip(line, 60))
	}
	resp.Proto, resp.Status, resp.Reason = proto, n, reason
	return nil
}

// parseFieldLine parses field-name ":" OWS field-value OWS (RFC 9112
// section 5), refusing what a server must never send.
func parseFieldLine(line string) (Field, error) {
	name, value, ok := strings.Cut(line, ":")
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return Field{}, fmt.Errorf("malformed field line %q", clip(line, 60))
	}
	return Field{name, strings.Trim(value, " \t")}, nil
}

// readBody reads the body as RFC 9112 section 6.3 frames a response.
func (rr *responseReader) readBody(resp *Response, head bool) error {
	// No body after HEAD, 204 or 304, whatever the fields say.
	if head || resp.Status == 204 || resp.Status == 304 {
		return nil
	}
	te := resp.Values("Transfer-Encoding")
	cl := resp.Values("Content-Length")
	switch {
	case len(te) > 0 && len(cl) > 0:
		// RFC 9112 section 6.1: a sender MUST NOT send both.
		return errors.New("response has both Transfer-Encoding and Content-Length")
	case len(te) > 0:
		if !resp.hasToken("Transfer-Encoding", "chunked") {
			return fmt.Errorf("unknown Transfer-Encoding %q", strings.Join(te, ", "))
		}
		resp.Chunked = true
		return rr.readChunked(resp, false)
	case len(cl) > 0:
		n, err := strconv.ParseInt(cl[0], 10, 64)
		for _, v := range cl[1:] {
			if v != cl[0] {
				err = errors.New("differing values")
			}
		}
		if err != nil || n < 0 || n > maxResponseBody {
			return fmt.Errorf("bad Content-Length %q", strings.Join(cl, ", "))
		}
		resp.Body = make([]byte, n)
		got, err := io.ReadFull(rr.br, resp.Body)
		rr.raw = append(rr.raw, resp.Body[:got]...)
		if err != nil {
			resp.Body = resp.Body[:got]
			return fmt.Errorf("body ended after %d of %d bytes: %w", got, n, err)
		}
		return nil
	}
	// No length: the body runs to the end of the connection.
	resp.UntilClose = true
	body, err := io.ReadAll(io.LimitReader(rr.br, maxResponseBody))
	rr.raw = append(rr.raw, body...)
	resp.Body = body
	if err != nil && !isReset(err) {
		return fmt.Errorf("reading a body that ends with the connection: %w", err)
	}
	return nil
}

// readChunked decodes a chunked body (RFC 9112 section 7.1). With
// firstOnly it stops after the first chunk of data: enough to see that a
// streamed response arrives as it is made.
func (rr *responseReader) readChunked(resp *Response, firstOnly bool) error {
	for {
		line, err := rr.line()
		if err != nil {
			return fmt.Errorf("reading a chunk size: %w", err)
		}
		text, bare := trimEOL(line)
		if bare {
			return errors.New("chunk size line not ended by CRLF")
		}
		hex, _, _ := strings.Cut(text, ";")
		size, err := strconv.ParseInt(strings.TrimRight(hex, " \t"), 16, 64)
		if err != nil || size < 0 || int64(len(resp.Body))+size > maxResponseBody {
			return fmt.Errorf("bad chunk size line %q", clip(text, 40))
		}
		if size == 0 {
			break
		}
		chunk := make([]byte, size+2)
		got, err := io.ReadFull(rr.br, chunk)
		rr.raw = append(rr.raw, chunk[:got]...)
		if err != nil {
			return fmt.Errorf("chunk ended early: %w", err)
		}
		if !bytes.HasSuffix(chunk, []byte("\r\n")) {
			return errors.New("chunk data not followed by CRLF")
		}
		resp.Body = append(resp.Body, chunk[:size]...)
		if firstOnly {
			return nil
		}
	}
	for {
		line, err := rr.line()
		if err != nil {
			return fmt.Errorf("reading the trailer: %w", err)
		}
		text, _ := trimEOL(line)
		if text == "" {
			return nil
		}
		f, err := parseFieldLine(text)
		if err != nil {
			return err
		}
		resp.Trailer = append(resp.Trailer, f)
	}
}

// readStart reads a response's head and, if its body is chunked, its
// first chunk only: for a response that streams for seconds.
func (rr *responseReader) readStart() (*Response, error) {
	rr.raw = nil
	resp, err := rr.readOneHead()
	if resp != nil {
		defer func() { resp.Raw = rr.raw }()
	}
	if err != nil {
		return resp, err
	}
	if !resp.hasToken("Transfer-Encoding", "chunked") {
		return resp, rr.readBody(resp, false)
	}
	resp.Chunked = true
	return resp, rr.readChunked(resp, true)
}

// readOneHead reads the head of the next final response.
func (rr *responseReader) readOneHead() (*Response, error) {
	for {
		// A HEAD-like read: the head only; the caller reads the body.
		resp, err := rr.readOne(true)
		if err != nil || resp.Status >= 200 {
			return resp, err
		}
	}
}

// trimEOL removes the line ending, and reports whether it was a bare LF.
func trimEOL(line []byte) (string, bool) {
	s := strings.TrimSuffix(string(line), "\n")
	if t, ok := strings.CutSuffix(s, "\r"); ok {
		return t, false
	}
	return s, strings.HasSuffix(string(line), "\n")
}

// clip shortens s for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
