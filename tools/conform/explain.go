// Why a part fails a case: the concept comes later, part 1's echo was
// replaced by the site, or a known difference explained here. A failure
// with none of these reasons is a bug, and CI says so.

package main

import (
	"fmt"
	"slices"
	"strings"
)

// A Column is a server the cases run against: a part, or net/http's
// server running part 4's site, the reference.
type Column struct {
	Name string // "part1" … "part4", "part4 epoll", "net/http"
	Part int    // the concepts it has: those of parts 1 to Part
}

// reference is the name of the net/http column.
const reference = "net/http"

// epollColumn is part 4 in its event loop model (-model epoll).
const epollColumn = "part4 epoll"

// Verdict is what a result means for a column.
type Verdict int

const (
	Passed      Verdict = iota
	Later               // the case's concept comes in a later part
	Superseded          // a later part replaced what the case checks
	Explained           // a known difference, listed in explained
	KnownBug            // a bug reported and not yet fixed, listed in knownBugs
	Unexplained         // a bug, or a difference nobody has explained
	Skipped             // the case needs fixtures the run does not have
)

// explained lists the known differences: case id, then column, then why
// the column answers differently from what the case wants. Each is a
// choice the RFC leaves open, or a limit of the reference or of a part
// that its notes explain. An entry for a case the column passes is stale,
// and -check says so, so the list never lies.
var explained = map[string]map[string]string{
	"socket/head-over-64kb": {
		reference: "net/http allows a head of up to 1 MiB (http.DefaultMaxHeaderBytes; the part sets no MaxHeaderBytes), so 70 KB is served; RFC 6585 §5 leaves the limit to the server",
	},
	"socket/leading-empty-lines": {
		reference: "net/http answers 400 to empty lines before the request line (it skips them only after a POST); RFC 9112 §2.2 says a server SHOULD ignore at least one",
	},
	"request-line/fragment": {
		reference: "net/http keeps a '#' in the path instead of refusing it; RFC 9112 §3.2 has no fragment in a request-target",
	},
	"request-line/non-ascii-target": {
		reference: "net/http lets a raw byte above 0x7F through in the target; RFC 3986 §2 wants it percent-encoded",
	},
	"request-line/userinfo": {
		reference: "net/http accepts userinfo (user@) in an absolute-form target; RFC 9110 §4.2.4 says a recipient SHOULD treat it as an error",
	},
	"framing/cl-and-te": {
		reference: "net/http reads the chunked body and drops Content-Length, as RFC 9112 §6.1 allows, but keeps the connection open and answers the request that follows, which a front end reading Content-Length took for body: RFC 9112 §6.1 says the server MUST close after responding",
	},
	"framing/te-and-cl": {
		reference: "as framing/cl-and-te: chunked wins, but the connection stays open and the next request is answered (RFC 9112 §6.1: MUST close)",
	},
	"framing/te-not-chunked": {
		reference: "net/http answers 501 to any Transfer-Encoding but chunked (RFC 9112 §6.1: SHOULD 501 for a coding the server does not understand), where §6.3 says 400 and close when chunked is not the final coding",
	},
	"framing/te-xchunked": {
		reference: "net/http answers 501 (a coding it does not implement, RFC 9112 §6.1) where §6.3 says 400: chunked is not the final coding",
	},
	"framing/te-chunked-twice": {
		reference: "net/http answers 501 to any Transfer-Encoding but a single chunked; RFC 9112 §7 forbids chunked twice, a malformed request: 400",
	},
	"limits/uri-too-long": {
		reference: "net/http has no limit of its own on the request line but the 1 MiB of the whole head (http.DefaultMaxHeaderBytes): a 20 KB target is served",
	},
	"limits/field-too-long": {
		reference: "net/http limits the whole head to 1 MiB, not a field line to 16 KiB: a 20 KB field is served",
	},
	"limits/header-too-large": {
		reference: "net/http limits the whole head to 1 MiB: an 80 KB header section is served",
	},
}

// knownBugs lists the failures that are bugs in a part, found by these
// cases and reported, not yet fixed: case id, then column, then what is
// wrong. They count as explained so that CI passes until the fix lands;
// -check then finds the entry stale and asks for its removal.
var knownBugs = map[string]map[string]string{
	// None open. The cases found one: the site's POST /echo of parts 3
	// and 4 ignored the error of io.Copy (a malformed or cut-short body
	// was answered 200 with what had been read), and on net/http's server
	// the echo stopped at 4005 of 5000 bytes without full duplex. Fixed in
	// echoBody; TestEchoReportsBodyErrors keeps it fixed.
}

// classify returns what res means for col, and the reason for a failure.
func classify(col Column, res Result) (Verdict, string) {
	c := res.Case
	switch {
	case res.Outcome == Skip:
		return Skipped, res.Got
	case res.Outcome == Pass:
		return Passed, ""
	case c.Part() > col.Part:
		return Later, fmt.Sprintf("its concept comes later (part %d)", c.Part())
	case c.Superseded != "" && col.Part >= c.SupersededFrom:
		return Superseded, c.Superseded
	}
	if why, ok := explained[c.ID][col.Name]; ok {
		return Explained, why
	}
	if why, ok := knownBugs[c.ID][col.Name]; ok {
		return KnownBug, why
	}
	return Unexplained, "not explained: a bug, or a difference to explain in tools/conform/explain.go"
}

// staleExplanations lists the entries of explained that no longer explain
// a failure: the case is gone, or the column now passes it.
func staleExplanations(results map[string][]Result) []string {
	byID := map[string]bool{}
	for _, c := range allCases() {
		byID[c.ID] = true
	}
	var stale []string
	for id, cols := range mergeTables(explained, knownBugs) {
		for col, why := range cols {
			if !byID[id] {
				stale = append(stale, fmt.Sprintf("%s (%s): no such case", id, col))
				continue
			}
			rs, ran := results[col]
			if !ran {
				continue
			}
			for _, r := range rs {
				if r.Case.ID == id && r.Outcome == Pass {
					stale = append(stale, fmt.Sprintf("%s (%s): passes now; the explanation %q is stale", id, col, clip(why, 60)))
				}
			}
		}
	}
	slices.Sort(stale)
	return stale
}

// columnFor returns the column named by -part: "1" … "4" or "net/http".
func columnFor(name string) (Column, error) {
	if name == reference {
		return Column{reference, 4}, nil
	}
	name = strings.TrimPrefix(name, "part")
	if len(name) == 1 && name[0] >= '1' && name[0] <= '9' {
		return Column{"part" + name, int(name[0] - '0')}, nil
	}
	return Column{}, fmt.Errorf("-part %q: use a part number (1 to 4) or %s", name, reference)
}

// mergeTables returns the entries of both tables in one.
func mergeTables(a, b map[string]map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, t := range []map[string]map[string]string{a, b} {
		for id, cols := range t {
			if out[id] == nil {
				out[id] = map[string]string{}
			}
			for col, why := range cols {
				out[id][col] = why
			}
		}
	}
	return out
}
