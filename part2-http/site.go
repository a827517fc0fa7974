// The demo site: static pages, and endpoints that show what the server
// parsed (echo, user-agent, request), keep state in a cookie (visits) and
// store uploads (files).

package main

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
	if err := checkCrossOrigin(req); err != nil {
		return errorResponse(err)
	}
	if !slices.Contains(implemented, req.Method) {
		return textResponse(http.StatusNotImplemented, fmt.Sprintf("method %s is not implemented here\n", req.Method))
	}
	if req.Target == "*" { // OPTIONS * asks about the server as a whole
		return allow(http.StatusNoContent, implemented, "")
	}
	// Route on the path with its dot-segments resolved, and first send the
	// client to that clean path, as net/http's ServeMux does: "/./request"
	// and "/request" are then one resource, and the relative links of a
	// page resolve against the path the browser shows.
	if clean := cleanPath(req.Path); clean != req.Path {
		return redirect(clean, req.RawQuery)
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

// checkCrossOrigin refuses a request that changes something (any method
// but GET, HEAD and OPTIONS) when a browser says another site sent it.
// Without it, a page on any site could make a visitor's browser store or
// delete files here: an HTML form may post to any address, 127.0.0.1
// included. Browsers mark such requests: Sec-Fetch-Site says who sent it
// ("same-origin", "same-site", "cross-site", or "none" when the user typed
// the address); browsers older than 2023 only send Origin, the sending
// page's scheme://host:port, to compare with Host. A request with neither
// field is not from a browser's page (curl, a script): it is let through.
// This is the rule of Go 1.25's http.CrossOriginProtection, which part 3
// uses instead of this function.
func checkCrossOrigin(req *Request) *statusError {
	switch req.Method {
	case "GET", "HEAD", "OPTIONS":
		return nil // safe methods (RFC 9110 section 9.2.1) change nothing
	}
	switch site := req.Header.Get("Sec-Fetch-Site"); site {
	case "same-origin", "none":
		return nil
	case "": // an older browser, or no browser: look at Origin
	default:
		return &statusError{http.StatusForbidden, fmt.Sprintf("cross-origin %s refused: Sec-Fetch-Site is %q", req.Method, site)}
	}
	origin := req.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if o, err := url.Parse(origin); err == nil && o.Host == req.Host {
		return nil
	}
	return &statusError{http.StatusForbidden, fmt.Sprintf("cross-origin %s refused: Origin %q does not match Host %q", req.Method, origin, req.Host)}
}

// cleanPath returns p with its dot-segments resolved (RFC 3986 section
// 5.2.4) and its empty segments removed, keeping a final slash:
// "/a/./b/../c//d/" is "/a/c/d/". It is net/http's ServeMux rule.
func cleanPath(p string) string {
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}

// redirect sends the client to the path p of this site, with the query
// rawQuery kept: 301 Moved Permanently (RFC 9110 section 15.4.2).
func redirect(p, rawQuery string) *Response {
	to := (&url.URL{Path: p, RawQuery: rawQuery}).String()
	resp := textResponse(http.StatusMovedPermanently, "moved to "+to+"\n")
	resp.Header = append(resp.Header, Field{"Location", to})
	return resp
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
	return textResponse(http.StatusOK, req.Header.Get("User-Agent"))
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

// maxVisits caps the visits counter. The cookie is the client's to edit:
// "visits=9223372036854775807" must not wrap round to a negative count.
const maxVisits = math.MaxInt32

// visits counts a client's visits in a cookie (RFC 6265): HTTP itself
// keeps no state between requests, so the client carries it for us.
func visits(req *Request) *Response {
	n := min(visitsCookie(req), maxVisits-1) + 1
	resp := textResponse(http.StatusOK, fmt.Sprintf("visits: %d\n", n))
	resp.Header = append(resp.Header, Field{"Set-Cookie", fmt.Sprintf("visits=%d; Path=/visits; Max-Age=86400; HttpOnly; SameSite=Lax", n)})
	return resp
}

// visitsCookie returns the value of the first "visits" cookie that holds a
// count, or 0. A client that has two (set for different paths) lists the
// one with the longer path first (RFC 6265 section 5.4), and net/http's
// Request.Cookie takes the first too.
func visitsCookie(req *Request) int {
	for _, c := range req.Header.Values("Cookie") {
		// Cookie: name=value; name2=value2 (RFC 6265 section 4.2.1).
		for _, pair := range strings.Split(c, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if v, err := strconv.Atoi(value); name == "visits" && err == nil && v >= 0 {
				return v
			}
		}
	}
	return 0
}

// static serves a file of the site's pages: index.html for a folder.
func (s *Site) static(req *Request) *Response {
	// An encoded slash would decode into a path separator the client did
	// not send as one: refuse it rather than guess (net/http's ServeMux
	// does not treat %2F as a separator either).
	if strings.Contains(strings.ToLower(req.RawPath), "%2f") {
		return textResponse(http.StatusBadRequest, "encoded slash in path\n")
	}
	// Serve has redirected any path that is not clean, and the parser
	// refused any that climbs above "/", so the path names a file inside
	// pages. fs.FS names have no leading "/".
	name := strings.TrimPrefix(path.Clean(req.Path), "/")
	if name == "" {
		name = "."
	}
	// A folder given with -root often holds .git, .env and the like:
	// nothing whose name starts with a dot is served, at any depth.
	for _, seg := range strings.Split(name, "/") {
		if seg != "." && strings.HasPrefix(seg, ".") {
			return textResponse(http.StatusNotFound, "no page at "+req.Path+"\n")
		}
	}
	info, err := fs.Stat(s.pages, name)
	switch {
	case err == nil && info.IsDir() && !strings.HasSuffix(req.Path, "/"):
		// Relative links in the folder's index.html need the slash. The
		// new location is built from the cleaned path, never from the
		// raw one: "//evil.example/../images" would otherwise send the
		// browser to another host (an open redirect).
		return redirect("/"+name+"/", req.RawQuery)
	case err == nil && info.IsDir():
		name = path.Join(name, "index.html")
		info, err = fs.Stat(s.pages, name)
	case err == nil && strings.HasSuffix(req.Path, "/"):
		// A file is not a folder: "/about.html/" would break the page's
		// relative links. net/http's FileServer redirects the same way.
		return redirect("/"+name, req.RawQuery)
	}
	// Only a regular file is read: opening a named pipe (mkfifo) would
	// block until a writer comes, and the one-at-a-time server with it.
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
		return textResponse(http.StatusBadRequest, fmt.Sprintf("%q is not a valid file name: use 1 to 255 letters, digits, '-', '_' or '.', not starting with '.'\n", name))
	}
	switch req.Method {
	case "PUT", "POST":
		return s.store(name, req.Body)
	case "DELETE":
		// Only a stored file: Remove would delete an empty folder too.
		if !s.isStored(name) {
			return textResponse(http.StatusNotFound, "no file "+name+"\n")
		}
		if err := s.files.Remove(name); err != nil {
			return textResponse(http.StatusInternalServerError, "cannot delete "+name+"\n")
		}
		return noContent()
	}
	data, err := s.readStored(name)
	if err != nil {
		return textResponse(http.StatusNotFound, "no file "+name+"\n")
	}
	return &Response{Status: http.StatusOK, Header: Header{{"Content-Type", "application/octet-stream"}}, Body: data}
}

// isStored reports whether name is a stored file: a regular file in the
// folder, not a folder, a link or a named pipe someone put there.
func (s *Site) isStored(name string) bool {
	info, err := s.files.Lstat(name)
	return err == nil && info.Mode().IsRegular()
}

// readStored returns the content of the stored file name. Opening a named
// pipe (mkfifo) blocks until a writer comes, and with it the one-at-a-time
// server, which no read deadline covers: so it checks first that name is
// a regular file, then opens it without blocking (O_NONBLOCK, which does
// nothing to a regular file) and checks again what it opened, in case the
// name was swapped in between.
func (s *Site) readStored(name string) ([]byte, error) {
	if !s.isStored(name) {
		return nil, fs.ErrNotExist
	}
	f, err := s.files.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	return io.ReadAll(f)
}

// store writes body as the file name. It writes a temporary file first and
// renames it over name only once every byte is on disk: a failed or
// partial upload never leaves a half-written file behind, and a reader
// sees the old file or the new one, never a mix.
func (s *Site) store(name string, body []byte) *Response {
	info, err := s.files.Lstat(name)
	existed := err == nil
	if existed && info.IsDir() {
		// The name is taken by a folder, which an upload must not replace
		// (RFC 9110 section 15.5.10: the request conflicts with the
		// resource's current state).
		return textResponse(http.StatusConflict, name+" is a folder, not a file\n")
	}

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
