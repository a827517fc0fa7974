package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The gateway's differential test: each handler runs on our server and on
// net/http's, receives the same raw request, and the two raw responses
// must be the same bytes once the Date field is set aside. A handler
// cannot tell which server runs it, and a client cannot tell which server
// answered: that is what a gateway interface promises.

// startNetHTTP runs h on net/http's server, with keep-alive on as ours
// now has it, and returns its address.
func startNetHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	return startServer(t, func(ln net.Listener) error {
		if err := srv.Serve(ln); !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})
}

// bothServers are the two servers a test runs the same handler on, to
// compare what a client sees.
var bothServers = []struct {
	name  string
	start func(*testing.T, http.Handler) string
}{{"ours", startOurs}, {"net/http", startNetHTTP}}

// startOurs runs h on our server and returns its address.
func startOurs(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := &Server{Handler: h, ReadTimeout: testTimeout, WriteTimeout: testTimeout}
	return startServer(t, srv.Serve)
}

// dateField matches the Date field, whose value differs between runs.
var dateField = regexp.MustCompile(`(?m)^Date: [^\r]*\r\n`)

// withoutDate returns resp with its Date field (if any) replaced by a
// placeholder, so that two responses made a second apart compare equal.
func withoutDate(resp string) string {
	return dateField.ReplaceAllString(resp, "Date: (set aside)\r\n")
}

