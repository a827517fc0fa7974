// Command part3-gateway is an iterative HTTP/1.1 server that runs any Go
// web application (any http.Handler) through a gateway: here, the demo
// site, a package of its own that knows nothing of the server.
package main

import (
	"flag"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"example.com/webserver/part3-gateway/middleware"
	"example.com/webserver/part3-gateway/site"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on (host:port)")
	readTimeout := flag.Duration("read-timeout", 10*time.Second, "how long a client has to send its request")
	writeTimeout := flag.Duration("write-timeout", 10*time.Second, "how long a client has to read the response")
	root := flag.String("root", "", "serve the pages of this folder instead of the built-in site")
	filesDir := flag.String("files", filepath.Join(os.TempDir(), "part3-gateway-files"), "folder where /files/ stores uploads")
	server := flag.String("server", "ours", "the server that runs the site: ours, or net/http's http.Server")
	router := flag.String("router", "mux", "the router the site is built on: mux (http.ServeMux) or chi")
	flag.Parse()

	var pages fs.FS = site.Pages
	if *root != "" {
		// os.Root keeps every page inside the folder, even through a
		// symbolic link that points out of it.
		r, err := os.OpenRoot(*root)
		if err != nil {
			log.Fatal(err)
		}
		pages = r.FS()
	}
	// The application: an http.Handler, built without knowing which
	// server will run it.
	handler, err := site.New(pages, *filesDir, *router)
	if err != nil {
		log.Fatal(err)
	}
	logger := log.New(os.Stdout, "", 0)
	// Middleware wraps the application and is an http.Handler itself, as
	// WSGI middleware is a WSGI application: the server cannot tell.
	handler = middleware.AccessLog(logger, middleware.Gzip(handler))

	// net.Listen does what LSBAWS spells out: socket, setsockopt
	// SO_REUSEADDR, bind and listen (see cmd/rawecho for each call).
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	pagesFrom := "the built-in site"
	if *root != "" {
		pagesFrom = *root
	}
	logger.Printf("part3-gateway serving HTTP on http://%s/ (server: %s; router: %s; pages: %s; uploads: %s)", ln.Addr(), *server, *router, pagesFrom, *filesDir)

	// The server: ours, or net/http's running the very same handler, so
	// that the two can be compared byte for byte.
	switch *server {
	case "ours":
		srv := &Server{Handler: handler, ReadTimeout: *readTimeout, WriteTimeout: *writeTimeout, Log: logger}
		err = srv.Serve(ln)
	case "net/http":
		srv := &http.Server{Handler: handler, ReadTimeout: *readTimeout, WriteTimeout: *writeTimeout, ErrorLog: logger}
		// Ours closes the connection after each response (keep-alive is
		// part 4's); so does this one, so that their answers compare.
		srv.SetKeepAlivesEnabled(false)
		err = srv.Serve(ln)
	default:
		log.Fatalf("-server %q: use ours or net/http", *server)
	}
	if err != nil {
		log.Fatal(err)
	}
}
