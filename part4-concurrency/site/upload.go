// The upload form: a page with a multipart/form-data form, whose files
// are streamed to the upload folder part by part and stored all or none,
// and a listing of the stored files with links to download and delete
// them.

package site

import (
	"errors"
	"html/template"
	"io"
	"io/fs"
	"net/http"
)

// uploadPage is the form and the listing. html/template escapes every
// value it inserts: a stored name can never become markup.
var uploadPage = template.Must(template.New("upload").Parse(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Upload: Let's Build A Web Server</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <header>
    <a class="home" href="/">Let's Build A Web Server</a>
    <nav><a href="/">Home</a> <a href="/about.html">About</a> <a href="/upload">Upload</a></nav>
  </header>
  <main>
    <h1>Upload files</h1>
    <p>The browser sends the chosen files in one <code>multipart/form-data</code>
      request; the server stores each one as it arrives, never the whole
      file in memory. Names: 1 to 255 letters, digits, <code>-</code>,
      <code>_</code> or <code>.</code>, not starting with <code>.</code>.</p>
    <form method="post" action="/upload" enctype="multipart/form-data">
      <p><input type="file" name="file" multiple required></p>
      <p><button type="submit">Upload</button></p>
    </form>
    <h2>Stored files</h2>
    {{if .}}<ul class="files">
    {{range .}}<li><a href="/files/{{.}}" download>{{.}}</a>
      <form class="inline" method="post" action="/upload/delete"><input type="hidden" name="name" value="{{.}}"><button type="submit">delete</button></form></li>
    {{end}}</ul>
    {{else}}<p>None yet.</p>{{end}}
  </main>
</body>
</html>
`))

// uploadForm answers GET /upload: the form, and the stored files.
func (s *site) uploadForm(w http.ResponseWriter, r *http.Request) {
	names, err := s.storedNames()
	if err != nil {
		http.Error(w, "cannot list files", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	uploadPage.Execute(w, names)
}

// upload answers POST /upload, all or nothing: every file of the request
// is stored, or none is. r.MultipartReader hands over the parts of the
// body one at a time, each a stream: every file goes to disk as it
// arrives, into a temporary file of its own (see stage), never whole in
// memory. (r.ParseMultipartForm would be simpler, and would hold up to
// its limit of each file in memory.) Only once the whole body has been
// read without error does each file take its name. Otherwise a request
// refused halfway (its third file too large, say, or badly named) would
// leave its first two files stored under a 413 or a 400 that says the
// upload failed, and the user, sending it again, could not tell what the
// first try left behind. Then 303 See Other sends the browser to the
// listing with a GET, so that reloading it does not post the files again.
func (s *site) upload(w http.ResponseWriter, r *http.Request) {
	body, ok := limitBody(w, r)
	if !ok {
		return
	}
	r.Body = io.NopCloser(body)
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, "not a multipart/form-data request: "+err.Error(), http.StatusBadRequest)
		return
	}
	// However this function ends (an answer, an error or a panic), the
	// files that have not taken their names are removed: nothing of a
	// refused request stays in the folder.
	var staged []*stagedFile
	defer func() {
		for _, f := range staged {
			f.discard()
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bodyError(w, err)
			return
		}
		name := part.FileName() // the base name the browser sends
		if part.FormName() != "file" || name == "" {
			continue // not a file: nothing to store
		}
		if !validFileName(name) {
			badFileName(w, name)
			return
		}
		if info, err := s.files.Lstat(name); err == nil && info.IsDir() {
			http.Error(w, name+" is a folder, not a file", http.StatusConflict)
			return
		}
		f, _, err := s.stage(name, part)
		if err != nil {
			bodyError(w, err)
			return
		}
		staged = append(staged, f)
	}
	// The whole body has arrived, and every file is on disk: now each
	// takes its name, in the order sent (a name sent twice keeps the last
	// file). A rename is quick and fails only for reasons of the server's
	// own (a folder made meanwhile under that name, say); the folder has
	// no transaction to undo those done before it, so they stay.
	for _, f := range staged {
		if err := f.place(); err != nil {
			http.Error(w, "cannot store the files", http.StatusInternalServerError)
			return
		}
	}
	http.Redirect(w, r, "/upload", http.StatusSeeOther)
}

// deleteUpload answers POST /upload/delete, the listing's delete buttons:
// an HTML form can only GET or POST, so it cannot send DELETE /files/x.
func (s *site) deleteUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	name := r.PostFormValue("name")
	if !validFileName(name) || !s.isStored(name) {
		http.Error(w, "no file "+name, http.StatusNotFound)
		return
	}
	if err := s.files.Remove(name); err != nil {
		http.Error(w, "cannot delete "+name, http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/upload", http.StatusSeeOther)
}

// storedNames returns the names of the stored files, sorted.
func (s *site) storedNames() ([]string, error) {
	entries, err := fs.ReadDir(s.files.FS(), ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && validFileName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
