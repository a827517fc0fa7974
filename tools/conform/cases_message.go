// The HTTP message, part 2's concept: the request line, the header
// fields, how a body is framed (and the framings that smuggle a second
// request past a proxy), the limits, and the response.
package main

import (
	"fmt"
	"strings"
)

// postEcho is a POST /echo with body framed by Content-Length.
func postEcho(body string, fields ...string) string {
	return request("POST", "/echo", body, append([]string{"Content-Type: text/plain"}, fields...)...)
}

// rawPost is a POST /echo whose framing fields and body are given as is.
func rawPost(framing, body string) string {
	return "POST /echo HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: text/plain\r\n" + framing + "\r\n" + body
}

// rawPostRequest is a POST /request whose framing fields and body are
// given as is. /request reads the whole body and answers 400 when the
// server reports it malformed or cut short: it shows what the server's
// framing made of the bytes, where /echo would show what the site did.
func rawPostRequest(framing, body string) string {
	return "POST /request HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: text/plain\r\n" + framing + "\r\n" + body
}

// smuggled is a request that must never be answered: if it is, the server
// read the bytes before it as a different request than a proxy would.
var smuggled = get("/echo/smuggled")

// notSmuggled checks the server's answer after a suspicious request: it
// closes, or it answers something other than the smuggled request.
func notSmuggled() Check { return bodyLacks("smuggled") }

