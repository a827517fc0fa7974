// The HTTP message, part 2's concept: the request line, the header
// fields, the limits, and the response (how a body is framed is in
// cases_framing.go).

package main

import (
	"fmt"
	"strings"
)

// postEcho is a POST /echo with body framed by Content-Length.
func postEcho(body string, fields ...string) string {
	return request("POST", "/echo", body, append([]string{"Content-Type: text/plain"}, fields...)...)
}

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
