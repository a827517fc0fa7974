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
		if changesTables[parts[i]], err = changesTable(parts[i], numstat); err != nil {
			return nil, err
		}
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