// modTime is the modification time of the content ServeContent serves.
var modTime = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// gatewayCases are handlers and the requests sent to them.
var gatewayCases = []struct {
	name     string
	handler  http.HandlerFunc
	requests []string
}{
	{"a plain write", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hello\n")
	}, []string{get("/"), head("/"), "GET / HTTP/1.0\r\n\r\n"}},

	{"no Content-Type: sniffed", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!doctype html><title>x</title>")
	}, []string{get("/"), head("/")}},

	{"nothing written", func(w http.ResponseWriter, r *http.Request) {}, []string{get("/"), head("/"), "GET / HTTP/1.0\r\n\r\n"}},

	{"fields sorted, CR LF in values neutralised", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Zebra", "z")
		w.Header().Add("X-Alpha", "a1")
		w.Header().Add("X-Alpha", "a2")
		w.Header().Set("X-Split", "a\r\nX-Injected: yes")
		io.WriteString(w, "ok")
	}, []string{get("/")}},

	{"Content-Length set by the handler", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	}, []string{get("/"), head("/"), "GET / HTTP/1.0\r\n\r\n"}},

	{"Content-Length longer than the body", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "hello")
	}, []string{get("/")}},

	{"Content-Length shorter than the body", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "3")
		_, err := io.WriteString(w, "hello")
		if !errors.Is(err, http.ErrContentLength) {
			panic(fmt.Sprintf("write past Content-Length: %v", err))
		}
	}, []string{get("/")}},

	{"invalid Content-Length set by the handler", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "abc")
		io.WriteString(w, "hello")
	}, []string{get("/")}},

	{"a body larger than the buffer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := range 300 {
			fmt.Fprintf(w, "line %03d: the same twenty bytes\n", i)
		}
	}, []string{get("/"), head("/"), "GET / HTTP/1.0\r\n\r\n"}},

	{"one large write", func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 5000))
	}, []string{get("/"), head("/")}},

	{"one large WriteString", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("y", 5000)) // our WriteString, as net/http's
	}, []string{get("/"), head("/")}},

	{"Flush mid-body", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first part\n")
		w.(http.Flusher).Flush()
		io.WriteString(w, "second part\n")
	}, []string{get("/"), head("/"), "GET / HTTP/1.0\r\n\r\n"}},

	{"Flush through http.ResponseController", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: 1\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			panic(err)
		}
		io.WriteString(w, "data: 2\n\n")
	}, []string{get("/")}},

	{"Flush before any write", func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
	}, []string{get("/"), head("/")}},

	{"204 with an attempted body", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNoContent)
		if _, err := io.WriteString(w, "no"); !errors.Is(err, http.ErrBodyNotAllowed) {
			panic(fmt.Sprintf("body in a 204: %v", err))
		}
	}, []string{get("/"), head("/")}},

	{"304 with an attempted body", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "2")
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(http.StatusNotModified)
		io.WriteString(w, "no")
	}, []string{get("/")}},

	{"WriteHeader twice: the first wins", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "accepted")
	}, []string{get("/")}},

	{"fields changed after WriteHeader are not sent", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "1")
		w.WriteHeader(http.StatusOK)
		w.Header().Set("X-After", "2")
		io.WriteString(w, "ok")
	}, []string{get("/")}},

	{"fields set after the first Write are not sent", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
		w.Header().Set("X-Late", "1")
	}, []string{get("/")}},

	{"103 Early Hints, then 200", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<p>hinted</p>")
	}, []string{get("/")}},

	{"an unknown status code", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(599)
		io.WriteString(w, "odd")
	}, []string{get("/")}},

	{"trailers declared in Trailer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Checksum, Content-Length")
		io.WriteString(w, "body")
		w.Header().Set("X-Checksum", "abc")
	}, []string{get("/"), "GET / HTTP/1.0\r\n\r\n"}},

	{"trailers with TrailerPrefix", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "body")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	}, []string{get("/")}},

	{"Transfer-Encoding chunked set by the handler", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Transfer-Encoding", "chunked")
		io.WriteString(w, "body")
	}, []string{get("/"), "GET / HTTP/1.0\r\n\r\n"}},

	{"Connection set by the handler", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "keep-alive")
		io.WriteString(w, "body")
	}, []string{get("/")}},

	{"http.Error", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "99")
		http.Error(w, "nope", http.StatusForbidden)
	}, []string{get("/"), head("/")}},

	{"http.Redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere?x=1", http.StatusFound)
	}, []string{get("/here"), head("/here"), "POST /here HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n"}},

	{"cookies", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("n")
		v := "none"
		if err == nil {
			v = c.Value
		}
		http.SetCookie(w, &http.Cookie{Name: "n", Value: v + "1", Path: "/", HttpOnly: true})
		io.WriteString(w, "cookie was "+v)
	}, []string{get("/"), get("/", "Cookie: a=b; n=41\r\n")}},

	{"ParseForm: query and url-encoded body", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%v %v", r.Form, r.PostForm)
	}, []string{
		get("/?a=1&b=2"),
		"POST /?q=x HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\nname=go&lang=",
		"POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nname=go\r\n0\r\n\r\n",
	}},

	{"ParseMultipartForm", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f, h, err := r.FormFile("file")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		data, _ := io.ReadAll(f)
		fmt.Fprintf(w, "title=%q file=%s (%d bytes): %q", r.FormValue("title"), h.Filename, h.Size, data)
	}, []string{multipartRequest}},

	{"the request as the handler sees it", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %q %s %d.%d host=%q\nurl: path=%q raw=%q query=%q scheme=%q host=%q\n",
			r.Method, r.RequestURI, r.Proto, r.ProtoMajor, r.ProtoMinor, r.Host,
			r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.URL.Scheme, r.URL.Host)
		fmt.Fprintf(w, "header: %v\ncontent-length: %d transfer-encoding: %q\nbody: %q %v\ntrailer: %v\n",
			r.Header, r.ContentLength, r.TransferEncoding, body, err, r.Trailer)
	}, []string{
		get("/a%20b/c%2Fd?x=1&y=%zz"),
		"GET http://Example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
		"GET /p HTTP/1.0\r\nUser-Agent: old\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: test\r\naccept: a\r\nAccept: b\r\nContent-Length: 5\r\n\r\nhello",
		"GET /p HTTP/1.1\r\nHost: test\r\nCookie: a=1\r\nAccept: x\r\nCookie: b=2\r\nX-One: 1\r\nCookie: c=3\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\n",
	}},

	{"a handler that reads half the body", func(w http.ResponseWriter, r *http.Request) {
		half := make([]byte, 5)
		io.ReadFull(r.Body, half)
		fmt.Fprintf(w, "read %q", half)
	}, []string{"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhello, you"}},

	{"a handler that answers without reading the body", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not this", http.StatusForbidden)
	}, []string{
		"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhello, you",
		// The same with "Expect: 100-continue" and no body is not here:
		// net/http answers the same bytes, then waits for the body it
		// never asked for until its ReadTimeout; ours closes at once
		// (TestContinueOnFirstRead).
	}},

	{"Expect: 100-continue, body read", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %q", body)
	}, []string{"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"}},

	{"http.ServeContent", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "notes.txt", modTime, strings.NewReader("0123456789abcdefghij"))
	}, []string{
		get("/notes.txt"),
		head("/notes.txt"),
		get("/notes.txt", "Range: bytes=5-9\r\n"),
		get("/notes.txt", "Range: bytes=50-60\r\n"),
		get("/notes.txt", "If-Modified-Since: Sun, 01 Nov 2026 12:00:00 GMT\r\n"),
		get("/notes.txt", "If-Modified-Since: Sat, 31 Oct 2026 12:00:00 GMT\r\n"),
	}},
}

