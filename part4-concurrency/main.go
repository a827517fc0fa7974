// Command part4-concurrency is a concurrent HTTP/1.1 server that runs any
// Go web application (any http.Handler) through a gateway: here, the demo
// site, a package of its own that knows nothing of the server. -model
// chooses how it serves many clients at once.
package main

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"example.com/webserver/part4-concurrency/cgi"
	"example.com/webserver/part4-concurrency/middleware"
	"example.com/webserver/part4-concurrency/site"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on (host:port)")
	model := flag.String("model", "goroutine", "how connections are served: goroutine, process, iterative or epoll (our server only)")
	readHeaderTimeout := flag.Duration("read-header-timeout", 5*time.Second, "how long a client has to send a request's head, from its first byte")
	readTimeout := flag.Duration("read-timeout", 30*time.Second, "how long a client has to send a whole request, body included")
	writeTimeout := flag.Duration("write-timeout", 30*time.Second, "how long the server has to answer, from the end of the request's head")
	idleTimeout := flag.Duration("idle-timeout", 30*time.Second, "how long a kept-alive connection may wait for its next request")
	maxConns := flag.Int("max-conns", 0, "the most connections served at once (process model: children); 0 for no cap (process model: 256)")
	shutdownTimeout := flag.Duration("shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, how long requests in flight have to finish")
	reap := flag.Bool("reap", true, "process model: collect the children that exit (false leaves zombies)")
	parentCloses := flag.Bool("parent-closes", true, "process model: the parent closes its copies of each connection (false: the client never sees the end)")
	root := flag.String("root", "", "serve the pages of this folder instead of the built-in site")
	filesDir := flag.String("files", filepath.Join(os.TempDir(), "part4-concurrency-files"), "folder where /files/ stores uploads")
	serverName := flag.String("server", "ours", "the server that runs the site: ours, or net/http's http.Server")
	router := flag.String("router", "mux", "the router the site is built on: mux (http.ServeMux) or chi")
	cgiDir := flag.String("cgi-bin", "", "folder of the CGI scripts served at /cgi-bin/ (default: part4-concurrency/cgi-bin, or cgi-bin when run from inside part4-concurrency)")
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
		Software: "part4-concurrency", Log: logger,
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

	srv := &Server{
		Handler: handler, Model: Model(*model),
		ReadHeaderTimeout: *readHeaderTimeout, ReadTimeout: *readTimeout,
		WriteTimeout: *writeTimeout, IdleTimeout: *idleTimeout,
		MaxConns: *maxConns, LeaveZombies: !*reap, ParentKeepsCopies: !*parentCloses,
		Log: logger,
	}
	switch srv.Model {
	case Goroutine, Process, Iterative, EventLoop:
	default:
		log.Fatalf("-model %q: use goroutine, process, iterative or epoll", *model)
	}
	if srv.Model == Process && !processModelSupported {
		log.Fatal("-model process needs a Unix system (fork/exec with an inherited socket, SIGCHLD and waitpid); use -model goroutine")
	}
	if srv.Model == EventLoop && !eventLoopSupported {
		log.Fatal("-model epoll needs Linux (epoll(7)); use -model goroutine")
	}
	// The server, ours or net/http's running the very same handler, so
	// that the two can be compared: both stop the same way.
	var server interface {
		Serve(net.Listener) error
		Shutdown(context.Context) error
		Close() error
	}
	switch *serverName {
	case "ours":
		server = srv
	case "net/http":
		server = &http.Server{
			Handler: handler, ReadHeaderTimeout: *readHeaderTimeout, ReadTimeout: *readTimeout,
			WriteTimeout: *writeTimeout, IdleTimeout: *idleTimeout, ErrorLog: logger,
		}
	default:
		log.Fatalf("-server %q: use ours or net/http", *serverName)
	}

	// Graceful shutdown: the first SIGINT (Ctrl-C) or SIGTERM stops the
	// server as Shutdown does; stop() then restores the signals' default,
	// so a second one ends the program at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		stop()
		inChild := os.Getenv(childEnv) != ""
		if !inChild {
			logger.Printf("shutting down: requests in flight have %v to finish (Ctrl-C again to stop now)", *shutdownTimeout)
		}
		timeout := *shutdownTimeout
		if srv.Model == Process && !inChild && server == srv {
			// Each child has the same timeout, from our SIGTERM, and then
			// stops its request itself: an upload cut off removes its
			// temporary file. Only a child still there after that (stuck)
			// is killed, which leaves no chance to clean up.
			timeout += childGrace
		}
		sctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := server.Shutdown(sctx); err != nil {
			logger.Printf("shutdown: %v: closing the rest", err)
			server.Close()
			// Close cuts the requests in flight, and their handlers end
			// on their own soon after (a read fails, an upload removes
			// its temporary file): give them a moment before the
			// program exits under them.
			cctx, cancel := context.WithTimeout(context.Background(), childGrace)
			defer cancel()
			server.Shutdown(cctx)
		}
	}()

	if os.Getenv(childEnv) != "" {
		// A child of the process model: it serves the one connection its
		// parent passed it, and exits (process.go).
		if err := srv.serveChild(); err != nil {
			log.Fatal(err)
		}
		return
	}

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
	how := "model: " + *model
	if *serverName == "net/http" {
		how = "server: net/http"
	}
	logger.Printf("part4-concurrency serving HTTP on http://%s/ (%s; router: %s; pages: %s; uploads: %s)", ln.Addr(), how, *router, pagesFrom, *filesDir)
	err = server.Serve(ln)
	if !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	<-stopped
	logger.Printf("stopped")
}

// childGrace is how much longer than a child the parent of the process
// model waits on shutdown, and how long handlers cut off by Close have to
// end before the program exits.
const childGrace = 2 * time.Second

// scriptsDir returns the folder of CGI scripts, as an absolute path: dir
// if given, else the part's own cgi-bin folder, found from the repository
// root (go run ./part4-concurrency) or from inside the part.
func scriptsDir(dir string) string {
	if dir == "" {
		dir = filepath.Join("part4-concurrency", "cgi-bin")
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
