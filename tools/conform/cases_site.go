// The demo site, part 2's on: static pages that never leak a file from
// outside, the endpoints that show what the server parsed, state in a
// cookie (RFC 6265), uploads, and the methods each path takes.

package main

// sentinel is the content of the file -all puts beside the upload folder:
// if it ever comes back, a request got out of the folder.
const sentinel = "conform-sentinel"

// passwd is what /etc/passwd starts with: it must never come back.
const passwd = "root:x:0:0"

// noLeak is what a traversal attempt must get: no page, and nothing of
// the files it aimed at. A redirect is fine as long as it stays on the
// site (the redirect is to a clean path, which is then looked up).
func noLeak() []Check {
	return []Check{status(301, 307, 308, 400, 404), bodyLacks(passwd, sentinel), fieldLacks("Location", "..")}
}

func staticCases() []Case {
	return []Case{
		{
			ID: "site/style", RFC: "RFC 9110 §8.3",
			Title: "the stylesheet is served as text/css",
			Steps: simple(get("/style.css"), status(200), fieldHas("Content-Type", "text/css"), bodyHas("{")),
		},
		{
			ID: "site/image", RFC: "RFC 9110 §8.3",
			Title: "the image is served as image/png, bytes intact",
			Steps: simple(get("/images/socket.png"), status(200), fieldHas("Content-Type", "image/png"), bodyPrefix("\x89PNG\r\n\x1a\n")),
		},
		{
			ID: "site/about", RFC: "RFC 9110 §8.3",
			Title: "the about page is served as text/html",
			Steps: simple(get("/about.html"), status(200), fieldHas("Content-Type", "text/html"), bodyHas("<title>")),
		},
		{
			ID: "site/last-modified", RFC: "RFC 9110 §8.8.2",
			Title: "a page carries Last-Modified",
			Steps: simple(get("/style.css"), status(200), hasField("Last-Modified")),
		},
		{
			ID: "site/not-found", RFC: "RFC 9110 §15.5.5",
			Title: "a page that does not exist gets 404",
			Steps: simple(get("/nope.html"), status(404)),
		},
		{
			ID: "site/dot-file", RFC: "RFC 9110 §15.5.5",
			Title: "a name starting with a dot (.env, .git/config) is never served",
			Steps: steps(exchange(0, get("/.env"), status(404)), exchange(1, get("/.git/config"), status(404))),
		},
		{
			ID: "site/clean-path", RFC: "RFC 3986 §5.2.4",
			Title: "a path with dot-segments is redirected to the clean one: /./x/../about.html to /about.html",
			Steps: simple(get("/./x/../about.html"), status(301, 307, 308), fieldIs("Location", "/about.html")),
		},
		{
			ID: "site/traversal-dotdot", RFC: "RFC 3986 §5.2.4",
			Title: "/../../../../etc/passwd: refused or not found, nothing outside served",
			Steps: simple(get("/../../../../etc/passwd"), noLeak()...),
		},
		{
			ID: "site/traversal-encoded-dots", RFC: "RFC 3986 §2.1",
			Title: "/%2e%2e/%2e%2e/etc/passwd: the decoded dots do not climb out either",
			Steps: simple(get("/%2e%2e/%2e%2e/%2e%2e/etc/passwd"), noLeak()...),
		},
		{
			ID: "site/traversal-encoded-slash", RFC: "RFC 3986 §2.1",
			Title: "/..%2f..%2fetc%2fpasswd: an encoded slash is no way out",
			Steps: simple(get("/..%2f..%2f..%2fetc%2fpasswd"), noLeak()...),
		},
		{
			ID: "site/traversal-backslash", RFC: "RFC 3986 §3.3",
			Title: "/..\\..\\etc\\passwd: a backslash is not a separator",
			Steps: simple(get(`/..\..\..\etc\passwd`), noLeak()...),
		},
		{
			ID: "site/traversal-double-encoded", RFC: "RFC 3986 §2.4",
			Title: "/%252e%252e/etc/passwd: decoded once, not twice",
			Steps: simple(get("/%252e%252e/%252e%252e/etc/passwd"), noLeak()...),
		},
		{
			ID: "site/no-open-redirect", RFC: "RFC 9110 §10.2.2",
			Title: "//evil.example/../images/ is redirected within the site, never to another host",
			Steps: simple(get("//evil.example/../images/"), fieldLacks("Location", "evil.example"), fieldLacks("Location", "//")),
		},
	}
}