// multipartRequest is a browser's form upload: a text field and a file.
var multipartRequest = func() string {
	body := "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nmy notes\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline one\nline two\n\r\n" +
		"--XyZ--\r\n"
	return fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}()

func head(path string) string {
	return "HEAD " + path + " HTTP/1.1\r\nHost: test\r\n\r\n"
}

func TestGatewayMatchesNetHTTP(t *testing.T) {
	for _, tc := range gatewayCases {
		t.Run(tc.name, func(t *testing.T) {
			ours := startOurs(t, tc.handler)
			theirs := startNetHTTP(t, tc.handler)
			for _, raw := range tc.requests {
				want := withoutDate(roundTrip(t, theirs, raw))
				got := withoutDate(roundTrip(t, ours, raw))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%.40q: response mismatch (-net/http +ours):\n%s", raw, diff)
				}
			}
		})
	}
}

// TestGatewayDeliberateDifferences lists where our server answers other
// bytes than net/http's on purpose, and checks that it still does.
func TestGatewayDeliberateDifferences(t *testing.T) {
	panics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("the handler has a bug")
	})
	// net/http answers nothing to a request whose handler panicked: it
	// logs the panic and closes the connection, and the client sees an
	// empty reply. We answer 500 when nothing was sent yet: the client
	// learns that the server failed, not that the network did.
	ours := startOurs(t, panics)
	theirs := startNetHTTP(t, panics)
	if got := roundTrip(t, theirs, get("/")); got != "" {
		t.Errorf("net/http's answer to a panicking handler: %q, want none", got)
	}
	got := withoutDate(roundTrip(t, ours, get("/")))
	want := "HTTP/1.1 500 Internal Server Error\r\n" +
		"Date: (set aside)\r\n" +
		"Server: part4-concurrency\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Length: 22\r\n" +
		"Connection: close\r\n" +
		"\r\n" +
		"internal server error\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("our answer to a panicking handler (-want +got):\n%s", diff)
	}
}

// TestPanicAfterHeadIsSent: a handler that panics once part of its
// response is on the wire cannot take it back: the connection is closed,
// and the client sees a response cut short. The server goes on.
func TestPanicAfterHeadIsSent(t *testing.T) {
	var logged syncBuffer
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			io.WriteString(w, "fine")
			return
		}
		io.WriteString(w, "part of it")
		w.(http.Flusher).Flush()
		panic("later bug")
	}), ReadTimeout: testTimeout, Log: log.New(&logged, "", 0)}
	addr := startServer(t, srv.Serve)
	got := roundTrip(t, addr, get("/"))
	want := "HTTP/1.1 200 OK\r\nDate: (set aside)\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\na\r\npart of it\r\n"
	if diff := cmp.Diff(want, withoutDate(got)); diff != "" {
		t.Errorf("response mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(roundTrip(t, addr, get("/ok")), "fine") {
		t.Errorf("the server did not go on after the panic")
	}
	if !strings.Contains(logged.String(), "panic serving /: later bug") || !strings.Contains(logged.String(), "gateway_test.go") {
		t.Errorf("the log does not name the panic and its stack:\n%s", logged.String())
	}
}

// TestSuperfluousWriteHeaderIsLogged: the second WriteHeader is a bug in
// the handler; the log names the handler's line, not the gateway's.
func TestSuperfluousWriteHeaderIsLogged(t *testing.T) {
	var logged syncBuffer
	srv := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusTeapot)
	}), ReadTimeout: testTimeout, Log: log.New(&logged, "", 0)}
	addr := startServer(t, srv.Serve)
	roundTrip(t, addr, get("/"))
	if !strings.Contains(logged.String(), "superfluous WriteHeader(418) from example.com/webserver/part4-concurrency.TestSuperfluousWriteHeaderIsLogged") {
		t.Errorf("log:\n%s", logged.String())
	}
}

