// The stage diffs (docs/diffs) and the "What changed" tables of the
// notes, both from git's diff of one part to the next.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"example.com/webserver/tools/internal/course"
)

// changesTables holds, for each part but the first, the table that a
// <!-- changes --> line of its notes gets (generate fills it).
var changesTables map[string]string

// A fileNote names files of a stage's diff (a path, or a folder for all
// under it) and the concept they serve, as the "What changed" table of the
// notes says it.
type fileNote struct{ pattern, concept string }

// readingOrder lists, for each part, the files of the diff that leads to
// it in the order its notes read them: the concept first. What no entry
// names follows, then the tests, the commands under cmd/ and the module
// files, last.
var readingOrder = map[string][]fileNote{
	"part2-http": {
		{"request.go", "the parser: the request line, the target, the limits"},
		{"header.go", "the header fields, read and checked"},
		{"body.go", "the body: its framing (Content-Length or chunked), read whole"},
		{"response.go", "the response: status line, fields and body, in one writev"},
		{"server.go", "serveConn: read a request, hand it to the site, answer, close"},
		{"site.go", "the demo site: pages, echo, the request, cookies, files"},
		{"site", "the pages, built into the binary"},
		{"main.go", "the flags: -root, -files, -write-timeout"},
	},
	"part3-gateway": {
		{"site", "the site: an ordinary net/http application, a package of its own"},
		{"middleware", "the access log and gzip: http.Handlers around the site"},
		{"gateway.go", "the gateway: the *http.Request built, the handler called"},
		{"requestbody.go", "r.Body: the body as a stream, 100 Continue on the first read"},
		{"responsewriter.go", "the ResponseWriter a handler writes to"},
		{"framing.go", "the head, framed as net/http frames it"},
		{"clientwatch.go", "the request's context ends when the client leaves"},
		{"server.go", "the server: a request's head parsed, the rest to the gateway"},
		{"cgi", "the CGI host (RFC 3875): scripts behind the same gateway"},
		{"cgi-bin", "the CGI scripts"},
		{"main.go", "the flags: -server, -router, -cgi-bin, -cgi-timeout"},
		{"body.go", "the body read as a stream, not whole"},
		{"response.go", "the server's own answers: refusals"},
		{"request.go", "the parsed request holds no body: the handler reads it"},
	},
	"part4-concurrency": {
		{"server.go", "the accept loop, serve (the models), serveConn (keep-alive, timeouts)"},
		{"cap.go", "-max-conns, and idle connections giving way at it"},
		{"shutdown.go", "Shutdown and Close"},
		{"process.go", "the process model: re-exec, descriptors, reaping"},
		{"process_other.go", "the process model's stand-ins where there is no Unix"},
		{"eventloop_linux.go", "the epoll model: the loops, a connection's states"},
		{"looptimers_linux.go", "the epoll model's timers: one heap per loop, epoll_wait's timeout"},
		{"pollconn_linux.go", "the epoll model's connection: reads and writes that wait on the loop; Hijack"},
		{"eventloop_other.go", "the epoll model's stand-ins where there is no Linux"},
		{"framing.go", "connection: whether the connection stays open"},
		{"keepalive.go", "keep-alive and pipelining: whether the connection carries the next request, and whether it is here"},
		{"requestbody.go", "drain: the unread body read away for the next request"},
		{"responsewriter.go", "Hijack, EnableFullDuplex, keep-alive state"},
		{"gateway.go", "a request on a connection that carries many"},
		{"main.go", "the flags: -model, the timeouts, -max-conns; graceful shutdown"},
		{"site/websocket.go", "WebSocket through Hijack: /ws/echo and /chat"},
		{"site/hub.go", "the chat's hub: one process's members, and the fan-out"},
		{"site/chat.html", "the chat's page"},
		{"site", "GET /sleep, the slow handler; the WebSocket routes"},
		{"middleware", "101 Switching Protocols ends a response: logged, never gzipped"},
		{"freelist.go", "speed: buffers in free lists between requests"},
		{"lazywatch.go", "speed: the client watch, begun only when asked"},
		{"clientwatch.go", "replaced by lazywatch.go"},
		{"cmd/load", "the load client"},
		{"cmd/chat", "the chat from a terminal"},
		{"response.go", "the Server field names part 4"},
	},
}

// diffParts returns the diff from part a to part b, lesson notes left out,
// as git shows it: a file that moved shows as a move with its changes
// (rename from, rename to), not as a deletion and an addition. Files come
// in the order b's notes read them (readingOrder). It commits a's files to
// a scratch repository, puts b's in their place, and asks git for the
// diff, with a/ and b/ labels that name the parts.
func diffParts(root, a, b string) ([]byte, error) {
	d, _, err := stageDiff(root, a, b)
	if err != nil {
		return nil, err
	}
	return diffText(a, b, d), nil
}

// diffText is the file docs/diffs holds for git's diff d from a to b.
func diffText(a, b string, d []byte) []byte {
	var out bytes.Buffer
	fmt.Fprintf(&out, "# What %s adds to %s: the code, file by file, in the order the notes read it (the notes are in %s/README.md).\n", b, a, b)
	fmt.Fprintf(&out, "# Generated by go run ./tools/gendocs; do not edit.\n")
	out.Write(d)
	return out.Bytes()
}

