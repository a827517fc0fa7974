package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// counted starts handler on an httptest server that counts the connections
// it accepts.
func counted(t *testing.T, handler http.HandlerFunc) (url string, conns *atomic.Int64) {
	t.Helper()
	conns = new(atomic.Int64)
	srv := httptest.NewUnstartedServer(handler)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL + "/hello?x=1", conns
}

// rawServer accepts connections on 127.0.0.1 and hands each to handle in a
// goroutine of its own. It returns the server's URL and the number of
// connections accepted so far.
func rawServer(t *testing.T, handle func(net.Conn)) (url string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns = new(atomic.Int64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Go(func() { defer c.Close(); handle(c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close() // wakes handlers still blocked in Read
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String() + "/", conns
}

func cfg(url string, c, n int) config {
	return config{URL: url, Conns: c, Requests: n, Pipeline: 1, Timeout: 10 * time.Second}
}

func mustRun(t *testing.T, c config) summary {
	t.Helper()
	s, err := run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Latencies) != s.Requests-sum(s.Errors) {
		t.Errorf("%d latencies for %d requests with %d errors", len(s.Latencies), s.Requests, sum(s.Errors))
	}
	return s
}

func sum(m map[string]int) (n int) {
	for _, k := range m {
		n += k
	}
	return n
}

// result is the part of a summary that does not depend on timing.
type result struct {
	Requests int
	Errors   map[string]int
	Statuses map[int]int
	Dials    int
}

func resultOf(s summary) result { return result{s.Requests, s.Errors, s.Statuses, s.Dials} }

func TestKeepAlive(t *testing.T) {
	var wrong atomic.Int64
	url, conns := counted(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RequestURI() != "/hello?x=1" || r.UserAgent() != "load" || r.Close {
			wrong.Add(1)
		}
		io.WriteString(w, "hello")
	})
	s := mustRun(t, cfg(url, 4, 25))
	want := result{100, map[string]int{}, map[int]int{200: 100}, 4}
	if diff := cmp.Diff(want, resultOf(s)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := conns.Load(); got != 4 {
		t.Errorf("server accepted %d connections, want 4", got)
	}
	if got := wrong.Load(); got != 0 {
		t.Errorf("%d requests had the wrong target, User-Agent or Connection", got)
	}
}

func TestClose(t *testing.T) {
	var closing atomic.Int64
	url, conns := counted(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Close {
			closing.Add(1)
		}
	})
	c := cfg(url, 3, 5)
	c.Close = true
	s := mustRun(t, c)
	want := result{15, map[string]int{}, map[int]int{200: 15}, 15}
	if diff := cmp.Diff(want, resultOf(s)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := conns.Load(); got != 15 {
		t.Errorf("server accepted %d connections, want 15", got)
	}
	if got := closing.Load(); got != 15 {
		t.Errorf("%d requests said Connection: close, want 15", got)
	}
}

func TestPipeline(t *testing.T) {
	// batched[i] says whether more requests were already waiting when the
	// server had read request i: true for all but the last of each batch.
	var mu sync.Mutex // the race detector cannot see that a TCP reply orders us
	var batched []bool
	url, conns := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			mu.Lock()
			batched = append(batched, br.Buffered() > 0)
			mu.Unlock()
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	c := cfg(url, 1, 10)
	c.Pipeline = 4
	s := mustRun(t, c)
	want := result{10, map[string]int{}, map[int]int{200: 10}, 1}
	if diff := cmp.Diff(want, resultOf(s)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	// The server has answered all 10, so it is done appending to batched.
	wantBatched := []bool{true, true, true, false, true, true, true, false, true, false}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(wantBatched, batched); diff != "" {
		t.Errorf("requests in batches (-want +got):\n%s", diff)
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("server accepted %d connections, want 1", got)
	}
}

func TestErrors(t *testing.T) {
	// Every request is attempted and counted, whatever happens: client3.py
	// would have stopped after the first.
	t.Run("closed without answer", func(t *testing.T) {
		url, _ := rawServer(t, func(c net.Conn) {
			// Read the request first: closing with unread data would send
			// a reset instead of an orderly end of stream.
			http.ReadRequest(bufio.NewReader(c))
		})
		s := mustRun(t, cfg(url, 3, 4))
		want := result{12, map[string]int{"closed early": 12}, map[int]int{}, 12}
		if diff := cmp.Diff(want, resultOf(s)); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	})
	t.Run("closed at once", func(t *testing.T) {
		url, _ := rawServer(t, func(net.Conn) {})
		s := mustRun(t, cfg(url, 3, 4))
		// Whether the client sees the end of the stream or a reset
		// depends on whether its request arrived before the close.
		for kind := range s.Errors {
			if kind != "closed early" && kind != "connection reset" && kind != "broken pipe" {
				t.Errorf("unexpected error kind %q", kind)
			}
		}
		if s.Requests != 12 || sum(s.Errors) != 12 {
			t.Errorf("%d requests, %d errors; want 12 and 12", s.Requests, sum(s.Errors))
		}
	})
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln.Close() // now nobody listens on this port
		c := cfg("http://"+ln.Addr().String()+"/", 3, 4)
		c.Pipeline = 3 // a failed dial fails the whole batch: 3+1 per connection
		want := result{12, map[string]int{"connection refused": 12}, map[int]int{}, 0}
		if diff := cmp.Diff(want, resultOf(mustRun(t, c))); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		url, _ := rawServer(t, func(c net.Conn) { io.Copy(io.Discard, c) }) // never answers
		c := cfg(url, 2, 2)
		c.Timeout = 50 * time.Millisecond
		want := result{4, map[string]int{"timeout": 4}, map[int]int{}, 4}
		if diff := cmp.Diff(want, resultOf(mustRun(t, c))); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	})
	t.Run("bad response", func(t *testing.T) {
		url, _ := rawServer(t, func(c net.Conn) {
			http.ReadRequest(bufio.NewReader(c))
			io.WriteString(c, "HELLO THERE\r\n\r\n")
		})
		want := result{2, map[string]int{"bad response": 2}, map[int]int{}, 2}
		if diff := cmp.Diff(want, resultOf(mustRun(t, cfg(url, 1, 2)))); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
	})
}

func TestServerCloses(t *testing.T) {
	url, conns := rawServer(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
	})
	s := mustRun(t, cfg(url, 3, 4)) // keep-alive, but the server says no
	want := result{12, map[string]int{}, map[int]int{200: 12}, 12}
	if diff := cmp.Diff(want, resultOf(s)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := conns.Load(); got != 12 {
		t.Errorf("server accepted %d connections, want 12", got)
	}
}

func TestServerClosesMidBatch(t *testing.T) {
	// Each connection answers two requests, the second with Connection:
	// close; the requests pipelined after it are sent again elsewhere.
	url, conns := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for i := range 2 {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if i == 0 {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			} else {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
			}
		}
		io.Copy(io.Discard, br) // let the client close first: no reset
	})
	c := cfg(url, 1, 10)
	c.Pipeline = 3
	want := result{10, map[string]int{}, map[int]int{200: 10}, 5}
	if diff := cmp.Diff(want, resultOf(mustRun(t, c))); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got := conns.Load(); got != 5 {
		t.Errorf("server accepted %d connections, want 5", got)
	}
}