// TestContinueOnFirstRead: "100 Continue" goes out when the handler first
// reads the body, not before: a handler that refuses the request never
// makes the client send its body.
func TestContinueOnFirstRead(t *testing.T) {
	started, read := make(chan struct{}), make(chan struct{})
	addr := startOurs(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-read // the test says when to read
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %q", body)
	}))
	conn := dial(t, addr)
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	<-started
	// The handler runs and has not read: whatever the server wrote before
	// it started is here by now, and there must be nothing. A deadline in
	// the past makes Read return at once with what is already here.
	conn.SetReadDeadline(time.Now())
	if n, _ := conn.Read(make([]byte, 1)); n != 0 {
		t.Fatalf("the server wrote before the handler read the body")
	}
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	close(read)
	interim := make([]byte, len("HTTP/1.1 100 Continue\r\n\r\n"))
	if _, err := io.ReadFull(conn, interim); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("HTTP/1.1 100 Continue\r\n\r\n", string(interim)); diff != "" {
		t.Errorf("interim response (-want +got):\n%s", diff)
	}
	io.WriteString(conn, "hello")
	if rest := readResponse(t, conn, "POST"); !strings.HasSuffix(rest, `got "hello"`) {
		t.Errorf("final response: %q", rest)
	}
}

func get(path string, fields ...string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + strings.Join(fields, "") + "\r\n"
}

// syncBuffer is a bytes.Buffer that the server's log may write to while
// the test reads it. (The server logs before it closes the connection, so
// once the client has read to the close, the line is there.)
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestContextEndsWhenClientLeaves: a handler that waits on the request's
// context learns that the client closed the connection, as on net/http.
func TestContextEndsWhenClientLeaves(t *testing.T) {
	for _, raw := range []string{get("/"), "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\nhi"} {
		started, ended := make(chan struct{}), make(chan error, 1)
		addr := startOurs(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.ReadAll(r.Body) // the watch begins once the body is read
			close(started)
			select {
			case <-r.Context().Done():
				ended <- r.Context().Err()
			case <-time.After(testTimeout):
				ended <- errors.New("the context did not end")
			}
		}))
		conn := dial(t, addr)
		io.WriteString(conn, raw)
		<-started
		conn.Close()
		if err := <-ended; !errors.Is(err, context.Canceled) {
			t.Errorf("%.20q: the handler's context: %v, want context.Canceled", raw, err)
		}
	}
}

// TestClientWatchWaitsToBeAsked: the request's context watches the client
// only once somebody asks it (Done or Err) and the request is read to its
// end; then a client that leaves ends it, a pipelined byte is kept for the
// next request, and the handler's return ends it in any case.
func TestClientWatchWaitsToBeAsked(t *testing.T) {
	watching := func(w *clientWatch) bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.started
	}
	newWatch := func(t *testing.T) (*clientWatch, net.Conn) {
		server, client := net.Pipe()
		t.Cleanup(func() { server.Close(); client.Close() })
		return &clientWatch{conn: server, r: &connReader{conn: server}}, client
	}

	t.Run("never asked", func(t *testing.T) {
		w, _ := newWatch(t)
		w.start()
		if watching(w) {
			t.Error("the watch began with nobody asking")
		}
		w.stop()
		w.cancel()
		if err := context.Cause(w); !errors.Is(err, context.Canceled) {
			t.Errorf("after the handler returned: %v, want context.Canceled", err)
		}
		select {
		case <-w.Done(): // made after the end: closed already
		default:
			t.Error("Done is open after the handler returned")
		}
		if watching(w) {
			t.Error("the watch began after the handler returned")
		}
	})

	t.Run("asked, then the client leaves", func(t *testing.T) {
		w, client := newWatch(t)
		if w.Err() != nil || watching(w) {
			t.Fatal("the watch began before the request was read to its end")
		}
		done := w.Done()
		w.start()
		if !watching(w) {
			t.Fatal("the watch did not begin once asked and read")
		}
		client.Close()
		<-done
		if err := w.Err(); !errors.Is(err, context.Canceled) {
			t.Errorf("the client left: %v, want context.Canceled", err)
		}
		w.stop()
	})

	t.Run("asked, and the client pipelines", func(t *testing.T) {
		w, client := newWatch(t)
		w.start()
		ctx, cancel := context.WithCancel(w) // a context made from it asks
		defer cancel()
		io.WriteString(client, "G") // returns once the watch has read it
		w.stop()
		if err := ctx.Err(); err != nil {
			t.Errorf("a pipelined byte ended the context: %v", err)
		}
		if diff := cmp.Diff("G", string(w.r.pending)); diff != "" {
			t.Errorf("the byte kept for the next request (-want +got):\n%s", diff)
		}
		w.cancel()
		<-ctx.Done()
	})
}