// stageDiff returns git's diff from part a to part b, and its --numstat
// (a line per file: lines added, removed, the path).
func stageDiff(root, a, b string) (diff, numstat []byte, err error) {
	tmp, err := os.MkdirTemp("", "gendocs-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	repo := filepath.Join(tmp, "repo")
	git := func(args ...string) ([]byte, error) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=gendocs", "-c", "user.email=gendocs@localhost",
			"-c", "core.autocrlf=false", "-c", "diff.noprefix=false"}, args...)...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
		out, err := cmd.Output()
		if err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				err = fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, exit.Stderr)
			}
		}
		return out, err
	}
	if err := copyPart(filepath.Join(root, a), repo); err != nil {
		return nil, nil, err
	}
	if _, err := git("init", "-q"); err != nil {
		return nil, nil, err
	}
	if _, err := git("add", "-A"); err != nil {
		return nil, nil, err
	}
	if _, err := git("commit", "-q", "-m", a); err != nil {
		return nil, nil, err
	}
	if _, err := git("rm", "-q", "-r", "."); err != nil {
		return nil, nil, err
	}
	if err := copyPart(filepath.Join(root, b), repo); err != nil {
		return nil, nil, err
	}
	if _, err := git("add", "-A"); err != nil {
		return nil, nil, err
	}
	names, err := git("ls-files", "--cached")
	if err != nil {
		return nil, nil, err
	}
	gone, err := git("diff", "--cached", "--name-only", "--diff-filter=D")
	if err != nil {
		return nil, nil, err
	}
	order := filepath.Join(tmp, "order")
	files := strings.Fields(string(names) + " " + string(gone))
	if err := os.WriteFile(order, []byte(strings.Join(orderFor(b, files), "\n")+"\n"), 0o644); err != nil {
		return nil, nil, err
	}
	// -M15%: a file that moved and changed much still shows as a move.
	// site.go, which became the package site/ in part 3 (a new package
	// clause, its pages embedded, handlers of http.Handler's shape), keeps
	// 16% of its lines; no two other files of any stage are that alike.
	diff, err = git("diff", "--cached", "-M15%", "-O"+order, "--no-color", "--src-prefix=a/"+a+"/", "--dst-prefix=b/"+b+"/")
	if err != nil {
		return nil, nil, err
	}
	numstat, err = git("diff", "--cached", "-M15%", "-O"+order, "--numstat")
	return diff, numstat, err
}

// changesTable returns the "What changed" table of the diff that leads to
// part b: each file with the lines it adds and removes, and the concept it
// serves (readingOrder), in the order the notes read them. A file that
// readingOrder gives no concept is an error: the table would not say what
// it is for.
func changesTable(b string, numstat []byte) (string, error) {
	var t strings.Builder
	var unnamed []string
	t.WriteString("| file | lines added | lines removed | what for |\n|---|---:|---:|---|\n")
	for _, line := range strings.Split(strings.TrimSpace(string(numstat)), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			continue
		}
		added, removed, path := f[0], f[1], f[2]
		if added == "-" {
			added, removed = "binary", "binary"
		}
		name := path
		if from, to, ok := strings.Cut(path, " => "); ok {
			name = to // a move: "site.go => site/site.go"
			path = "`" + from + "` → `" + to + "`"
		} else {
			path = "`" + path + "`"
		}
		concept := conceptOf(b, name)
		if concept == "" {
			unnamed = append(unnamed, name)
		}
		t.WriteString("| " + path + " | " + added + " | " + removed + " | " + concept + " |\n")
	}
	if len(unnamed) > 0 {
		return "", fmt.Errorf("the diff to %s changes %s, which readingOrder (tools/gendocs/diffs.go) gives no concept", b, strings.Join(unnamed, ", "))
	}
	return t.String(), nil
}

// conceptOf returns what file name of part b's diff serves.
func conceptOf(b, name string) string {
	if strings.HasSuffix(name, "_test.go") || strings.Contains(name, "/testdata/") {
		return "tests"
	}
	for _, n := range readingOrder[b] {
		if name == n.pattern || strings.HasPrefix(name, n.pattern+"/") {
			return n.concept
		}
	}
	if name == "go.mod" || name == "go.sum" {
		return "the module's requirements"
	}
	return ""
}

// orderFor returns git's order file for the diff to part b of files: the
// part's readingOrder, then the other Go files, the other files, the
// tests, the commands under cmd/, and the module files, last.
func orderFor(b string, files []string) []string {
	var order []string
	for _, n := range readingOrder[b] {
		order = append(order, n.pattern)
	}
	var code, other, tests []string
	for _, f := range files {
		switch {
		case strings.HasPrefix(f, "cmd/"), f == "go.mod", f == "go.sum":
		case strings.HasSuffix(f, "_test.go"), strings.Contains(f, "/testdata/"):
			tests = append(tests, f)
		case strings.HasSuffix(f, ".go"):
			code = append(code, f)
		default:
			other = append(other, f)
		}
	}
	for _, group := range [][]string{code, other, tests} {
		slices.Sort(group)
		order = append(order, slices.Compact(group)...)
	}
	return append(order, "cmd", "go.mod", "go.sum")
}

// copyPart copies the files of the part folder src into dst, all but its
// notes (README.md at its top) and the acceptance tests of its own
// exercises: neither flows into the next part.
func copyPart(src, dst string) error {
	return course.CopyTree(src, dst, func(rel string) bool {
		return rel == "README.md" || path.Base(rel) == "exercises_test.go"
	})
}
