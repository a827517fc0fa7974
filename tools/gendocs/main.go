// Command gendocs keeps the course's generated text true to the code:
//
//   - docs/diffs/: the diff from each part to the next (partN to partN+1,
//     in the order go.work lists them), lesson notes (README.md) left out,
//     as git shows it (moves as moves), files in the order the notes read
//     them (readingOrder);
//   - the code quoted in the notes: in any README.md, a line
//     <!-- quote FILE NAME --> followed by a fenced code block gets the Go
//     declaration NAME (a func, a method as Type.Method, a type, a const or
//     var) from FILE, doc comment included; <!-- quote FILE --> gets the
//     whole file. FILE is relative to the README;
//   - the files a stage changes: in a part's notes, the lines
//     <!-- changes --> and <!-- end changes --> enclose a table of the
//     diff that leads to the part, each file with its lines added and
//     removed and the concept it serves (readingOrder);
//   - the figures shown in the notes: a line
//     <!-- include FILE "HEADING" --> and a later <!-- end include -->
//     enclose the section of the markdown FILE under that heading (its
//     tables and charts), so that the notes show what a tool wrote, never
//     numbers copied by hand.
//
// Run it from the repository root:
//
//	go run ./tools/gendocs          # rewrite what is stale
//	go run ./tools/gendocs -check   # list what is stale and exit 1 (CI)
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