// TestWriteWhileBodyReadWaits: a handler that reads the body in one
// goroutine and writes the response in another must be able to send while
// the read waits for the client: the client here sends its body only once
// it has the first line of the answer. A lock held across the read would
// keep the answer back until the read timeout. net/http allows this once
// the handler asks for full duplex; ours never stops the body.
func TestWriteWhileBodyReadWaits(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).EnableFullDuplex()
		got := make(chan string, 1)
		go readBodyInBackground(r.Body, got)
		// Write only once the read waits for the client, inside the
		// server's Read: the case a lock held across the read breaks.
		if !waitingInRead("readBodyInBackground") {
			t.Error("the body's read never waited for the client")
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ready\n")
		http.NewResponseController(w).Flush()
		io.WriteString(w, "got "+<-got+"\n")
	})
	for _, srv := range bothServers {
		addr := srv.start(t, h)
		for _, raw := range []string{
			"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\n",
			"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
		} {
			conn := dial(t, addr)
			io.WriteString(conn, raw)
			br := bufio.NewReader(conn)
			var head strings.Builder
			for !strings.Contains(head.String(), "ready\n") {
				line, err := br.ReadString('\n')
				head.WriteString(line)
				if err != nil {
					t.Fatalf("%s, %.60q: the first line of the answer never came: %v (got %q)", srv.name, raw, err, head.String())
				}
			}
			io.WriteString(conn, "hello")
			var rest strings.Builder
			for !strings.HasSuffix(rest.String(), "\r\n0\r\n\r\n") { // the last chunk
				line, err := br.ReadString('\n')
				rest.WriteString(line)
				if err != nil {
					break
				}
			}
			if !strings.Contains(rest.String(), "got hello\n") {
				t.Errorf("%s, %.60q: the rest of the answer: %q", srv.name, raw, rest.String())
			}
			conn.Close()
		}
	}
}

// readBodyInBackground reads body to its end and sends what it read (or
// the error) on got. A function of its own, so that waitingInRead finds
// its name in the goroutine's stack.
func readBodyInBackground(body io.Reader, got chan<- string) {
	b, err := io.ReadAll(body)
	if err != nil {
		got <- err.Error()
		return
	}
	got <- string(b)
}

// waitingInRead reports whether a goroutine running fn is, within
// testTimeout, blocked reading from the network. No event announces that
// a read has begun to wait, so it looks at every goroutine's stack until
// one is.
func waitingInRead(fn string) bool {
	deadline := time.Now().Add(testTimeout)
	buf := make([]byte, 1<<20)
	for time.Now().Before(deadline) {
		n := runtime.Stack(buf, true)
		if n == len(buf) { // cut short: more goroutines than room
			buf = make([]byte, 2*len(buf))
			continue
		}
		stacks := string(buf[:n])
		for _, g := range strings.Split(stacks, "\n\n") {
			// (A goroutine of the event loop model waits in pollConn.wait.)
			waits := strings.Contains(g, "[IO wait") || strings.Contains(g, "pollConn).wait(")
			if waits && strings.Contains(g, "."+fn+"(") {
				return true
			}
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// TestContextValues: net/http puts the server and the local address in
// every request's context, and handlers that read them assert their
// types; ours puts values of the same types there.
func TestContextValues(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
		local, ok2 := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		switch {
		case !ok || srv.Handler == nil:
			io.WriteString(w, "no *http.Server with its Handler")
		case !ok2:
			io.WriteString(w, "no net.Addr")
		default:
			io.WriteString(w, local.String())
		}
	})
	for _, addr := range []string{startOurs(t, h), startNetHTTP(t, h)} {
		resp := roundTrip(t, addr, get("/"))
		if _, body, _ := strings.Cut(resp, "\r\n\r\n"); body != addr {
			t.Errorf("server at %s: the handler saw %q, want the local address", addr, body)
		}
	}
}

// TestContinueThenKeepAlive: a handler that reads exactly the body's
// length after "Expect: 100-continue" (the CGI host does, with
// io.LimitReader) has read the whole request: the connection stays open
// for the next one, pipelined behind it.
func TestContinueThenKeepAlive(t *testing.T) {
	addr := startOurs(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, r.ContentLength))
		w.Write(b)
	}))
	conn := dial(t, addr)
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim response: %q, %v", line, err)
	}
	br.ReadString('\n') // the empty line after it
	io.WriteString(conn, "hello"+get("/second"))
	first := readResponse(t, br, "POST")
	second := readResponse(t, br, "GET")
	if strings.Contains(first, "Connection: close") || !strings.HasPrefix(second, "HTTP/1.1 200 OK") {
		t.Errorf("the connection did not carry the second request:\nfirst: %q\nsecond: %q", first, second)
	}
}

