// Request parsing: the request line, the header fields and the body of an
// HTTP/1.1 request, as RFC 9112 defines them, with a clear status for every
// kind of bad input.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Limits. Each protects the server from a client that sends too much; each
// has the status code RFC 9110 (and RFC 6585 for 431) gives for it.
const (
	// maxRequestLineBytes caps the request line, empty lines before it
	// included: 414 URI Too Long beyond it. RFC 9112 section 3 suggests
	// supporting request lines of at least 8000 octets.
	maxRequestLineBytes = 8 << 10

	// maxHeaderBytes caps the header section, all field lines together:
	// 431 Request Header Fields Too Large beyond it.
	maxHeaderBytes = 64 << 10

	// maxBodyBytes caps the body, whether framed by Content-Length or
	// chunked: 413 Content Too Large beyond it.
	maxBodyBytes = 10 << 20

	// maxChunkLineBytes caps one chunk-size line, extensions included
	// (net/http's limit is the same 4096).
	maxChunkLineBytes = 4 << 10

	// maxChunkOverheadBytes is how many bytes of chunk-size lines and
	// CRLFs a chunked body may carry beyond one per byte of data.
	maxChunkOverheadBytes = 16 << 10

	// readBufferBytes is the size of the connection's bufio.Reader. A
	// single line must fit in it, so it is larger than the request line.
	readBufferBytes = 16 << 10
)

// Request is an HTTP request as the parser read it.
type Request struct {
	Method string // "GET", "POST", …: case-sensitive (RFC 9110 section 9.1)
	Target string // the request-target exactly as sent: "/a%20b?x=1"
	Proto  string // "HTTP/1.1" or "HTTP/1.0"

	Path     string     // the target's path, percent-decoded: "/a b"
	RawPath  string     // the target's path as sent: "/a%20b"
	RawQuery string     // the query, without "?": "x=1"
	Query    url.Values // the query, parsed; nil when there is none
	Host     string     // from the Host field, or from an absolute-form target

	Header Header

	// How the body was framed (RFC 9112 section 6): ContentLength bytes, or
	// chunked. ContentLength is -1 for a chunked body.
	ContentLength int64
	Chunked       bool
	Body          []byte

	// ExpectContinue is set when the client waits for "100 Continue"
	// before sending its body (RFC 9110 section 10.1.1).
	ExpectContinue bool
}

// Field is one header field line: "Name: value".
type Field struct {
	Name, Value string
}

// Header is the header section: the fields in the order they came,
// repeated names included (RFC 9110 section 5.3 makes their order
// meaningful).
type Header []Field

// Get returns the value of the first field named name, ignoring case
// (field names are case-insensitive, RFC 9110 section 5.1), or "".
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns the values of every field named name, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Set replaces every field named name by one field name: value.
func (h *Header) Set(name, value string) {
	h.Del(name)
	*h = append(*h, Field{name, value})
}

// Del removes every field named name.
func (h *Header) Del(name string) {
	kept := (*h)[:0]
	for _, f := range *h {
		if !strings.EqualFold(f.Name, name) {
			kept = append(kept, f)
		}
	}
	*h = kept
}

// A statusError is a request the server refuses: the status code to
// answer with, and a short reason for the response body.
type statusError struct {
	code   int
	reason string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.code, http.StatusText(e.code), e.reason)
}

func refuse(code int, format string, args ...any) error {
	return &statusError{code, fmt.Sprintf(format, args...)}
}

