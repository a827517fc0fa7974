// Socket basics, part 1's concept: a request is bytes on a stream, read up
// to the empty line that ends the head, however they arrive; a client that
// says nothing, or too much, cannot hang the server.

package main

import (
	"fmt"
	"strings"
)

// echoSuperseded is why part 1's echo cases fail on every later part.
const echoSuperseded = "part1's echo is not part2's site: from part 2 on, a request gets the site's answer, not its own head back"

func socketCases() []Case {
	hello := "GET /hello HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: conform\r\n\r\n"
	root := get("/")
	tenKB := get("/", "X-Padding: "+strings.Repeat("p", 10<<10))
	var many strings.Builder
	for i := range 100 {
		fmt.Fprintf(&many, "X-Field-%03d: %s\r\n", i, strings.Repeat("v", 90))
	}
	manyFields := "GET / HTTP/1.1\r\nHost: " + host + "\r\n" + many.String() + "\r\n"
	huge := get("/", "X-Huge: "+strings.Repeat("h", 70<<10))

	return []Case{
		{
			ID: "socket/echo", RFC: "RFC 9112 §2.1",
			Title:      "the echo server answers a request with its head, byte for byte",
			Steps:      simple(hello, status(200), body(hello)),
			Superseded: echoSuperseded, SupersededFrom: 2,
		},
		{
			ID: "socket/status-line", RFC: "RFC 9112 §4",
			Title: "the answer is an HTTP/1.1 status line with CRLF line endings (LSBAWS sent bare LFs)",
			Steps: simple(root, status(200), crlfOnly()),
		},
		{
			ID: "socket/content-length", RFC: "RFC 9112 §6.3",
			Title: "the answer says where its body ends: Content-Length (LSBAWS sent none)",
			Steps: simple(root, status(200), hasField("Content-Length"), hasField("Content-Type")),
		},
		{
			ID: "socket/one-byte-per-write", RFC: "RFC 9112 §2.2",
			Title: "a request sent one byte per write is read whole: one read is not one request (the LSBAWS recv(1024) bug)",
			Steps: []Step{trickle(root), recv(status(200))},
		},
		{
			ID: "socket/echo-one-byte-per-write", RFC: "RFC 9112 §2.2",
			Title:      "the head sent one byte per write comes back whole",
			Steps:      []Step{trickle(hello), recv(status(200), body(hello))},
			Superseded: echoSuperseded, SupersededFrom: 2,
		},
		{
			ID: "socket/split-crlf", RFC: "RFC 9112 §2.2",
			Title: "a head whose final CRLF is split across two writes is read whole",
			Steps: []Step{send(strings.TrimSuffix(root, "\n")), send("\n"), recv(status(200))},
		},
		{
			ID: "socket/head-10kb", RFC: "RFC 9112 §2.2",
			Title: "a 10 KB head (one long field) is read whole, not cut at 1024 bytes",
			Steps: simple(tenKB, status(200)),
		},
		{
			ID: "socket/head-100-fields", RFC: "RFC 9112 §2.2",
			Title: "a 10 KB head of 100 fields is read whole",
			Steps: simple(manyFields, status(200)),
		},
		{
			ID: "socket/echo-10kb", RFC: "RFC 9112 §2.2",
			Title:      "a 10 KB head comes back whole",
			Steps:      simple(manyFields, status(200), body(manyFields)),
			Superseded: echoSuperseded, SupersededFrom: 2,
		},
		{
			ID: "socket/head-over-64kb", RFC: "RFC 6585 §5",
			Title: "a head of 70 KB gets 431 Request Header Fields Too Large: the server does not buffer for ever",
			Steps: simple(huge, status(431)),
		},
		{
			ID: "socket/leading-empty-lines", RFC: "RFC 9112 §2.2",
			Title: "empty lines before the request line are ignored (a server SHOULD ignore at least one)",
			Steps: simple("\r\n\r\n"+root, status(200)),
		},
		{
			ID: "socket/bare-lf", RFC: "RFC 9112 §2.2",
			Title: "a head whose lines end in a bare LF is accepted (a recipient MAY)",
			Steps: simple(strings.ReplaceAll(root, "\r\n", "\n"), status(200)),
		},
		{
			ID: "socket/silent-client", RFC: "RFC 9112 §9.5",
			Title: "a client that connects and sends nothing is dropped after the server's read timeout",
			Steps: []Step{closedOrError()},
		},
		{
			ID: "socket/partial-head", RFC: "RFC 9112 §9.5",
			Title: "a client that stops in the middle of its head is dropped, without an answer to a request it never finished",
			Steps: []Step{send(strings.TrimSuffix(root, "\r\n")), closedOrError()},
		},
		{
			ID: "socket/silent-then-next", RFC: "RFC 9112 §9.5",
			Title: "after a silent client, the next client is served: the accept loop goes on",
			Steps: []Step{openOn(0), sendOn(1, root), recvOn(1, status(200)), closedOn(0)},
		},
		{
			ID: "socket/reset-then-next", RFC: "RFC 9293 §3.5.3",
			Title: "a client that resets its connection mid-head does not stop the server: the next one is served",
			Steps: []Step{sendOn(0, "GET / HT"), resetOn(0), sendOn(1, root), recvOn(1, status(200))},
		},
		{
			ID: "socket/half-close", RFC: "RFC 9293 §3.6",
			Title: "a client that sends its request and then closes its sending side still gets the answer",
			Steps: []Step{send(root), halfClose(), recv(status(200))},
		},
		{
			ID: "socket/unread-body", RFC: "RFC 9112 §9.6",
			Title: "a request with a 100 KB body gets a whole answer, not a reset: the server drains what it did not read before it closes",
			Steps: simple(request("POST", "/", strings.Repeat("b", 100<<10), "Content-Type: text/plain")),
		},
		{
			ID: "socket/backlog", RFC: "RFC 9293 §3.10.1",
			Title: "four clients that connect at once are all answered: those waiting sit in the listen backlog",
			Steps: steps(openOn(0), openOn(1), openOn(2), openOn(3),
				sendOn(0, root), sendOn(1, root), sendOn(2, root), sendOn(3, root),
				recvOn(0, status(200)), recvOn(1, status(200)), recvOn(2, status(200)), recvOn(3, status(200))),
		},
		{
			ID: "socket/ten-in-a-row", RFC: "RFC 9112 §9.6",
			Title: "ten clients one after the other are each answered, each on its own connection",
			Steps: tenInARow(root),
		},
	}
}

// tenInARow is ten exchanges, each on a new connection.
func tenInARow(raw string) []Step {
	var s []Step
	for i := range 10 {
		s = append(s, exchange(i, raw, status(200))...)
	}
	return s
}