func endpointCases() []Case {
	return []Case{
		{
			ID: "site/echo-text", RFC: "RFC 9110 §15.3.1",
			Title: "GET /echo/hello answers hello as text/plain",
			Steps: simple(get("/echo/hello"), status(200), body("hello"), fieldHas("Content-Type", "text/plain")),
		},
		{
			ID: "site/echo-post", RFC: "RFC 9110 §8.3",
			Title: "POST /echo answers the body with the request's Content-Type",
			Steps: simple(request("POST", "/echo", `{"a":1}`, "Content-Type: application/json"),
				status(200), body(`{"a":1}`), fieldHas("Content-Type", "application/json")),
		},
		{
			ID: "site/user-agent", RFC: "RFC 9110 §10.1.5",
			Title: "GET /user-agent answers the User-Agent value, nothing added",
			Steps: simple(get("/user-agent", "User-Agent: conform/1.0 (scoreboard)"), status(200), body("conform/1.0 (scoreboard)")),
		},
		{
			ID: "site/request", RFC: "RFC 9112 §3",
			Title: "GET /request shows what the server parsed",
			Steps: simple(get("/request?x=1", "X-Shown: yes"), status(200), bodyHas("method:  GET", "path:    /request", "X-Shown: yes")),
		},
		{
			ID: "site/request-chunked", RFC: "RFC 9112 §7.1",
			Title: "POST /request with a chunked body shows its length and framing",
			Steps: simple("POST /request HTTP/1.1\r\nHost: "+host+"\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
				status(200), bodyHas("5 bytes (framing: chunked)")),
		},
		{
			ID: "site/method-not-allowed", RFC: "RFC 9110 §15.5.6",
			Title: "DELETE /about.html gets 405 with an Allow field (a server MUST send it)",
			Steps: simple(request("DELETE", "/about.html", ""), status(405), fieldHas("Allow", "GET", "HEAD")),
		},
		{
			ID: "site/post-static", RFC: "RFC 9110 §15.5.6",
			Title: "POST /about.html gets 405 with Allow",
			Steps: simple(request("POST", "/about.html", "x"), status(405), fieldHas("Allow", "GET")),
		},
		{
			ID: "site/put-echo-text", RFC: "RFC 9110 §15.5.6",
			Title: "PUT /echo/x (a GET-only resource) gets 405 with Allow",
			Steps: simple(request("PUT", "/echo/x", "x"), status(405), fieldHas("Allow", "GET", "HEAD")),
		},
		{
			ID: "site/echo-bad-body", RFC: "RFC 9112 §7.1",
			Title: "POST /echo whose chunked body is malformed is not answered 200 with what was read of it",
			Steps: simple(rawPost("Transfer-Encoding: chunked\r\n", "zz\r\nhello\r\n0\r\n\r\n"), notSuccess()),
		},
		{
			ID: "site/echo-short-body", RFC: "RFC 9112 §8",
			Title: "POST /echo whose body stops short of its Content-Length is not answered 200 as if it were whole",
			Steps: []Step{send(rawPost("Content-Length: 10\r\n", "hello")), closedOrError()},
		},
		{
			ID: "site/options", RFC: "RFC 9110 §9.3.7",
			Title: "OPTIONS /echo/x gets 204 with the methods the path takes",
			Steps: simple(request("OPTIONS", "/echo/x", ""), status(200, 204), fieldHas("Allow", "GET", "HEAD", "OPTIONS")),
		},
		{
			ID: "site/options-files", RFC: "RFC 9110 §9.3.7",
			Title: "OPTIONS /files/x lists PUT and DELETE too",
			Steps: simple(request("OPTIONS", "/files/x", ""), status(200, 204), fieldHas("Allow", "GET", "PUT", "DELETE")),
		},
		{
			ID: "site/head-dynamic", RFC: "RFC 9110 §9.3.2",
			Title: "HEAD /echo/hi: GET's fields, no body",
			Steps: []Step{send(request("HEAD", "/echo/hi", "", "Connection: close")), recvHead(status(200), fieldHas("Content-Type", "text/plain")), closed()},
		},
	}
}

func cookieCases() []Case {
	return []Case{
		{
			ID: "site/visits-first", RFC: "RFC 6265 §4.1",
			Title: "the first GET /visits sets the cookie visits=1",
			Steps: simple(get("/visits"), status(200), fieldHas("Set-Cookie", "visits=1"), body("visits: 1\n")),
		},
		{
			ID: "site/visits-count", RFC: "RFC 6265 §4.2",
			Title: "the cookie the client sends back is counted on: visits=41 becomes 42",
			Steps: simple(get("/visits", "Cookie: visits=41"), status(200), fieldHas("Set-Cookie", "visits=42"), body("visits: 42\n")),
		},
		{
			ID: "site/visits-among-others", RFC: "RFC 6265 §4.2.1",
			Title: "the visits cookie is found among others in \"a=1; visits=5; b=2\"",
			Steps: simple(get("/visits", "Cookie: a=1; visits=5; b=2"), status(200), body("visits: 6\n")),
		},
		{
			ID: "site/visits-attributes", RFC: "RFC 6265 §4.1.2",
			Title: "the cookie is scoped and protected: Path=/visits, Max-Age, HttpOnly",
			Steps: simple(get("/visits"), status(200), fieldHas("Set-Cookie", "Path=/visits", "Max-Age=86400", "HttpOnly")),
		},
		{
			ID: "site/visits-garbage", RFC: "RFC 6265 §4.2.2",
			Title: "a cookie that is not a count starts again at 1",
			Steps: simple(get("/visits", "Cookie: visits=abc"), status(200), body("visits: 1\n")),
		},
		{
			ID: "site/visits-overflow", RFC: "RFC 6265 §4.2.2",
			Title: "visits=9223372036854775807 does not wrap round to a negative count",
			Steps: simple(get("/visits", "Cookie: visits=9223372036854775807"), status(200), bodyLacks("-"), fieldLacks("Set-Cookie", "visits=-")),
		},
		{
			ID: "site/visits-head", RFC: "RFC 9110 §9.3.2",
			Title: "HEAD /visits gets the Set-Cookie a GET would get",
			Steps: []Step{send(request("HEAD", "/visits", "")), recvHead(status(200), fieldHas("Set-Cookie", "visits=1"))},
		},
	}
}

