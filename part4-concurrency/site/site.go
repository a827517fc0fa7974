// Package site is the course's demo site written as an ordinary net/http
// application: handlers on an http.ServeMux, and what the standard library
// gives every such application (a file server, cookies, redirects,
// cross-origin protection). It imports nothing of the course's server: it
// runs unchanged on ours and on net/http's http.Server, which is the point
// of a gateway interface.
package site

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"net/http"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Pages are the site's pages, built into the binary, so that the server
// serves a real site with no setup.
//
//go:embed index.html about.html style.css images
var Pages embed.FS

// maxBodyBytes caps what a request may send to the endpoints that read a
// body. The server reads the body as a stream and sets no limit of its
// own: how much to accept is the application's choice, made with
// http.MaxBytesReader, which answers 413 past it.
const maxBodyBytes = 10 << 20

// implemented lists the methods this site implements; any other gets
// 501 Not Implemented (RFC 9110 section 9.1).
var implemented = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}

// site holds what the handlers share.
type site struct {
	files  *os.Root     // where /files/ keeps what is uploaded
	pages  http.Handler // the file server of the pages
	cgiBin http.Handler // runs the CGI scripts under /cgi-bin/; nil: none
}

// A router dispatches a request to the handler of its route, and can say
// whether a method has a route for a request's path: ServeMux and chi do.
type router interface {
	http.Handler
	allows(r *http.Request, method string) bool
}

// New returns the site as an http.Handler: the pages of pages, uploads
// stored in the folder filesDir (created if missing), and cgiBin (if not
// nil) mounted at /cgi-bin/, with its routes on router: "mux" (the
// standard library's http.ServeMux) or "chi".
func New(pages fs.FS, filesDir, routerName string, cgiBin http.Handler) (http.Handler, error) {
	if err := os.MkdirAll(filesDir, 0o755); err != nil {
		return nil, err
	}
	// os.Root confines every operation to the folder: a name that climbs
	// out with ".." or through a symbolic link fails.
	files, err := os.OpenRoot(filesDir)
	if err != nil {
		return nil, err
	}
	// http.FileServerFS serves the pages with Content-Type, Last-Modified,
	// If-Modified-Since (304) and Range (206): all that part 2 did by hand,
	// and what it lacked.
	s := &site{files: files, pages: http.FileServerFS(pagesOnly{pages, time.Now()}), cgiBin: cgiBin}
	var rt router
	switch routerName {
	case "mux":
		rt = s.serveMux()
	case "chi":
		rt = s.chiRouter()
	default:
		return nil, fmt.Errorf("router %q: use mux or chi", routerName)
	}
	// Go 1.25's http.CrossOriginProtection refuses unsafe requests that a
	// browser marks as sent by another site: part 2's checkCrossOrigin,
	// from the standard library.
	return http.NewCrossOriginProtection().Handler(methods(rt)), nil
}

// serveMux builds the routes on the standard library's http.ServeMux,
// with the method in each pattern (Go 1.22): HEAD is served by the GET
// handler with the body dropped, and a path that is not clean
// ("/./request") is redirected to the clean one.
func (s *site) serveMux() router {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo/{text...}", echoText)
	mux.HandleFunc("POST /echo", echoBody)
	mux.HandleFunc("GET /user-agent", userAgent)
	mux.HandleFunc("GET /request", showRequest)
	mux.HandleFunc("POST /request", showRequest)
	mux.HandleFunc("GET /visits", visits)
	mux.HandleFunc("GET /sleep", sleep)
	mux.HandleFunc("GET /files/{$}", s.listFiles)
	mux.HandleFunc("GET /files/{name}", s.getFile)
	mux.HandleFunc("PUT /files/{name}", s.putFile)
	mux.HandleFunc("POST /files/{name}", s.putFile)
	mux.HandleFunc("DELETE /files/{name}", s.deleteFile)
	mux.HandleFunc("GET /upload", s.uploadForm)
	mux.HandleFunc("POST /upload", s.upload)
	mux.HandleFunc("POST /upload/delete", s.deleteUpload)
	if s.cgiBin != nil {
		// Every method: the script decides. (A pattern with no method
		// would clash with "GET /", which ServeMux refuses as ambiguous.)
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			mux.Handle(m+" /cgi-bin/", s.cgiBin)
		}
	}
	mux.Handle("GET /", s.pages)
	return serveMux{mux}
}

