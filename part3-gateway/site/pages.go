// The site's pages, as the file server sees them: never a hidden file, a
// named pipe or a folder's listing, and a time for the files built into
// the binary.

package site

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

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
