// Running a case: open its connections, play its steps, check what comes
// back. Every read and write has a deadline, so a server that hangs fails
// the case instead of hanging the tool.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// pendingWindow is how long a pending step listens for an answer that must
// not have come: the answer it guards against would already be there, so
// a short look is enough.
const pendingWindow = 200 * time.Millisecond

// A Runner runs cases against the server at Addr.
type Runner struct {
	Addr string
	// Wait bounds every read and write: a response, or a close, that has
	// not come after Wait fails the case.
	Wait time.Duration
	// Outside is the folder around the server's upload folder, where no
	// upload may ever land; "" when the tool did not start the server,
	// and then the cases that need fixtures are skipped.
	Outside string
}

// Outcome is what became of a case.
type Outcome int

const (
	Pass Outcome = iota
	Fail
	Skip
)

// A Result is the outcome of one case against one server.
type Result struct {
	Case    *Case
	Outcome Outcome
	// Got says what went wrong, the same way on every run (no ports, no
	// dates, no timings): it goes into docs/conformance.md.
	Got string
	// Transcript is what was sent and what came back, for the terminal.
	Transcript string
}

// Run runs c and reports how it went.
func (r *Runner) Run(c *Case) Result {
	if c.Fixture && r.Outside == "" {
		return Result{Case: c, Outcome: Skip, Got: "needs the fixtures of -all"}
	}
	cr := &caseRun{Runner: r, conns: map[int]*clientConn{}, vars: vars{}}
	defer cr.closeAll()
	for i, s := range c.Steps {
		if err := cr.step(s); err != nil {
			got := err.Error()
			if len(c.Steps) > 2 {
				got = fmt.Sprintf("step %d: %s", i+1, got)
			}
			return Result{Case: c, Outcome: Fail, Got: got, Transcript: cr.log.String()}
		}
	}
	return Result{Case: c, Outcome: Pass, Transcript: cr.log.String()}
}

// caseRun is the state of one case while it runs.
type caseRun struct {
	*Runner
	conns map[int]*clientConn
	vars  vars
	log   strings.Builder
	async sync.WaitGroup
}

// clientConn is one of a case's connections.
type clientConn struct {
	c  *net.TCPConn
	rr *responseReader
}

// conn returns connection i, opening it at its first use.
func (cr *caseRun) conn(i int) (*clientConn, error) {
	if cc, ok := cr.conns[i]; ok {
		return cc, nil
	}
	c, err := net.DialTimeout("tcp", cr.Addr, cr.Wait)
	if err != nil {
		return nil, fmt.Errorf("cannot connect: %s", netless(err))
	}
	cc := &clientConn{c: c.(*net.TCPConn), rr: &responseReader{br: bufio.NewReaderSize(c, 64<<10)}}
	cr.conns[i] = cc
	return cc, nil
}

func (cr *caseRun) closeAll() {
	for _, cc := range cr.conns {
		cc.c.Close()
	}
	cr.async.Wait()
}

// step plays one step; an error fails the case.
func (cr *caseRun) step(s Step) error {
	if s.kind == stepNoFile {
		return cr.noFile(s.data)
	}
	cc, err := cr.conn(s.conn)
	if err != nil {
		return err
	}
	switch s.kind {
	case stepSend, stepTrickle:
		cr.send(s.conn, cc, cr.vars.expand(s.data), s.kind == stepTrickle)
	case stepSendAsync:
		data := s.data
		cr.logf("conn %d > (in the background) %s", s.conn, shown(data))
		cr.async.Add(1)
		go func() {
			defer cr.async.Done()
			cc.c.SetWriteDeadline(time.Now().Add(cr.Wait))
			io.WriteString(cc.c, data)
		}()
	case stepHalfClose:
		cr.logf("conn %d > FIN (no more to send)", s.conn)
		cc.c.CloseWrite()
	case stepReset:
		cr.logf("conn %d > RST", s.conn)
		cc.c.SetLinger(0) // close with a reset, not a FIN
		cc.c.Close()
	case stepRecv, stepRecvStart:
		return cr.recv(s, cc)
	case stepClosed:
		return cr.closed(s, cc)
	case stepPending:
		return cr.pending(s, cc)
	}
	return nil
}

