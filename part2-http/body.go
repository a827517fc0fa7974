// The body of a request (RFC 9112 section 6): how it is framed
// (Content-Length or chunked), and reading it.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
)

// checkFraming decides how the body is framed (RFC 9112 section 6) and
// refuses every ambiguous case: a server and a proxy in front of it that
// disagree on where a body ends can be made to see two requests where the
// other saw one (request smuggling).
func (req *Request) checkFraming() error {
	te := req.Header.Values("Transfer-Encoding")
	cl := req.Header.Values("Content-Length")
	if len(te) > 0 {
		if req.Proto == "HTTP/1.0" {
			// RFC 9112 section 6.1: faulty framing in HTTP/1.0.
			return refuse(http.StatusBadRequest, "Transfer-Encoding in an HTTP/1.0 request")
		}
		if len(cl) > 0 {
			// RFC 9112 section 6.1 lets a server either reject this or
			// ignore Content-Length; we reject, the safer of the two.
			return refuse(http.StatusBadRequest, "both Transfer-Encoding and Content-Length")
		}
		var codings []string
		for _, v := range te {
			for _, c := range strings.Split(v, ",") {
				codings = append(codings, strings.Trim(c, " \t"))
			}
		}
		// Only chunked says where the body ends, so it must come last; if
		// not, the length cannot be known and RFC 9112 section 6.3 says 400.
		if !strings.EqualFold(codings[len(codings)-1], "chunked") {
			return refuse(http.StatusBadRequest, "chunked is not the final transfer coding")
		}
		// Chunked last, but another coding before it that we cannot
		// undo ("gzip, chunked"): 501 (RFC 9112 section 6.1).
		for _, c := range codings[:len(codings)-1] {
			if !strings.EqualFold(c, "chunked") {
				return refuse(http.StatusNotImplemented, "transfer coding %q is not implemented", c)
			}
		}
		if len(codings) != 1 {
			return refuse(http.StatusBadRequest, "chunked applied more than once")
		}
		req.Chunked, req.ContentLength = true, -1
		return nil
	}
	for _, v := range cl {
		// 1*DIGIT only: no sign, no spaces, no list (RFC 9110 section 8.6).
		n, ok := parseDigits(v)
		switch {
		case !ok:
			return refuse(http.StatusBadRequest, "malformed Content-Length %q", v)
		case v != cl[0]:
			return refuse(http.StatusBadRequest, "Content-Length fields disagree: %q, %q", cl[0], v)
		case n > maxBodyBytes:
			return refuse(http.StatusRequestEntityTooLarge, "body of %s bytes; the limit is %d", v, maxBodyBytes)
		}
		req.ContentLength = n
	}
	return nil
}

// checkExpect handles the Expect field (RFC 9110 section 10.1.1): only
// "100-continue" exists; any other expectation gets 417.
func (req *Request) checkExpect() error {
	expect := req.Header.Get("Expect")
	switch {
	case expect == "":
	case !strings.EqualFold(expect, "100-continue"):
		return refuse(http.StatusExpectationFailed, "unknown expectation %q", expect)
	case req.Proto == "HTTP/1.1" && (req.Chunked || req.ContentLength > 0):
		// An HTTP/1.0 client cannot understand a 1xx response (RFC 9110
		// section 15.2), and without a body there is nothing to wait for.
		req.ExpectContinue = true
	}
	return nil
}

// readBody reads the body framed as readRequest decided.
func readBody(r *bufio.Reader, req *Request) error {
	if req.Chunked {
		body, err := readChunked(r)
		req.Body = body
		return err
	}
	if req.ContentLength == 0 {
		return nil
	}
	body, err := appendN(nil, r, req.ContentLength)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	req.Body = body
	return nil
}

// appendN appends exactly n bytes read from r to buf. It grows buf as the
// bytes arrive, at most 64 KiB ahead of them: a client that announces
// 10 MB and sends nothing does not make us set 10 MB aside.
func appendN(buf []byte, r io.Reader, n int64) ([]byte, error) {
	for n > 0 {
		step := int(min(n, 64<<10))
		buf = slices.Grow(buf, step)
		got, err := io.ReadFull(r, buf[len(buf):len(buf)+step])
		buf = buf[:len(buf)+got]
		n -= int64(got)
		if err != nil {
			return buf, unexpected(err)
		}
	}
	return buf, nil
}

