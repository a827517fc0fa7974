// The gateway, part 3's concept: any http.Handler on the server, so the
// response is framed as the handler writes it (Content-Length or chunked),
// the body is a stream (100-continue), and middleware (gzip) and the
// ecosystem (conditional and range requests, forms) come for free. And CGI
// (RFC 3875), the language-neutral gateway.

package main

import (
	"strings"
)

func gatewayCases() []Case {
	big := strings.Repeat("0123456789abcdef", 5000/16+1)[:5000]
	expectHead := "POST /echo HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
	boundary := "conformBoundary7MA4YWxk"
	multipart := "--" + boundary + "\r\n" +
		"Content-Disposition: form-data; name=\"file\"; filename=\"conform-upload.txt\"\r\n" +
		"Content-Type: text/plain\r\n\r\n" +
		"uploaded by conform\n\r\n" +
		"--" + boundary + "--\r\n"
	return []Case{
		{
			ID: "gateway/content-length", RFC: "RFC 9112 §6.3",
			Title: "a short answer of known length goes out with Content-Length, not chunked",
			Steps: simple(get("/echo/hi"), status(200), fieldIs("Content-Length", "2"), notChunked()),
		},
		{
			ID: "gateway/chunked", RFC: "RFC 9112 §7.1",
			Title: "an answer the handler streams (5000 bytes copied as they come) goes out chunked",
			Steps: simple(postEcho(big), status(200), chunked(), body(big)),
		},
		{
			ID: "gateway/http10-not-chunked", RFC: "RFC 9112 §7",
			Title: "the same streamed answer to an HTTP/1.0 client is not chunked (it would not understand)",
			Steps: simple("POST /echo HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n"+big, status(200), notChunked(), body(big)),
		},
		{
			ID: "gateway/large-echo", RFC: "RFC 9112 §6",
			Title: "a 1 MB body streams through POST /echo and back intact",
			Steps: simple(postEcho(strings.Repeat("m", 1<<20)), status(200), bodyLen(1<<20)),
		},
		{
			ID: "gateway/100-continue", RFC: "RFC 9110 §10.1.1",
			Title: "Expect: 100-continue gets 100 Continue before the body is sent, then the answer",
			Steps: []Step{send(expectHead), recvInterim(status(100)), send("hello"), recv(status(200), body("hello"))},
		},
		{
			ID: "gateway/100-continue-refused", RFC: "RFC 9110 §10.1.1",
			Title: "Expect: 100-continue with a 20 MB Content-Length gets 413 and no 100: the body is never sent",
			Steps: simple(strings.Replace(expectHead, "Content-Length: 5", "Content-Length: 20000000", 1), status(413), noInterim()),
		},
		{
			ID: "gateway/100-continue-http10", RFC: "RFC 9110 §15.2",
			Title: "no 1xx to an HTTP/1.0 client, even with Expect: 100-continue",
			Steps: simple("POST /echo HTTP/1.0\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
				status(200), noInterim(), body("hello")),
		},
		{
			ID: "gateway/gzip", RFC: "RFC 9110 §8.4.1.3",
			Title: "Accept-Encoding: gzip gets the stylesheet gzip-coded, with Vary: Accept-Encoding",
			Steps: simple(get("/style.css", "Accept-Encoding: gzip"), status(200), fieldIs("Content-Encoding", "gzip"),
				fieldHas("Vary", "Accept-Encoding"), gunzipHas("{")),
		},
		{
			ID: "gateway/gzip-not-asked", RFC: "RFC 9110 §12.5.3",
			Title: "without Accept-Encoding the body is sent as it is",
			Steps: simple(get("/style.css"), status(200), noField("Content-Encoding"), bodyHas("{")),
		},
		{
			ID: "gateway/gzip-vary", RFC: "RFC 9110 §12.5.5",
			Title: "the uncompressed answer says Vary: Accept-Encoding too, so a cache keeps the two apart",
			Steps: simple(get("/style.css"), status(200), fieldHas("Vary", "Accept-Encoding")),
		},
		{
			ID: "gateway/gzip-q0", RFC: "RFC 9110 §12.5.3",
			Title: "Accept-Encoding: gzip;q=0 means not gzip",
			Steps: simple(get("/style.css", "Accept-Encoding: gzip;q=0, identity"), status(200), noField("Content-Encoding")),
		},
		{
			ID: "gateway/gzip-star", RFC: "RFC 9110 §12.5.3",
			Title: "Accept-Encoding: * accepts gzip",
			Steps: simple(get("/style.css", "Accept-Encoding: *"), status(200), fieldIs("Content-Encoding", "gzip"), gunzipHas("{")),
		},
		{
			ID: "gateway/gzip-head", RFC: "RFC 9110 §9.3.2",
			Title: "HEAD with Accept-Encoding: gzip gets no body",
			Steps: []Step{send(request("HEAD", "/style.css", "", "Accept-Encoding: gzip", "Connection: close")), recvHead(status(200)), closed()},
		},
		{
			ID: "gateway/if-modified-since", RFC: "RFC 9110 §13.1.3",
			Title: "If-Modified-Since with the page's own Last-Modified gets 304 Not Modified",
			Steps: steps(exchange(0, get("/style.css"), status(200), save("lm", "Last-Modified")),
				exchange(1, get("/style.css", "If-Modified-Since: ${lm}"), status(304), emptyBody())),
		},
		{
			ID: "gateway/range", RFC: "RFC 9110 §14.2",
			Title: "Range: bytes=0-9 gets 206 Partial Content with the first 10 bytes",
			Steps: simple(get("/style.css", "Range: bytes=0-9"), status(206), fieldHas("Content-Range", "bytes 0-9/"), bodyLen(10)),
		},
		{
			ID: "gateway/range-unsatisfiable", RFC: "RFC 9110 §15.5.17",
			Title: "a range past the end gets 416 Range Not Satisfiable",
			Steps: simple(get("/style.css", "Range: bytes=999999-"), status(416)),
		},
		{
			ID: "gateway/upload-form", RFC: "RFC 7578 §1",
			Title: "GET /upload is the form, multipart/form-data",
			Steps: simple(get("/upload"), status(200), fieldHas("Content-Type", "text/html"), bodyHas(`enctype="multipart/form-data"`)),
		},
		{
			ID: "gateway/upload-post", RFC: "RFC 7578 §4",
			Title: "POST /upload stores the file and answers 303 See Other to the form; the file reads back",
			Steps: steps(exchange(0, request("POST", "/upload", multipart, "Content-Type: multipart/form-data; boundary="+boundary),
				status(303), fieldIs("Location", "/upload")),
				exchange(1, get("/files/conform-upload.txt"), status(200), body("uploaded by conform\n"))),
		},
		{
			ID: "gateway/upload-not-multipart", RFC: "RFC 9110 §15.5.1",
			Title: "POST /upload that is not multipart/form-data gets 400",
			Steps: simple(request("POST", "/upload", "file=x", "Content-Type: application/x-www-form-urlencoded"), status(400)),
		},
		{
			ID: "gateway/upload-cross-site", RFC: "RFC 9110 §15.5.4",
			Title: "POST /upload from another site (Sec-Fetch-Site: cross-site) gets 403",
			Steps: simple(request("POST", "/upload", multipart, "Content-Type: multipart/form-data; boundary="+boundary, "Sec-Fetch-Site: cross-site"), status(403)),
		},
	}
}

