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

	"example.com/webserver/part3-gateway/cgi"
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
	cgiDir := flag.String("cgi-bin", "", "folder of the CGI scripts served at /cgi-bin/ (default: part3-gateway/cgi-bin, or cgi-bin when run from inside part3-gateway)")
	cgiTimeout := flag.Duration("cgi-timeout", 10*time.Second, "how long a CGI script may run before it is killed")
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
	logger := log.New(os.Stdout, "", 0)
	// The CGI host, an http.Handler too: the site mounts it at /cgi-bin/.
	cgiBin := &cgi.Handler{
		Dir: scriptsDir(*cgiDir), Prefix: "/cgi-bin/", Timeout: *cgiTimeout,
		Software: "part3-gateway", Log: logger,
	}
	if err := cgi.Unsupported(); err != nil {
		logger.Print(err) // the rest of the site is served all the same
	}
	// The application: an http.Handler, built without knowing which
	// server will run it.
	handler, err := site.New(pages, *filesDir, *router, cgiBin)
	if err != nil {
		log.Fatal(err)
	}
	cgiBin.Internal = handler // a script's local redirect: the site answers it
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

// scriptsDir returns the folder of CGI scripts, as an absolute path: dir
// if given, else the part's own cgi-bin folder, found from the repository
// root (go run ./part3-gateway) or from inside the part.
func scriptsDir(dir string) string {
	if dir == "" {
		dir = filepath.Join("part3-gateway", "cgi-bin")
		if _, err := os.Stat(dir); err != nil {
			dir = "cgi-bin"
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		log.Fatal(err)
	}
	return abs
}