type serveMux struct{ *http.ServeMux }

func (m serveMux) allows(r *http.Request, method string) bool {
	probe := r.Clone(r.Context())
	probe.Method = method
	_, pattern := m.Handler(probe)
	return pattern != ""
}

// methods answers what the routers leave to the application, the same way
// for both: 501 for a method the site does not implement (RFC 9110 section
// 9.1), 405 with an Allow field for a method the path does not take
// (section 15.5.6), and OPTIONS with the methods a path takes (section
// 9.3.7), learnt by asking the router about each method. ("OPTIONS *",
// about the server as a whole, is the server's to answer.)
func methods(rt router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(implemented, r.Method) {
			http.Error(w, fmt.Sprintf("method %s is not implemented here", r.Method), http.StatusNotImplemented)
			return
		}
		if r.Method != "OPTIONS" && rt.allows(r, r.Method) {
			rt.ServeHTTP(w, r)
			return
		}
		var allowed []string
		for _, m := range implemented {
			if m == "OPTIONS" || rt.allows(r, m) {
				allowed = append(allowed, m)
			}
		}
		switch {
		case r.Method == "OPTIONS":
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			w.WriteHeader(http.StatusNoContent)
		case len(allowed) > 1:
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		default:
			rt.ServeHTTP(w, r) // no route at all: the router's 404, or its redirect
		}
	})
}

// pagesOnly is the file system the file server sees: the pages, less what
// must never be served. A folder given with -root often holds .git, .env
// and the like, so no name with a segment starting with a dot; a named
// pipe would block the server in open, so nothing but regular files and
// folders; and a folder only with an index.html, so that the file server
// never lists one. Files built into the binary have no modification time:
// they get the site's start, so that Last-Modified and If-Modified-Since
// work for them too.
type pagesOnly struct {
	fsys    fs.FS
	started time.Time
}

func (p pagesOnly) Open(name string) (fs.File, error) {
	for _, seg := range strings.Split(name, "/") {
		if seg != "." && strings.HasPrefix(seg, ".") {
			return nil, fs.ErrNotExist
		}
	}
	info, err := fs.Stat(p.fsys, name)
	if err != nil {
		// Not there, or a link out of the root (os.Root refuses to follow
		// it): either way, for the client, no such page.
		return nil, fs.ErrNotExist
	}
	switch {
	case info.IsDir():
		index, err := fs.Stat(p.fsys, path.Join(name, "index.html"))
		if err != nil || !index.Mode().IsRegular() {
			return nil, fs.ErrNotExist
		}
	case !info.Mode().IsRegular():
		return nil, fs.ErrNotExist
	}
	f, err := p.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	return datedFile{f, p.started}, nil
}

// datedFile is a page whose Stat reports mod as its time when it has none.
type datedFile struct {
	fs.File
	mod time.Time
}

func (f datedFile) Stat() (fs.FileInfo, error) {
	info, err := f.File.Stat()
	if err == nil && info.ModTime().IsZero() {
		info = datedInfo{info, f.mod}
	}
	return info, err
}

// Seek passes through: the file server needs it for Range requests.
func (f datedFile) Seek(offset int64, whence int) (int64, error) {
	s, ok := f.File.(io.Seeker)
	if !ok {
		return 0, errors.New("page cannot seek")
	}
	return s.Seek(offset, whence)
}

type datedInfo struct {
	fs.FileInfo
	mod time.Time
}

func (i datedInfo) ModTime() time.Time { return i.mod }

// textPlain sets the Content-Type of a text answer.
func textPlain(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
}

