// Request parsing: the request line and the target of an HTTP/1.1 request
// (RFC 9112 section 3), the limits that protect the server, and a clear
// status for every kind of bad input. The header fields are in header.go,
// the body in body.go.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
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

	// maxChunkExcessBytes caps the bytes of chunk-size lines (extensions
	// included) that a chunked body carries beyond its allowance, which
	// grows with the data it carries: see readChunked.
	maxChunkExcessBytes = 16 << 10

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
		// The bytes are right; the structure is net/url's job (RFC 3986
		// section 3.2.2: an IPv6 literal inside balanced brackets, percent-
		// escapes only for non-ASCII bytes, a numeric port). net/http reads
		// the target with the same package, so the two agree on the host a
		// request names, escapes decoded as net/url decodes them.
		u, err := url.Parse("http://" + authority)
		if err != nil {
			return refuse(http.StatusBadRequest, "malformed host in request-target %q", target)
		}
		// The target's host wins over the Host field (RFC 9112 section 3.2.2).
		req.Host = u.Host
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

// unexpected turns io.EOF into io.ErrUnexpectedEOF: in the middle of a
// request, the end of the stream is an error.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
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
