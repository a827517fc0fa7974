package main

import (
	"bufio"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// parse runs the whole parser on raw: the head, then the body, read to its
// end as a handler would read it.
func parse(raw string) (*Request, []byte, error) {
	br := bufio.NewReaderSize(strings.NewReader(raw), readBufferBytes)
	req, err := readRequest(br)
	if err != nil {
		return nil, nil, err // drop what was parsed before the error
	}
	body, err := readBody(br, req)
	if err != nil {
		return nil, nil, err
	}
	return req, body, nil
}

// readBody reads the body of req from br to its end; nil when it has none.
func readBody(br *bufio.Reader, req *Request) ([]byte, error) {
	if !req.Chunked && req.ContentLength == 0 {
		return nil, nil
	}
	return io.ReadAll(newBodyReader(br, req))
}

// statusOf returns the status code a parse error asks for, or 0 when the
// error means the client went away.
func statusOf(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	return 0
}

func TestReadRequest(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want *Request
		body string
	}{
		{
			name: "curl GET",
			raw:  "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8888\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
			want: &Request{
				Method: "GET", Target: "/hello", Proto: "HTTP/1.1",
				Path: "/hello", RawPath: "/hello", Host: "127.0.0.1:8888",
				Header: Header{{"Host", "127.0.0.1:8888"}, {"User-Agent", "curl/7.88.1"}, {"Accept", "*/*"}},
			},
		},
		{
			name: "query and percent-encoded path",
			raw:  "GET /a%20b/c?x=1&y=%C3%A9&x=2 HTTP/1.1\r\nHost: h\r\n\r\n",
			want: &Request{
				Method: "GET", Target: "/a%20b/c?x=1&y=%C3%A9&x=2", Proto: "HTTP/1.1",
				Path: "/a b/c", RawPath: "/a%20b/c", RawQuery: "x=1&y=%C3%A9&x=2",
				Query: url.Values{"x": {"1", "2"}, "y": {"é"}}, Host: "h",
				Header: Header{{"Host", "h"}},
			},
		},
		{
			name: "HTTP/1.0 needs no Host; bare LF line endings",
			raw:  "GET / HTTP/1.0\nAccept: */*\n\n",
			want: &Request{
				Method: "GET", Target: "/", Proto: "HTTP/1.0", Path: "/", RawPath: "/",
				Header: Header{{"Accept", "*/*"}},
			},
		},
		{
			name: "empty lines before the request line are skipped",
			raw:  "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
			want: &Request{
				Method: "GET", Target: "/", Proto: "HTTP/1.1", Path: "/", RawPath: "/", Host: "h",
				Header: Header{{"Host", "h"}},
			},
		},
		{
			name: "values trimmed, repeated fields kept in order, empty value",
			raw:  "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t one \t\r\nx-a: two\r\nX-Empty:\r\nX-Tab: a\tb\r\n\r\n",
			want: &Request{
				Method: "GET", Target: "/", Proto: "HTTP/1.1", Path: "/", RawPath: "/", Host: "h",
				Header: Header{{"Host", "h"}, {"X-A", "one"}, {"x-a", "two"}, {"X-Empty", ""}, {"X-Tab", "a\tb"}},
			},
		},
		{
			name: "Content-Length body",
			raw:  "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
			want: &Request{
				Method: "POST", Target: "/echo", Proto: "HTTP/1.1", Path: "/echo", RawPath: "/echo", Host: "h",
				Header:        Header{{"Host", "h"}, {"Content-Length", "5"}},
				ContentLength: 5,
			},
			body: "hello",
		},
		{
			name: "identical Content-Length fields are one",
			raw:  "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi",
			want: &Request{
				Method: "POST", Target: "/", Proto: "HTTP/1.1", Path: "/", RawPath: "/", Host: "h",
				Header:        Header{{"Host", "h"}, {"Content-Length", "2"}, {"Content-Length", "2"}},
				ContentLength: 2,
			},
			body: "hi",
		},
		{
			name: "chunked body with extensions and a trailer",
			raw: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5;name=value\r\nhello\r\n" + "1 ; x\r\n,\r\n" + "A\r\n world!!!!\r\n" + "0\r\nX-Checksum: 1\r\n\r\n",
			want: &Request{
				Method: "POST", Target: "/", Proto: "HTTP/1.1", Path: "/", RawPath: "/", Host: "h",
				Header:        Header{{"Host", "h"}, {"Transfer-Encoding", "chunked"}},
				ContentLength: -1, Chunked: true,
			},
			body: "hello, world!!!!",
		},
		{
			name: "chunk size with leading zeros",
			raw:  "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000005\r\nhello\r\n0\r\n\r\n",
			want: &Request{
				Method: "POST", Target: "/", Proto: "HTTP/1.1", Path: "/", RawPath: "/", Host: "h",
				Header:        Header{{"Host", "h"}, {"Transfer-Encoding", "chunked"}},
				ContentLength: -1, Chunked: true,
			},
			body: "hello",
		},
		{
			name: "Expect: 100-continue",
			raw:  "PUT /files/a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 100-Continue\r\n\r\nx",
			want: &Request{
				Method: "PUT", Target: "/files/a", Proto: "HTTP/1.1", Path: "/files/a", RawPath: "/files/a", Host: "h",
				Header:        Header{{"Host", "h"}, {"Content-Length", "1"}, {"Expect", "100-Continue"}},
				ContentLength: 1, ExpectContinue: true,
			},
			body: "x",
		},
		{
			name: "absolute-form: the target's host wins over Host",
			raw:  "GET http://example.com:8080?q=1 HTTP/1.1\r\nHost: other\r\n\r\n",
			want: &Request{
				Method: "GET", Target: "http://example.com:8080?q=1", Proto: "HTTP/1.1",
				Path: "/", RawPath: "/", RawQuery: "q=1", Query: url.Values{"q": {"1"}}, Host: "example.com:8080",
				Header: Header{{"Host", "other"}},
			},
		},
		{
			name: "OPTIONS *",
			raw:  "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
			want: &Request{Method: "OPTIONS", Target: "*", Proto: "HTTP/1.1", Host: "h", Header: Header{{"Host", "h"}}},
		},
		{
			name: "HTTP/1.2 is served as HTTP/1.1",
			raw:  "GET / HTTP/1.2\r\nHost: h\r\n\r\n",
			want: &Request{Method: "GET", Target: "/", Proto: "HTTP/1.1", Path: "/", RawPath: "/", Host: "h", Header: Header{{"Host", "h"}}},
		},
		{
			name: "dot-segments that stay inside /",
			raw:  "GET /a/./b/../c HTTP/1.1\r\nHost: h\r\n\r\n",
			want: &Request{Method: "GET", Target: "/a/./b/../c", Proto: "HTTP/1.1", Path: "/a/./b/../c", RawPath: "/a/./b/../c", Host: "h", Header: Header{{"Host", "h"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, body, err := parse(tt.raw)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parse mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.body, string(body)); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			// The same request, one byte per read, parses the same.
			br := bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(tt.raw)), readBufferBytes)
			slow, err := readRequest(br)
			var slowBody []byte
			if err == nil {
				slowBody, err = readBody(br, slow)
			}
			if err != nil {
				t.Fatalf("parse one byte at a time: %v", err)
			}
			if diff := cmp.Diff(tt.want, slow); diff != "" {
				t.Errorf("parse one byte at a time mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.body, string(slowBody)); diff != "" {
				t.Errorf("body one byte at a time mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadRequestRefuses(t *testing.T) {
	const host = "Host: h\r\n"
	tests := []struct {
		name   string
		raw    string
		status int // 0: the client is gone, no answer
	}{
		// The request line.
		{"nothing at all", "", 0},
		{"closed mid request line", "GET / HT", 0},
		{"no version", "GET /\r\n\r\n", 400},
		{"two spaces", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"trailing space", "GET / HTTP/1.1 \r\n" + host + "\r\n", 400},
		{"method not a token", "GE(T / HTTP/1.1\r\n" + host + "\r\n", 400},
		{"lower-case version", "GET / http/1.1\r\n" + host + "\r\n", 400},
		{"malformed version", "GET / HTTP/1.10\r\n" + host + "\r\n", 400},
		{"HTTP/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", 505},
		{"HTTP/0.9", "GET / HTTP/0.9\r\n" + host + "\r\n", 505},
		{"request line too long", "GET /" + strings.Repeat("a", maxRequestLineBytes) + " HTTP/1.1\r\n" + host + "\r\n", 414},
		{"endless empty lines", strings.Repeat("\r\n", maxRequestLineBytes), 414},
		// The request-target.
		{"relative target", "GET a/b HTTP/1.1\r\n" + host + "\r\n", 400},
		{"control byte in target", "GET /a\x01b HTTP/1.1\r\n" + host + "\r\n", 400},
		{"non-ASCII byte in target", "GET /caf\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n", 400},
		{"fragment", "GET /a#b HTTP/1.1\r\n" + host + "\r\n", 400},
		{"bad percent-encoding", "GET /%zz HTTP/1.1\r\n" + host + "\r\n", 400},
		{"climbs above /", "GET /../etc/passwd HTTP/1.1\r\n" + host + "\r\n", 400},
		{"climbs above / encoded", "GET /a/%2e%2e/%2E%2E/etc/passwd HTTP/1.1\r\n" + host + "\r\n", 400},
		{"climbs above / through an encoded slash", "GET /..%2f..%2fetc HTTP/1.1\r\n" + host + "\r\n", 400},
		{"* for GET", "GET * HTTP/1.1\r\n" + host + "\r\n", 400},
		{"absolute-form with userinfo", "GET http://u:p@h/ HTTP/1.1\r\n" + host + "\r\n", 400},
		{"CONNECT with userinfo", "CONNECT u@h:443 HTTP/1.1\r\n" + host + "\r\n", 400},
		{"absolute-form with another scheme", "GET ftp://h/ HTTP/1.1\r\n" + host + "\r\n", 400},
		// The header section.
		{"no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"bad Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\n" + host + "Accept : */*\r\n\r\n", 400},
		{"no colon", "GET / HTTP/1.1\r\n" + host + "Accept\r\n\r\n", 400},
		{"empty name", "GET / HTTP/1.1\r\n" + host + ": v\r\n\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n\r\n", 400},
		{"whitespace before the first field", "GET / HTTP/1.1\r\n " + host + "\r\n", 400},
		{"NUL in a value", "GET / HTTP/1.1\r\n" + host + "X-A: a\x00b\r\n\r\n", 400},
		{"CR in a value", "GET / HTTP/1.1\r\n" + host + "X-A: a\rb\r\n\r\n", 400},
		{"header section too large", "GET / HTTP/1.1\r\n" + host + strings.Repeat("X-Filler: 0123456789\r\n", maxHeaderBytes/20) + "\r\n", 431},
		{"one field line too long", "GET / HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("b", readBufferBytes) + "\r\n\r\n", 431},
		{"closed mid header", "GET / HTTP/1.1\r\n" + host + "Acc", 0},
		{"closed before the blank line", "GET / HTTP/1.1\r\n" + host, 0},
		{"unknown expectation", "GET / HTTP/1.1\r\n" + host + "Expect: 200-ok\r\n\r\n", 417},
		// Body framing.
		{"Content-Length with a sign", "POST / HTTP/1.1\r\n" + host + "Content-Length: +5\r\n\r\nhello", 400},
		{"Content-Length as a list", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5, 5\r\n\r\nhello", 400},
		{"Content-Length in hex", "POST / HTTP/1.1\r\n" + host + "Content-Length: 0x5\r\n\r\nhello", 400},
		{"Content-Lengths differ", "POST / HTTP/1.1\r\n" + host + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
		{"Content-Length beyond int64", "POST / HTTP/1.1\r\n" + host + "Content-Length: 99999999999999999999999\r\n\r\n", 400},
		{"body shorter than Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: 10\r\n\r\nhello", 0},
		{"Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\n" + host + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"chunked not last", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 400},
		{"chunked then gzip", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
		{"empty transfer coding", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding:\r\n\r\n", 400},
		{"gzip, chunked", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{"chunked twice", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		// Chunked bodies.
		{"chunk size not hex", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\ng\r\n", 400},
		{"chunk size empty", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n\r\n", 400},
		{"chunk size negative", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n-1\r\n", 400},
		{"chunk size overflows", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 400},
		{"chunk size line too long", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("x", maxChunkLineBytes) + "\r\n", 400},
		{"chunk size line with bare LF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", 400},
		{"chunk data without CRLF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", 400},
		{"chunk data with bare LF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n", 400},
		{"chunk sizes and extensions out of proportion to the data", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n" + strings.Repeat("1;"+strings.Repeat("x", 1000)+"\r\nx\r\n", 20) + "0\r\n\r\n", 400},
		{"no last chunk", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n", 0},
		{"bad trailer field", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\nX : y\r\n\r\n", 400},
		{"trailer with bare LF", "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n0\r\n\n", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _, err := parse(tt.raw)
			if err == nil {
				t.Fatalf("parse accepted %q as %+v", tt.raw, req)
			}
			if got := statusOf(err); got != tt.status {
				t.Errorf("parse(%.60q): status %d (%v), want %d", tt.raw, got, err, tt.status)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	h := Header{{"Host", "h"}, {"Accept", "a"}, {"accept", "b"}}
	if got := h.Get("ACCEPT"); got != "a" {
		t.Errorf("Get(ACCEPT) = %q, want %q", got, "a")
	}
	if diff := cmp.Diff([]string{"a", "b"}, h.Values("Accept")); diff != "" {
		t.Errorf("Values mismatch (-want +got):\n%s", diff)
	}
	h.Set("Accept", "c")
	if diff := cmp.Diff(Header{{"Host", "h"}, {"Accept", "c"}}, h); diff != "" {
		t.Errorf("after Set (-want +got):\n%s", diff)
	}
	h.Del("host")
	if diff := cmp.Diff(Header{{"Accept", "c"}}, h); diff != "" {
		t.Errorf("after Del (-want +got):\n%s", diff)
	}
}

func TestClimbsAboveRoot(t *testing.T) {
	for path, want := range map[string]bool{
		"/": false, "/a/..": false, "/a/../..": true, "/..": true, "/./..": true,
		"/a//..": false, "/a/b/../../c": false, "/a/b/../../../c": true, "/...": false,
	} {
		if got := climbsAboveRoot(path); got != want {
			t.Errorf("climbsAboveRoot(%q) = %v, want %v", path, got, want)
		}
	}
}
