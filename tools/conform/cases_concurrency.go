// Concurrency, part 4's concept: many clients at once, and a connection
// that carries request after request (keep-alive, pipelining) until the
// idle timeout ends it. None of these cases sleeps to synchronise: each
// asks "has connection A been answered yet?" at the moment connection B
// has been, which a one-at-a-time server answers wrongly however fast it is.

package main

func concurrencyCases() []Case {
	return []Case{
		{
			ID: "concurrency/sleep-then-other", RFC: "RFC 9112 §9",
			Title: "while one client waits in GET /sleep?d=2s, a second connection is served, before the first",
			Steps: []Step{
				sendOn(0, get("/sleep?d=2s")),
				sendOn(1, get("/echo/other")), recvOn(1, status(200), body("other")),
				pendingOn(0),
				recvOn(0, status(200), bodyHas("slept 2s")),
			},
		},
		{
			ID: "concurrency/slow-client", RFC: "RFC 9112 §9.5",
			Title: "a client that sends half a head and waits does not keep a second client waiting",
			Steps: []Step{
				sendOn(0, "GET / HTTP/1.1\r\nHost: "+host+"\r\n"),
				sendOn(1, get("/echo/fast")), recvOn(1, status(200), body("fast")),
				pendingOn(0),
			},
		},
		{
			ID: "concurrency/keep-alive", RFC: "RFC 9112 §9.3",
			Title: "two requests on one connection: HTTP/1.1 connections persist by default",
			Steps: []Step{
				send(get("/echo/one")), recv(status(200), body("one"), keepsAlive()),
				send(get("/echo/two")), recv(status(200), body("two")),
			},
		},
		{
			ID: "concurrency/keep-alive-after-404", RFC: "RFC 9112 §9.3",
			Title: "a 404 does not end the connection",
			Steps: []Step{
				send(get("/nope.html")), recv(status(404), keepsAlive()),
				send(get("/echo/next")), recv(status(200), body("next")),
			},
		},
		{
			ID: "concurrency/keep-alive-after-body", RFC: "RFC 9112 §9.3",
			Title: "after a POST with a body, the next request on the connection starts right after the body",
			Steps: []Step{
				send(postEcho("hello")), recv(status(200), body("hello"), keepsAlive()),
				send(get("/echo/after")), recv(status(200), body("after")),
			},
		},
		{
			ID: "concurrency/keep-alive-after-chunked", RFC: "RFC 9112 §7.1",
			Title: "after a chunked request body, the next request on the connection is read right",
			Steps: []Step{
				send(rawPost("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n")), recv(status(200), body("hello"), keepsAlive()),
				send(get("/echo/after")), recv(status(200), body("after")),
			},
		},
		{
			ID: "concurrency/unread-body-not-a-request", RFC: "RFC 9112 §6.3",
			Title: "a body the handler never read (405) is skipped, never read as the next request",
			Steps: []Step{
				send(request("POST", "/about.html", smuggled, "Content-Type: text/plain") + get("/echo/real")),
				recv(status(405)),
				recv(status(200), body("real")),
			},
		},
		{
			ID: "concurrency/pipelining", RFC: "RFC 9112 §9.3.2",
			Title: "three requests sent in one write are answered, in order",
			Steps: []Step{
				send(get("/echo/1") + get("/echo/2") + get("/echo/3")),
				recv(status(200), body("1")), recv(status(200), body("2")), recv(status(200), body("3")),
			},
		},
		{
			ID: "concurrency/pipelining-head", RFC: "RFC 9112 §9.3.2",
			Title: "a HEAD between two pipelined GETs: its answer has no body, so the third is framed right",
			Steps: []Step{
				send(get("/echo/1") + request("HEAD", "/echo/2", "") + get("/echo/3")),
				recv(status(200), body("1")), recvHead(status(200)), recv(status(200), body("3")),
			},
		},
		{
			ID: "concurrency/pipelining-close", RFC: "RFC 9112 §9.6",
			Title: "pipelined, the second with Connection: close: both answered, then the close, the third never",
			Steps: []Step{
				send(get("/echo/1") + get("/echo/2", "Connection: close") + get("/echo/3")),
				recv(status(200), body("1")), recv(status(200), body("2")), closed(),
			},
		},
		{
			ID: "concurrency/http10-keep-alive", RFC: "RFC 9112 §9.3",
			Title: "an HTTP/1.0 request with Connection: keep-alive keeps the connection, and says so",
			Steps: []Step{
				send("GET /echo/one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
				recv(status(200), body("one"), fieldHas("Connection", "keep-alive")),
				send("GET /echo/two HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
				recv(status(200), body("two")),
			},
		},
		{
			ID: "concurrency/idle-timeout", RFC: "RFC 9112 §9.5",
			Title: "a kept-alive connection that stays idle is closed by the server after its idle timeout",
			Steps: []Step{send(get("/echo/idle")), recv(status(200), keepsAlive()), closed()},
		},
	}
}

// allCases returns every case, in the order of the groups.
func allCases() []Case {
	var cs []Case
	for _, f := range []func() []Case{socketCases, requestLineCases, fieldCases, framingCases, limitCases, responseCases, siteCases, gatewayCases, cgiCases, concurrencyCases} {
		cs = append(cs, f()...)
	}
	return cs
}
