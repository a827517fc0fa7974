//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// raiseNoFile raises this process's open-files limit to its hard limit,
// for the servers and clients it starts, which inherit it: 512
// connections at once, and thousands of idle ones, need more than the
// usual soft limit of 1024. (Go raises its own limit at start but hands
// children the original, unless the program sets the limit itself.)
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit RLIMIT_NOFILE: %w", err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("setrlimit RLIMIT_NOFILE to %d: %w", lim.Max, err)
	}
	return lim.Cur, nil
}
