// Memory per idle connection: open many kept-alive connections that have
// each had one answer, and see how much the server's resident memory grew.

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// A memSample is one round's measurement of one server.
type memSample struct {
	Conns  int   // idle connections held open
	Before int64 // the server's VmRSS before them, KiB
	After  int64 // and with them open, KiB
	// Children is the process model's: the PSS of the children that serve
	// the connections, KiB, summed. 0 for a server of one process.
	Children int64
}

// perConn returns the memory one idle connection costs, in bytes.
func (m memSample) perConn() float64 {
	if m.Conns == 0 {
		return 0
	}
	return float64(m.After-m.Before+m.Children) * 1024 / float64(m.Conns)
}

// A memResult is every round of the memory measurement.
type memResult struct {
	Conns        int // idle connections per server of one process
	ProcessConns int // and for the process model, a process each
	Columns      []string
	Rounds       map[string][]memSample
}

// idleFlags keep every connection open for the whole measurement.
var idleFlags = []string{"-idle-timeout", "5m"}

// measureMemory measures cols, each round on servers started afresh: a
// server that has served connections before keeps some of the memory
// they used, which would make the next ones look cheaper.
func (b *bench) measureMemory(ctx context.Context, cols []column, conns, processConns, rounds int) (*memResult, error) {
	res := &memResult{Conns: conns, ProcessConns: processConns, Rounds: map[string][]memSample{}}
	for _, col := range cols {
		res.Columns = append(res.Columns, col.Name)
	}
	for r := range rounds {
		for _, col := range cols {
			n := conns
			if col.Process {
				n = processConns
			}
			m, err := b.memoryOnce(ctx, col, n, fmt.Sprintf("memory-%d-%s", r+1, slug(col.Name)))
			if err != nil {
				return nil, err
			}
			b.vlogf("        round %d/%d  %-16s %d idle connections: VmRSS %d -> %d KiB, children %d KiB: %.0f bytes each",
				r+1, rounds, col.Name+":", m.Conns, m.Before, m.After, m.Children, m.perConn())
			res.Rounds[col.Name] = append(res.Rounds[col.Name], m)
		}
	}
	return res, nil
}

// memoryOnce starts a server, warms it with a few connections, then holds
// n idle connections open and reads its memory before and after.
func (b *bench) memoryOnce(ctx context.Context, col column, n int, label string) (memSample, error) {
	srv, err := startServer(col, b.bin, b.tmp, label, idleFlags...)
	if err != nil {
		return memSample{}, err
	}
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	// The first connections pay for what is made once (the site's pages,
	// the log's buffer, the runtime's first heap): not per connection.
	warm, err := openIdle(ctx, srv.addr, 8, 8)
	if err != nil {
		return memSample{}, fmt.Errorf("%s: warm up: %w", col.Name, err)
	}
	closeAll(warm)
	if err := srv.settle(ctx); err != nil {
		return memSample{}, err
	}
	m := memSample{Conns: n}
	if m.Before, err = procStatus(pid, "VmRSS"); err != nil {
		return m, err
	}
	idle, err := openIdle(ctx, srv.addr, n, 64)
	if err != nil {
		return m, fmt.Errorf("%s: %w", col.Name, err)
	}
	defer closeAll(idle)
	if m.After, err = procStatus(pid, "VmRSS"); err != nil {
		return m, err
	}
	if col.Process {
		kids, err := children(pid)
		if err != nil {
			return m, err
		}
		if len(kids) != n {
			return m, fmt.Errorf("%s: %d children for %d open connections", col.Name, len(kids), n)
		}
		for _, k := range kids {
			kb, err := pss(k)
			if err != nil {
				return m, fmt.Errorf("%s: child %d: %w", col.Name, k, err)
			}
			m.Children += kb
		}
	}
	if srv.exited() {
		return m, fmt.Errorf("%s exited while it held the connections: %s", col.Name, srv.logTail())
	}
	return m, nil
}

// openIdle opens n connections to addr, parallel at a time, and on each
// sends one request and reads its answer, so that each is a kept-alive
// connection the server now waits on for its next request.
func openIdle(ctx context.Context, addr string, n, parallel int) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, parallel)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := openOne(ctx, addr)
			mu.Lock()
			defer mu.Unlock()
			conns[i] = c
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("idle connection %d of %d: %w", i+1, n, err)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		closeAll(conns)
		return nil, firstErr
	}
	return conns, nil
}

// openOne opens one connection and has one request answered on it.
func openOne(ctx context.Context, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, "GET /echo/idle HTTP/1.1\r\nHost: bench\r\n\r\n"); err != nil {
		c.Close()
		return nil, fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("read response: %w", err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		c.Close()
		return nil, fmt.Errorf("read body: %w", err)
	case resp.StatusCode != http.StatusOK || resp.Close:
		c.Close()
		return nil, fmt.Errorf("status %d, close %v: want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
}

// A peak is a server's highest resident memory over the whole run.
type peak struct {
	Column string
	KiB    int64 // VmHWM
}

// peakOf reads a running server's VmHWM.
func peakOf(srv *server) (peak, error) {
	kb, err := procStatus(srv.cmd.Process.Pid, "VmHWM")
	if err != nil {
		return peak{}, fmt.Errorf("%s: %w", srv.col.Name, err)
	}
	return peak{srv.col.Name, kb}, nil
}
