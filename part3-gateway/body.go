// The body of a request (RFC 9112 section 6): how it is framed
// (Content-Length or chunked), and reading it as a stream.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
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
		case n == math.MaxInt64:
			// The body's size is the handler's to limit now that it reads
			// a stream (http.MaxBytesReader); a length that does not even
			// fit an int64 is malformed, as net/http says too.
			return refuse(http.StatusBadRequest, "Content-Length %s is too large", v)
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

// newBodyReader returns the body of req as a stream read from r, framed
// as readRequest decided: exactly ContentLength bytes, or the data of the
// chunks. Part 2 read the whole body into memory before answering; here
// the handler reads it as it arrives, so a 1 GiB upload copied to disk
// needs no more memory than a small one (LSBAWS's wsgi.input, too, is a
// stream, though its server filled it with the whole request as text).
func newBodyReader(r *bufio.Reader, req *Request) io.Reader {
	if req.Chunked {
		return &chunkedReader{r: r}
	}
	return &lengthReader{r: r, left: req.ContentLength}
}

// lengthReader reads a body of a known length: once left bytes are read,
// it reports io.EOF, and the next bytes of the connection stay unread.
type lengthReader struct {
	r    io.Reader
	left int64
}

func (l *lengthReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left == 0 {
		// The body's last bytes: say so with them, not at the next Read
		// (io.Reader allows both, and net/http does this too). A reader
		// that stops at the length it was told, as io.LimitReader does
		// for the CGI host, never makes that next Read: the end of the
		// body is still seen.
		return n, io.EOF
	}
	if err != nil {
		// The connection ended, or its deadline passed, before the body
		// did: never a clean end of the body.
		return n, fmt.Errorf("read body: %w", unexpected(err))
	}
	return n, nil
}

// chunkedReader decodes a chunked body (RFC 9112 section 7.1) as it is
// read:
//
//	chunk-size [ ";" extensions ] CRLF   (size in hex)
//	chunk-data CRLF                      (repeated)
//	0 CRLF                               (the last chunk)
//	*( trailer field line CRLF )
//	CRLF
//
// Every line must end in CRLF: a parser that also took a bare LF here
// could disagree with a proxy on where the body ends.
type chunkedReader struct {
	r       *bufio.Reader
	left    int64  // bytes of the current chunk's data not yet read
	started bool   // a chunk's data came before: its CRLF is next
	excess  int    // bytes of size lines and CRLFs beyond their allowance
	trailer Header // the trailer section, once the last chunk is read
	err     error  // the error every later Read returns (io.EOF at the end)
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	for c.err == nil && c.left == 0 {
		c.err = c.nextChunk()
	}
	if c.err != nil {
		return 0, c.err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if err != nil {
		c.err = fmt.Errorf("read chunk: %w", unexpected(err))
		return n, c.err
	}
	return n, nil
}

// nextChunk reads up to the next chunk's data: the CRLF that ends the
// data before it, and the chunk-size line. After the last chunk it reads
// the trailer section and returns io.EOF.
func (c *chunkedReader) nextChunk() error {
	if c.started {
		if err := readCRLF(c.r); err != nil {
			return err
		}
	}
	c.started = true
	line, err := readCRLFLine(c.r, maxChunkLineBytes)
	if errors.Is(err, errLineTooLong) {
		return refuse(http.StatusBadRequest, "chunk size line longer than %d bytes", maxChunkLineBytes)
	}
	if err != nil {
		return err
	}
	size, ok := parseChunkSize(line)
	if !ok {
		return refuse(http.StatusBadRequest, "malformed chunk size line %q", line)
	}
	// Tiny chunks with long extensions would make us read without end for
	// little data. net/http's guard (its internal/chunked.go), which we
	// follow so that the two accept the same bodies: each chunk may carry
	// 16 bytes of size line and CRLFs plus twice its data; only what a
	// chunk uses beyond that adds up, and the total is never below zero.
	// (min keeps 2*size from overflowing; any size past the cap zeroes
	// the excess anyway.)
	c.excess += len(line) + 2
	c.excess = max(c.excess-16-2*int(min(size, maxChunkExcessBytes)), 0)
	if c.excess > maxChunkExcessBytes {
		return refuse(http.StatusBadRequest, "too many bytes of chunk sizes and extensions for the data")
	}
	if size > 0 {
		c.left = size
		return nil
	}
	// The trailer section: field lines, kept for Request.Trailer.
	budget := maxHeaderBytes
	for {
		line, err := readCRLFLine(c.r, budget)
		if errors.Is(err, errLineTooLong) {
			return refuse(http.StatusRequestHeaderFieldsTooLarge, "trailer section larger than %d bytes", maxHeaderBytes)
		}
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return io.EOF
		}
		f, err := parseField(string(line))
		if err != nil {
			return err
		}
		c.trailer = append(c.trailer, f)
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
