// The demo site: static pages, and endpoints that show what the server
// parsed (echo, user-agent, request), keep state in a cookie (visits) and
// store uploads (files).
package main

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// siteFiles holds the pages of site/, built into the binary, so that
// `go run ./part2-http` serves a real site with no setup.
//
//go:embed site
var siteFiles embed.FS

// implemented lists the methods this server implements; any other gets
// 501 Not Implemented (RFC 9110 section 9.1).
var implemented = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}

// Site is the demo site.
type Site struct {
	pages   fs.FS     // the static pages
	started time.Time // Last-Modified of pages that carry no time (embedded ones)
	files   *os.Root  // where /files/ keeps what is uploaded
}

// newSite returns the site serving pages, and storing uploads in the folder
// filesDir (created if missing).
func newSite(pages fs.FS, filesDir string) (*Site, error) {
	if err := os.MkdirAll(filesDir, 0o755); err != nil {
		return nil, err
	}
	// os.Root confines every operation to the folder: a name that climbs
	// out with ".." or through a symbolic link fails.
	files, err := os.OpenRoot(filesDir)
	if err != nil {
		return nil, err
	}
	return &Site{pages: pages, started: time.Now(), files: files}, nil
}

// Serve answers req. It is the server's Handler.
func (s *Site) Serve(req *Request) *Response {
	if !slices.Contains(implemented, req.Method) {
		return textResponse(http.StatusNotImplemented, fmt.Sprintf("method %s is not implemented here\n", req.Method))
	}
	if req.Target == "*" { // OPTIONS * asks about the server as a whole
		return allow(http.StatusNoContent, implemented, "")
	}
	methods, serve := s.route(req.Path)
	methods = append(methods, "OPTIONS")
	switch {
	case req.Method == "OPTIONS":
		return allow(http.StatusNoContent, methods, "")
	case !slices.Contains(methods, req.Method):
		return allow(http.StatusMethodNotAllowed, methods, fmt.Sprintf("%s does not take %s\n", req.Path, req.Method))
	}
	return serve(req)
}

// route returns the methods a path takes and the function that serves it.
func (s *Site) route(p string) ([]string, func(*Request) *Response) {
	switch {
	case strings.HasPrefix(p, "/echo/"):
		return []string{"GET", "HEAD"}, echoText
	case p == "/echo":
		return []string{"POST"}, echoBody
	case p == "/user-agent":
		return []string{"GET", "HEAD"}, userAgent
	case p == "/request":
		return []string{"GET", "HEAD", "POST"}, showRequest
	case p == "/visits":
		return []string{"GET", "HEAD"}, visits
	case p == "/files/":
		return []string{"GET", "HEAD"}, s.listFiles
	case strings.HasPrefix(p, "/files/"):
		return []string{"GET", "HEAD", "PUT", "POST", "DELETE"}, s.file
	}
	return []string{"GET", "HEAD"}, s.static
}

// allow returns a response with an Allow field (RFC 9110 section 10.2.1):
// the answer to OPTIONS, and the list a 405 must carry.
func allow(status int, methods []string, text string) *Response {
	resp := textResponse(status, text)
	if status == http.StatusNoContent {
		resp = noContent()
	}
	resp.Header = append(resp.Header, Field{"Allow", strings.Join(methods, ", ")})
	return resp
}

// noContent is a 204: success, and nothing to send back.
func noContent() *Response { return &Response{Status: http.StatusNoContent} }

// echoText answers GET /echo/{text} with text, percent-decoded.
func echoText(req *Request) *Response {
	return textResponse(http.StatusOK, strings.TrimPrefix(req.Path, "/echo/"))
}

// echoBody answers POST /echo with the request's body and Content-Type.
func echoBody(req *Request) *Response {
	ct := req.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &Response{Status: http.StatusOK, Header: Header{{"Content-Type", ct}}, Body: req.Body}
}

// userAgent answers GET /user-agent with the User-Agent field's value.
func userAgent(req *Request) *Response {
	return textResponse(http.StatusOK, req.Header.Get("User-Agent")+"\n")
}

// showRequest answers with what the parser made of the request: the
// learner's window into it.
func showRequest(req *Request) *Response {
	var b strings.Builder
	fmt.Fprintf(&b, "method:  %s\n", req.Method)
	fmt.Fprintf(&b, "target:  %s\n", req.Target)
	fmt.Fprintf(&b, "version: %s\n", req.Proto)
	fmt.Fprintf(&b, "path:    %s\n", req.Path)
	if req.RawQuery != "" {
		fmt.Fprintf(&b, "query:   %s\n", req.RawQuery)
		keys := make([]string, 0, len(req.Query))
		for k := range req.Query {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s = %q\n", k, req.Query[k])
		}
	}
	fmt.Fprintf(&b, "host:    %s\n", req.Host)
	fmt.Fprintf(&b, "headers: %d\n", len(req.Header))
	for _, f := range req.Header {
		fmt.Fprintf(&b, "  %s: %s\n", f.Name, f.Value)
	}
	framing := "none"
	switch {
	case req.Chunked:
		framing = "chunked"
	case req.ContentLength > 0:
		framing = "Content-Length"
	}
	fmt.Fprintf(&b, "body:    %d bytes (framing: %s)\n", len(req.Body), framing)
	return textResponse(http.StatusOK, b.String())
}

