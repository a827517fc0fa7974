// Command part2-http is an iterative HTTP/1.1 server: it parses each
// request and serves a small demo site, one request per connection.
package main

import (
	"flag"
	"io/fs"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on (host:port)")
	readTimeout := flag.Duration("read-timeout", 10*time.Second, "how long a client has to send its request")
	writeTimeout := flag.Duration("write-timeout", 10*time.Second, "how long a client has to read the response")
	root := flag.String("root", "", "serve the pages of this folder instead of the built-in site")
	filesDir := flag.String("files", filepath.Join(os.TempDir(), "part2-http-files"), "folder where /files/ stores uploads")
	flag.Parse()

	pages, _ := fs.Sub(siteFiles, "site")
	if *root != "" {
		// os.Root keeps every page inside the folder, even through a
		// symbolic link that points out of it.
		r, err := os.OpenRoot(*root)
		if err != nil {
			log.Fatal(err)
		}
		pages = r.FS()
	}
	site, err := newSite(pages, *filesDir)
	if err != nil {
		log.Fatal(err)
	}

	// net.Listen does what LSBAWS spells out: socket, setsockopt
	// SO_REUSEADDR, bind and listen (see cmd/rawecho for each call).
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	logger := log.New(os.Stdout, "", 0)
	pagesFrom := "the built-in site"
	if *root != "" {
		pagesFrom = *root
	}
	logger.Printf("part2-http serving HTTP on http://%s/ (pages: %s; uploads: %s)", ln.Addr(), pagesFrom, *filesDir)

	srv := &Server{Handler: site.Serve, ReadTimeout: *readTimeout, WriteTimeout: *writeTimeout, Log: logger}
	if err := srv.Serve(ln); err != nil {
		log.Fatal(err)
	}
}