func TestStatuses(t *testing.T) {
	var n atomic.Int64
	url, _ := counted(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	})
	want := result{20, map[string]int{}, map[int]int{200: 10, 503: 10}, 2}
	if diff := cmp.Diff(want, resultOf(mustRun(t, cfg(url, 2, 10)))); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waiting sync.WaitGroup
	waiting.Add(3)
	url, _ := rawServer(t, func(c net.Conn) {
		http.ReadRequest(bufio.NewReader(c))
		waiting.Done()
		io.Copy(io.Discard, c) // never answers
	})
	go func() { waiting.Wait(); cancel() }() // once all 3 requests are in
	s, err := run(ctx, cfg(url, 3, 5))
	if err != context.Canceled {
		t.Errorf("run returned %v, want %v", err, context.Canceled)
	}
	// The 3 requests in flight were interrupted by us: not server errors.
	want := result{0, map[string]int{}, map[int]int{}, 3}
	if diff := cmp.Diff(want, resultOf(s)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	got := []time.Duration{percentile(lat, 50), percentile(lat, 90), percentile(lat, 99), percentile(lat, 100)}
	want := []time.Duration{100 * time.Millisecond, 180 * time.Millisecond, 198 * time.Millisecond, 200 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("percentiles of 1..200ms (-want +got):\n%s", diff)
	}
	few := []time.Duration{3, 7}
	got = []time.Duration{percentile(few, 50), percentile(few, 99), percentile(nil, 50)}
	if diff := cmp.Diff([]time.Duration{3, 7, 0}, got); diff != "" {
		t.Errorf("percentiles of {3, 7} and of nothing (-want +got):\n%s", diff)
	}
}