// TestRefusalsDifferFromNetHTTP: a request the parser refuses is answered
// by the server itself, as in part 2, with the reason in the body and our
// Server field; net/http answers the same status with a terser body.
func TestRefusalsDifferFromNetHTTP(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	ours, theirs := startOurs(t, h), startNetHTTP(t, h)
	raw := "GET / HTTP/1.1\r\n\r\n" // no Host
	want := map[string]string{
		"net/http": "HTTP/1.1 400 Bad Request: missing required Host header\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host header",
		"ours": "HTTP/1.1 400 Bad Request\r\nDate: (set aside)\r\nServer: part4-concurrency\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 39\r\nConnection: close\r\n\r\n" +
			"an HTTP/1.1 request needs a Host field\n",
	}
	got := map[string]string{
		"net/http": withoutDate(roundTrip(t, theirs, raw)),
		"ours":     withoutDate(roundTrip(t, ours, raw)),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refusals (-want +got):\n%s", diff)
	}
}

// TestDerivedContextStartsNoGoroutine: a handler that makes a context
// from the request's (context.WithTimeout before a database call, say)
// must not cost a goroutine inside the context package for each one, on
// our server as on net/http's. The context package waits on a parent it
// does not know in a goroutine of its own, unless the parent has an
// AfterFunc method: the watch has one.
func TestDerivedContextStartsNoGoroutine(t *testing.T) {
	const n = 20
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Context().Err() // begins the watch's read, as net/http's is begun
		before := runtime.NumGoroutine()
		var cancels []context.CancelFunc
		for range n {
			_, cancel := context.WithTimeout(r.Context(), time.Hour)
			cancels = append(cancels, cancel)
		}
		more := runtime.NumGoroutine() - before
		for _, cancel := range cancels {
			cancel()
		}
		fmt.Fprint(w, more)
	})
	for _, srv := range bothServers {
		addr := srv.start(t, h)
		resp := roundTrip(t, addr, get("/"))
		_, body, _ := strings.Cut(resp, "\r\n\r\n")
		// n goroutines if each derived context waited in one; a few more
		// or less may come and go in the test's own process meanwhile.
		if more, err := strconv.Atoi(body); err != nil || more >= n/2 {
			t.Errorf("%s: %q more goroutines for %d derived contexts, want none", srv.name, body, n)
		}
	}
}

// TestClientWatchAfterFunc: context.AfterFunc on the request's context
// runs its function once the client leaves, and not at all once stopped;
// registering it begins the watch, as asking Done does.
func TestClientWatchAfterFunc(t *testing.T) {
	server, client := net.Pipe()
	t.Cleanup(func() { server.Close(); client.Close() })
	w := &clientWatch{conn: server, r: &connReader{conn: server}}
	ran := make(chan struct{})
	context.AfterFunc(w, func() { close(ran) })
	stop := context.AfterFunc(w, func() { t.Error("a stopped AfterFunc ran") })
	if !stop() {
		t.Error("stop before the end = false, want true")
	}
	w.start() // the request is read: the watch begins, since it was asked
	client.Close()
	select {
	case <-ran:
	case <-time.After(testTimeout):
		t.Fatal("AfterFunc's function never ran after the client left")
	}
	w.stop()
	if stop() {
		t.Error("stop after the end = true, want false")
	}
}