func requestLineCases() []Case {
	return []Case{
		{
			ID: "request-line/get", RFC: "RFC 9112 §3",
			Title: "GET / with Host gets the site's front page",
			Steps: simple(get("/"), status(200), fieldHas("Content-Type", "text/html")),
		},
		{
			ID: "request-line/unknown-method", RFC: "RFC 9110 §9.1",
			Title: "a method the server does not know gets 501 Not Implemented",
			Steps: simple(request("BREW", "/", ""), status(501)),
		},
		{
			ID: "request-line/lowercase-method", RFC: "RFC 9110 §9.1",
			Title: "methods are case-sensitive: \"get\" is not GET, and gets 501",
			Steps: simple("get / HTTP/1.1\r\nHost: "+host+"\r\n\r\n", status(501)),
		},
		{
			ID: "request-line/two-spaces", RFC: "RFC 9112 §3",
			Title: "two spaces between method and target: not a request line, 400",
			Steps: simple("GET  / HTTP/1.1\r\nHost: "+host+"\r\n\r\n", status(400)),
		},
		{
			ID: "request-line/tabs", RFC: "RFC 9112 §3",
			Title: "tabs instead of single spaces: 400",
			Steps: simple("GET\t/\tHTTP/1.1\r\nHost: "+host+"\r\n\r\n", status(400)),
		},
		{
			ID: "request-line/no-version", RFC: "RFC 9112 §3",
			Title: "a request line without a version (HTTP/0.9) gets 400",
			Steps: simple("GET /\r\nHost: "+host+"\r\n\r\n", status(400)),
		},
		{
			ID: "request-line/http10", RFC: "RFC 9112 §3.2",
			Title: "an HTTP/1.0 request needs no Host",
			Steps: simple("GET / HTTP/1.0\r\n\r\n", status(200)),
		},
		{
			ID: "request-line/http12", RFC: "RFC 9110 §2.5",
			Title: "HTTP/1.2 is served as the highest 1.x minor the server speaks",
			Steps: simple("GET / HTTP/1.2\r\nHost: "+host+"\r\n\r\n", status(200)),
		},
		{
			ID: "request-line/http2", RFC: "RFC 9110 §15.6.6",
			Title: "HTTP/2.0 on an HTTP/1 connection gets 505 HTTP Version Not Supported",
			Steps: simple("GET / HTTP/2.0\r\nHost: "+host+"\r\n\r\n", status(505)),
		},
		{
			ID: "request-line/version-lowercase", RFC: "RFC 9112 §2.3",
			Title: "the version is case-sensitive: \"http/1.1\" gets 400",
			Steps: simple("GET / http/1.1\r\nHost: "+host+"\r\n\r\n", status(400)),
		},
		{
			ID: "request-line/version-two-digits", RFC: "RFC 9112 §2.3",
			Title: "HTTP/1.10 is not HTTP-version (one digit each side of the dot): 400",
			Steps: simple("GET / HTTP/1.10\r\nHost: "+host+"\r\n\r\n", status(400)),
		},
		{
			ID: "request-line/fragment", RFC: "RFC 9112 §3.2",
			Title: "a target with a fragment (#) is not a request-target: 400",
			Steps: simple(get("/echo/a#frag"), status(400)),
		},
		{
			ID: "request-line/non-ascii-target", RFC: "RFC 9112 §3.2",
			Title: "a raw byte 0xFF in the target (not percent-encoded) gets 400",
			Steps: simple(get("/echo/\xff"), status(400)),
		},
		{
			ID: "request-line/percent-decoded", RFC: "RFC 9110 §4.2.1",
			Title: "a percent-encoded target is decoded: /echo/a%20b is \"a b\"",
			Steps: simple(get("/echo/a%20b"), status(200), body("a b")),
		},
		{
			ID: "request-line/bad-percent", RFC: "RFC 9110 §4.2.1",
			Title: "a malformed percent-encoding (%zz) gets 400",
			Steps: simple(get("/echo/%zz"), status(400)),
		},
		{
			ID: "request-line/relative-target", RFC: "RFC 9112 §3.2.1",
			Title: "an origin-form target must start with \"/\": \"echo/x\" gets 400",
			Steps: simple(get("echo/x"), status(400)),
		},
		{
			ID: "request-line/absolute-form", RFC: "RFC 9112 §3.2.2",
			Title: "a server MUST accept the absolute-form: GET http://host/echo/abs",
			Steps: simple(get("http://"+host+"/echo/abs"), status(200), body("abs")),
		},
		{
			ID: "request-line/absolute-form-host", RFC: "RFC 9112 §3.2.2",
			Title: "the absolute-form's host wins over the Host field",
			Steps: simple("GET http://target.test/request HTTP/1.1\r\nHost: field.test\r\n\r\n",
				status(200), bodyHas("target.test"), bodyLacks("host:    field.test")),
		},
		{
			ID: "request-line/userinfo", RFC: "RFC 9110 §4.2.4",
			Title: "userinfo in an http URI (user@host) is treated as an error: 400",
			Steps: simple(get("http://user@"+host+"/"), status(400)),
		},
		{
			ID: "request-line/options-star", RFC: "RFC 9112 §3.2.4",
			Title: "OPTIONS * asks about the server as a whole: 200 or 204",
			Steps: simple("OPTIONS * HTTP/1.1\r\nHost: "+host+"\r\n\r\n", status(200, 204)),
		},
		{
			ID: "request-line/star-not-options", RFC: "RFC 9112 §3.2.4",
			Title: "the asterisk-form is for OPTIONS only: GET * gets 400",
			Steps: simple("GET * HTTP/1.1\r\nHost: "+host+"\r\n\r\n", status(400)),
		},
		{
			ID: "request-line/query", RFC: "RFC 9112 §3.2.1",
			Title: "the query is split from the path: /request?a=1&b=2",
			Steps: simple(get("/request?a=1&b=2"), status(200), bodyHas("path:    /request\n", "a=1&b=2")),
		},
	}
}

