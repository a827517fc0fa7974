// The pidfd wait of the CGI tests: Linux only (pidfd_open(2), Linux 5.3).

package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

// waitExit waits until process pid has ended (it may still be a zombie
// awaiting its parent's wait), and fails the test if it is still running
// after testTimeout. A pidfd becomes readable when its process ends, for
// any process, not only our children: an exact wait, without polling.
func waitExit(t *testing.T, pid int) {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if err == unix.ESRCH {
		return // gone already, reaped
	}
	must(t, err)
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(testTimeout.Milliseconds()))
		if err == unix.EINTR {
			continue
		}
		must(t, err)
		if n == 0 {
			t.Errorf("process %d is still running after %v, state %s", pid, testTimeout, procState(pid))
		}
		return
	}
}
