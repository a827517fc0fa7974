// The shape of a case: the bytes a client sends, over one connection or
// several, and what must come back, written as a short script of steps.

package main

import (
	"fmt"
	"strings"
)

// host is the Host every case names: a fixed name, so that what a case
// sends, and so what comes back, does not depend on the port the server
// happens to listen on.
const host = "conform.test"

// A Group is a row of the matrix: cases about one subject, which belongs
// to the concept of one part.
type Group struct {
	Name  string // used in case ids: "framing"
	Title string // the row's label
	Part  int    // the part whose concept these cases check
}

// groups lists the rows of the matrix, in the course's order.
var groups = []Group{
	{"socket", "socket basics", 1},
	{"request-line", "request line and target", 2},
	{"fields", "header fields and Host", 2},
	{"framing", "body framing and smuggling", 2},
	{"limits", "limits", 2},
	{"response", "the response", 2},
	{"site", "the site", 2},
	{"gateway", "the gateway", 3},
	{"cgi", "CGI", 3},
	{"concurrency", "concurrency and keep-alive", 4},
}

// groupOf returns the group named name.
func groupOf(name string) Group {
	for _, g := range groups {
		if g.Name == name {
			return g
		}
	}
	panic("no group " + name)
}

// A Case is one conformance check.
type Case struct {
	ID    string // "group/name": the group is the part before the slash
	RFC   string // the section it checks: "RFC 9112 §6.1"
	Title string // what it checks, in a line
	Steps []Step

	// Superseded, when not empty, says why a later part no longer does
	// what this case checks; SupersededFrom is that part.
	Superseded     string
	SupersededFrom int

	// Fixture marks a case that needs what -all sets up beside the server
	// (CGI scripts of our own, a file outside the upload folder): against
	// a server started by hand it is skipped.
	Fixture bool
}

// Group returns the case's group.
func (c *Case) Group() Group {
	name, _, _ := strings.Cut(c.ID, "/")
	return groupOf(name)
}

// Part returns the part whose concept the case checks.
func (c *Case) Part() int { return c.Group().Part }

// stepKind is what a step does.
type stepKind int

const (
	stepOpen      stepKind = iota // open the connection, send nothing
	stepSend                      // write data in one write
	stepTrickle                   // write data one byte per write
	stepSendAsync                 // write data in the background (large bodies)
	stepHalfClose                 // close the sending side (a FIN)
	stepReset                     // close with a reset (RST)
	stepRecv                      // read a response and check it
	stepRecvStart                 // read a response's head and first chunk
	stepClosed                    // the server closes, sending nothing more
	stepPending                   // no answer yet, and still open
	stepNoFile                    // with fixtures: a file must not exist
)

// A Step is one action of a case, on one of its connections (numbered
// from 0, each opened at its first use).
type Step struct {
	kind    stepKind
	conn    int
	data    string
	head    bool // the response answers a HEAD request: no body
	interim bool // return a 1xx response instead of skipping it
	orError bool // stepClosed: the server may send an error status (4xx, 5xx) first
	checks  []Check
}

// A Check is something a response must satisfy.
type Check struct {
	Want string // what must hold, as the report says it
	test func(r *Response, v vars) error
}

// vars holds values a case saves from one response to use in a later
// request: "${lm}" in a step's data is replaced by vars["lm"].
type vars map[string]string

func (v vars) expand(s string) string {
	for k, val := range v {
		s = strings.ReplaceAll(s, "${"+k+"}", val)
	}
	return s
}

// Constructors for steps, so that a case reads as its script.

func openOn(c int) Step              { return Step{kind: stepOpen, conn: c} }
func send(data string) Step          { return Step{kind: stepSend, data: data} }
func sendOn(c int, data string) Step { return Step{kind: stepSend, conn: c, data: data} }
func trickle(data string) Step       { return Step{kind: stepTrickle, data: data} }
func sendAsync(data string) Step     { return Step{kind: stepSendAsync, data: data} }
func halfClose() Step                { return Step{kind: stepHalfClose} }
func resetOn(c int) Step             { return Step{kind: stepReset, conn: c} }
func recv(checks ...Check) Step      { return Step{kind: stepRecv, checks: checks} }
func recvOn(c int, cs ...Check) Step { return Step{kind: stepRecv, conn: c, checks: cs} }
func recvHead(checks ...Check) Step  { return Step{kind: stepRecv, head: true, checks: checks} }
func recvHeadOn(c int, cs ...Check) Step {
	return Step{kind: stepRecv, conn: c, head: true, checks: cs}
}
func recvInterim(checks ...Check) Step { return Step{kind: stepRecv, interim: true, checks: checks} }
func recvStart(checks ...Check) Step   { return Step{kind: stepRecvStart, checks: checks} }
func closed() Step                     { return Step{kind: stepClosed} }
func closedOn(c int) Step              { return Step{kind: stepClosed, conn: c} }
func closedOrError() Step              { return Step{kind: stepClosed, orError: true} }
func pendingOn(c int) Step             { return Step{kind: stepPending, conn: c} }
func noFileOutside(name string) Step   { return Step{kind: stepNoFile, data: name} }

// exchange is a request on connection c and its response.
func exchange(c int, data string, cs ...Check) []Step {
	return []Step{sendOn(c, data), recvOn(c, cs...)}
}

// steps joins steps and lists of steps into one script.
func steps(parts ...any) []Step {
	var out []Step
	for _, p := range parts {
		switch p := p.(type) {
		case Step:
			out = append(out, p)
		case []Step:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("steps: %T", p))
		}
	}
	return out
}

// want describes what a step expects, for the report.
func (s Step) want() string {
	var ws []string
	for _, c := range s.checks {
		if c.Want != "" {
			ws = append(ws, c.Want)
		}
	}
	switch s.kind {
	case stepClosed:
		w := "the connection closes"
		if s.orError {
			w += " (after an error status at most)"
		}
		ws = append(ws, w)
	case stepPending:
		ws = append(ws, fmt.Sprintf("connection %d still waits, open", s.conn))
	case stepNoFile:
		ws = append(ws, "no file "+s.data+" outside the upload folder")
	}
	return strings.Join(ws, ", ")
}

// Want describes everything a case expects, in order, for the report.
func (c *Case) Want() string {
	var ws []string
	for _, s := range c.Steps {
		if w := s.want(); w != "" {
			ws = append(ws, w)
		}
	}
	return strings.Join(ws, "; then ")
}

// get builds a GET request for target with the fixed Host and any extra
// field lines (each "Name: value").
func get(target string, fields ...string) string {
	return request("GET", target, "", fields...)
}

// request builds a request with the fixed Host, the field lines given and
// body framed by Content-Length (none when body is empty and the method
// is GET or HEAD).
func request(method, target, body string, fields ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host)
	for _, f := range fields {
		b.WriteString(f + "\r\n")
	}
	if body != "" || (method != "GET" && method != "HEAD" && method != "OPTIONS" && method != "DELETE") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.String()
}

// simple is the script of most cases: one request, one response.
func simple(raw string, checks ...Check) []Step {
	return []Step{send(raw), recv(checks...)}
}