func fileCases() []Case {
	put := func(name, data string, fields ...string) string {
		return request("PUT", "/files/"+name, data, append([]string{"Content-Type: text/plain"}, fields...)...)
	}
	return []Case{
		{
			ID: "site/put-create", RFC: "RFC 9110 §9.3.4",
			Title: "PUT /files/NAME creates the file: 201 Created with Location",
			Steps: steps(exchange(0, request("DELETE", "/files/conform-create.txt", "")),
				exchange(1, put("conform-create.txt", "created"), status(201), fieldIs("Location", "/files/conform-create.txt"))),
		},
		{
			ID: "site/put-replace", RFC: "RFC 9110 §9.3.4",
			Title: "PUT over an existing file replaces it: 204 (or 200)",
			Steps: steps(exchange(0, put("conform-replace.txt", "one"), success()),
				exchange(1, put("conform-replace.txt", "two"), status(200, 204))),
		},
		{
			ID: "site/put-get", RFC: "RFC 9110 §9.3.1",
			Title: "what PUT stored, GET reads back as application/octet-stream",
			Steps: steps(exchange(0, put("conform-read.txt", "stored bytes\n"), success()),
				exchange(1, get("/files/conform-read.txt"), status(200), body("stored bytes\n"), fieldHas("Content-Type", "application/octet-stream"))),
		},
		{
			ID: "site/delete", RFC: "RFC 9110 §9.3.5",
			Title: "DELETE removes a stored file (204), and then GET gets 404",
			Steps: steps(exchange(0, put("conform-delete.txt", "x"), success()),
				exchange(1, request("DELETE", "/files/conform-delete.txt", ""), status(204)),
				exchange(2, get("/files/conform-delete.txt"), status(404))),
		},
		{
			ID: "site/files-list", RFC: "RFC 9110 §9.3.1",
			Title: "GET /files/ lists the stored names",
			Steps: steps(exchange(0, put("conform-listed.txt", "x"), success()),
				exchange(1, get("/files/"), status(200), bodyHas("conform-listed.txt\n"))),
		},
		{
			ID: "site/files-missing", RFC: "RFC 9110 §15.5.5",
			Title: "GET of a file never stored gets 404",
			Steps: simple(get("/files/conform-never-stored.txt"), status(404)),
		},
		{
			ID: "site/files-dot-name", RFC: "RFC 9110 §15.5.1",
			Title: "PUT /files/.env: a name starting with a dot is refused with 400",
			Steps: simple(put(".env", "SECRET=1"), status(400)),
		},
		{
			ID: "site/files-traversal-put", RFC: "RFC 3986 §2.1",
			Title: "PUT /files/..%2fescape.txt stores nothing outside the upload folder",
			Steps: steps(exchange(0, put("..%2fescape.txt", "out"), notSuccess()), noFileOutside("escape.txt")),
		},
		{
			ID: "site/files-traversal-dotdot", RFC: "RFC 3986 §5.2.4",
			Title: "PUT /files/../escape2.txt stores nothing outside the upload folder",
			Steps: steps(exchange(0, put("../escape2.txt", "out"), notSuccess()), noFileOutside("escape2.txt")),
		},
		{
			ID: "site/files-traversal-get", RFC: "RFC 3986 §2.1",
			Title: "GET /files/..%2fsecret.txt reads nothing from outside the upload folder",
			Steps: simple(get("/files/..%2fsecret.txt"), notSuccess(), bodyLacks(sentinel)),
		},
		{
			ID: "site/cross-site-put", RFC: "RFC 9110 §15.5.4",
			Title: "a PUT a browser marks Sec-Fetch-Site: cross-site is refused with 403",
			Steps: simple(put("conform-csrf.txt", "x", "Sec-Fetch-Site: cross-site"), status(403)),
		},
		{
			ID: "site/cross-origin-post", RFC: "RFC 9110 §15.5.4",
			Title: "a POST whose Origin is another site is refused with 403",
			Steps: simple(postEcho("x", "Origin: http://evil.example"), status(403)),
		},
		{
			ID: "site/same-origin-put", RFC: "RFC 9110 §9.3.4",
			Title: "a PUT marked Sec-Fetch-Site: same-origin is let through",
			Steps: simple(put("conform-same.txt", "x", "Sec-Fetch-Site: same-origin"), success()),
		},
	}
}

func siteCases() []Case {
	var cs []Case
	for _, f := range []func() []Case{staticCases, endpointCases, cookieCases, fileCases} {
		cs = append(cs, f()...)
	}
	return cs
}
