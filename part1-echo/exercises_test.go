//go:build exercises

package main

// The acceptance tests of the exercises in README.md, one per exercise.
// They run only with the build tag:
//
//	go test -tags exercises -run 'TestExercise1$' ./part1-echo/...
//
// Each fails on the part as shipped and passes once the exercise is done.
// Exercise 4 is a question (see its folded answer); exercise 5 is tested
// in cmd/rawecho/exercises_test.go.

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startExercise starts a Server with only ReadTimeout set, so that it uses
// the real clock and whatever defaults the exercise gave it.
func startExercise(t *testing.T, readTimeout time.Duration) string {
	t.Helper()
	srv := &Server{ReadTimeout: readTimeout}
	return startServer(t, srv.Serve)
}

// exResponse is a response split into its parts: the status line, the
// header fields (names in lower case, in the order they came) and the body.
type exResponse struct {
	status string
	names  []string
	fields map[string]string
	body   string
}

// parseResponse splits raw, all a server sent, into its parts; ok is false
// if raw has no complete head (no empty line).
func parseResponse(raw string) (r exResponse, ok bool) {
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		return r, false
	}
	lines := strings.Split(head, "\r\n")
	r.status, r.body, r.fields = lines[0], body, map[string]string{}
	for _, line := range lines[1:] {
		name, value, _ := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		r.names = append(r.names, name)
		r.fields[name] = strings.TrimSpace(value)
	}
	return r, true
}

// TestExercise1 checks that a HEAD request gets the status and header
// fields a GET of the same target gets, Content-Length included (the
// length of the GET's body, RFC 9110 section 8.6), and no body.
func TestExercise1(t *testing.T) {
	addr := startExercise(t, testTimeout)
	const rest = " /hello HTTP/1.1\r\nHost: x\r\n\r\n"
	getRaw := roundTrip(t, addr, "GET"+rest)
	headRaw := roundTrip(t, addr, "HEAD"+rest)
	get, ok := parseResponse(getRaw)
	if !ok {
		t.Fatalf("GET: the response has no complete head: %q", getRaw)
	}
	head, ok := parseResponse(headRaw)
	if !ok {
		t.Fatalf("HEAD: the response has no complete head: %q", headRaw)
	}
	if head.status != get.status {
		t.Errorf("HEAD: status line %q, want the GET's, %q", head.status, get.status)
	}
	for _, name := range get.names {
		if name == "date" { // the clock may tick between the two
			continue
		}
		switch v, ok := head.fields[name]; {
		case !ok:
			t.Errorf("HEAD: the response lacks the GET's field %s: %s", name, get.fields[name])
		case name == "content-length" && v != get.fields[name]:
			t.Errorf("HEAD: Content-Length: %s, want %s, the GET's: the length of the body the same request would get with GET (RFC 9110 section 8.6), here the echo of %q",
				v, get.fields[name], "GET"+rest)
		case v != get.fields[name]:
			t.Errorf("HEAD: %s: %s, want the GET's value %q", name, v, get.fields[name])
		}
	}
	if n := len(head.body); n > 0 {
		t.Errorf("a HEAD response must carry no body: got %d bytes after the head (%q)", n, head.body)
	}
}