// visits counts a client's visits in a cookie (RFC 6265): HTTP itself
// keeps no state between requests, so the client carries it for us.
func visits(req *Request) *Response {
	n := 0
	for _, c := range req.Header.Values("Cookie") {
		// Cookie: name=value; name2=value2 (RFC 6265 section 4.2.1).
		for _, pair := range strings.Split(c, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if v, err := strconv.Atoi(value); name == "visits" && err == nil && v >= 0 {
				n = v
			}
		}
	}
	n++
	resp := textResponse(http.StatusOK, fmt.Sprintf("visits: %d\n", n))
	resp.Header = append(resp.Header, Field{"Set-Cookie", fmt.Sprintf("visits=%d; Path=/visits; Max-Age=86400; HttpOnly; SameSite=Lax", n)})
	return resp
}

// static serves a file of the site's pages: index.html for a folder.
func (s *Site) static(req *Request) *Response {
	// An encoded slash would decode into a path separator the client did
	// not send as one: refuse it rather than guess (net/http's ServeMux
	// does not treat %2F as a separator either).
	if strings.Contains(strings.ToLower(req.RawPath), "%2f") {
		return textResponse(http.StatusBadRequest, "encoded slash in path\n")
	}
	// The parser refused any path that climbs above "/", so once cleaned
	// the path names a file inside pages. fs.FS names have no leading "/".
	name := strings.TrimPrefix(path.Clean(req.Path), "/")
	if name == "" {
		name = "."
	}
	info, err := fs.Stat(s.pages, name)
	if err == nil && info.IsDir() {
		if !strings.HasSuffix(req.Path, "/") {
			// Relative links in the folder's index.html need the slash.
			// The new location is built from the cleaned path, never from
			// the raw one: "//evil.example/../images" would otherwise send
			// the browser to another host (an open redirect).
			to := (&url.URL{Path: "/" + name + "/"}).EscapedPath()
			resp := textResponse(http.StatusMovedPermanently, "moved to "+to+"\n")
			resp.Header = append(resp.Header, Field{"Location", to})
			return resp
		}
		name = path.Join(name, "index.html")
		info, err = fs.Stat(s.pages, name)
	}
	if err != nil || !info.Mode().IsRegular() {
		return textResponse(http.StatusNotFound, "no page at "+req.Path+"\n")
	}
	data, err := fs.ReadFile(s.pages, name)
	if err != nil {
		return textResponse(http.StatusNotFound, "no page at "+req.Path+"\n")
	}

	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(data) // looks at the first 512 bytes
	}
	modified := info.ModTime()
	if modified.IsZero() {
		modified = s.started
	}
	return &Response{
		Status: http.StatusOK,
		Header: Header{
			{"Content-Type", ctype},
			{"Last-Modified", modified.UTC().Format(http.TimeFormat)},
		},
		Body: data,
	}
}

// validFileName reports whether name is one safe path segment: letters,
// digits, "-", "_" and ".", not starting with "." (no "..", no hidden
// files, no clash with our temporary files), at most 255 bytes.
func validFileName(name string) bool {
	return name != "" && len(name) <= 255 && name[0] != '.' && lettersDigitsOr(name, "-_.")
}

// listFiles answers GET /files/ with the stored names, one a line.
func (s *Site) listFiles(req *Request) *Response {
	entries, err := fs.ReadDir(s.files.FS(), ".")
	if err != nil {
		return textResponse(http.StatusInternalServerError, "cannot list files\n")
	}
	var b strings.Builder
	for _, e := range entries {
		if e.Type().IsRegular() && validFileName(e.Name()) {
			b.WriteString(e.Name() + "\n")
		}
	}
	return textResponse(http.StatusOK, b.String())
}

// file serves /files/{name}: GET reads it, PUT or POST stores the body,
// DELETE removes it.
func (s *Site) file(req *Request) *Response {
	name := strings.TrimPrefix(req.Path, "/files/")
	if !validFileName(name) {
		return textResponse(http.StatusBadRequest, fmt.Sprintf("%q is not a valid file name: use letters, digits, '-', '_' and '.'\n", name))
	}
	switch req.Method {
	case "PUT", "POST":
		return s.store(name, req.Body)
	case "DELETE":
		if err := s.files.Remove(name); errors.Is(err, fs.ErrNotExist) {
			return textResponse(http.StatusNotFound, "no file "+name+"\n")
		} else if err != nil {
			return textResponse(http.StatusInternalServerError, "cannot delete "+name+"\n")
		}
		return noContent()
	}
	data, err := fs.ReadFile(s.files.FS(), name)
	if err != nil {
		return textResponse(http.StatusNotFound, "no file "+name+"\n")
	}
	return &Response{Status: http.StatusOK, Header: Header{{"Content-Type", "application/octet-stream"}}, Body: data}
}

// store writes body as the file name. It writes a temporary file first and
// renames it over name only once every byte is on disk: a failed or
// partial upload never leaves a half-written file behind, and a reader
// sees the old file or the new one, never a mix.
func (s *Site) store(name string, body []byte) *Response {
	_, err := s.files.Stat(name)
	existed := err == nil

	dir := s.files.Name()
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return textResponse(http.StatusInternalServerError, "cannot store "+name+"\n")
	}
	_, err = tmp.Write(body)
	if err == nil {
		err = tmp.Sync() // on disk before it takes the name
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// rename replaces name itself, even when name is a symbolic link:
		// it never writes through one to somewhere outside the folder.
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return textResponse(http.StatusInternalServerError, "cannot store "+name+"\n")
	}
	// RFC 9110 section 9.3.4: 201 when PUT creates the resource, 200 or
	// 204 when it replaces one.
	if existed {
		return noContent()
	}
	resp := textResponse(http.StatusCreated, fmt.Sprintf("stored %s (%d bytes)\n", name, len(body)))
	resp.Header = append(resp.Header, Field{"Location", "/files/" + name})
	return resp
}
