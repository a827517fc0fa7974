//go:build unix

// Process groups, so that one signal ends a script and all it started.

package cgi

import (
	"os"
	"os/exec"
	"syscall"
)

// Unsupported reports why scripts cannot run on this system: on Unix,
// nil.
func Unsupported() error { return nil }

// ownGroup makes cmd start in a process group of its own (setpgid), whose
// id is the script's process id.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup sends SIGKILL to p's whole group: a negative pid names a group
// (kill(2)). Until p is waited for, its id cannot be reused, so the signal
// cannot hit a stranger.
func killGroup(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGKILL)
}