// Scripts -all adds to a copy of each part's cgi-bin folder, for the CGI
// responses the course's own scripts do not show (RFC 3875 section 6.2).
var fixtureScripts = map[string]string{
	"conform-local-redirect.sh":  "printf 'Location: /echo/redirected\\n\\n'\n",
	"conform-client-redirect.sh": "printf 'Location: http://example.com/elsewhere\\n\\n'\n",
	"conform-status.sh":          "printf 'Status: 404 Not Found\\nContent-Type: text/plain\\n\\nno such thing\\n'\n",
	"conform-no-type.sh":         "printf 'X-Only: 1\\n\\na body without a type\\n'\n",
	"conform-slow.sh":            "sleep 30\nprintf 'Content-Type: text/plain\\n\\ntoo late\\n'\n",
}

// envOf runs env.py with the request line's target and fields.
func envOf(target string, fields ...string) string {
	return get("/cgi-bin/env.py"+target, fields...)
}

func cgiCases() []Case {
	return []Case{
		{
			ID: "cgi/hello", RFC: "RFC 3875 §6.2.1",
			Title: "a shell script's document response: its header and body become the answer",
			Steps: simple(get("/cgi-bin/hello.sh"), status(200), fieldHas("Content-Type", "text/plain"), bodyHas("Hello from a CGI script")),
		},
		{
			ID: "cgi/request-method", RFC: "RFC 3875 §4.1.12",
			Title: "REQUEST_METHOD is the method",
			Steps: simple(envOf(""), status(200), envHas("REQUEST_METHOD=GET")),
		},
		{
			ID: "cgi/query-string", RFC: "RFC 3875 §4.1.7",
			Title: "QUERY_STRING is the query, as sent",
			Steps: simple(envOf("?a=1&b=two%20words"), status(200), envHas("QUERY_STRING=a=1&b=two%20words")),
		},
		{
			ID: "cgi/query-string-empty", RFC: "RFC 3875 §4.1.7",
			Title: "QUERY_STRING is set, empty, when there is no query (the server MUST set it)",
			Steps: simple(envOf(""), status(200), envHas("QUERY_STRING=")),
		},
		{
			ID: "cgi/server-protocol", RFC: "RFC 3875 §4.1.16",
			Title: "SERVER_PROTOCOL is the request's version: HTTP/1.1",
			Steps: simple(envOf(""), status(200), envHas("SERVER_PROTOCOL=HTTP/1.1")),
		},
		{
			ID: "cgi/server-protocol-10", RFC: "RFC 3875 §4.1.16",
			Title: "SERVER_PROTOCOL for an HTTP/1.0 request is HTTP/1.0",
			Steps: simple("GET /cgi-bin/env.py HTTP/1.0\r\n\r\n", status(200), envHas("SERVER_PROTOCOL=HTTP/1.0")),
		},
		{
			ID: "cgi/gateway-interface", RFC: "RFC 3875 §4.1.4",
			Title: "GATEWAY_INTERFACE is CGI/1.1",
			Steps: simple(envOf(""), status(200), envHas("GATEWAY_INTERFACE=CGI/1.1")),
		},
		{
			ID: "cgi/script-name-path-info", RFC: "RFC 3875 §4.1.5",
			Title: "SCRIPT_NAME is the script, PATH_INFO what follows it",
			Steps: simple(envOf("/extra/path"), status(200), envHas("SCRIPT_NAME=/cgi-bin/env.py", "PATH_INFO=/extra/path")),
		},
		{
			ID: "cgi/server-name-port", RFC: "RFC 3875 §4.1.14",
			Title: "SERVER_NAME and SERVER_PORT come from the Host the client named",
			Steps: simple("GET /cgi-bin/env.py HTTP/1.1\r\nHost: named.test:8080\r\n\r\n", status(200),
				envHas("SERVER_NAME=named.test", "SERVER_PORT=8080")),
		},
		{
			ID: "cgi/http-fields", RFC: "RFC 3875 §4.1.18",
			Title: "a request field X-Custom becomes HTTP_X_CUSTOM",
			Steps: simple(envOf("", "X-Custom: custom value"), status(200), envHas("HTTP_X_CUSTOM=custom value")),
		},
		{
			ID: "cgi/httpoxy", RFC: "RFC 3875 §4.1.18",
			Title: "httpoxy: a Proxy field never becomes HTTP_PROXY, which scripts' HTTP libraries read as their proxy",
			Steps: simple(envOf("", "Proxy: http://evil.example:3128"), status(200), bodyLacks("HTTP_PROXY=", "evil.example")),
		},
		{
			ID: "cgi/authorization", RFC: "RFC 3875 §4.1.18",
			Title: "credentials stay with the server: Authorization does not become HTTP_AUTHORIZATION",
			Steps: simple(envOf("", "Authorization: Basic c2VjcmV0OnNlY3JldA=="), status(200), bodyLacks("HTTP_AUTHORIZATION", "c2VjcmV0")),
		},
		{
			ID: "cgi/underscore-field", RFC: "RFC 3875 §4.1.18",
			Title: "X_Forwarded_For cannot pose as X-Forwarded-For: fields with \"_\" are dropped",
			Steps: simple(envOf("", "X_Forwarded_For: 6.6.6.6"), status(200), bodyLacks("6.6.6.6")),
		},
		{
			ID: "cgi/content-length", RFC: "RFC 3875 §4.1.2",
			Title: "a POST body's length and type become CONTENT_LENGTH and CONTENT_TYPE",
			Steps: simple(request("POST", "/cgi-bin/env.py", "hello", "Content-Type: text/plain"), status(200),
				envHas("CONTENT_LENGTH=5", "CONTENT_TYPE=text/plain"), bodyLacks("HTTP_CONTENT_LENGTH")),
		},
		{
			ID: "cgi/form-post", RFC: "RFC 3875 §4.2",
			Title: "the Perl form reads exactly CONTENT_LENGTH bytes of body on its standard input",
			Steps: simple(request("POST", "/cgi-bin/form.pl", "name=Gopher&lang=Go%21", "Content-Type: application/x-www-form-urlencoded"),
				status(200), bodyHas("<dt>name</dt><dd>Gopher</dd>", "<dd>Go!</dd>")),
		},
		{
			ID: "cgi/chunked-body", RFC: "RFC 3875 §4.1.2",
			Title: "a chunked body has no CONTENT_LENGTH yet: 411 Length Required, or the server buffers it and sets one",
			Steps: simple("POST /cgi-bin/env.py HTTP/1.1\r\nHost: "+host+"\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
				oneOf(all(status(411)), all(status(200), envHas("CONTENT_LENGTH=5")))),
		},
		{
			ID: "cgi/head", RFC: "RFC 9110 §9.3.2",
			Title: "HEAD of a script: its fields, no body",
			Steps: []Step{send(request("HEAD", "/cgi-bin/hello.sh", "", "Connection: close")), recvHead(status(200), fieldHas("Content-Type", "text/plain")), closed()},
		},
		{
			ID: "cgi/broken", RFC: "RFC 9110 §15.6.3",
			Title: "broken.sh prints no valid header: 502 Bad Gateway",
			Steps: simple(get("/cgi-bin/broken.sh"), status(502), bodyLacks("nor is this a body")),
		},
		{
			ID: "cgi/not-found", RFC: "RFC 9110 §15.5.5",
			Title: "a script that does not exist gets 404",
			Steps: simple(get("/cgi-bin/no-such-script.sh"), status(404)),
		},
		{
			ID: "cgi/traversal", RFC: "RFC 3986 §2.1",
			Title: "/cgi-bin/..%2f..%2fbin%2fsh runs nothing from outside the folder",
			Steps: simple(get("/cgi-bin/..%2f..%2f..%2fbin%2fsh"), status(400, 404), bodyLacks(passwd)),
		},
		{
			ID: "cgi/streamed", RFC: "RFC 9112 §7.1",
			Title: "countdown.sh's lines arrive as the script prints them: chunked, the first before the script ends",
			Steps: []Step{send(get("/cgi-bin/countdown.sh")), recvStart(status(200), chunked(), body("5\n"))},
		},
		{
			ID: "cgi/local-redirect", RFC: "RFC 3875 §6.2.2",
			Title: "a script's local redirect (Location: /echo/redirected) is answered by the server with that path",
			Steps: simple(get("/cgi-bin/conform-local-redirect.sh"), status(200), body("redirected")), Fixture: true,
		},
		{
			ID: "cgi/client-redirect", RFC: "RFC 3875 §6.2.3",
			Title: "a script's client redirect (an absolute URI) becomes 302 Found with Location",
			Steps: simple(get("/cgi-bin/conform-client-redirect.sh"), status(302), fieldIs("Location", "http://example.com/elsewhere")), Fixture: true,
		},
		{
			ID: "cgi/status", RFC: "RFC 3875 §6.3.3",
			Title: "a script's Status field becomes the status: 404",
			Steps: simple(get("/cgi-bin/conform-status.sh"), status(404), body("no such thing\n"), noField("Status")), Fixture: true,
		},
		{
			ID: "cgi/no-content-type", RFC: "RFC 3875 §6.3.1",
			Title: "a document response without Content-Type is the script's error: 502",
			Steps: simple(get("/cgi-bin/conform-no-type.sh"), status(502)), Fixture: true,
		},
		{
			ID: "cgi/timeout", RFC: "RFC 9110 §15.6.5",
			Title: "a script that says nothing until the CGI timeout gets 504 Gateway Timeout",
			Steps: simple(get("/cgi-bin/conform-slow.sh"), status(504)), Fixture: true,
		},
	}
}
