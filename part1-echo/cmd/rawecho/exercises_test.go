//go:build exercises && linux

package main

// The acceptance test of exercise 5 in part1-echo's README.md, about
// rawecho. It runs only with the build tag:
//
//	go test -tags exercises -run 'TestExercise5$' ./part1-echo/...

import (
	"strings"
	"testing"
	"time"
)

// TestExercise5 checks that LSBAWS's bug 1 is reproduced: readHead takes
// what the first read returns as the whole request, so a head of over
// 2000 bytes sent in one write comes back cut to its first 1024 bytes (the
// size of one read), with Content-Length: 1024.
func TestExercise5(t *testing.T) {
	addr := startRaw(t, 10*time.Second)
	sent := "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + strings.Repeat("a", 2000) + "\r\n\r\n"
	got := exchange(t, addr, sent)
	if got == ok(sent[:1024]) {
		return
	}
	head, body, _ := strings.Cut(got, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	length := "none"
	for _, line := range lines[1:] {
		if name, value, found := strings.Cut(line, ":"); found && strings.EqualFold(name, "Content-Length") {
			length = strings.TrimSpace(value)
		}
	}
	t.Errorf("a head of %d bytes sent in one write must come back cut to its first 1024 bytes, as with LSBAWS's one recv(1024): want a 200 with Content-Length: 1024 and those 1024 bytes as the body; got %q with Content-Length: %s and a body of %d bytes",
		len(sent), lines[0], length, len(body))
}
