package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"example.com/webserver/part4-concurrency/cgi"
)

// Three requests as real clients send them. The differential test reuses
// them, so the requests we time are also requests both parsers are known
// to read alike.
const (
	// benchCurlGET is what `curl http://localhost:8888/` sends.
	benchCurlGET = "GET / HTTP/1.1\r\n" +
		"Host: localhost:8888\r\n" +
		"User-Agent: curl/8.5.0\r\n" +
		"Accept: */*\r\n" +
		"\r\n"

	// benchBrowserGET is a page load by Chrome: 15 header fields,
	// client hints and a cookie among them.
	benchBrowserGET = "GET /docs/index.html?lang=en HTTP/1.1\r\n" +
		"Host: localhost:8888\r\n" +
		"Connection: keep-alive\r\n" +
		"sec-ch-ua: \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"\r\n" +
		"sec-ch-ua-mobile: ?0\r\n" +
		"sec-ch-ua-platform: \"Linux\"\r\n" +
		"Upgrade-Insecure-Requests: 1\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n" +
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n" +
		"Sec-Fetch-Site: same-origin\r\n" +
		"Sec-Fetch-Mode: navigate\r\n" +
		"Sec-Fetch-User: ?1\r\n" +
		"Sec-Fetch-Dest: document\r\n" +
		"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-GB,en;q=0.9,fr;q=0.8\r\n" +
		"Cookie: session=4f6c2b1e9d8a7c3b5e0f1a2d; theme=dark; _ga=GA1.1.1234567890.1700000000\r\n" +
		"\r\n"
)

// benchChunkedPOST uploads 1 KiB of JSON in four chunks of 256 bytes, as a
// client streaming a body of unknown length does.
var benchChunkedPOST = "POST /files/data.json HTTP/1.1\r\n" +
	"Host: localhost:8888\r\n" +
	"User-Agent: curl/8.5.0\r\n" +
	"Accept: */*\r\n" +
	"Content-Type: application/json\r\n" +
	"Transfer-Encoding: chunked\r\n" +
	"\r\n" +
	strings.Repeat("100\r\n"+strings.Repeat(`{"id":12345,"name":"x"},`, 10)+strings.Repeat(" ", 16)+"\r\n", 4) +
	"0\r\n" +
	"\r\n"

