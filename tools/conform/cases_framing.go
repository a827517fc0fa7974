// The HTTP message, part 2's concept, continued: how a body is framed, and
// the framings that smuggle a second request past a proxy.

package main

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
