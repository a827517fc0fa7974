// The stored files: GET, PUT, POST and DELETE of /files/{name}, the
// listing, and the rules every stored name and body follow (a name that
// stays in the folder, a body that is all on disk before it takes the
// name, a size the site accepts).

package site

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
)

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
