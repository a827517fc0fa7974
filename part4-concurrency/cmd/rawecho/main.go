//go:build linux

// Command rawecho is part1-echo written with the raw system calls that
// net.Listen, Accept, Read, Write and Close make for us: socket,
// setsockopt, bind, listen, accept, read, write, shutdown and close, one
// by one, through the syscall package. Linux only; IPv4 only.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// maxHeadBytes caps the request head, as in part1-echo's server.go.
const maxHeadBytes = 64 << 10

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "IPv4 address to listen on (ip:port)")
	backlog := flag.Int("backlog", 16, "how many completed connections the kernel may queue before we accept them")
	readTimeout := flag.Duration("read-timeout", 10*time.Second, "how long a client has to send its request head")
	flag.Parse()

	fd, err := listen(*addr, *backlog)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("rawecho serving HTTP on http://%s/ (socket fd %d, backlog %d)\n", *addr, fd, *backlog)
	if err := serve(fd, *readTimeout, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// listen creates a listening TCP socket bound to addr and returns its file
// descriptor: the four calls that net.Listen makes.
func listen(addr string, backlog int) (int, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().Is4() {
		return -1, fmt.Errorf("listen: %q is not an IPv4 ip:port", addr)
	}

	// socket: ask the kernel for a new TCP (stream) socket over IPv4. It
	// is not yet connected or bound to anything; we get a file descriptor,
	// a small integer that names it in every later call.
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}

	// setsockopt SO_REUSEADDR: let bind succeed even while connections of
	// a previous run of the server still sit in TIME_WAIT on this port;
	// without it, a restarted server fails with "address already in use"
	// for a minute. net.Listen sets it too.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("setsockopt SO_REUSEADDR: %w", err)
	}

	// bind: give the socket its local address, the IP and port that
	// clients will connect to. Port 0 asks the kernel to pick a free one.
	sa := &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	if err := syscall.Bind(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("bind %s: %w", addr, err)
	}

	// listen: turn it into a listening (server) socket. From now on the
	// kernel completes TCP handshakes by itself and queues the finished
	// connections until we accept them: about backlog of them (Linux
	// takes one more), then it stops answering new handshakes.
	// net.Listen uses the system's maximum, /proc/sys/net/core/somaxconn.
	if err := syscall.Listen(fd, backlog); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("listen: %w", err)
	}
	return fd, nil
}

// serve accepts connections on the listening socket fd, one at a time, as
// part1-echo's Server.Serve does. It returns nil once fd is shut down.
func serve(fd int, readTimeout time.Duration, out io.Writer) error {
	for {
		// accept: wait for a queued connection and return a NEW file
		// descriptor for it (the client socket), with the client's address
		// and ephemeral port. fd itself goes on listening.
		cfd, peer, err := syscall.Accept(fd)
		if err != nil {
			switch {
			case errors.Is(err, syscall.EINTR), errors.Is(err, syscall.ECONNABORTED):
				// A signal interrupted the call, or the client gave up
				// while queued: nothing is wrong with us, accept again.
				// (LSBAWS 3f's EINTR; Go's net package retries for us.)
				continue
			case errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.EBADF):
				return nil // the listening socket was shut down: stop
			}
			return fmt.Errorf("accept: %w", err)
		}
		handle(cfd, peerString(peer), readTimeout, out)
	}
}

// handle serves one client socket and closes it.
func handle(cfd int, client string, readTimeout time.Duration, out io.Writer) {
	// close: release the descriptor. The kernel sends the client a FIN
	// (or a reset, if unread bytes remain: see the shutdown below).
	defer syscall.Close(cfd)

	head, err := readHead(cfd, time.Now().Add(readTimeout))
	switch {
	case errors.Is(err, errTooLarge):
		fmt.Fprintf(out, "%s: %v: answering 431\n", client, err)
		writeAll(cfd, response("431 Request Header Fields Too Large", []byte("request head larger than the server accepts\n")))
	case err != nil:
		fmt.Fprintf(out, "%s: dropped: %v\n", client, err)
		return
	default:
		fmt.Fprintf(out, "--- request from %s ---\n%s", client, head)
		writeAll(cfd, response("200 OK", head))
	}

	// shutdown SHUT_WR: send our FIN now, then read and drop what the
	// client still sends until it closes too, so that close does not
	// reset the connection under a response the client has not read.
	syscall.Shutdown(cfd, syscall.SHUT_WR)
	setReadTimeout(cfd, 500*time.Millisecond)
	var scratch [4096]byte
	for range 64 {
		if n, err := syscall.Read(cfd, scratch[:]); n <= 0 || err != nil {
			break
		}
	}
}