func main() {
	check := flag.Bool("check", false, "report stale files and exit 1 instead of rewriting them")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gendocs: ")

	want, err := generate(".")
	if err != nil {
		log.Fatal(err)
	}
	stale := 0
	for _, path := range sortedKeys(want) {
		have, err := os.ReadFile(path)
		if err == nil && bytes.Equal(have, want[path]) {
			continue
		}
		stale++
		if *check {
			fmt.Printf("stale: %s (run: go run ./tools/gendocs)\n", path)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(path, want[path], 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("wrote %s\n", path)
	}
	// A diff file whose pair of parts no longer exists is stale too.
	old, _ := filepath.Glob(filepath.Join("docs", "diffs", "*.diff"))
	for _, path := range old {
		if _, ok := want[path]; ok {
			continue
		}
		stale++
		if *check {
			fmt.Printf("stale: %s (no such pair of parts)\n", path)
		} else if err := os.Remove(path); err != nil {
			log.Fatal(err)
		}
	}
	if *check && stale > 0 {
		os.Exit(1)
	}
}

// generate returns the contents every generated file must have, by path
// relative to root.
func generate(root string) (map[string][]byte, error) {
	out := map[string][]byte{}
	parts, err := parts(root)
	if err != nil {
		return nil, err
	}
	changesTables = map[string]string{}
	for i := 1; i < len(parts); i++ {
		d, numstat, err := stageDiff(root, parts[i-1], parts[i])
		if err != nil {
			return nil, err
		}
		out[filepath.Join("docs", "diffs", parts[i-1]+"_to_"+parts[i]+".diff")] = diffText(parts[i-1], parts[i], d)
		changesTables[parts[i]] = changesTable(parts[i], numstat)
	}
	notes := []string{"README.md", filepath.Join("docs", "README.md"), filepath.Join("docs", "performance.md")}
	for _, p := range parts {
		notes = append(notes, filepath.Join(p, "README.md"))
	}
	for _, path := range notes {
		src, err := os.ReadFile(filepath.Join(root, path))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		woven, err := weave(src, filepath.Join(root, filepath.Dir(path)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[path] = woven
	}
	return out, nil
}

// parts returns the part folders in the order go.work lists them.
func parts(root string) ([]string, error) {
	work, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	var ps []string
	for _, m := range regexp.MustCompile(`(?m)^\s*\./(part\d+-[\w-]+)\s*$`).FindAllSubmatch(work, -1) {
		ps = append(ps, string(m[1]))
	}
	return ps, nil
}

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
	},
	"part4-concurrency": {
		{"server.go", "the accept loop, serve (the three models), serveConn (keep-alive, timeouts)"},
		{"cap.go", "-max-conns, and idle connections giving way at it"},
		{"shutdown.go", "Shutdown and Close"},
		{"process.go", "the process model: re-exec, descriptors, reaping"},
		{"process_other.go", "the process model's stand-ins where there is no Unix"},
		{"framing.go", "connection: whether the connection stays open"},
		{"requestbody.go", "drain: the unread body read away for the next request"},
		{"responsewriter.go", "Hijack, EnableFullDuplex, keep-alive state"},
		{"gateway.go", "a request on a connection that carries many"},
		{"main.go", "the flags: -model, the timeouts, -max-conns; graceful shutdown"},
		{"site", "GET /sleep, the slow handler"},
		{"freelist.go", "speed: buffers in free lists between requests"},
		{"lazywatch.go", "speed: the client watch, begun only when asked"},
		{"clientwatch.go", "replaced by lazywatch.go"},
		{"cmd/load", "the load client"},
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
// serves (readingOrder), in the order the notes read them.
func changesTable(b string, numstat []byte) string {
	var t strings.Builder
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
		t.WriteString("| " + path + " | " + added + " | " + removed + " | " + conceptOf(b, name) + " |\n")
	}
	return t.String()
}

// conceptOf returns what file name of part b's diff serves.
func conceptOf(b, name string) string {
	for _, n := range readingOrder[b] {
		if name == n.pattern || strings.HasPrefix(name, n.pattern+"/") {
			return n.concept
		}
	}
	switch {
	case strings.HasSuffix(name, "_test.go"), strings.Contains(name, "/testdata/"):
		return "tests"
	case name == "go.mod", name == "go.sum":
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
// notes (README.md at its top).
func copyPart(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case rel == "README.md":
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
}

var (
	quoteLine   = regexp.MustCompile(`^<!-- quote (\S+)(?: (\S+))? -->$`)
	includeLine = regexp.MustCompile(`^<!-- include (\S+) "(.+)" -->$`)
	includeEnd  = "<!-- end include -->"
	changesLine = "<!-- changes -->"
	changesEnd  = "<!-- end changes -->"
)

// weave replaces the fenced code block after each quote line of a
// markdown file with the text it names; dir is the markdown's folder.
func weave(src []byte, dir string) ([]byte, error) {
	lines := strings.SplitAfter(string(src), "\n")
	var out strings.Builder
	for i := 0; i < len(lines); i++ {
		out.WriteString(lines[i])
		if m := includeLine.FindStringSubmatch(strings.TrimSpace(lines[i])); m != nil {
			end := i + 1
			for end < len(lines) && strings.TrimSpace(lines[end]) != includeEnd {
				end++
			}
			if end == len(lines) {
				return nil, fmt.Errorf("line %d: include of %s has no %s", i+1, m[1], includeEnd)
			}
			text, err := section(filepath.Join(dir, m[1]), m[2])
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			out.WriteString("\n" + text + "\n\n")
			out.WriteString(lines[end])
			i = end
			continue
		}
		if strings.TrimSpace(lines[i]) == changesLine {
			end := i + 1
			for end < len(lines) && strings.TrimSpace(lines[end]) != changesEnd {
				end++
			}
			table, ok := changesTables[filepath.Base(dir)]
			if end == len(lines) || !ok {
				return nil, fmt.Errorf("line %d: %s with no %s, or in a README that is not a part's", i+1, changesLine, changesEnd)
			}
			out.WriteString("\n" + table + "\n")
			out.WriteString(lines[end])
			i = end
			continue
		}
		m := quoteLine.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		// The block must follow at once: ```lang, lines, ```.
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			return nil, fmt.Errorf("line %d: quote of %s is not followed by a ``` block", i+1, m[1])
		}
		end := i + 2
		for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
			end++
		}
		if end == len(lines) {
			return nil, fmt.Errorf("line %d: unterminated ``` block", i+2)
		}
		text, err := quote(filepath.Join(dir, m[1]), m[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		out.WriteString(lines[i+1])
		out.WriteString(text)
		out.WriteString(lines[end])
		i = end
	}
	return []byte(out.String()), nil
}

// section returns what the markdown file path says under the heading
// whose text is heading, up to the next heading of the same level or
// above (lines in fenced blocks are not headings), without blank lines at
// either end.
func section(path, heading string) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var body []string
	level, fenced := 0, false
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		hashes := len(line) - len(strings.TrimLeft(line, "#"))
		isHeading := !fenced && hashes > 0 && strings.HasPrefix(line[hashes:], " ")
		switch {
		case level == 0:
			if isHeading && strings.TrimSpace(line[hashes:]) == heading {
				level = hashes
			}
			continue
		case isHeading && hashes <= level:
			return strings.TrimSpace(strings.Join(body, "\n")), nil
		}
		body = append(body, line)
	}
	if level == 0 {
		return "", fmt.Errorf("%s: no heading %q", path, heading)
	}
	return strings.TrimSpace(strings.Join(body, "\n")), nil
}

// quote returns the declaration name of the Go file path (doc comment
// included), or the whole file when name is empty, ending in a newline.
func quote(path, name string) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if name == "" {
		return string(src), nil
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	for _, decl := range f.Decls {
		if !declares(decl, name) {
			continue
		}
		start := decl.Pos()
		if doc := docOf(decl); doc != nil {
			start = doc.Pos()
		}
		return string(src[fset.Position(start).Offset:fset.Position(decl.End()).Offset]) + "\n", nil
	}
	return "", fmt.Errorf("%s: no declaration %s", path, name)
}

// declares reports whether decl declares name ("Type.Method" for methods).
func declares(decl ast.Decl, name string) bool {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			return d.Name.Name == name
		}
		t := d.Recv.List[0].Type
		if star, ok := t.(*ast.StarExpr); ok {
			t = star.X
		}
		switch g := t.(type) { // a generic type's method: freeList[T].trim
		case *ast.IndexExpr:
			t = g.X
		case *ast.IndexListExpr:
			t = g.X
		}
		id, ok := t.(*ast.Ident)
		return ok && id.Name+"."+d.Name.Name == name
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if s.Name.Name == name {
					return true
				}
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.Name == name {
						return true
					}
				}
			}
		}
	}
	return false
}

func docOf(decl ast.Decl) *ast.CommentGroup {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		return d.Doc
	case *ast.GenDecl:
		return d.Doc
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