// BenchmarkReadRequest times our parser against net/http's on the same
// requests. To keep it fair both read from a strings.Reader through a
// bufio.Reader made once and Reset on every iteration, as a server reuses
// one per connection, and both read the whole body.
//
//	go test -run=NONE -bench=ReadRequest -benchmem -count=6 . | tee /tmp/bench.txt
//	benchstat -col /parser /tmp/bench.txt
//
// Sub-benchmarks are named request/parser=… ("curl/parser=ours",
// "curl/parser=net-http"), so that benchstat -col /parser puts the two
// parsers side by side.
func BenchmarkReadRequest(b *testing.B) {
	requests := []struct{ name, raw string }{
		{"curl", benchCurlGET},
		{"browser", benchBrowserGET},
		{"chunked", benchChunkedPOST},
	}
	for _, r := range requests {
		b.Run(r.name+"/parser=ours", func(b *testing.B) {
			sr := strings.NewReader(r.raw)
			br := bufio.NewReaderSize(sr, readBufferBytes)
			b.ReportAllocs()
			b.SetBytes(int64(len(r.raw)))
			for b.Loop() {
				sr.Reset(r.raw)
				br.Reset(sr)
				req, err := readRequest(br)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := readBody(br, req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(r.name+"/parser=net-http", func(b *testing.B) {
			sr := strings.NewReader(r.raw)
			br := bufio.NewReader(sr)
			b.ReportAllocs()
			b.SetBytes(int64(len(r.raw)))
			for b.Loop() {
				sr.Reset(r.raw)
				br.Reset(sr)
				req, err := http.ReadRequest(br)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadAll(req.Body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServers runs the same handler on our server and on net/http's,
// and times a whole exchange two ways: on a kept-alive connection (send,
// read the response by its length), and on a new connection each time
// with "Connection: close" (connect, send, read to the close), as parts 2
// and 3 served every request; on Linux, the epoll model too. Compare the
// lines:
//
//	go test -run=NONE -bench=Servers -count=6 ./part4-concurrency
func BenchmarkServers(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello, world\n")
	})
	servers := []struct {
		name  string
		serve func(net.Listener) error
	}{
		{"ours", (&Server{Handler: handler, ReadTimeout: testTimeout}).Serve},
		{"net-http", (&http.Server{Handler: handler, ReadTimeout: testTimeout}).Serve},
	}
	if eventLoopSupported {
		servers = append(servers, struct {
			name  string
			serve func(net.Listener) error
		}{"ours-epoll", (&Server{Handler: handler, Model: EventLoop, ReadTimeout: testTimeout}).Serve})
	}
	for _, s := range servers {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		go s.serve(ln)
		addr := ln.Addr().String()

		b.Run("server="+s.name+"/conn=keep-alive", func(b *testing.B) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			req := &http.Request{Method: "GET"}
			for b.Loop() {
				io.WriteString(conn, "GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
				resp, err := http.ReadResponse(br, req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
		b.Run("server="+s.name+"/conn=close", func(b *testing.B) {
			for b.Loop() {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				io.WriteString(conn, "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
				if _, err := io.ReadAll(conn); err != nil {
					b.Fatal(err)
				}
				conn.Close()
			}
		})
	}
}

// BenchmarkLargeUpload streams a 1 GiB body through our server to a
// handler that copies r.Body to a file, and reports the peak of the Go
// heap while it runs: a streamed body needs a buffer, not memory that
// grows with the upload. (Part 2 held the whole body in memory.)
//
//	go test -run=NONE -bench=LargeUpload -benchtime=1x ./part4-concurrency
func BenchmarkLargeUpload(b *testing.B) {
	const size = 1 << 30
	dir := b.TempDir()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.CreateTemp(dir, "upload-")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer os.Remove(f.Name())
		defer f.Close()
		n, err := io.Copy(f, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "stored %d bytes", n)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go (&Server{Handler: handler}).Serve(ln)

	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		peak := before.HeapInuse
		stop, sampled := make(chan struct{}), make(chan struct{})
		go func() { // sample the heap while the upload runs
			defer close(sampled)
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
				}
			}
		}()

		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(conn, "PUT /big HTTP/1.1\r\nHost: bench\r\nContent-Length: %d\r\n\r\n", size)
		// The body comes from a reader that makes it up as it goes: the
		// client holds no gigabyte either.
		if _, err := io.Copy(conn, io.LimitReader(zeros{}, size)); err != nil {
			b.Fatal(err)
		}
		resp, err := io.ReadAll(conn)
		conn.Close()
		close(stop)
		<-sampled
		if err != nil || !bytes.Contains(resp, []byte(fmt.Sprintf("stored %d bytes", size))) {
			b.Fatalf("upload: %v %q", err, resp)
		}
		b.SetBytes(size)
		b.ReportMetric(float64(peak-before.HeapInuse)/(1<<20), "peak-heap-growth-MiB")
	}
}

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// BenchmarkCGI compares a CGI script with the same answer from a handler
// in the server's own process, both through our server, one request per
// connection: what starting a process per request costs.
//
//	go test -run=NONE -bench=CGI -count=6 ./part4-concurrency
func BenchmarkCGI(b *testing.B) {
	dir, err := filepath.Abs("cgi-bin")
	if err != nil {
		b.Fatal(err)
	}
	host := &cgi.Handler{Dir: dir, Prefix: "/cgi-bin/", Timeout: testTimeout, Software: "part4-concurrency"}
	inProcess := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello from a CGI script, run by part4-concurrency.\n")
	})
	for _, h := range []struct {
		name    string
		handler http.Handler
	}{{"cgi-script", host}, {"handler", inProcess}} {
		b.Run("answer="+h.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go (&Server{Handler: h.handler, ReadTimeout: testTimeout}).Serve(ln)
			for b.Loop() {
				conn, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				io.WriteString(conn, "GET /cgi-bin/hello.sh HTTP/1.1\r\nHost: bench\r\n\r\n")
				resp, err := io.ReadAll(conn)
				conn.Close()
				if err != nil || !bytes.Contains(resp, []byte("Hello from a CGI script")) {
					b.Fatalf("%v %q", err, resp)
				}
			}
		})
	}
}
