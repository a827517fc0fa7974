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
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
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
	hub    *hub         // the chat's members (websocket.go)
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
	s := &site{files: files, pages: http.FileServerFS(pagesOnly{pages, time.Now()}), cgiBin: cgiBin, hub: newHub()}
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
	mux.HandleFunc("GET /ws/echo", wsEcho)
	mux.HandleFunc("GET /chat", s.chat)
	mux.HandleFunc("GET /chat/ws", s.chatSocket)
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

// validFileName reports whether name is one safe path segment: letters,
// digits, "-", "_" and ".", not starting with "." (no "..", no hidden
// files, no clash with our temporary files), at most 255 bytes.
func validFileName(name string) bool {
	if name == "" || len(name) > 255 || name[0] == '.' {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// fileName returns the {name} of the request's path, or answers 400.
func fileName(w http.ResponseWriter, r *http.Request) (string, bool) {
	name := r.PathValue("name")
	if !validFileName(name) {
		badFileName(w, name)
		return "", false
	}
	return name, true
}

// badFileName answers 400 for a name validFileName refuses, saying the rule.
func badFileName(w http.ResponseWriter, name string) {
	http.Error(w, fmt.Sprintf("%q is not a valid file name: use 1 to 255 letters, digits, '-', '_' or '.', not starting with '.'", name), http.StatusBadRequest)
}

// listFiles answers GET /files/ with the stored names, one a line.
func (s *site) listFiles(w http.ResponseWriter, r *http.Request) {
	names, err := s.storedNames()
	if err != nil {
		http.Error(w, "cannot list files", http.StatusInternalServerError)
		return
	}
	textPlain(w)
	for _, name := range names {
		io.WriteString(w, name+"\n")
	}
}

// isStored reports whether name is a stored file: a regular file in the
// folder, not a folder, a link or a named pipe someone put there.
func (s *site) isStored(name string) bool {
	info, err := s.files.Lstat(name)
	return err == nil && info.Mode().IsRegular()
}

// getFile answers GET /files/{name} with the stored file. Opening a named
// pipe (mkfifo) blocks until a writer comes, and the one-at-a-time server
// with it: so it checks first that name is a regular file, then opens it
// without blocking (O_NONBLOCK, which does nothing to a regular file) and
// checks again what it opened. http.ServeContent answers Range and
// If-Modified-Since requests.
func (s *site) getFile(w http.ResponseWriter, r *http.Request) {
	name, ok := fileName(w, r)
	if !ok {
		return
	}
	notFound := func() { http.Error(w, "no file "+name, http.StatusNotFound) }
	if !s.isStored(name) {
		notFound()
		return
	}
	f, err := s.files.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		notFound()
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		notFound()
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// deleteFile answers DELETE /files/{name}.
func (s *site) deleteFile(w http.ResponseWriter, r *http.Request) {
	name, ok := fileName(w, r)
	if !ok {
		return
	}
	// Only a stored file: Remove would delete an empty folder too.
	if !s.isStored(name) {
		http.Error(w, "no file "+name, http.StatusNotFound)
		return
	}
	if err := s.files.Remove(name); err != nil {
		http.Error(w, "cannot delete "+name, http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// putFile answers PUT or POST /files/{name}: it stores the body as the
// file name, streamed to disk as it arrives. It writes a temporary file
// first and renames it over name only once every byte is on disk: a failed,
// partial or too large upload never leaves a half-written file behind, and
// a reader sees the old file or the new one, never a mix.
func (s *site) putFile(w http.ResponseWriter, r *http.Request) {
	name, ok := fileName(w, r)
	if !ok {
		return
	}
	info, err := s.files.Lstat(name)
	existed := err == nil
	if existed && info.IsDir() {
		// The name is taken by a folder, which an upload must not replace
		// (RFC 9110 section 15.5.10: the request conflicts with the
		// resource's current state).
		http.Error(w, name+" is a folder, not a file", http.StatusConflict)
		return
	}
	body, ok := limitBody(w, r)
	if !ok {
		return
	}
	n, err := s.store(name, body)
	if err != nil {
		bodyError(w, err)
		return
	}
	// RFC 9110 section 9.3.4: 201 when PUT creates the resource, 200 or
	// 204 when it replaces one.
	if existed {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Location", "/files/"+name)
	textPlain(w)
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, "stored %s (%d bytes)\n", name, n)
}

// store copies body into the file name through a temporary file: stage,
// then place.
func (s *site) store(name string, body io.Reader) (int64, error) {
	f, n, err := s.stage(name, body)
	if err != nil {
		return 0, err
	}
	defer f.discard() // a file that failed to take its name goes
	if err := f.place(); err != nil {
		return 0, err
	}
	return n, nil
}

// stagedFile is a body written to a temporary file in the files folder,
// on disk and closed, waiting to take its name. The temporary name,
// ".upload-" and random digits, starts with a dot: validFileName refuses
// it, so no client can ask for it, and the listings never show it.
type stagedFile struct {
	tmp    string // the temporary file's path
	path   string // the path it is to take
	placed bool
}

// stage copies body into a new temporary file, for the file name. If it
// does not get to the end (the body breaks off or is too large, the disk
// is full, or the body's reader panics, with http.ErrAbortHandler say),
// the deferred function removes the temporary file: a deferred call runs
// on every way out of a function, a panic included, where a Remove before
// each return would miss the panic.
func (s *site) stage(name string, body io.Reader) (f *stagedFile, n int64, err error) {
	dir := s.files.Name()
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return nil, 0, err
	}
	written := false
	defer func() {
		if !written {
			tmp.Close() // (a second Close, after the one below, does no harm)
			os.Remove(tmp.Name())
		}
	}()
	n, err = io.Copy(tmp, body)
	if err == nil {
		err = tmp.Sync() // on disk before it takes the name
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, 0, err
	}
	written = true
	return &stagedFile{tmp: tmp.Name(), path: filepath.Join(dir, name)}, n, nil
}

// place gives the staged file its name, in one step: a reader sees the
// old file or the new one, never a mix. rename replaces the name itself,
// even when it is a symbolic link: it never writes through one to
// somewhere outside the folder.
func (f *stagedFile) place() error {
	err := os.Rename(f.tmp, f.path)
	f.placed = err == nil
	return err
}

// discard removes the temporary file, unless it has taken its name.
func (f *stagedFile) discard() {
	if !f.placed {
		os.Remove(f.tmp)
	}
}

// limitBody returns the request's body, cut at maxBodyBytes, or answers
// 413 at once when the request announces more: then the body is never
// read, and a client that waits for "100 Continue" never sends it.
func limitBody(w http.ResponseWriter, r *http.Request) (io.Reader, bool) {
	if r.ContentLength > maxBodyBytes {
		http.Error(w, fmt.Sprintf("body of %d bytes; the limit is %d", r.ContentLength, maxBodyBytes), http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return http.MaxBytesReader(w, r.Body, maxBodyBytes), true
}

// bodyError answers a request whose body could not be read: 413 when it
// was larger than the site accepts, 400 otherwise (a malformed chunk, or a
// client that went away, who will not see it anyway).
func bodyError(w http.ResponseWriter, err error) {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		http.Error(w, fmt.Sprintf("body larger than %d bytes", maxErr.Limit), http.StatusRequestEntityTooLarge)
		return
	}
	http.Error(w, "cannot read the body: "+err.Error(), http.StatusBadRequest)
}
