package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// siteServer is a small site on net/http's server, on 127.0.0.1:0.
func siteServer(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo/{text}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Val", "saved")
		io.WriteString(w, r.PathValue("text"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// rawServer serves each connection with serve, on 127.0.0.1:0, and waits
// for every connection's goroutine when the test ends.
func rawServer(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// readHead reads a request head up to its empty line.
func readHead(br *bufio.Reader) error {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if line == "\r\n" {
			return nil
		}
	}
}

type outcome struct {
	Outcome Outcome
	Got     string
}

func TestRunAgainstNetHTTP(t *testing.T) {
	r := &Runner{Addr: siteServer(t), Wait: 5 * time.Second}
	tests := []struct {
		name  string
		steps []Step
		want  outcome
	}{
		{"pass", simple(get("/echo/hi"), status(200), body("hi")), outcome{Pass, ""}},
		{"wrong status", simple(get("/echo/hi"), status(404)), outcome{Fail, "status 200"}},
		{"wrong body", simple(get("/echo/hi"), body("nope")), outcome{Fail, `a different body (shorter): "hi"`}},
		{"missing field", simple(get("/echo/hi"), hasField("X-Nope")), outcome{Fail, "no X-Nope field"}},
		{"keep-alive", []Step{send(get("/echo/a")), recv(body("a"), keepsAlive()), send(get("/echo/b")), recv(body("b"))}, outcome{Pass, ""}},
		{"a value saved for the next request", []Step{send(get("/echo/a")), recv(save("v", "X-Val")), send(get("/echo/${v}")), recv(body("saved"))}, outcome{Pass, ""}},
		{"one of two alternatives", simple(get("/echo/hi"), oneOf(all(status(400)), all(status(200), body("hi")))), outcome{Pass, ""}},
		{"neither alternative", simple(get("/echo/hi"), oneOf(all(status(400)), all(status(500)))), outcome{Fail, "status 200; status 200"}},
		{"second connection", steps(exchange(0, get("/echo/a"), body("a")), exchange(1, get("/echo/b"), body("c"))), outcome{Fail, `step 4: conn 1: a different body (same length): "b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Case{ID: "socket/test", Steps: tt.steps}
			res := r.Run(c)
			if diff := cmp.Diff(tt.want, outcome{res.Outcome, res.Got}); diff != "" {
				t.Errorf("outcome mismatch (-want +got):\n%s\ntranscript:\n%s", diff, res.Transcript)
			}
		})
	}
}

func TestRunClosesAndPending(t *testing.T) {
	// Answers 408 and closes once it has a head.
	answers408 := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		readHead(br)
		io.WriteString(c, "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	})
	// Closes at once.
	hangsUp := rawServer(t, func(c net.Conn, br *bufio.Reader) {})
	// Keeps the connection until the client closes it.
	holds := rawServer(t, func(c net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) })

	tests := []struct {
		name  string
		addr  string
		steps []Step
		want  outcome
	}{
		{"an error status, then the close", answers408, []Step{send(get("/")), closedOrError()}, outcome{Pass, ""}},
		{"a close was wanted, a response came", answers408, []Step{send(get("/")), closed()}, outcome{Fail, "conn 0: a 408 response instead of a close"}},
		{"a close", hangsUp, []Step{closed()}, outcome{Pass, ""}},
		{"nothing answered while the server waits", holds, []Step{send("GET / HT"), pendingOn(0)}, outcome{Pass, ""}},
		{"still open when a close was wanted", holds, []Step{send(get("/")), closed()}, outcome{Fail, "conn 0 still open after 300ms"}},
		{"no response when one was wanted", holds, simple(get("/"), status(200)), outcome{Fail, "no response within 300ms"}},
		{"closed when an answer was wanted", hangsUp, []Step{recv(status(200))}, outcome{Fail, errNoResponse.Error()}},
		{"answered when nothing should be", answers408, []Step{send(get("/")), recv(), openOn(1), pendingOn(1), pendingOn(0)}, outcome{Fail, "step 5: conn 0 already closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A short wait: the failing cases wait for it in full.
			r := &Runner{Addr: tt.addr, Wait: 300 * time.Millisecond}
			res := r.Run(&Case{ID: "socket/test", Steps: tt.steps})
			if diff := cmp.Diff(tt.want, outcome{res.Outcome, res.Got}); diff != "" {
				t.Errorf("outcome mismatch (-want +got):\n%s\ntranscript:\n%s", diff, res.Transcript)
			}
		})
	}
}

// TestTrickleIsOneBytePerWrite checks that the server sees the request
// arrive in pieces: it reads with a buffer of one byte and counts.
func TestTrickleIsOneBytePerWrite(t *testing.T) {
	reads := make(chan int, 1)
	addr := rawServer(t, func(c net.Conn, _ *bufio.Reader) {
		var got []byte
		n := 0
		buf := make([]byte, 64)
		for !strings.HasSuffix(string(got), "\r\n\r\n") {
			k, err := c.Read(buf)
			if err != nil {
				return
			}
			got = append(got, buf[:k]...)
			n++
		}
		reads <- n
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	res := (&Runner{Addr: addr, Wait: 5 * time.Second}).Run(&Case{ID: "socket/test", Steps: []Step{trickle(get("/")), recv(status(200))}})
	if res.Outcome != Pass {
		t.Fatalf("got %s\n%s", res.Got, res.Transcript)
	}
	// The kernel may join small writes that arrive while the server is
	// not reading; it cannot make them all one read.
	if n := <-reads; n < 2 {
		t.Errorf("the server read the trickled head in %d read; want several", n)
	}
}

func TestFixtures(t *testing.T) {
	addr := siteServer(t)
	c := &Case{ID: "cgi/test", Fixture: true, Steps: simple(get("/echo/x"), status(200))}
	if res := (&Runner{Addr: addr, Wait: time.Second}).Run(c); res.Outcome != Skip {
		t.Errorf("a fixture case without fixtures: outcome %v, want Skip", res.Outcome)
	}

	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "escape.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c = &Case{ID: "site/test", Steps: []Step{noFileOutside("escape.txt")}}
	res := (&Runner{Addr: addr, Wait: time.Second, Outside: outside}).Run(c)
	if want := "escape.txt was written outside the upload folder"; res.Outcome != Fail || res.Got != want {
		t.Errorf("noFileOutside with the file there: %v %q, want Fail %q", res.Outcome, res.Got, want)
	}
}

func TestNetlessDropsPorts(t *testing.T) {
	_, err := net.DialTimeout("tcp", "127.0.0.1:1", time.Second)
	if err == nil {
		t.Skip("something listens on port 1")
	}
	got := netless(fmt.Errorf("reading: %w", err))
	if got != "reading: connection refused" {
		t.Errorf("netless = %q, want %q", got, "reading: connection refused")
	}
}
