package main

import (
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"strings"
	"time"
)

// This example starts the server on a free loopback port with a fixed
// clock, sends it two requests, one it serves and one it refuses, and
// prints the responses with "\r" shown so that the CRLFs can be seen.
func ExampleServer() {
	pages, _ := fs.Sub(siteFiles, "site")
	files, err := os.MkdirTemp("", "example-files")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(files)
	site, err := newSite(pages, files)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	srv := &Server{
		Handler:     site.Serve,
		ReadTimeout: 10 * time.Second,
		Now:         func() time.Time { return time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC) },
	}
	go srv.Serve(ln)

	for _, request := range []string{
		"GET /echo/hello HTTP/1.1\r\nHost: 127.0.0.1:8888\r\n\r\n",
		"GET /echo/hello HTTP/1.1\r\n\r\n", // no Host
	} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			log.Fatal(err)
		}
		io.WriteString(conn, request)
		resp, err := io.ReadAll(conn)
		conn.Close()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(strings.ReplaceAll(string(resp), "\r", `\r`))
		fmt.Println("---")
	}
	// Output:
	// HTTP/1.1 200 OK\r
	// Date: Sat, 21 Nov 2026 08:00:00 GMT\r
	// Server: part2-http\r
	// Content-Type: text/plain; charset=utf-8\r
	// Content-Length: 5\r
	// Connection: close\r
	// \r
	// hello
	// ---
	// HTTP/1.1 400 Bad Request\r
	// Date: Sat, 21 Nov 2026 08:00:00 GMT\r
	// Server: part2-http\r
	// Content-Type: text/plain; charset=utf-8\r
	// Content-Length: 39\r
	// Connection: close\r
	// \r
	// an HTTP/1.1 request needs a Host field
	//
	// ---
}
