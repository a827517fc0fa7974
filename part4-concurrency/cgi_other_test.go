//go:build !linux

// Elsewhere, no pidfd: the tests that wait for a script's end skip.

package main

import "testing"

// waitExit would wait until process pid has ended; without pidfd_open
// (Linux only) it skips the test. (The tests that call it need /proc,
// and skip before, on the systems that lack it.)
func waitExit(t *testing.T, pid int) {
	t.Helper()
	t.Skipf("waiting for process %d to end needs Linux (pidfd_open)", pid)
}