// readChunked reads a chunked body (RFC 9112 section 7.1):
//
//	chunk-size [ ";" extensions ] CRLF   (size in hex)
//	chunk-data CRLF                      (repeated)
//	0 CRLF                               (the last chunk)
//	*( trailer field line CRLF )
//	CRLF
//
// Every line must end in CRLF: a parser that also took a bare LF here
// could disagree with a proxy on where the body ends.
func readChunked(r *bufio.Reader) ([]byte, error) {
	var body []byte
	excess := 0 // bytes of size lines and CRLFs beyond their allowance
	for {
		line, err := readCRLFLine(r, maxChunkLineBytes)
		if errors.Is(err, errLineTooLong) {
			return nil, refuse(http.StatusBadRequest, "chunk size line longer than %d bytes", maxChunkLineBytes)
		}
		if err != nil {
			return nil, err
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return nil, refuse(http.StatusBadRequest, "malformed chunk size line %q", line)
		}
		if size > maxBodyBytes-int64(len(body)) {
			return nil, refuse(http.StatusRequestEntityTooLarge, "chunked body over %d bytes", maxBodyBytes)
		}
		// Tiny chunks with long extensions would make us read without end
		// before the data limit is reached. net/http's guard (its
		// internal/chunked.go), which we follow so that the two accept the
		// same bodies: each chunk may carry 16 bytes of size line and CRLFs
		// plus twice its data; only what a chunk uses beyond that adds up,
		// and the total is never below zero. One byte per chunk ("1\r\nX\r\n",
		// 5 bytes of overhead) streams for ever; a long extension on every
		// chunk soon passes maxChunkExcessBytes.
		excess += len(line) + 2
		excess = max(excess-16-2*int(size), 0)
		if excess > maxChunkExcessBytes {
			return nil, refuse(http.StatusBadRequest, "too many bytes of chunk sizes and extensions for the data")
		}
		if size == 0 {
			break
		}
		if body, err = appendN(body, r, size); err != nil {
			return nil, fmt.Errorf("read chunk: %w", err)
		}
		if err := readCRLF(r); err != nil {
			return nil, err
		}
	}
	// The trailer section: field lines we read, check and drop.
	budget := maxHeaderBytes
	for {
		line, err := readCRLFLine(r, budget)
		if errors.Is(err, errLineTooLong) {
			return nil, refuse(http.StatusRequestHeaderFieldsTooLarge, "trailer section larger than %d bytes", maxHeaderBytes)
		}
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			return body, nil
		}
		if _, err := parseField(string(line)); err != nil {
			return nil, err
		}
		budget -= len(line) + 2
	}
}

// readCRLFLine is readLine for the chunked coding: the line must end in
// CRLF, and a CR anywhere else in it is refused.
func readCRLFLine(r *bufio.Reader, limit int) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	switch {
	case len(line) > limit || errors.Is(err, bufio.ErrBufferFull):
		return nil, errLineTooLong
	case err != nil:
		return nil, fmt.Errorf("read chunked body: %w", unexpected(err))
	case len(line) < 2 || line[len(line)-2] != '\r' || bytes.IndexByte(line[:len(line)-2], '\r') >= 0:
		return nil, refuse(http.StatusBadRequest, "line in chunked body not ended by CRLF")
	}
	return line[:len(line)-2], nil
}

// readCRLF reads the CRLF that must follow chunk data.
func readCRLF(r *bufio.Reader) error {
	crlf, err := r.Peek(2)
	if err != nil {
		return fmt.Errorf("read chunked body: %w", unexpected(err))
	}
	if crlf[0] != '\r' || crlf[1] != '\n' {
		return refuse(http.StatusBadRequest, "chunk data not followed by CRLF")
	}
	r.Discard(2)
	return nil
}

// parseChunkSize parses "1a2b" or "1a2b;name=value" (extensions, which we
// skip, may follow after optional whitespace: RFC 9112 section 7.1.1).
func parseChunkSize(line []byte) (int64, bool) {
	hex, _, _ := bytes.Cut(line, []byte(";"))
	hex = bytes.TrimRight(hex, " \t")
	if len(hex) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range hex {
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		if n > math.MaxInt64>>4 {
			return 0, false // too large for an int64, and for any limit
		}
		n = n<<4 | int64(d)
	}
	return n, true
}

// parseDigits parses 1*DIGIT and reports false for anything else. A number
// too large for an int64 comes back as math.MaxInt64: still a number, just
// far over any limit.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		if n > (math.MaxInt64-9)/10 {
			n = math.MaxInt64
			continue
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}
