//go:build !unix

// Elsewhere (Windows, Plan 9, WebAssembly) the host runs no script at all.

package cgi

import (
	"errors"
	"os"
	"os/exec"
)

// errUnsupported is what Unsupported returns, and what a request for a
// script is answered with (501 Not Implemented).
var errUnsupported = errors.New("CGI scripts need a Unix system (shebang lines, process groups): /cgi-bin/ is off")

// Unsupported reports why scripts cannot run on this system: a script
// file is run as a program, which only a Unix kernel does for a text file
// starting with "#!", and the host kills a script with everything it
// started through its process group.
func Unsupported() error { return errUnsupported }

// ownGroup does nothing: no script is ever started here.
func ownGroup(cmd *exec.Cmd) {}

// killGroup kills p alone, for completeness: no script is ever started
// here.
func killGroup(p *os.Process) error { return p.Kill() }