// echoText answers GET /echo/{text} with text, percent-decoded.
func echoText(w http.ResponseWriter, r *http.Request) {
	textPlain(w)
	io.WriteString(w, r.PathValue("text"))
}

// echoBody answers POST /echo with the request's body and Content-Type,
// copied as it arrives: the body is a stream, both ways.
func echoBody(w http.ResponseWriter, r *http.Request) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	body, ok := limitBody(w, r)
	if !ok {
		return
	}
	// The echo writes while it reads, which a server that keeps
	// connections alive allows only when asked: once the answer starts, it
	// reads the rest of the body away for the next request (net/http's
	// does, and so does part 4's), unless full duplex is on.
	http.NewResponseController(w).EnableFullDuplex()
	w.Header().Set("Content-Type", ct)
	n, err := io.Copy(w, body)
	if err != nil {
		if n == 0 {
			bodyError(w, err) // nothing sent yet: say what was wrong
			return
		}
		// Part of the body is already echoed under a 200: abort, so that
		// the client sees a cut response, not a whole one (RFC 9112 §8).
		panic(http.ErrAbortHandler)
	}
}

// userAgent answers GET /user-agent with the User-Agent field's value.
func userAgent(w http.ResponseWriter, r *http.Request) {
	textPlain(w)
	io.WriteString(w, r.Header.Get("User-Agent"))
}

// showRequest answers with what the application sees of the request: the
// *http.Request the server built. Compare with part 2, where the site saw
// the parser's own Request: the fields are now canonical and in a map.
func showRequest(w http.ResponseWriter, r *http.Request) {
	body, ok := limitBody(w, r)
	if !ok {
		return
	}
	n, err := io.Copy(io.Discard, body)
	if err != nil {
		bodyError(w, err)
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "method:  %s\n", r.Method)
	fmt.Fprintf(&b, "target:  %s\n", r.RequestURI)
	fmt.Fprintf(&b, "version: %s\n", r.Proto)
	fmt.Fprintf(&b, "path:    %s\n", r.URL.Path)
	if r.URL.RawQuery != "" {
		fmt.Fprintf(&b, "query:   %s\n", r.URL.RawQuery)
		query := r.URL.Query()
		for _, k := range slices.Sorted(maps.Keys(query)) {
			fmt.Fprintf(&b, "  %s = %q\n", k, query[k])
		}
	}
	fmt.Fprintf(&b, "host:    %s\n", r.Host)
	fmt.Fprintf(&b, "headers: %d\n", len(r.Header))
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "  %s: %s\n", k, v)
		}
	}
	framing := "none"
	switch {
	case slices.Contains(r.TransferEncoding, "chunked"):
		framing = "chunked"
	case r.ContentLength > 0:
		framing = "Content-Length"
	}
	fmt.Fprintf(&b, "body:    %d bytes (framing: %s)\n", n, framing)
	textPlain(w)
	io.WriteString(w, b.String())
}

// maxVisits caps the visits counter. The cookie is the client's to edit:
// "visits=9223372036854775807" must not wrap round to a negative count.
const maxVisits = math.MaxInt32

// visits counts a client's visits in a cookie (RFC 6265): HTTP itself
// keeps no state between requests, so the client carries it for us.
// r.CookiesNamed parses the Cookie fields, and http.SetCookie writes
// Set-Cookie: part 2 did both by hand.
func visits(w http.ResponseWriter, r *http.Request) {
	n := 0
	// The first valid one: a client lists the cookie with the longest
	// path first (RFC 6265 section 5.4).
	for _, c := range r.CookiesNamed("visits") {
		if v, err := strconv.Atoi(c.Value); err == nil && v >= 0 {
			n = v
			break
		}
	}
	n = min(n, maxVisits-1) + 1
	http.SetCookie(w, &http.Cookie{
		Name: "visits", Value: strconv.Itoa(n),
		Path: "/visits", MaxAge: 86400, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	textPlain(w)
	fmt.Fprintf(w, "visits: %d\n", n)
}
