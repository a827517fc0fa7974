package main

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// FuzzReadRequest feeds the parser arbitrary bytes and checks what must
// hold for every input, accepted or not: the parser never panics, never
// hands the server a request that breaks its own rules, and refuses with
// a status or not at all. Run it with
//
//	go test -run=NONE -fuzz=FuzzReadRequest -fuzztime=3m .
//
// A plain `go test` runs the seeds below and every input saved under
// testdata/fuzz/FuzzReadRequest, so a crasher once found stays a test.
func FuzzReadRequest(f *testing.F) {
	// The differential test's inputs are the seeds: valid requests,
	// malformed ones and smuggling shapes, each a starting point from
	// which the fuzzer mutates its way into nearby code paths. The few
	// very long ones (the limits) would only slow the mutator down.
	for _, tc := range differentialCases {
		if len(tc.raw) <= readBufferBytes {
			f.Add(tc.raw)
		}
	}
	for _, dc := range deliberateCases {
		f.Add(dc.raw)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		req, body, err := parse(raw)
		if err != nil {
			checkRefusal(t, err)
		} else {
			checkAccepted(t, req, body)
		}

		// A connection delivers bytes in pieces of any size: reading
		// the same input one byte at a time must give the same result.
		br := bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(raw)), readBufferBytes)
		slow, slowErr := readRequest(br)
		var slowBody []byte
		if slowErr == nil {
			slowBody, slowErr = readBody(br, slow)
		}
		switch {
		case (err == nil) != (slowErr == nil):
			t.Fatalf("one byte at a time: error %v, but %v in one read", slowErr, err)
		case err != nil:
			if got, want := statusOf(slowErr), statusOf(err); got != want {
				t.Fatalf("one byte at a time: status %d (%v), but %d (%v) in one read", got, slowErr, want, err)
			}
		default:
			if diff := cmp.Diff(req, slow); diff != "" {
				t.Fatalf("one byte at a time mismatch (-one read +one byte at a time):\n%s", diff)
			}
			if diff := cmp.Diff(body, slowBody); diff != "" {
				t.Fatalf("one byte at a time: body mismatch (-one read +one byte at a time):\n%s", diff)
			}
		}

		// When net/http accepts the input too, the two parsers must have
		// read the same request: the same method and target, the same
		// fields and, above all, the same body. Both accepting the same
		// bytes but framing them differently is request smuggling.
		//
		// The other direction (net/http refuses, so must we) is not
		// checked here: the parsers differ on purpose on some inputs
		// (deliberateCases) and a fuzzer finds variations of those
		// faster than a list of exceptions can describe them robustly.
		if err != nil {
			return
		}
		theirs, theirBody, theirsErr := readNetHTTP(raw)
		if theirsErr != nil {
			return
		}
		if diff := cmp.Diff(fromNetHTTP(theirs, theirBody), fromOurs(req, body)); diff != "" {
			t.Fatalf("request mismatch with net/http (-net/http +ours):\n%s", diff)
		}
	})
}

// checkRefusal checks an error from the parser: either a *statusError
// with a 4xx or 5xx code, which the server answers, or the end of the
// input, which is how a client that went away looks to the parser (the
// input is a strings.Reader: it has no other error to give).
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var se *statusError
	if errors.As(err, &se) {
		if se.code < 400 || se.code > 599 {
			t.Fatalf("refused with status %d, not a 4xx or 5xx: %v", se.code, err)
		}
		return
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error is neither a *statusError nor the end of the input: %v", err)
	}
}

// checkAccepted checks what the rest of the server relies on in a request
// the parser accepted.
func checkAccepted(t *testing.T, req *Request, body []byte) {
	t.Helper()
	if !isToken(req.Method) {
		t.Errorf("method %q is not a token", req.Method)
	}
	if req.Proto != "HTTP/1.0" && req.Proto != "HTTP/1.1" {
		t.Errorf("proto %q, want HTTP/1.0 or HTTP/1.1", req.Proto)
	}
	for i := 0; i < len(req.Target); i++ {
		if c := req.Target[i]; c <= ' ' || c >= 0x7f {
			t.Errorf("byte %q in target %q", c, req.Target)
		}
	}
	// A host's bytes are those of a uri-host, or bytes >= 0x80 that net/url
	// decoded from an escape in an absolute-form target ("%c3%a9").
	if !isValidHost(strings.Map(func(r rune) rune {
		if r >= 0x80 {
			return 'x'
		}
		return r
	}, req.Host)) {
		t.Errorf("host %q has bytes a host cannot have", req.Host)
	}
	if climbsAboveRoot(req.Path) {
		t.Errorf("path %q climbs above /", req.Path)
	}

	if req.Chunked {
		if req.ContentLength != -1 {
			t.Errorf("chunked with ContentLength %d, want -1", req.ContentLength)
		}
	} else if int64(len(body)) != req.ContentLength {
		t.Errorf("body of %d bytes, but ContentLength %d", len(body), req.ContentLength)
	}
	if req.ExpectContinue && (req.Proto != "HTTP/1.1" || !req.Chunked && req.ContentLength == 0) {
		t.Errorf("ExpectContinue for an %s request with ContentLength %d, chunked %v", req.Proto, req.ContentLength, req.Chunked)
	}

	for _, f := range req.Header {
		if !isToken(f.Name) {
			t.Errorf("field name %q is not a token", f.Name)
		}
		if strings.ContainsAny(f.Value, "\r\n\x00") {
			t.Errorf("field %s: value %q has CR, LF or NUL", f.Name, f.Value)
		}
		if v := strings.Trim(f.Value, " \t"); v != f.Value {
			t.Errorf("field %s: value %q starts or ends with whitespace", f.Name, f.Value)
		}
	}
}
