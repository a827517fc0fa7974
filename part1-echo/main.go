// Command part1-echo is an iterative TCP server that answers every request
// with an HTTP/1.1 response echoing the request head it received.
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "address to listen on (host:port)")
	readTimeout := flag.Duration("read-timeout", 10*time.Second, "how long a client has to send its request head")
	flag.Parse()

	// net.Listen does what LSBAWS spells out: socket, setsockopt
	// SO_REUSEADDR, bind and listen (see cmd/rawecho for each call).
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	logger := log.New(os.Stdout, "", 0)
	logger.Printf("part1-echo serving HTTP on http://%s/ (one connection at a time)", ln.Addr())

	srv := &Server{ReadTimeout: *readTimeout, Log: logger}
	if err := srv.Serve(ln); err != nil {
		log.Fatal(err)
	}
}