var errTooLarge = errors.New("request head too large")

// readHead reads from cfd until the buffer holds a whole request head, the
// blank line included, and returns that head without any empty lines that
// came before the request line. Each read returns whatever has arrived,
// from one byte to the whole buffer, so we loop.
func readHead(cfd int, deadline time.Time) ([]byte, error) {
	var buf []byte
	var chunk [1024]byte
	for {
		// SO_RCVTIMEO bounds one read, not the whole head, so before each
		// read we set it to the time left: a client that sends a byte
		// every few seconds still runs out of time. (conn.SetReadDeadline
		// does this for a Go net.Conn.)
		left := time.Until(deadline)
		if left <= 0 {
			return nil, errors.New("read request head: timeout")
		}
		setReadTimeout(cfd, left)

		// read: copy up to len(chunk) bytes that have arrived into chunk;
		// 0 means the client closed its side.
		n, err := syscall.Read(cfd, chunk[:])
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EAGAIN):
			return nil, errors.New("read request head: timeout")
		case err != nil:
			return nil, fmt.Errorf("read request head: %w", err)
		case n == 0:
			return nil, errors.New("read request head: client closed before the blank line")
		}
		buf = append(buf, chunk[:n]...)
		if start, end := headBounds(buf); end >= 0 && end <= maxHeadBytes {
			return buf[start:end], nil
		}
		if len(buf) > maxHeadBytes {
			return nil, errTooLarge
		}
	}
}

// headBounds returns where the head starts in buf (after any empty lines,
// RFC 9112 section 2.2) and where it ends (just after the first empty
// line, CRLF or bare LF), or end -1 if the blank line has not arrived yet.
func headBounds(buf []byte) (start, end int) {
	for {
		if bytes.HasPrefix(buf[start:], []byte("\r\n")) {
			start += 2
		} else if bytes.HasPrefix(buf[start:], []byte("\n")) {
			start++
		} else {
			break
		}
	}
	end = -1
	for _, blank := range []string{"\n\n", "\n\r\n"} {
		if i := bytes.Index(buf[start:], []byte(blank)); i >= 0 && (end < 0 || start+i+len(blank) < end) {
			end = start + i + len(blank)
		}
	}
	return start, end
}

// response builds an HTTP/1.1 response: status line, headers, CRLFs.
func response(status string, body []byte) []byte {
	h := fmt.Sprintf("HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", status, len(body))
	return append([]byte(h), body...)
}

// writeAll writes b to cfd. write may accept fewer bytes than asked (the
// socket's send buffer is full), so we loop until all are sent; Go's
// conn.Write does this for us.
func writeAll(cfd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(cfd, b)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b = b[n:]
	}
	return nil
}

// setReadTimeout sets SO_RCVTIMEO: a read that waits longer fails with
// EAGAIN. A zero timeout would mean "wait for ever", so it is at least 1 ms.
func setReadTimeout(cfd int, d time.Duration) {
	d = max(d, time.Millisecond)
	tv := syscall.NsecToTimeval(d.Nanoseconds())
	syscall.SetsockoptTimeval(cfd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
}

// peerString formats the client's address as ip:port.
func peerString(sa syscall.Sockaddr) string {
	if sa4, ok := sa.(*syscall.SockaddrInet4); ok {
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), uint16(sa4.Port)).String()
	}
	return fmt.Sprintf("%v", sa)
}