func TestParseArgs(t *testing.T) {
	good, _, err := parseArgs([]string{"-c", "8", "-n", "3", "-pipeline", "2", "http://127.0.0.1:8888/x"}, io.Discard)
	want := config{URL: "http://127.0.0.1:8888/x", Conns: 8, Requests: 3, Pipeline: 2, Timeout: 10 * time.Second}
	if diff := cmp.Diff(want, good); err != nil || diff != "" {
		t.Errorf("parseArgs: error %v, config (-want +got):\n%s", err, diff)
	}
	for _, args := range [][]string{
		{},
		{"https://example.com/"},
		{"127.0.0.1:8888"},
		{"-close", "-pipeline", "4", "http://127.0.0.1:8888/"},
		{"-c", "0", "http://127.0.0.1:8888/"},
		{"-bogus", "http://127.0.0.1:8888/"},
	} {
		var stderr bytes.Buffer
		if _, _, err := parseArgs(args, &stderr); err == nil {
			t.Errorf("parseArgs(%q) succeeded, want an error", args)
		} else if !strings.Contains(stderr.String(), "usage: load") {
			t.Errorf("parseArgs(%q) printed no usage: %q", args, stderr.String())
		}
	}
}

func TestOutput(t *testing.T) {
	c := config{URL: "http://127.0.0.1:8888/", Conns: 2, Requests: 3, Pipeline: 1}
	s := summary{
		Requests: 6, Elapsed: 2 * time.Second, Dials: 2,
		Errors:    map[string]int{"timeout": 1, "connection reset": 2},
		Statuses:  map[int]int{503: 1, 200: 2},
		Latencies: []time.Duration{30 * time.Microsecond, 1234567, 2 * time.Millisecond},
	}
	var text bytes.Buffer
	printText(&text, c, s)
	for _, line := range []string{
		"requests     6 in 2.000s: 3.0 per second\n",
		"statuses     200: 2, 503: 1\n",
		"latency      p50 1.23ms  p90 2ms  p99 2ms  max 2ms\n",
		"errors       3 (connection reset: 2, timeout: 1)\n",
	} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("text output lacks %q:\n%s", line, text.String())
		}
	}

	var out bytes.Buffer
	if err := printJSON(&out, s); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	want := map[string]any{
		"requests": 6.0, "seconds": 2.0, "rps": 3.0, "connections": 2.0,
		"errors":   map[string]any{"timeout": 1.0, "connection reset": 2.0},
		"statuses": map[string]any{"200": 2.0, "503": 1.0},
		"p50_ms":   1.235, "p90_ms": 2.0, "p99_ms": 2.0, "max_ms": 2.0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON output (-want +got):\n%s", diff)
	}
}