// readRequest reads a request head from r: the request line and the header
// fields up to the empty line, and decides how the body is framed. It does
// not read the body: the server may have to answer "100 Continue" or refuse
// the request first; readBody reads it.
//
// An error is a *statusError when the server should answer it; any other
// error (EOF, a timeout, a reset) means the client is gone. With an error,
// the request holds what was parsed before it, if anything: a refused HEAD
// request must still get its answer without a body.
func readRequest(r *bufio.Reader) (*Request, error) {
	line, err := readRequestLine(r)
	if err != nil {
		return nil, err
	}
	req := &Request{}
	if err := req.parseRequestLine(line); err != nil {
		return req, err
	}
	if req.Header, err = readHeader(r, maxHeaderBytes); err != nil {
		return req, err
	}
	if err := req.checkHost(); err != nil {
		return req, err
	}
	if err := req.checkFraming(); err != nil {
		return req, err
	}
	return req, req.checkExpect()
}

// readRequestLine returns the request line. A server SHOULD ignore empty
// lines received before it (RFC 9112 section 2.2); they count toward the
// limit, so a stream of empty lines ends in 414 too.
func readRequestLine(r *bufio.Reader) (string, error) {
	budget := maxRequestLineBytes
	for {
		line, n, err := readLine(r, budget)
		if errors.Is(err, errLineTooLong) {
			return "", refuse(http.StatusRequestURITooLong, "request line longer than %d bytes", maxRequestLineBytes)
		}
		if err != nil {
			return "", fmt.Errorf("read request line: %w", err)
		}
		if len(line) > 0 {
			return string(line), nil
		}
		budget -= n
	}
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line of r without its line ending, and the
// number of bytes it took, ending included. A line ends in CRLF; a bare LF
// is accepted too, as RFC 9112 section 2.2 allows (net/http does the same).
// The returned slice is only valid until the next read from r.
func readLine(r *bufio.Reader, limit int) ([]byte, int, error) {
	line, err := r.ReadSlice('\n')
	if len(line) > limit || errors.Is(err, bufio.ErrBufferFull) {
		return nil, 0, errLineTooLong
	}
	if err != nil {
		if len(line) > 0 {
			err = unexpected(err) // the client stopped mid-line
		}
		return nil, 0, err
	}
	n := len(line)
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, n, nil
}

// parseRequestLine parses "method SP request-target SP HTTP-version"
// (RFC 9112 section 3): exactly three parts, one space between each.
func (req *Request) parseRequestLine(line string) error {
	method, rest, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || strings.Contains(proto, " ") {
		return refuse(http.StatusBadRequest, "malformed request line %q", line)
	}
	if !isToken(method) {
		return refuse(http.StatusBadRequest, "malformed method %q", method)
	}
	req.Method = method

	switch {
	case proto == "HTTP/1.1" || proto == "HTTP/1.0":
		req.Proto = proto
	case isHTTPVersion(proto) && proto[5] == '1':
		// HTTP/1.2 and later minors: RFC 9110 section 2.5 says to treat
		// them as the highest 1.x minor we implement; net/http does too.
		req.Proto = "HTTP/1.1"
	case isHTTPVersion(proto):
		return refuse(http.StatusHTTPVersionNotSupported, "this server speaks HTTP/1.0 and HTTP/1.1, not %s", proto)
	default:
		return refuse(http.StatusBadRequest, "malformed HTTP version %q", proto)
	}
	return req.parseTarget(target)
}

// isHTTPVersion reports whether s is "HTTP/" DIGIT "." DIGIT
// (RFC 9112 section 2.3).
func isHTTPVersion(s string) bool {
	return len(s) == 8 && s[:5] == "HTTP/" && isDigit(s[5]) && s[6] == '.' && isDigit(s[7])
}

// parseTarget parses the request-target (RFC 9112 section 3.2) into Path,
// RawPath, RawQuery, Query and, for the absolute form, Host.
func (req *Request) parseTarget(target string) error {
	req.Target = target
	for i := 0; i < len(target); i++ {
		// Only visible ASCII may appear; anything else must be
		// percent-encoded (RFC 3986 section 2). A fragment ("#") is never
		// sent in a request (RFC 9112 section 3.2).
		if c := target[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return refuse(http.StatusBadRequest, "invalid byte %q in request-target", c)
		}
	}

	var path string
	switch {
	case strings.HasPrefix(target, "/"): // origin-form: "/where?query"
		path = target
	case target == "*": // asterisk-form, for OPTIONS only
		if req.Method != "OPTIONS" {
			return refuse(http.StatusBadRequest, "request-target * is for OPTIONS only")
		}
		return nil
	case req.Method == "CONNECT": // authority-form: "host:port"
		if !isValidHost(target) {
			return refuse(http.StatusBadRequest, "malformed authority %q", target)
		}
		req.Host = target
		return nil
	default: // absolute-form: "http://host/where?query", sent to proxies
		scheme, rest, ok := strings.Cut(target, "://")
		if !ok || !(strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")) {
			return refuse(http.StatusBadRequest, "malformed request-target %q", target)
		}
		end := strings.IndexAny(rest, "/?")
		if end < 0 {
			end = len(rest)
		}
		authority := rest[:end]
		// No userinfo ("user:pass@host"): RFC 9110 section 4.2.4 asks a
		// recipient to treat it as an error; isValidHost has no "@".
		if authority == "" || !isValidHost(authority) {
			return refuse(http.StatusBadRequest, "malformed host in request-target %q", target)
		}
		// The target's host wins over the Host field (RFC 9112 section 3.2.2).
		req.Host = authority
		path = rest[end:]
		if path == "" || path[0] == '?' {
			path = "/" + path // "http://host" and "http://host?q" mean "/"
		}
	}

	rawPath, rawQuery, _ := strings.Cut(path, "?")
	decoded, err := url.PathUnescape(rawPath)
	if err != nil {
		return refuse(http.StatusBadRequest, "bad percent-encoding in path %q", rawPath)
	}
	if climbsAboveRoot(decoded) {
		return refuse(http.StatusBadRequest, "path %q climbs above /", rawPath)
	}
	req.Path, req.RawPath, req.RawQuery = decoded, rawPath, rawQuery
	if rawQuery != "" {
		// A malformed pair ("a=%zz") is left out, as net/http's
		// Request.URL.Query does; the request itself stays valid.
		req.Query, _ = url.ParseQuery(rawQuery)
	}
	return nil
}

// climbsAboveRoot reports whether path, once its dot-segments are resolved
// (RFC 3986 section 5.2.4), would go above "/": "/a/../../etc" does.
// It looks at the decoded path, so "%2e%2e" counts as "..".
func climbsAboveRoot(path string) bool {
	depth := 0
	for _, seg := range strings.Split(path, "/")[1:] {
		switch seg {
		case "..":
			depth--
			if depth < 0 {
				return true
			}
		case ".", "":
		default:
			depth++
		}
	}
	return false
}

// readHeader reads field lines up to the empty line that ends the header
// section (RFC 9112 section 5), at most limit bytes of them. The lines are
// gathered into one buffer and converted to a string once: every name and
// value is then a substring of it, with no allocation of its own.
func readHeader(r *bufio.Reader, limit int) (Header, error) {
	var raw []byte
	var ends []int // where each line ends in raw
	for {
		line, n, err := readLine(r, limit)
		if errors.Is(err, errLineTooLong) {
			// Either this line overflows what is left of the section's
			// budget, or, with budget to spare, it overflows the read
			// buffer on its own. RFC 6585 gives 431 for both.
			if limit < readBufferBytes {
				return nil, refuse(http.StatusRequestHeaderFieldsTooLarge, "header section larger than %d bytes", maxHeaderBytes)
			}
			return nil, refuse(http.StatusRequestHeaderFieldsTooLarge, "a header field line longer than %d bytes", readBufferBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("read header: %w", err)
		}
		if len(line) == 0 {
			break
		}
		limit -= n
		raw = append(raw, line...)
		ends = append(ends, len(raw))
	}

	all := string(raw)
	h := make(Header, 0, len(ends))
	start := 0
	for _, end := range ends {
		f, err := parseField(all[start:end])
		if err != nil {
			return nil, err
		}
		h = append(h, f)
		start = end
	}
	return h, nil
}

// parseField parses one field line: field-name ":" OWS field-value OWS
// (RFC 9112 section 5).
func parseField(line string) (Field, error) {
	if line[0] == ' ' || line[0] == '\t' {
		// obs-fold: a value continued on the next line. RFC 9112 section
		// 5.2 lets a server reject it or replace the fold with spaces;
		// net/http replaces, we reject: the simpler rule, and one trick
		// fewer for hiding a Transfer-Encoding from a proxy.
		return Field{}, refuse(http.StatusBadRequest, "obsolete line folding in the header")
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return Field{}, refuse(http.StatusBadRequest, "header line %q has no colon", line)
	}
	if !isToken(name) {
		// Whitespace before the colon lands here too: RFC 9112 section 5.1
		// says to reject it, as it is a classic request-smuggling trick.
		return Field{}, refuse(http.StatusBadRequest, "malformed header field name %q", name)
	}
	value = strings.Trim(value, " \t")
	for i := 0; i < len(value); i++ {
		// CR, LF, NUL and the other controls are never valid in a value
		// (RFC 9110 section 5.5); tab is, inside it.
		if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return Field{}, refuse(http.StatusBadRequest, "control character %q in the value of %s", c, name)
		}
	}
	return Field{name, value}, nil
}

// checkHost enforces RFC 9112 section 3.2: an HTTP/1.1 request carries
// exactly one Host field, and no request carries more than one.
func (req *Request) checkHost() error {
	hosts := req.Header.Values("Host")
	switch {
	case len(hosts) > 1:
		return refuse(http.StatusBadRequest, "%d Host fields; one is allowed", len(hosts))
	case len(hosts) == 0 && req.Proto == "HTTP/1.1":
		return refuse(http.StatusBadRequest, "an HTTP/1.1 request needs a Host field")
	case len(hosts) == 1 && !isValidHost(hosts[0]):
		return refuse(http.StatusBadRequest, "malformed Host %q", hosts[0])
	}
	if req.Host == "" && len(hosts) == 1 {
		req.Host = hosts[0]
	}
	return nil
}

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
	overhead := 0 // bytes of size lines and CRLFs: everything but data
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
		// Tiny chunks with long extensions would make us read without end
		// before the data limit is reached; net/http has the same guard.
		overhead += len(line) + 4
		if overhead > maxChunkOverheadBytes+len(body) {
			return nil, refuse(http.StatusBadRequest, "too many bytes of chunk sizes and extensions for the data")
		}
		if size == 0 {
			break
		}
		if size > maxBodyBytes-int64(len(body)) {
			return nil, refuse(http.StatusRequestEntityTooLarge, "chunked body over %d bytes", maxBodyBytes)
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

// unexpected turns io.EOF into io.ErrUnexpectedEOF: in the middle of a
// request, the end of the stream is an error.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
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

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports whether s is a token (RFC 9110 section 5.6.2): one or
// more of the letters, digits and !#$%&'*+-.^_`|~. Methods and field names
// are tokens.
func isToken(s string) bool {
	return s != "" && lettersDigitsOr(s, "!#$%&'*+-.^_`|~")
}

// isValidHost reports whether every byte of a Host value may appear in a
// uri-host and port (RFC 3986 section 3.2.2). net/http checks the same set.
// An empty Host is valid: RFC 9112 section 3.2 asks for one when the target
// has no authority.
func isValidHost(h string) bool {
	return lettersDigitsOr(h, "!$%&'()*+,-.:;=[]_~")
}

// lettersDigitsOr reports whether every byte of s is an ASCII letter, a
// digit, or one of the bytes of punct.
func lettersDigitsOr(s, punct string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || strings.IndexByte(punct, c) >= 0) {
			return false
		}
	}
	return true
}
