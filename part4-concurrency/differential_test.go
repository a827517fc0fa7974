package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Differential testing: the same bytes go to our parser and to net/http's,
// and the two must agree on whether the request is acceptable and, when it
// is, on what it says.
//
// Why two parsers must agree: request smuggling is two HTTP parsers reading
// the same bytes differently. A proxy in front of a server that frames a
// request one way (say, by Content-Length) while the server frames it
// another (by Transfer-Encoding) can be made to see one request where the
// server sees two, and the second one reaches the server without the
// proxy's checks. net/http's parser is widely deployed and hardened by
// years of such reports; any input on which ours differs from it is either
// a choice we made on purpose, listed in deliberateCases with the RFC
// section that allows it, or a bug.

// clientGone is the status of a case our parser rejects with an error that
// is not a *statusError: the input ended early, which on a connection means
// the client went away, and the server answers nothing.
const clientGone = 0

// A differentialCase is one raw request that both parsers must accept, or
// both reject.
type differentialCase struct {
	name string
	raw  string
	ok   bool // both accept it
	// status is the status our parser refuses the request with, when !ok:
	// an HTTP status, or clientGone.
	status int
}

var differentialCases = []differentialCase{
	// Valid requests, as real clients send them.
	{name: "curl GET", ok: true, raw: benchCurlGET},
	{name: "browser GET", ok: true, raw: benchBrowserGET},
	{name: "chunked POST", ok: true, raw: benchChunkedPOST},
	{name: "HEAD", ok: true, raw: "HEAD /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "POST with Content-Length", ok: true, raw: "POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 23\r\n\r\nname=gopher&lang=go&x=1"},
	{name: "Content-Length 0", ok: true, raw: "POST /ping HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n"},
	{name: "GET with a body", ok: true, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "Content-Length with leading zeros", ok: true, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 005\r\n\r\nhello"},
	// net/textproto trims the value before net/http parses it; so do we.
	{name: "Content-Length with spaces around", ok: true, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length:   5 \t\r\n\r\nhello"},
	// RFC 9110 section 8.6 lets a recipient accept a repeated, identical
	// Content-Length; net/http folds the copies into one (fixLength).
	{name: "identical duplicate Content-Length", ok: true, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "chunked with extensions and trailers", ok: true, raw: "POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTrailer: Expires, X-Checksum\r\n\r\n" +
		"4;name=value\r\nWiki\r\n5;a;b=\"quoted\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0;last\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\nX-Checksum: 1234\r\n\r\n"},
	{name: "chunked with upper-case hex and coding name", ok: true, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: CHUNKED\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"},
	{name: "chunked with an empty body", ok: true, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{name: "chunk size with trailing whitespace", ok: true, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5 \t\r\nhello\r\n0\r\n\r\n"},
	{name: "chunk size with leading zeros", ok: true, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n005\r\nhello\r\n000\r\n\r\n"},
	{name: "Transfer-Encoding with trailing space", ok: true, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked \r\n\r\n0\r\n\r\n"},
	{name: "HTTP/1.0 without Host", ok: true, raw: "GET / HTTP/1.0\r\n\r\n"},
	{name: "HTTP/1.0 with Host and keep-alive", ok: true, raw: "GET /a HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n"},
	{name: "HTTP/1.0 POST", ok: true, raw: "POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello"},
	// The target's host wins over the Host field (RFC 9112 section 3.2.2),
	// in both parsers.
	{name: "absolute-form target", ok: true, raw: "GET http://example.com/a/b?x=1 HTTP/1.1\r\nHost: other.example\r\n\r\n"},
	{name: "absolute-form https with port", ok: true, raw: "GET https://example.com:8443/ HTTP/1.1\r\nHost: example.com:8443\r\n\r\n"},
	{name: "absolute-form without path", ok: true, raw: "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form upper-case scheme", ok: true, raw: "GET HTTP://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form IPv6 host", ok: true, raw: "GET http://[::1]:8888/request HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form IPv6 host with a zone", ok: true, raw: "GET http://[fe80::1%25en0]/request HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	// net/url decodes an escaped non-ASCII byte in a host; so do we, so
	// both parsers name the same host (a case the fuzzer found).
	{name: "absolute-form host with an escaped non-ASCII byte", ok: true, raw: "GET https://example.com%80/ HTTP/1.0\r\n\r\n"},
	{name: "OPTIONS *", ok: true, raw: "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "CONNECT authority-form", ok: true, raw: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
	{name: "repeated header fields", ok: true, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: text/html\r\nCookie: a=1\r\naccept: */*\r\nCookie: b=2\r\n\r\n"},
	{name: "empty header value", ok: true, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-Empty:\r\nX-Blank:   \r\n\r\n"},
	{name: "empty Host in HTTP/1.1", ok: true, raw: "GET / HTTP/1.1\r\nHost:\r\n\r\n"},
	{name: "IPv6 Host", ok: true, raw: "GET / HTTP/1.1\r\nHost: [::1]:8888\r\n\r\n"},
	// RFC 9112 section 2.2 lets a recipient accept a bare LF as the end of
	// a line in the head; net/http does too.
	{name: "bare LF line endings in the head", ok: true, raw: "GET / HTTP/1.1\nHost: example.com\nAccept: */*\n\n"},
	{name: "mixed line endings in the head", ok: true, raw: "GET / HTTP/1.1\nHost: example.com\r\nAccept: */*\n\r\n"},
	{name: "tab inside and around a value", ok: true, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-Tab:\ta\tb \t\r\n\r\n"},
	{name: "no space after colon", ok: true, raw: "GET / HTTP/1.1\r\nHost:example.com\r\nAccept:*/*\r\n\r\n"},
	{name: "non-ASCII bytes in a value", ok: true, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-Name: caf\xc3\xa9 \xff\r\n\r\n"},
	{name: "every token byte in a field name", ok: true, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-!#$%&'*+.^_`|~09az: v\r\n\r\n"},
	// net/http adds "Cache-Control: no-cache" (fixPragmaCacheControl); the
	// comparison makes the same change to ours.
	{name: "Pragma no-cache", ok: true, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nPragma: no-cache\r\n\r\n"},
	{name: "query string", ok: true, raw: "GET /search?q=go+http&lang=en&empty=&flag HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	// A bad escape in the query does not make the request invalid: both
	// parsers leave the query raw, net/url drops the pair when it parses it.
	{name: "bad escape in the query", ok: true, raw: "GET /a?x=%zz HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "percent-encoded path", ok: true, raw: "GET /a%20b/%E2%82%AC/%2F HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "dot segments staying under /", ok: true, raw: "GET /a/./b/../c/ HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "double slash path", ok: true, raw: "GET //example.org/a HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	// RFC 9110 section 2.5: a 1.x minor version we do not know is treated
	// as the highest we implement.
	{name: "HTTP/1.2 treated as 1.1", ok: true, raw: "GET / HTTP/1.2\r\nHost: example.com\r\n\r\n"},
	{name: "lower-case method", ok: true, raw: "get / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "extension method", ok: true, raw: "PURGE /cache HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "Expect 100-continue", ok: true, raw: "PUT /f HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "Expect 100-continue in another case", ok: true, raw: "PUT /f HTTP/1.1\r\nHost: example.com\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "Expect 100-continue in HTTP/1.0", ok: true, raw: "PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "Trailer field without chunked", ok: true, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nTrailer: Expires\r\n\r\n"},

	// The request line.
	{name: "bad method byte", status: http.StatusBadRequest, raw: "GE(T / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "slash in method", status: http.StatusBadRequest, raw: "GET/ / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "NUL in method", status: http.StatusBadRequest, raw: "G\x00T / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "empty method", status: http.StatusBadRequest, raw: " / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "lower-case version", status: http.StatusBadRequest, raw: "GET / http/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "trailing space after version", status: http.StatusBadRequest, raw: "GET / HTTP/1.1 \r\nHost: example.com\r\n\r\n"},
	{name: "two spaces before target", status: http.StatusBadRequest, raw: "GET  / HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "two spaces before version", status: http.StatusBadRequest, raw: "GET /  HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "tab as separator", status: http.StatusBadRequest, raw: "GET\t/\tHTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "missing version", status: http.StatusBadRequest, raw: "GET /\r\nHost: example.com\r\n\r\n"},
	{name: "CR inside the request line", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\rHost: example.com\r\n\r\n"},
	{name: "HTTP/2.0", status: http.StatusHTTPVersionNotSupported, raw: "GET / HTTP/2.0\r\nHost: example.com\r\n\r\n"},
	{name: "HTTP/0.9", status: http.StatusHTTPVersionNotSupported, raw: "GET / HTTP/0.9\r\nHost: example.com\r\n\r\n"},
	{name: "HTTP/3.0", status: http.StatusHTTPVersionNotSupported, raw: "GET / HTTP/3.0\r\nHost: example.com\r\n\r\n"},
	{name: "HTTP/3", status: http.StatusBadRequest, raw: "GET / HTTP/3\r\nHost: example.com\r\n\r\n"},
	{name: "HTTP/1.10", status: http.StatusBadRequest, raw: "GET / HTTP/1.10\r\nHost: example.com\r\n\r\n"},
	{name: "bad percent-encoding in path", status: http.StatusBadRequest, raw: "GET /a%zzb HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "truncated percent-encoding in path", status: http.StatusBadRequest, raw: "GET /a%2 HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "control byte in target", status: http.StatusBadRequest, raw: "GET /a\x01b HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "DEL in target", status: http.StatusBadRequest, raw: "GET /a\x7fb HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "relative target", status: http.StatusBadRequest, raw: "GET index.html HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	// The authority of an absolute-form target, as net/url reads it.
	{name: "absolute-form unbalanced bracket", status: http.StatusBadRequest, raw: "GET http://[::1/request HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form zone not escaped", status: http.StatusBadRequest, raw: "GET http://[fe80::1%en0]/request HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form bad escape in host", status: http.StatusBadRequest, raw: "GET http://ex%zzcom/ HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form escaped ASCII in host", status: http.StatusBadRequest, raw: "GET http://ex%2ecom/ HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form brackets without an IPv6 address", status: http.StatusBadRequest, raw: "GET http://[v1.x]/ HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form IPv4 address in brackets", status: http.StatusBadRequest, raw: "GET http://[127.0.0.1]/ HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "absolute-form port that is not a number", status: http.StatusBadRequest, raw: "GET http://example.com:x/ HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	// A request line that never ends: we stop at our limit (414), net/http
	// at the end of the input.
	{name: "request line over 8 KiB never ended", status: http.StatusRequestURITooLong, raw: "GET /" + strings.Repeat("a", 9<<10)},
	{name: "input ends in the request line", status: clientGone, raw: "GET / HTTP/1.1"},
	{name: "empty input", status: clientGone, raw: ""},

	// The header section.
	{name: "HTTP/1.1 without Host", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"},
	{name: "two Host fields", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"},
	{name: "two identical Host fields", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nHost: example.com\r\n\r\n"},
	{name: "two Host fields in HTTP/1.0", status: http.StatusBadRequest, raw: "GET / HTTP/1.0\r\nHost: a.example\r\nHost: b.example\r\n\r\n"},
	{name: "space in Host", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: exa mple.com\r\n\r\n"},
	{name: "slash in Host", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com/evil\r\n\r\n"},
	{name: "userinfo in Host", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: user@example.com\r\n\r\n"},
	{name: "quote in Host", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: \"example.com\"\r\n\r\n"},
	{name: "non-ASCII Host", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: b\xc3\xbccher.example\r\n\r\n"},
	{name: "space before colon", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost : example.com\r\n\r\n"},
	{name: "tab before colon", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-A\t: b\r\n\r\n"},
	{name: "no colon", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-A b\r\n\r\n"},
	{name: "empty field name", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\n: b\r\n\r\n"},
	{name: "bad byte in field name", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX(A): b\r\n\r\n"},
	// net/http folds a continuation line into the field before it but
	// rejects one in the first field line, where there is nothing to fold
	// into (see the report on obs-fold for the other case).
	{name: "obs-fold in the first field line", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\n Host: example.com\r\n\r\n"},
	{name: "control byte in a value", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: a\x01b\r\n\r\n"},
	{name: "DEL in a value", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: a\x7fb\r\n\r\n"},
	{name: "NUL in a value", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: a\x00b\r\n\r\n"},
	{name: "CR in a value", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: a\rb\r\n\r\n"},
	{name: "CR CR LF", status: http.StatusBadRequest, raw: "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: a\r\r\n\r\n"},
	{name: "unknown expectation", status: http.StatusExpectationFailed, raw: "PUT /f HTTP/1.1\r\nHost: example.com\r\nExpect: 200-ok\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "unknown expectation in HTTP/1.0", status: http.StatusExpectationFailed, raw: "GET / HTTP/1.0\r\nExpect: x\r\n\r\n"},
	// A head that never ends: we stop at our limit (431), net/http at the
	// end of the input.
	{name: "header section over 64 KiB never ended", status: http.StatusRequestHeaderFieldsTooLarge, raw: "GET / HTTP/1.1\r\nHost: example.com\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("a", 100)+"\r\n", 700)},
	{name: "input ends in the header", status: clientGone, raw: "GET / HTTP/1.1\r\nHost: example.com\r\n"},

	// Content-Length.
	{name: "Content-Length with plus sign", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: +5\r\n\r\nhello"},
	{name: "negative Content-Length", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: -1\r\n\r\nhello"},
	{name: "Content-Length list", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5, 5\r\n\r\nhello"},
	{name: "Content-Length with inner space", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5 5\r\n\r\nhello"},
	{name: "hex Content-Length", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0x10\r\n\r\n0123456789abcdef"},
	{name: "Content-Length with exponent", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1e1\r\n\r\n0123456789"},
	{name: "empty Content-Length", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length:\r\n\r\n"},
	{name: "differing duplicate Content-Length", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
	{name: "Content-Length beyond the body", status: clientGone, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10485761\r\n\r\nhello"},
	{name: "Content-Length over int64", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 99999999999999999999\r\n\r\nhello"},
	{name: "body shorter than Content-Length", status: clientGone, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\n\r\nhello"},

	// Transfer-Encoding and the chunked coding. A request whose last
	// coding is not chunked has no knowable length: 400 (RFC 9112 section
	// 6.3); one with a coding we cannot undo before chunked: 501 (section
	// 6.1). net/http answers 501 to both.
	{name: "gzip transfer coding", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip\r\n\r\nhello"},
	{name: "identity transfer coding", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: identity\r\n\r\n"},
	{name: "gzip then chunked", status: http.StatusNotImplemented, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
	{name: "chunked twice in one field", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"},
	{name: "two chunked Transfer-Encoding fields", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
	{name: "empty Transfer-Encoding", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding:\r\n\r\n"},
	{name: "chunk size g", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\ng\r\nhello\r\n0\r\n\r\n"},
	{name: "empty chunk size", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n"},
	{name: "negative chunk size", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nhello\r\n0\r\n\r\n"},
	{name: "chunk size with plus sign", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n"},
	{name: "chunk size 0x10", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n0x10\r\n0123456789abcdef\r\n0\r\n\r\n"},
	{name: "chunk size with leading space", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n"},
	{name: "chunk size of 17 hex digits", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n"},
	{name: "chunk size beyond the body", status: clientGone, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\na00001\r\nhello\r\n0\r\n\r\n"},
	{name: "chunk data not followed by CRLF", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"},
	{name: "bare LF after chunk size", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"},
	{name: "bare LF after chunk data", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n"},
	{name: "bare LF after last chunk", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\n\r\n"},
	{name: "bare CR in chunk extension", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5;a\rb\r\nhello\r\n0\r\n\r\n"},
	{name: "NUL in a trailer field", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-A: a\x00b\r\n\r\n"},
	{name: "chunk data shorter than its size", status: clientGone, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhello"},
	{name: "missing last chunk", status: clientGone, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"},
	{name: "missing final CRLF", status: clientGone, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"},
	// The guard against chunks that are mostly size line (net/http's
	// accounting, see readChunked): small chunks stream as long as they
	// like, long extensions on small chunks do not.
	{name: "4095 chunks of one byte", ok: true, raw: chunkedRequest(4095, 1, "")},
	{name: "64 KiB in chunks of four bytes", ok: true, raw: chunkedRequest(20000, 4, "")},
	{name: "small chunks with long extensions", status: http.StatusBadRequest, raw: chunkedRequest(400, 1, ";ext="+strings.Repeat("x", 100))},

	// Smuggling-shaped requests: each is how one parser has been made to
	// frame a body differently from another. Those where we differ from
	// net/http on purpose (Content-Length with Transfer-Encoding,
	// Transfer-Encoding in HTTP/1.0) are in deliberateCases.
	{name: "smuggling: space before colon in Transfer-Encoding", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 6\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nX"},
	{name: "smuggling: xchunked", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
	// We check Content-Length against Transfer-Encoding before the codings.
	{name: "smuggling: xchunked with Content-Length", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
	{name: "smuggling: chunked then identity", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"},
	{name: "smuggling: chunked, identity", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"},
	{name: "smuggling: vertical tab before chunked", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n"},
	{name: "smuggling: NUL after chunked", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\x00\r\n\r\n0\r\n\r\n"},
	// net/http folds this into "chunked , identity", which it refuses.
	{name: "smuggling: obs-fold continuing Transfer-Encoding", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n , identity\r\n\r\n0\r\n\r\n"},
	{name: "smuggling: Content-Length with plus sign", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: +6\r\n\r\nhello!"},
	{name: "smuggling: Content-Length 0x10", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0x10\r\n\r\n0123456789abcdef"},
	{name: "smuggling: Content-Length duplicates disagree", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\nGET /admin HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "smuggling: Content-Length list hiding a second value", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0, 44\r\n\r\nGET /admin HTTP/1.1\r\nHost: example.com\r\n\r\n"},
	{name: "smuggling: NUL in a header value", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nX-A: \x00\r\nContent-Length: 5\r\n\r\nhello"},
	{name: "smuggling: bare LF chunk terminator", status: http.StatusBadRequest, raw: "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n2;\n\r\nxx\r\n45\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: example.com\r\n\r\n\r\n0\r\n\r\n"},
}

// chunkedRequest is a chunked POST of n chunks of size bytes each, every
// chunk-size line carrying ext.
func chunkedRequest(n, size int, ext string) string {
	var b strings.Builder
	b.WriteString("POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n")
	for range n {
		fmt.Fprintf(&b, "%x%s\r\n%s\r\n", size, ext, strings.Repeat("z", size))
	}
	b.WriteString("0\r\n\r\n")
	return b.String()
}

// A deliberateCase is an input on which our parser and net/http's disagree
// on purpose: one accepts it and the other rejects it. The test checks the
// difference is still exactly this one, so that the list never goes stale:
// when one of them changes, the case fails and must be moved or removed.
type deliberateCase struct {
	name        string
	raw         string
	oursAccepts bool   // true: we accept, net/http rejects; false: the reverse
	status      int    // the status we refuse it with, when !oursAccepts
	reason      string // why we differ, with the RFC section that allows it
}

var deliberateCases = []deliberateCase{
	{
		name: "empty line before the request line", oursAccepts: true,
		raw:    "\r\nGET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line; net/http skips them only after a POST",
	},
	{
		name: "bare LF lines before the request line", oursAccepts: true,
		raw:    "\n\n\nGET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 9112 §2.2, as above, with a bare LF as line terminator",
	},
	{
		name: "smuggling CL.TE: Content-Length then chunked", status: http.StatusBadRequest,
		raw:    "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nSMUGGLED",
		reason: "RFC 9112 §6.1: a server MAY reject a request with both; net/http drops Content-Length and reads chunked",
	},
	{
		name: "smuggling TE.CL: chunked then Content-Length", status: http.StatusBadRequest,
		raw:    "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
		reason: "RFC 9112 §6.1: a server MAY reject a request with both Transfer-Encoding and Content-Length",
	},
	{
		name: "chunked with Content-Length 0", status: http.StatusBadRequest,
		raw:    "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		reason: "RFC 9112 §6.1: a server MAY reject a request with both Transfer-Encoding and Content-Length",
	},
	{
		name: "smuggling: Transfer-Encoding in HTTP/1.0", status: http.StatusBadRequest,
		raw:    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		reason: "RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; net/http ignores the field and reads no body",
	},
	{
		name: "smuggling: Transfer-Encoding and Content-Length in HTTP/1.0", status: http.StatusBadRequest,
		raw:    "POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello",
		reason: "RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing; net/http ignores it and uses Content-Length",
	},
	{
		name: "fragment in the target", status: http.StatusBadRequest,
		raw:    "GET /page#section HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 9112 §3.2: the request-target has no fragment; net/http keeps '#' in the path",
	},
	{
		name: "non-ASCII bytes in the target", status: http.StatusBadRequest,
		raw:    "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 3986 §2: a URI is ASCII, other bytes must be percent-encoded",
	},
	{
		name: "path climbing above /", status: http.StatusBadRequest,
		raw:    "GET /../etc/passwd HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 3986 §5.2.4 resolves dot-segments: no file is above /; net/http's ServeMux cleans the path later",
	},
	{
		name: "encoded path climbing above /", status: http.StatusBadRequest,
		raw:    "GET /a/%2e%2e/%2E%2E/etc/passwd HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 3986 §5.2.4, after percent-decoding (§2.1)",
	},
	{
		name: "userinfo in absolute-form", status: http.StatusBadRequest,
		raw:    "GET http://user:pass@example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 9110 §4.2.4: a recipient SHOULD treat userinfo in an http URI as an error",
	},
	{
		name: "obs-fold after the first field", status: http.StatusBadRequest,
		raw:    "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: a\r\n b\r\n\r\n",
		reason: "RFC 9112 §5.2: a server MUST either reject obs-fold or replace it with spaces; net/http replaces, we reject",
	},
	{
		name: "obs-fold in a trailer", status: http.StatusBadRequest,
		raw:    "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: a\r\n b\r\n\r\n",
		reason: "RFC 9112 §5.2, as above, in the trailer section",
	},
	{
		name: "space before the colon in a trailer", status: http.StatusBadRequest,
		raw:    "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX : y\r\n\r\n",
		reason: "RFC 9112 §5.1: no whitespace between a field name and the colon; the trailer section is a field section too (§7.1.2)",
	},
	{
		name: "bare LF in a trailer", status: http.StatusBadRequest,
		raw:    "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\nZ: w\r\n\r\n",
		reason: "RFC 9112 §7.1: the chunked coding's grammar ends every line in CRLF; we accept no bare LF anywhere in it",
	},
	{
		name: "asterisk-form for GET", status: http.StatusBadRequest,
		raw:    "GET * HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 9112 §3.2.4: the asterisk-form is only used for a server-wide OPTIONS request",
	},
	{
		name: "HTTP/2 preface", status: http.StatusHTTPVersionNotSupported,
		raw:    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		reason: "this server speaks HTTP/1.x only (RFC 9110 §15.6.6: 505); net/http lets the preface through for its HTTP/2 server",
	},
	{
		name: "absolute-form with another scheme", status: http.StatusBadRequest,
		raw:    "GET ftp://example.com/file HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 9112 §3.2.2: we serve http and https URIs only",
	},
	{
		name: "absolute-form with an empty host", status: http.StatusBadRequest,
		raw:    "GET http:///x HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 9110 §4.2.1: a recipient MUST reject an http URI with an empty host as invalid",
	},
	{
		name: "CONNECT without Host", status: http.StatusBadRequest,
		raw:    "CONNECT example.com:443 HTTP/1.1\r\n\r\n",
		reason: "RFC 9112 §3.2: a client MUST send Host in every HTTP/1.1 request; net/http exempts CONNECT",
	},
	{
		name: "Expect with a second expectation", status: http.StatusExpectationFailed,
		raw:    "PUT /f HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue, foo\r\nContent-Length: 1\r\n\r\nx",
		reason: "RFC 9110 §10.1.1: a server MAY answer 417 to an expectation other than 100-continue; net/http only looks for the 100-continue token",
	},
	{
		name: "request line over 8 KiB", status: http.StatusRequestURITooLong,
		raw:    "GET /" + strings.Repeat("a", maxRequestLineBytes) + " HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "our limit (RFC 9112 §3 suggests at least 8000 octets); http.ReadRequest has none, net/http's server allows 1 MiB of head",
	},
	{
		name: "whitespace before a chunk extension", oursAccepts: true,
		raw:    "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5 ;a=b\r\nhello\r\n0\r\n\r\n",
		reason: "RFC 9112 §7.1.1: chunk-ext = *( BWS \";\" BWS chunk-ext-name … ): whitespace is allowed before the semicolon",
	},
	{
		name: "absolute-form with one slash", status: http.StatusBadRequest,
		raw:    "GET http:/example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "RFC 9112 §3.2.2: the absolute-form is an absolute-URI whose http scheme needs an authority (RFC 9110 §4.2.1); net/url reads a path /example.com/x and net/http takes the host from the Host field",
	},
	{
		name: "absolute-form without slashes", status: http.StatusBadRequest,
		raw:    "GET http:example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
		reason: "as above: an http URI without \"//\" has no authority; net/url reads an opaque URI and net/http serves it",
	},
	{
		name: "Trailer naming Content-Length", oursAccepts: true,
		raw:    "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n0\r\n\r\n",
		reason: "we drop every trailer field (RFC 9110 §6.5.1 lets a recipient discard them), so what Trailer announces cannot change the framing",
	},
}

// netHTTPServerChecks applies to a request that http.ReadRequest accepted
// the checks a net/http server makes after its parser: ReadRequest alone
// accepts requests the server then refuses. They are in net/http's
// server.go, in (*conn).readRequest, except the Expect check, which is in
// (*conn).serve. req.Header must hold the Host fields (see readNetHTTP).
func netHTTPServerChecks(req *http.Request) error {
	// http1ServerSupportsRequest: ReadRequest parses any "HTTP/x.y"; the
	// server takes only 1.x (and the HTTP/2 preface, "PRI * HTTP/2.0").
	isH2Preface := req.Method == "PRI" && req.RequestURI == "*" && req.Proto == "HTTP/2.0"
	if req.ProtoMajor != 1 && !isH2Preface {
		return errors.New("505: unsupported protocol version")
	}
	// (*Request).isH2Upgrade and the CONNECT exception.
	hosts, haveHost := req.Header["Host"]
	isH2Upgrade := isH2Preface && len(req.Header) == 0
	if req.ProtoAtLeast(1, 1) && (!haveHost || len(hosts) == 0) && !isH2Upgrade && req.Method != "CONNECT" {
		return errors.New("400: missing required Host header")
	}
	// ReadRequest already refuses more than one Host field.
	if len(hosts) == 1 && !validNetHTTPHost(hosts[0]) {
		return errors.New("400: malformed Host header")
	}
	// httpguts.ValidHeaderFieldName and ValidHeaderFieldValue. net/textproto
	// keeps a name with a space before the colon ("Host : x"), unchanged
	// and not canonicalised; this is where the server refuses it.
	for name, values := range req.Header {
		if !isToken(name) {
			return fmt.Errorf("400: invalid header name %q", name)
		}
		for _, v := range values {
			for i := 0; i < len(v); i++ {
				if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
					return fmt.Errorf("400: invalid header value %q", v)
				}
			}
		}
	}
	// (*conn).serve answers 417 when the first Expect field is not empty
	// and has no "100-continue" token in it (Request.expectsContinue and
	// hasToken: a case-insensitive match between ' ', ',' or '\t'), in
	// every HTTP version.
	if expect := req.Header.Get("Expect"); expect != "" && !hasNetHTTPToken(expect, "100-continue") {
		return errors.New("417: expectation failed")
	}
	return nil
}

// validNetHTTPHost is httpguts.ValidHostHeader, which is not importable
// (it is vendored into the standard library) and which this module does
// not require: letters, digits and !$%&'()*+,-.:;=[]_~.
func validNetHTTPHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!$%&'()*+,-.:;=[]_~", c) >= 0) {
			return false
		}
	}
	return true
}

// hasNetHTTPToken is net/http's hasToken: whether token appears in v,
// ignoring case, delimited by the start or end of v, ' ', ',' or '\t'.
func hasNetHTTPToken(v, token string) bool {
	for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

// readNetHTTP reads raw as a net/http server would: http.ReadRequest, the
// server's own checks, then the whole body. It returns the request with
// its Host fields in req.Header, and the body.
func readNetHTTP(raw string) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return nil, nil, err
	}
	// http.ReadRequest deletes the Host fields from req.Header (request.go,
	// ReadRequest), but the server calls the unexported readRequest, which
	// keeps them, and checks them before deleting them. Read the head again
	// with net/textproto, as readRequest does, to put them back.
	tp := textproto.NewReader(bufio.NewReader(strings.NewReader(raw)))
	if _, err := tp.ReadLine(); err != nil {
		return nil, nil, fmt.Errorf("reading the head again: %v", err)
	}
	head, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the head again: %v", err)
	}
	if hosts, ok := head["Host"]; ok {
		req.Header["Host"] = hosts
	}
	if err := netHTTPServerChecks(req); err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the body: %w", err)
	}
	return req, body, nil
}

// parsedRequest is what the two parsers must agree on.
type parsedRequest struct {
	Method        string
	Target        string // the request-target as sent: net/http's RequestURI
	Host          string // the target's authority, or else the Host field
	Header        http.Header
	ContentLength int64 // -1 when chunked
	Body          string
}

func fromNetHTTP(req *http.Request, body []byte) parsedRequest {
	return parsedRequest{
		Method:        req.Method,
		Target:        req.RequestURI,
		Host:          req.Host,
		Header:        req.Header,
		ContentLength: req.ContentLength,
		Body:          string(body),
	}
}

// fromOurs converts our Request, and makes to its header the changes
// net/http's parser makes to req.Header, so that the comparison is of what
// each parser read and not of those conventions:
//   - parseTransferEncoding (transfer.go) deletes Transfer-Encoding; it
//     records the framing in req.TransferEncoding and req.ContentLength,
//     which the comparison sees through ContentLength;
//   - fixLength (transfer.go) folds identical Content-Length fields into
//     one, and deletes Content-Length from a chunked request (which we
//     refuse anyway, see deliberateCases);
//   - fixTrailer (transfer.go) deletes Trailer from a chunked request, to
//     fill req.Trailer instead (we read trailers and drop them);
//   - fixPragmaCacheControl (response.go) adds "Cache-Control: no-cache"
//     when "Pragma: no-cache" comes without Cache-Control.
//
// The Host fields, which http.ReadRequest deletes too, are put back on
// net/http's side by readNetHTTP instead: there they are real data.
func fromOurs(req *Request, body []byte) parsedRequest {
	h := make(http.Header)
	for _, f := range req.Header {
		key := http.CanonicalHeaderKey(f.Name)
		h[key] = append(h[key], f.Value)
	}
	h.Del("Transfer-Encoding")
	if cl := h["Content-Length"]; len(cl) > 1 {
		h["Content-Length"] = cl[:1]
	}
	if req.Chunked {
		h.Del("Content-Length")
		h.Del("Trailer")
	}
	if p := h["Pragma"]; len(p) > 0 && p[0] == "no-cache" && h["Cache-Control"] == nil {
		h["Cache-Control"] = []string{"no-cache"}
	}
	return parsedRequest{
		Method:        req.Method,
		Target:        req.Target,
		Host:          req.Host,
		Header:        h,
		ContentLength: req.ContentLength,
		Body:          string(body),
	}
}

// outcome is whether each parser accepts an input, and the status we
// answer when we do not.
type outcome struct {
	OursAccepts, NetHTTPAccepts bool
	Status                      int
}

func TestDifferential(t *testing.T) {
	for _, tc := range differentialCases {
		t.Run(tc.name, func(t *testing.T) {
			ours, oursBody, oursErr := parse(tc.raw)
			theirs, body, theirsErr := readNetHTTP(tc.raw)

			want := outcome{OursAccepts: tc.ok, NetHTTPAccepts: tc.ok}
			got := outcome{OursAccepts: oursErr == nil, NetHTTPAccepts: theirsErr == nil}
			if !tc.ok {
				want.Status = tc.status
			}
			if oursErr != nil {
				got.Status = statusOf(oursErr)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("outcome mismatch (-want +got):\n%s\nours: %v\nnet/http: %v", diff, oursErr, theirsErr)
			}
			if !tc.ok {
				return
			}
			if diff := cmp.Diff(fromNetHTTP(theirs, body), fromOurs(ours, oursBody)); diff != "" {
				t.Errorf("request mismatch (-net/http +ours):\n%s", diff)
			}
		})
	}

	for _, dc := range deliberateCases {
		t.Run("deliberate/"+dc.name, func(t *testing.T) {
			_, _, oursErr := parse(dc.raw)
			_, _, theirsErr := readNetHTTP(dc.raw)

			want := outcome{OursAccepts: dc.oursAccepts, NetHTTPAccepts: !dc.oursAccepts}
			got := outcome{OursAccepts: oursErr == nil, NetHTTPAccepts: theirsErr == nil}
			if !dc.oursAccepts {
				want.Status = dc.status
			}
			if oursErr != nil {
				got.Status = statusOf(oursErr)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("deliberate difference changed (-want +got):\n%s\nours: %v\nnet/http: %v\nreason it was listed: %s\n"+
					"Update deliberateCases (or move the case to differentialCases if the parsers now agree).",
					diff, oursErr, theirsErr, dc.reason)
			}
		})
	}
}
