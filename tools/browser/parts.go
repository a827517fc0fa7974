// Running the parts: start each on a free loopback port, with an upload
// folder of its own (finding, building and running them is package course).

package main

import (
	"context"
	"path/filepath"

	"example.com/webserver/tools/internal/course"
)

// A server is a running part.
type server struct {
	*course.Program
	Part  course.Part
	URL   string // where it serves: "http://127.0.0.1:41234"
	Files string // its -files folder (parts 2 on)
}

// startServer starts the program of p, built into bin, on a free loopback
// port, with uploads in files and the part's own CGI scripts from root,
// and returns when the part has said where it serves.
func startServer(ctx context.Context, root, bin string, p course.Part, files string, extra ...string) (*server, error) {
	args := []string{"-addr", "127.0.0.1:0"}
	if p.N >= 2 {
		args = append(args, "-files", files)
	}
	if p.N >= 3 {
		// From part 3 on, the CGI scripts; a part finds its own folder
		// only when started from the repository or the part, so say it.
		args = append(args, "-cgi-bin", filepath.Join(root, p.Dir, "cgi-bin"))
	}
	args = append(args, extra...)
	// It runs beside its upload folder: whatever it writes stays out of
	// the repository.
	prog, err := course.Start(ctx, filepath.Join(bin, p.Dir), args, filepath.Dir(files))
	if err != nil {
		return nil, err
	}
	return &server{Program: prog, Part: p, URL: "http://" + prog.Addr, Files: files}, nil
}
