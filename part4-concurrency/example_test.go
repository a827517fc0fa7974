package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// This example runs an ordinary http.Handler on our server, with a fixed
// clock, and prints what comes back on one connection that carries three
// requests at once (pipelined), with "\r" shown so that the CRLFs can be
// seen: a short answer, which gets a Content-Length; a flushed one, which
// goes out in chunks; and a request the server refuses before any handler
// runs. The first two leave the connection open for the next; the refusal
// says "Connection: close" and closes it, which ends the output.
func ExampleServer() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello\n")
		if r.URL.Path == "/stream" {
			w.(http.Flusher).Flush() // the head and "hello\n" leave now
			io.WriteString(w, "world\n")
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	srv := &Server{
		Handler:     handler,
		ReadTimeout: 10 * time.Second,
		Now:         func() time.Time { return time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC) },
	}
	go srv.Serve(ln)

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8888\r\n\r\n"+
		"GET /stream HTTP/1.1\r\nHost: 127.0.0.1:8888\r\n\r\n"+
		"GET / HTTP/1.1\r\n\r\n") // no Host
	resp, err := io.ReadAll(conn)
	conn.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.ReplaceAll(string(resp), "\r", `\r`))
	// Output:
	// HTTP/1.1 200 OK\r
	// Content-Type: text/plain; charset=utf-8\r
	// Date: Sat, 21 Nov 2026 08:00:00 GMT\r
	// Content-Length: 6\r
	// \r
	// hello
	// HTTP/1.1 200 OK\r
	// Content-Type: text/plain; charset=utf-8\r
	// Date: Sat, 21 Nov 2026 08:00:00 GMT\r
	// Transfer-Encoding: chunked\r
	// \r
	// 6\r
	// hello
	// \r
	// 6\r
	// world
	// \r
	// 0\r
	// \r
	// HTTP/1.1 400 Bad Request\r
	// Date: Sat, 21 Nov 2026 08:00:00 GMT\r
	// Server: part4-concurrency\r
	// Content-Type: text/plain; charset=utf-8\r
	// Content-Length: 39\r
	// Connection: close\r
	// \r
	// an HTTP/1.1 request needs a Host field
}