// send writes data, at once or a byte per write. A write that fails is
// noted, not fatal: the server may have answered and closed early (a 431
// before the end of a long head), and the next step reads that answer.
func (cr *caseRun) send(i int, cc *clientConn, data string, oneByte bool) {
	cc.c.SetWriteDeadline(time.Now().Add(cr.Wait))
	how := ""
	var err error
	if oneByte {
		how = "(a byte per write) "
		for j := 0; j < len(data) && err == nil; j++ {
			_, err = cc.c.Write([]byte{data[j]})
		}
	} else {
		_, err = io.WriteString(cc.c, data)
	}
	cr.logf("conn %d > %s%s", i, how, shown(data))
	if err != nil {
		cr.logf("conn %d   write: %s", i, netless(err))
	}
}

// recv reads a response and checks it.
func (cr *caseRun) recv(s Step, cc *clientConn) error {
	cc.c.SetReadDeadline(time.Now().Add(cr.Wait))
	var resp *Response
	var err error
	if s.kind == stepRecvStart {
		resp, err = cc.rr.readStart()
	} else {
		resp, err = cc.rr.read(s.head, s.interim)
	}
	cr.logf("conn %d < %s", s.conn, shown(string(cc.rr.raw)))
	if err != nil {
		if len(cc.rr.raw) == 0 && isTimeout(err) {
			return fmt.Errorf("no response within %v", cr.Wait)
		}
		return errors.New(netless(err))
	}
	if err := runChecks(s.checks, resp, cr.vars); err != nil {
		if s.conn != 0 {
			return fmt.Errorf("conn %d: %v", s.conn, err)
		}
		return err
	}
	return nil
}

// closed waits for the server to close the connection, having sent
// nothing more (or, with s.orError, an error response: RFC 9112 section 8
// lets a server answer an incomplete request with one before it closes).
func (cr *caseRun) closed(s Step, cc *clientConn) error {
	cc.c.SetReadDeadline(time.Now().Add(cr.Wait))
	_, err := cc.rr.br.Peek(1)
	if err == nil && s.orError {
		resp, rerr := cc.rr.read(false, false)
		cr.logf("conn %d < %s", s.conn, shown(string(cc.rr.raw)))
		if rerr != nil {
			return errors.New(netless(rerr))
		}
		if resp.Status < 400 {
			return fmt.Errorf("a %d response instead of a close", resp.Status)
		}
		_, err = cc.rr.br.Peek(1)
	}
	switch {
	case err == nil:
		more, _ := cc.rr.br.Peek(cc.rr.br.Buffered())
		cr.logf("conn %d < %s", s.conn, shown(string(more)))
		if resp, rerr := cc.rr.read(false, false); rerr == nil {
			return fmt.Errorf("conn %d: a %d response instead of a close", s.conn, resp.Status)
		}
		return fmt.Errorf("conn %d: more bytes instead of a close", s.conn)
	case isTimeout(err):
		return fmt.Errorf("conn %d still open after %v", s.conn, cr.Wait)
	}
	cr.logf("conn %d < (closed)", s.conn)
	return nil // EOF or a reset: closed
}

// pending checks that a connection has had no answer yet and is open.
func (cr *caseRun) pending(s Step, cc *clientConn) error {
	cc.c.SetReadDeadline(time.Now().Add(pendingWindow))
	_, err := cc.rr.br.Peek(1)
	switch {
	case err == nil:
		return fmt.Errorf("conn %d already answered", s.conn)
	case !isTimeout(err):
		return fmt.Errorf("conn %d already closed", s.conn)
	}
	return nil
}

// noFile checks that nothing named name appeared next to the upload
// folder: a traversal that got out would have put it there.
func (cr *caseRun) noFile(name string) error {
	if cr.Outside == "" {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(cr.Outside, name)); err == nil {
		return fmt.Errorf("%s was written outside the upload folder", name)
	}
	return nil
}

func (cr *caseRun) logf(format string, args ...any) {
	fmt.Fprintf(&cr.log, format+"\n", args...)
}

// shown quotes bytes for the transcript, cut to a readable length.
func shown(s string) string {
	const max = 600
	if len(s) > max {
		return fmt.Sprintf("%q… (%d bytes)", s[:max], len(s))
	}
	return fmt.Sprintf("%q", s)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// netless returns err's message with any network error in it said in a
// few words: "read tcp 127.0.0.1:41234->127.0.0.1:8888: i/o timeout"
// names ports, which change from run to run.
func netless(err error) string {
	msg := err.Error()
	var op *net.OpError
	if !errors.As(err, &op) {
		return strings.ReplaceAll(msg, io.ErrUnexpectedEOF.Error(), "the connection closed")
	}
	short := "network error"
	switch {
	case op.Timeout():
		short = "timed out"
	case isReset(op):
		short = "connection reset"
	case errors.Is(op, syscall.ECONNREFUSED):
		short = "connection refused"
	}
	return strings.Replace(msg, op.Error(), short, 1)
}
