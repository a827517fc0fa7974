//go:build !unix

package main

import "math"

// raiseNoFile has no limit to raise where there is no RLIMIT_NOFILE
// (Windows): it reports none. (The run stops anyway when part 4's process
// model refuses to start there.)
func raiseNoFile() (uint64, error) {
	return math.MaxUint64, nil
}