// TestExercise2 checks that the read deadline is set again before every
// read: a client that sends its head a line at a time, each line well
// within ReadTimeout, is served however long the whole head takes; and a
// silent client is still dropped after ReadTimeout.
func TestExercise2(t *testing.T) {
	const (
		readTimeout = 250 * time.Millisecond
		every       = 50 * time.Millisecond // a line every 50 ms
		lines       = 15                    // 750 ms in all: three read timeouts
	)
	addr := startExercise(t, readTimeout)
	conn := dial(t, addr)
	start := time.Now()
	sent := ""
	send := func(s string) bool {
		sent += s
		if _, err := io.WriteString(conn, s); err != nil {
			t.Errorf("after %v, writing failed: the server hung up on a client that sends a header line every %v (ReadTimeout %v): %v; with a deadline per read, a client that keeps sending is never dropped",
				time.Since(start).Round(time.Millisecond), every, readTimeout, err)
			return false
		}
		return true
	}
	if !send("GET /drip HTTP/1.1\r\n") {
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := range lines {
		<-tick.C
		if !send(fmt.Sprintf("X-Drip: %d\r\n", i)) {
			return
		}
	}
	if !send("\r\n") {
		return
	}
	raw, err := io.ReadAll(conn)
	if err != nil || len(raw) == 0 {
		t.Fatalf("a client that sent a header line every %v for %v (ReadTimeout %v) got no answer (%d bytes, error %v): with a deadline per read, it must be served",
			every, time.Since(start).Round(time.Millisecond), readTimeout, len(raw), err)
	}
	r, ok := parseResponse(string(raw))
	switch {
	case !ok:
		t.Errorf("dripping client: the response has no complete head: %q", raw)
	case r.status != "HTTP/1.1 200 OK":
		t.Errorf("dripping client: status line %q, want HTTP/1.1 200 OK", r.status)
	case r.body != sent:
		t.Errorf("dripping client: the body is not the head it sent:\ngot  %q\nwant %q", r.body, sent)
	}

	// A deadline per read is still a deadline: a client that sends
	// nothing is dropped after ReadTimeout, without an answer.
	silent := dial(t, addr)
	silent.SetReadDeadline(time.Now().Add(20 * readTimeout))
	got, err := io.ReadAll(silent)
	switch {
	case err != nil:
		t.Errorf("a silent client was not dropped within %v (ReadTimeout %v): %v; every read still needs a deadline", 20*readTimeout, readTimeout, err)
	case len(got) > 0:
		t.Errorf("a silent client got %q, want nothing", got)
	}
}

// TestExercise3 checks that every response, a 200 and a 431 alike, carries
// a Date field (RFC 9110 section 6.6.1) in the IMF-fixdate format of
// http.TimeFormat, giving the time of the answer.
func TestExercise3(t *testing.T) {
	addr := startExercise(t, testTimeout)
	tooLarge := "GET / HTTP/1.1\r\n" + strings.Repeat("X-Filler: 0123456789\r\n", maxHeadBytes/20) + "\r\n"
	for _, tt := range []struct{ name, sent string }{
		{"200", curlRequest},
		{"431", tooLarge},
	} {
		before := time.Now()
		raw := roundTrip(t, addr, tt.sent)
		after := time.Now()
		r, ok := parseResponse(raw)
		if !ok {
			t.Errorf("%s: the response has no complete head: %.200q", tt.name, raw)
			continue
		}
		if !strings.HasPrefix(r.status, "HTTP/1.1 "+tt.name+" ") {
			t.Errorf("%s: status line %q, want a %s", tt.name, r.status, tt.name)
		}
		v, ok := r.fields["date"]
		if !ok {
			t.Errorf("%s: the response has no Date field (RFC 9110 section 6.6.1): fields %q", tt.name, r.names)
			continue
		}
		d, err := time.Parse(http.TimeFormat, v)
		if err != nil || d.Format(http.TimeFormat) != v {
			t.Errorf("%s: Date: %s is not in http.TimeFormat (IMF-fixdate), which is like %q", tt.name, v, before.UTC().Format(http.TimeFormat))
			continue
		}
		// IMF-fixdate has whole seconds; allow one more on either side.
		if d.Before(before.Truncate(time.Second).Add(-time.Second)) || d.After(after.Add(time.Second)) {
			t.Errorf("%s: Date: %s is not the time of the answer, %s (in UTC, as GMT says)", tt.name, v, after.UTC().Format(http.TimeFormat))
		}
	}
}

// TestExercise6 checks that the server lingers after every answer: even
// after a request it read whole (no body, nothing behind it), it says it
// is done sending (CloseWrite, a half-close) and then waits for the client
// to close its end, instead of closing at once.
func TestExercise6(t *testing.T) {
	srv := &Server{ReadTimeout: testTimeout}
	addr, conns := startWatched(t, srv.Serve)
	conn := dial(t, addr)
	if _, err := io.WriteString(conn, curlRequest); err != nil {
		t.Fatalf("write request: %v", err)
	}
	resp := readAll(t, conn) // up to the server's FIN
	if !strings.HasPrefix(resp, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("got %.40q, want a 200", resp)
	}
	var c *watchConn
	select {
	case c = <-conns:
	case <-time.After(testTimeout):
		t.Fatal("the server never accepted the connection")
	}
	if !c.halfClosed.Load() {
		t.Errorf("after a request it read whole, the server ended the connection without CloseWrite (a half-close): it must linger after every answer")
	} else {
		// We have read the server's FIN and keep our end open: a server
		// that lingers is still draining, waiting for ours.
		select {
		case <-c.closed:
			t.Errorf("the server half-closed but then closed at once, before the client closed its end: lingering means waiting for the client (for a while)")
		default:
		}
	}
	conn.Close()
	select {
	case <-c.closed:
	case <-time.After(testTimeout):
		t.Fatal("the server never closed the connection after the client closed its end")
	}
}
