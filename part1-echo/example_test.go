package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"
)

// This example starts the server on a free loopback port, sends it the
// request curl sends for http://127.0.0.1:8888/hello, and prints what the
// server answers, with "\r" shown so that the CRLF line endings can be seen.
func ExampleServer() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	srv := &Server{ReadTimeout: 10 * time.Second}
	go srv.Serve(ln)

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /hello HTTP/1.1\r\n"+
		"Host: 127.0.0.1:8888\r\n"+
		"User-Agent: curl/7.88.1\r\n"+
		"Accept: */*\r\n"+
		"\r\n")
	resp, err := io.ReadAll(conn)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(strings.ReplaceAll(string(resp), "\r", `\r`))
	// Output:
	// HTTP/1.1 200 OK\r
	// Content-Type: text/plain; charset=utf-8\r
	// Content-Length: 83\r
	// Connection: close\r
	// \r
	// GET /hello HTTP/1.1\r
	// Host: 127.0.0.1:8888\r
	// User-Agent: curl/7.88.1\r
	// Accept: */*\r
	// \r
}