func fieldCases() []Case {
	return []Case{
		{
			ID: "fields/no-host", RFC: "RFC 9112 §3.2",
			Title: "an HTTP/1.1 request without Host gets 400 (a server MUST)",
			Steps: simple("GET / HTTP/1.1\r\n\r\n", status(400)),
		},
		{
			ID: "fields/two-hosts", RFC: "RFC 9112 §3.2",
			Title: "two Host fields get 400",
			Steps: simple("GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n", status(400)),
		},
		{
			ID: "fields/bad-host", RFC: "RFC 9112 §3.2",
			Title: "a Host that is not a valid host (a slash in it) gets 400",
			Steps: simple("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status(400)),
		},
		{
			ID: "fields/empty-host", RFC: "RFC 9112 §3.2",
			Title: "an empty Host is valid (the target has no authority)",
			Steps: simple("GET / HTTP/1.1\r\nHost:\r\n\r\n", status(200)),
		},
		{
			ID: "fields/space-before-colon", RFC: "RFC 9112 §5.1",
			Title: "whitespace between a field name and the colon gets 400 (a server MUST reject it)",
			Steps: simple(get("/", "X-Test : 1"), status(400)),
		},
		{
			ID: "fields/obs-fold", RFC: "RFC 9112 §5.2",
			Title: "a folded field line (obs-fold) is rejected with 400, or the fold replaced by spaces",
			Steps: simple(get("/request", "X-Folded: a", " b"),
				oneOf(all(status(400)), all(status(200), bodyHas("a b")))),
		},
		{
			ID: "fields/whitespace-first-line", RFC: "RFC 9112 §2.2",
			Title: "whitespace before the first field line: rejected, or the line ignored (then no Host: 400 all the same)",
			Steps: simple("GET / HTTP/1.1\r\n Host: "+host+"\r\n\r\n", status(400)),
		},
		{
			ID: "fields/no-colon", RFC: "RFC 9112 §5",
			Title: "a field line without a colon gets 400",
			Steps: simple(get("/", "NoColonHere"), status(400)),
		},
		{
			ID: "fields/empty-name", RFC: "RFC 9112 §5",
			Title: "a field line with an empty name gets 400",
			Steps: simple(get("/", ": value"), status(400)),
		},
		{
			ID: "fields/bad-name", RFC: "RFC 9110 §5.6.2",
			Title: "a field name that is not a token (parentheses) gets 400",
			Steps: simple(get("/", "X(Test): 1"), status(400)),
		},
		{
			ID: "fields/nul-in-value", RFC: "RFC 9110 §5.5",
			Title: "a NUL byte in a field value gets 400",
			Steps: simple(get("/", "X-Test: a\x00b"), status(400)),
		},
		{
			ID: "fields/bare-cr-in-value", RFC: "RFC 9112 §2.2",
			Title: "a bare CR in a field value gets 400 (or is replaced by a space)",
			Steps: simple(get("/request", "X-Test: a\rb"),
				oneOf(all(status(400)), all(status(200), bodyHas("a b")))),
		},
		{
			ID: "fields/name-case", RFC: "RFC 9110 §5.1",
			Title: "field names are case-insensitive: \"user-agent\" is User-Agent",
			Steps: simple(get("/user-agent", "user-agent: lower/1.0"), status(200), body("lower/1.0")),
		},
		{
			ID: "fields/ows-trimmed", RFC: "RFC 9110 §5.5",
			Title: "whitespace around a field value is not part of it",
			Steps: simple(get("/user-agent", "User-Agent: \t spaced/1.0 \t"), status(200), body("spaced/1.0")),
		},
		{
			ID: "fields/obs-text", RFC: "RFC 9110 §5.5",
			Title: "bytes above 0x7F (obs-text) are allowed in a value",
			Steps: simple(get("/user-agent", "User-Agent: caf\xc3\xa9"), status(200), body("caf\xc3\xa9")),
		},
		{
			ID: "fields/unknown-field", RFC: "RFC 9110 §5.1",
			Title: "a field the server does not know is ignored",
			Steps: simple(get("/", "X-Never-Heard-Of: it"), status(200)),
		},
		{
			ID: "fields/repeated", RFC: "RFC 9110 §5.3",
			Title: "a field repeated keeps its lines in order",
			Steps: simple(get("/request", "X-Rep: one", "X-Rep: two"), status(200), bodyHas("one", "two")),
		},
	}
}

func framingCases() []Case {
	return []Case{
		{
			ID: "framing/content-length", RFC: "RFC 9112 §6.2",
			Title: "a body framed by Content-Length is read and echoed",
			Steps: simple(postEcho("hello"), status(200), body("hello")),
		},
		{
			ID: "framing/chunked", RFC: "RFC 9112 §7.1",
			Title: "a chunked body is decoded",
			Steps: simple(rawPost("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), status(200), body("hello")),
		},
		{
			ID: "framing/chunked-several", RFC: "RFC 9112 §7.1",
			Title: "chunks are joined, with upper-case hex sizes",
			Steps: simple(rawPost("Transfer-Encoding: chunked\r\n", "2\r\nhe\r\n3\r\nllo\r\nA\r\n0123456789\r\n0\r\n\r\n"), status(200), body("hello0123456789")),
		},
		{
			ID: "framing/chunk-extension", RFC: "RFC 9112 §7.1.1",
			Title: "chunk extensions are ignored",
			Steps: simple(rawPost("Transfer-Encoding: chunked\r\n", "5;name=value\r\nhello\r\n0;last\r\n\r\n"), status(200), body("hello")),
		},
		{
			ID: "framing/chunked-trailer", RFC: "RFC 9112 §7.1.2",
			Title: "a trailer section after the last chunk is read",
			Steps: simple(rawPost("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"), status(200), body("hello")),
		},
		{
			ID: "framing/te-case", RFC: "RFC 9112 §7",
			Title: "transfer coding names are case-insensitive: \"Chunked\"",
			Steps: simple(rawPost("Transfer-Encoding: Chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), status(200), body("hello")),
		},
		{
			ID: "framing/no-length", RFC: "RFC 9112 §6.3",
			Title: "a request with neither Content-Length nor Transfer-Encoding has no body",
			Steps: simple(rawPost("", ""), status(200), emptyBody()),
		},
		{
			ID: "framing/cl-leading-zeros", RFC: "RFC 9110 §8.6",
			Title: "Content-Length: 005 is 1*DIGIT, so 5",
			Steps: simple(rawPost("Content-Length: 005\r\n", "hello"), status(200), body("hello")),
		},
		{
			ID: "framing/cl-and-te", RFC: "RFC 9112 §6.3",
			Title: "Content-Length and Transfer-Encoding together (the CL.TE smuggling shape): 400, or chunked wins and the connection closes",
			Steps: []Step{
				send(rawPost("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"+smuggled)),
				recv(oneOf(all(status(400)), all(status(200), emptyBody()))),
				closed(),
			},
		},
		{
			ID: "framing/te-and-cl", RFC: "RFC 9112 §6.3",
			Title: "Transfer-Encoding before Content-Length (the TE.CL shape): 400, or chunked wins and the connection closes",
			Steps: []Step{
				send(rawPost("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", "5\r\nhello\r\n0\r\n\r\n"+smuggled)),
				recv(oneOf(all(status(400)), all(status(200), body("hello")))),
				closed(),
			},
		},
		{
			ID: "framing/two-cl-differ", RFC: "RFC 9112 §6.3",
			Title: "two different Content-Length values get 400 and a close",
			Steps: []Step{send(rawPost("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!")), recv(status(400)), closed()},
		},
		{
			ID: "framing/two-cl-same", RFC: "RFC 9110 §8.6",
			Title: "two identical Content-Length values: accepted as one, or 400",
			Steps: simple(rawPost("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"),
				oneOf(all(status(400)), all(status(200), body("hello")))),
		},
		{
			ID: "framing/cl-list", RFC: "RFC 9110 §8.6",
			Title: "Content-Length: 5, 5 (a list of the same value): accepted as 5, or 400",
			Steps: simple(rawPost("Content-Length: 5, 5\r\n", "hello"),
				oneOf(all(status(400)), all(status(200), body("hello")))),
		},
		{
			ID: "framing/cl-negative", RFC: "RFC 9110 §8.6",
			Title: "Content-Length: -1 gets 400",
			Steps: simple(rawPost("Content-Length: -1\r\n", ""), status(400)),
		},
		{
			ID: "framing/cl-plus", RFC: "RFC 9110 §8.6",
			Title: "Content-Length: +5 gets 400 (1*DIGIT, no sign)",
			Steps: simple(rawPost("Content-Length: +5\r\n", "hello"), status(400)),
		},
		{
			ID: "framing/cl-hex", RFC: "RFC 9110 §8.6",
			Title: "Content-Length: 0x5 gets 400",
			Steps: simple(rawPost("Content-Length: 0x5\r\n", "hello"), status(400)),
		},
		{
			ID: "framing/cl-space-inside", RFC: "RFC 9110 §8.6",
			Title: "Content-Length: 1 0 gets 400",
			Steps: simple(rawPost("Content-Length: 1 0\r\n", "hello"), status(400)),
		},
		{
			ID: "framing/te-not-chunked", RFC: "RFC 9112 §6.3",
			Title: "Transfer-Encoding whose final coding is not chunked: 400 and close (a server MUST)",
			Steps: []Step{send(rawPost("Transfer-Encoding: gzip\r\n", "hello")), recv(status(400)), closed()},
		},
		{
			ID: "framing/te-xchunked", RFC: "RFC 9112 §6.3",
			Title: "Transfer-Encoding: xchunked is not chunked: 400",
			Steps: simple(rawPost("Transfer-Encoding: xchunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), status(400)),
		},
		{
			ID: "framing/te-unknown-coding", RFC: "RFC 9112 §6.1",
			Title: "Transfer-Encoding: gzip, chunked: a coding the server cannot undo gets 501",
			Steps: simple(rawPost("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), status(501)),
		},
		{
			ID: "framing/te-chunked-twice", RFC: "RFC 9112 §7",
			Title: "chunked applied twice gets 400 (a sender MUST NOT)",
			Steps: simple(rawPost("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), status(400)),
		},
		{
			ID: "framing/te-space-before-colon", RFC: "RFC 9112 §5.1",
			Title: "\"Transfer-Encoding : chunked\" (the space hides it from some parsers) gets 400",
			Steps: simple(rawPost("Transfer-Encoding : chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), status(400)),
		},
		{
			ID: "framing/te-http10", RFC: "RFC 9112 §6.1",
			Title: "Transfer-Encoding in an HTTP/1.0 request is faulty framing: 400, or an answer and a close",
			Steps: []Step{
				send("POST /echo HTTP/1.0\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
				recv(notSmuggled()),
				closed(),
			},
		},
		{
			ID: "framing/bad-chunk-size", RFC: "RFC 9112 §7.1",
			Title: "a chunk size that is not hex gets 400",
			Steps: simple(rawPostRequest("Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n"), status(400)),
		},
		{
			ID: "framing/chunk-size-0x", RFC: "RFC 9112 §7.1",
			Title: "a chunk size with a 0x prefix gets 400",
			Steps: simple(rawPostRequest("Transfer-Encoding: chunked\r\n", "0x5\r\nhello\r\n0\r\n\r\n"), status(400)),
		},
		{
			ID: "framing/chunk-size-overflow", RFC: "RFC 9112 §7.1",
			Title: "a chunk size too large for 64 bits is refused (400 or 413), not wrapped round",
			Steps: simple(rawPostRequest("Transfer-Encoding: chunked\r\n", "10000000000000005\r\nhello\r\n0\r\n\r\n"), status(400, 413)),
		},
		{
			ID: "framing/chunk-too-long", RFC: "RFC 9112 §7.1",
			Title: "chunk data longer than its size (no CRLF where it must be) gets 400",
			Steps: simple(rawPostRequest("Transfer-Encoding: chunked\r\n", "3\r\nhello\r\n0\r\n\r\n"), status(400)),
		},
		{
			ID: "framing/chunk-bare-lf", RFC: "RFC 9112 §7.1",
			Title: "chunk lines ended by a bare LF get 400: the chunked grammar has CRLF only",
			Steps: simple(rawPostRequest("Transfer-Encoding: chunked\r\n", "5\nhello\n0\n\n"), status(400)),
		},
		{
			ID: "framing/chunked-unfinished", RFC: "RFC 9112 §8",
			Title: "a chunked body that never ends (no last chunk) is not answered as complete: the connection closes",
			Steps: []Step{send(rawPostRequest("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n")), closedOrError()},
		},
		{
			ID: "framing/body-short", RFC: "RFC 9112 §8",
			Title: "a body shorter than its Content-Length is not answered as complete: the connection closes",
			Steps: []Step{send(rawPostRequest("Content-Length: 10\r\n", "hello")), closedOrError()},
		},
		{
			ID: "framing/smuggle-in-body", RFC: "RFC 9112 §6.3",
			Title: "a request inside a Content-Length body is body, never a request of its own",
			Steps: []Step{
				send(postEcho(smuggled, "Connection: close")),
				recv(status(200), body(smuggled)),
				closed(),
			},
		},
	}
}

func limitCases() []Case {
	long := "/echo/" + strings.Repeat("a", 7900)
	return []Case{
		{
			ID: "limits/request-line-8000", RFC: "RFC 9112 §3",
			Title: "a request line of about 8000 octets is served (it is RECOMMENDED to support at least that)",
			Steps: simple(get(long), status(200), bodyLen(7900)),
		},
		{
			ID: "limits/uri-too-long", RFC: "RFC 9110 §15.5.15",
			Title: "a 20 KB target gets 414 URI Too Long",
			Steps: simple(get("/echo/"+strings.Repeat("a", 20<<10)), status(414)),
		},
		{
			ID: "limits/field-too-long", RFC: "RFC 6585 §5",
			Title: "a single 20 KB field line gets 431",
			Steps: simple(get("/", "X-Long: "+strings.Repeat("l", 20<<10)), status(431)),
		},
		{
			ID: "limits/header-too-large", RFC: "RFC 6585 §5",
			Title: "a header section of 80 fields of 1 KB each (80 KB) gets 431",
			Steps: simple(get("/", repeatFields(80, 1000)...), status(431)),
		},
		{
			ID: "limits/body-too-large", RFC: "RFC 9110 §15.5.14",
			Title: "a Content-Length of 20 MB gets 413 Content Too Large before the body is sent",
			Steps: simple(rawPost("Content-Length: 20000000\r\n", ""), status(413)),
		},
		{
			ID: "limits/chunked-too-large", RFC: "RFC 9110 §15.5.14",
			Title: "a chunked body that grows past 10 MB gets 413",
			Steps: []Step{
				send(rawPostRequest("Transfer-Encoding: chunked\r\n", "")),
				sendAsync(strings.Repeat("100000\r\n"+strings.Repeat("z", 1<<20)+"\r\n", 11) + "0\r\n\r\n"),
				recv(status(413)),
			},
		},
		{
			ID: "limits/expect-unknown", RFC: "RFC 9110 §10.1.1",
			Title: "an expectation other than 100-continue gets 417 Expectation Failed",
			Steps: simple(get("/", "Expect: teapot"), status(417)),
		},
	}
}

// repeatFields returns n field lines of about size bytes each.
func repeatFields(n, size int) []string {
	fs := make([]string, n)
	for i := range fs {
		fs[i] = fmt.Sprintf("X-Fill-%03d: %s", i, strings.Repeat("f", size))
	}
	return fs
}

func responseCases() []Case {
	return []Case{
		{
			ID: "response/date", RFC: "RFC 9110 §6.6.1",
			Title: "an origin server with a clock sends Date, in IMF-fixdate",
			Steps: simple(get("/"), status(200), imfDate()),
		},
		{
			ID: "response/reason-phrase", RFC: "RFC 9112 §4",
			Title: "a page that is not there gets 404, with a text body that says so",
			Steps: simple(get("/no-such-page.html"), status(404), fieldHas("Content-Type", "text/plain")),
		},
		{
			ID: "response/head", RFC: "RFC 9110 §9.3.2",
			Title: "HEAD gets GET's fields and no body: nothing follows the head before the close",
			Steps: []Step{send(request("HEAD", "/", "", "Connection: close")), recvHead(status(200), hasField("Content-Type")), closed()},
		},
		{
			ID: "response/head-length", RFC: "RFC 9110 §9.3.2",
			Title: "HEAD's Content-Length is the one GET would have",
			Steps: steps(exchange(0, get("/about.html"), status(200), save("len", "Content-Length")),
				sendOn(1, request("HEAD", "/about.html", "")), recvHeadOn(1, status(200), fieldIsVar("Content-Length", "len"))),
		},
		{
			ID: "response/204", RFC: "RFC 9110 §8.6",
			Title: "a 204 has no Content-Length and no body",
			Steps: []Step{send(request("OPTIONS", "/echo/x", "", "Connection: close")), recv(status(204), noField("Content-Length")), closed()},
		},
		{
			ID: "response/http10-close", RFC: "RFC 9112 §9.3",
			Title: "an HTTP/1.0 request without keep-alive: the answer, then the server closes",
			Steps: []Step{send("GET / HTTP/1.0\r\n\r\n"), recv(status(200), fieldHas("Content-Type", "text/html")), closed()},
		},
		{
			ID: "response/connection-close", RFC: "RFC 9112 §9.6",
			Title: "a request with Connection: close: the answer, then the server closes",
			Steps: []Step{send(get("/", "Connection: close")), recv(status(200)), closed()},
		},
		{
			ID: "response/error-close", RFC: "RFC 9112 §9.6",
			Title: "after a 400 the server closes: where a next request would start is unknown",
			Steps: []Step{send(get("/", "Bad Header") + smuggled), recv(status(400)), closed()},
		},
	}
}
