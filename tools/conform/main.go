// Command conform is the course's conformance scoreboard: raw-socket cases
// written from the RFCs (RFC 9112 and RFC 9110 for HTTP/1.1, RFC 6265 for
// cookies, RFC 3875 for CGI), each the exact bytes a client sends and what
// must come back, run against any server or against every part.
//
// Run it from the repository root:
//
//	go run ./tools/conform -addr 127.0.0.1:8888 -part 4   # a server you started
//	go run ./tools/conform -all                           # every part; writes docs/conformance.md
//	go run ./tools/conform -all -check                    # what CI runs
//
// With -part N, a failure is judged as for part N: a case whose concept
// comes later, or a known difference (explain.go), is not an error.
// Without it, every failure is.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"time"
)

// docPath is where -all writes the scoreboard, from the repository root.
const docPath = "docs/conformance.md"

func main() {
	addr := flag.String("addr", "", "run the cases against the server at `HOST:PORT`")
	part := flag.String("part", "", "with -addr: judge failures as for part `N` (1 to 4, or net/http)")
	runAllFlag := flag.Bool("all", false, "build and run every part and net/http, and write "+docPath)
	check := flag.Bool("check", false, "with -all: write nothing; fail if a part fails a case it should pass, or if "+docPath+" is stale")
	run := flag.String("run", "", "run only the cases whose id matches `REGEXP`")
	verbose := flag.Bool("v", false, "print every failure with its transcript, not only those that are errors")
	wait := flag.Duration("wait", 5*time.Second, "how long a case waits for each response or close")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("conform: ")

	cases := allCases()
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			log.Fatalf("-run: %v", err)
		}
		var kept []Case
		for _, c := range cases {
			if re.MatchString(c.ID) {
				kept = append(kept, c)
			}
		}
		cases = kept
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var ok bool
	switch {
	case *runAllFlag:
		ok = mainAll(ctx, cases, *wait, *check, *run != "", *verbose)
	case *addr != "":
		ok = mainAddr(*addr, *part, cases, *wait, *verbose)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// mainAddr runs the cases against one server and prints its failures.
func mainAddr(addr, part string, cases []Case, wait time.Duration, verbose bool) bool {
	col := Column{Name: "the server", Part: 99}
	judged := part != ""
	if judged {
		var err error
		if col, err = columnFor(part); err != nil {
			log.Fatal(err)
		}
	}
	r := &Runner{Addr: addr, Wait: wait}
	var results []Result
	for i := range cases {
		results = append(results, r.Run(&cases[i]))
	}
	return report(os.Stdout, col, results, judged, verbose)
}

// report prints a column's failures and a summary line, and reports
// whether none of them is an error. Unless judged, every failure is one.
func report(w io.Writer, col Column, results []Result, judged, verbose bool) bool {
	counts := map[Verdict]int{}
	for _, res := range results {
		v, why := classify(col, res)
		if !judged && (v == Later || v == Superseded || v == Explained || v == KnownBug) {
			v, why = Unexplained, ""
		}
		counts[v]++
		if v == Unexplained || (verbose && v != Passed && v != Skipped) {
			printFailure(w, col, res, why)
		}
	}
	fmt.Fprintf(w, "%s: %d of %d cases passed", col.Name, counts[Passed], len(results)-counts[Skipped])
	var notes []string
	for _, n := range []struct {
		v    Verdict
		name string
	}{{Later, "concept later"}, {Superseded, "superseded"}, {Explained, "known differences"}, {KnownBug, "known bugs"}, {Skipped, "skipped, needing -all's fixtures"}, {Unexplained, "FAILED"}} {
		if counts[n.v] > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d", n.name, counts[n.v]))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(notes, ", "))
	}
	fmt.Fprintln(w)
	return counts[Unexplained] == 0
}

// printFailure prints what a case wanted, what came back and why.
func printFailure(w io.Writer, col Column, res Result, why string) {
	c := res.Case
	fmt.Fprintf(w, "FAIL %s %s (%s, part %d)\n", col.Name, c.ID, c.RFC, c.Part())
	fmt.Fprintf(w, "  checks: %s\n  wants:  %s\n  got:    %s\n", c.Title, c.Want(), res.Got)
	if why != "" {
		fmt.Fprintf(w, "  why:    %s\n", why)
	}
	fmt.Fprintf(w, "  transcript:\n%s\n", indent(res.Transcript, "    "))
}

// mainAll runs every part, then writes or checks docs/conformance.md.
func mainAll(ctx context.Context, cases []Case, wait time.Duration, check, partial, verbose bool) bool {
	start := time.Now()
	sb, err := runAll(ctx, ".", cases, wait, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	ok := true
	for _, col := range sb.Columns {
		if !report(os.Stdout, col, sb.Results[col.Name], true, verbose) {
			// What the server printed often says why it answered so.
			fmt.Printf("%s's last log lines:\n%s\n", col.Name, indent(lastLines(sb.Logs[col.Name], 30), "    "))
			ok = false
		}
	}
	if partial {
		// A subset of the cases makes a partial scoreboard: never written.
		fmt.Printf("(-run: %s left as it is)\n", docPath)
		return ok
	}
	for _, s := range staleExplanations(sb.Results) {
		fmt.Printf("stale explanation in tools/conform/explain.go: %s\n", s)
		ok = false
	}
	doc := sb.Markdown()
	if check {
		have, _ := os.ReadFile(docPath)
		if !bytes.Equal(have, doc) {
			fmt.Printf("stale: %s (run: go run ./tools/conform -all)\n", docPath)
			ok = false
		}
	} else if err := os.WriteFile(docPath, doc, 0o644); err != nil {
		log.Fatal(err)
	} else {
		fmt.Printf("wrote %s\n", docPath)
	}
	fmt.Fprintf(os.Stderr, "conform: -all took %v\n", time.Since(start).Round(100*time.Millisecond))
	if !ok {
		fmt.Println("conform: a part fails a case of its own concept or of an earlier part's, unexplained (see FAIL above), or the scoreboard is stale")
	}
	return ok
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
