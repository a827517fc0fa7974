// Package cgi runs CGI scripts (RFC 3875, CGI/1.1): for each request it
// starts a program, hands it the request in environment variables (the
// "meta-variables") and on its standard input, and turns what it prints
// into the response. It is the language-neutral gateway that WSGI's
// environ descends from, written as an http.Handler, so the server runs
// it as it runs any application. net/http/cgi is the reference its tests
// compare it with.
package cgi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Limits on what a script may send back.
const (
	// maxHeaderBytes caps the script's header section: 502 beyond it.
	maxHeaderBytes = 64 << 10
	// maxLocalRedirects caps the chain of local redirects (a script whose
	// Location names itself would otherwise loop for ever).
	maxLocalRedirects = 5
)

// Handler runs the scripts of a folder. Mounted at Prefix ("/cgi-bin/"),
// a request for Prefix+"name/more?x=1" runs the script name, with
// PATH_INFO "/more" and QUERY_STRING "x=1".
type Handler struct {
	Dir          string        // the folder of scripts
	Prefix       string        // the path the handler is mounted at, with its final "/"
	DocumentRoot string        // where PATH_TRANSLATED points PATH_INFO; "" is Dir's parent
	Timeout      time.Duration // a script that runs longer is killed; 0 means no limit
	MaxOutput    int64         // bytes of body a script may print; 0 means 100 MiB
	Software     string        // SERVER_SOFTWARE
	// Internal serves a local redirect: a script that answers
	// "Location: /path" asks the server to answer with /path instead.
	Internal http.Handler
	Log      *log.Logger // the scripts' stderr and what went wrong; nil: discarded
}

// ServeHTTP runs the script the request names.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := Unsupported(); err != nil {
		// 501: the server lacks what the request needs (RFC 9110 section
		// 15.6.2), here on this system.
		http.Error(w, err.Error(), http.StatusNotImplemented)
		return
	}
	name, pathInfo, ok := h.script(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if hasDotSegment(pathInfo) {
		// PATH_TRANSLATED is PATH_INFO mapped into the document root (RFC
		// 3875 section 4.1.6): "/x/../../../etc/passwd" would map to
		// /etc/passwd, and a script that opens PATH_TRANSLATED would
		// serve it. Routers clean "/../" out of a path, but not "%2e%2e",
		// which only decoding turns into "..", and chi passes even a
		// literal one. A client error (400), said plainly, rather than a
		// path quietly changed into another.
		http.Error(w, `the path after the script's name has a "." or ".." segment: PATH_TRANSLATED would not stay inside the document root`, http.StatusBadRequest)
		return
	}
	// The script must read exactly CONTENT_LENGTH bytes (RFC 3875 section
	// 4.2). A chunked body has no length until it has all arrived, and
	// learning it would mean holding the whole body: refuse, with 411
	// Length Required, as Apache's mod_cgi does (net/http/cgi: 400).
	if r.ContentLength < 0 {
		http.Error(w, "a CGI script needs the body's length: send Content-Length", http.StatusLengthRequired)
		return
	}

	// What ends a script early: the timeout, and a write to the client
	// that fails (copyBody). Not the request's context: it also ends when
	// the client half-closes, shutting down only its sending side once
	// its request is out (shutdown(SHUT_WR), as nc -N does). The server's
	// watch reads end of file then, as when the client hangs up, and
	// cannot tell the two apart. But a half-closed client still reads the
	// answer (RFC 9112 section 9.6), and killing the script would answer
	// it 502 instead. net/http/cgi never kills a script on cancellation
	// either. WithoutCancel keeps the context's values, not its end.
	ctx := context.WithoutCancel(r.Context())
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.Timeout)
		defer cancel()
	}
	timedOut := func() bool { return ctx.Err() == context.DeadlineExceeded }
	// The file itself is run, never a shell with a command line built
	// from the request: nothing the client sends is ever parsed as a
	// command. Header values reach the script only as data in its
	// environment. (That is where shellshock struck in 2014: an unpatched
	// bash ran code from any environment variable shaped like a function
	// definition, so every bash CGI script could be made to run it. The
	// cure was a patched bash; the scripts here use /bin/sh, perl and
	// python3.)
	// ("./name" is relative to cmd.Dir: the script runs in its folder.)
	cmd := exec.CommandContext(ctx, "./"+name)
	cmd.Dir = h.Dir
	cmd.Env = h.environ(r, name, pathInfo)
	// Its own process group, so that the kill reaches whatever it started.
	ownGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
	cmd.WaitDelay = time.Second // then Wait stops waiting for the pipes
	if r.ContentLength > 0 {
		cmd.Stdin = io.LimitReader(r.Body, r.ContentLength)
	}
	cmd.Stderr = &logWriter{h: h, name: name}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		h.fail(w, http.StatusInternalServerError, name, "cannot start: %v", err)
		return
	}
	if err := cmd.Start(); err != nil {
		h.fail(w, http.StatusInternalServerError, name, "cannot start: %v", err)
		return
	}
	// Whatever happens next, the process is waited for: a child that is
	// never waited for stays a zombie in the process table. This runs
	// also when the handler aborts the response (panic below).
	drain := true          // false: nobody wants the rest, kill it now
	timeoutLogged := false // the log already says the timeout struck
	defer func() {
		// Let the script finish (within the timeout), reading and
		// dropping what it still prints: it may explain on stderr what
		// went wrong. Then kill what is left of its process group, if
		// anything. Until Wait, the process's id cannot be reused, so the
		// signal cannot hit a stranger.
		if drain {
			io.Copy(io.Discard, io.LimitReader(stdout, h.maxOutput()))
		}
		killGroup(cmd.Process)
		if err := cmd.Wait(); err != nil && timedOut() && !timeoutLogged {
			h.logf("%s: killed after %v", name, h.Timeout)
		}
	}()

	out := bufio.NewReaderSize(stdout, 4<<10)
	header, status, err := readHeader(out)
	if err != nil {
		if timedOut() {
			// A killed script's output just ends: the timeout, not
			// the script, cut its header short.
			timeoutLogged = true
			h.fail(w, http.StatusGatewayTimeout, name, "no answer within %v: 504", h.Timeout)
			return
		}
		h.fail(w, http.StatusBadGateway, name, "%v", err)
		return
	}

	// RFC 3875 section 6.2: three kinds of response.
	loc := header.Get("Location")
	switch {
	case strings.HasPrefix(loc, "/") && status == 0:
		// A local redirect: the server answers as if the client had asked
		// for that path, with a GET.
		h.localRedirect(w, r, loc)
		return
	case loc != "" && status == 0:
		status = http.StatusFound // a client redirect
	case status == 0 && header.Get("Content-Type") == "":
		h.fail(w, http.StatusBadGateway, name, "no Content-Type in the header")
		return
	case status == 0:
		status = http.StatusOK
	}
	if r.Method == "HEAD" {
		sendHead(w, header, status) // no body to wait for
		return
	}

	// The head goes out with the first bytes of the body (or at its end):
	// until then, a script that the timeout kills can still get a clean
	// 504. Once something was sent, the status cannot change, and the
	// only honest way to say "this response is incomplete" is to break it
	// off: panic(http.ErrAbortHandler) makes the server close the
	// connection without the last chunk (RFC 9112 section 7.1), so the
	// client sees a truncated body, not a complete success. (net/http's
	// server and ours both treat that panic as a silent abort.)
	sent, end := h.copyBody(w, out, header, status)
	if end == bodyDone && timedOut() {
		// The copy met the end of the output because the script was
		// killed, not because it had finished.
		end = bodyTimedOut
	}
	switch end {
	case bodyDone:
		if !sent {
			sendHead(w, header, status) // an empty body
		}
		return
	case bodyTimedOut:
		timeoutLogged = true
		if !sent {
			h.fail(w, http.StatusGatewayTimeout, name, "no answer within %v: 504", h.Timeout)
			return
		}
		h.logf("%s: killed after %v: response cut off", name, h.Timeout)
	case bodyTooLong:
		h.logf("%s: output over %d bytes: response cut off", name, h.maxOutput())
	case bodyOverLength:
		h.logf("%s: body longer than its Content-Length: response cut off", name)
	case clientGone:
		// Not the script's failure: nobody is left to read it. Nothing
		// to break off either, so the handler returns as usual (and the
		// access log has its line).
		h.logf("%s: the client went away: script stopped", name)
		drain = false
		return
	}
	drain = false // stop it: nobody will read the rest
	panic(http.ErrAbortHandler)
}

// hasDotSegment reports whether path has a "." or ".." segment (RFC 3986
// section 3.3), which could make it climb when joined to a folder.
func hasDotSegment(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// script returns the script a request names and the path after it, or
// false. Only a regular, executable file directly in Dir qualifies: not a
// folder, not a link (which could point anywhere), not a hidden file, and
// never a name that climbs out.
func (h *Handler) script(r *http.Request) (name, pathInfo string, ok bool) {
	if strings.Contains(strings.ToLower(r.URL.RawPath), "%2f") {
		return "", "", false // an encoded slash would hide a path separator
	}
	rest, found := strings.CutPrefix(r.URL.Path, h.Prefix)
	if !found {
		return "", "", false
	}
	name, pathInfo, _ = strings.Cut(rest, "/")
	if pathInfo != "" || strings.HasSuffix(rest, "/") {
		pathInfo = "/" + pathInfo
	}
	if name == "" || name[0] == '.' || strings.ContainsAny(name, `\`) {
		return "", "", false
	}
	info, err := os.Lstat(filepath.Join(h.Dir, name))
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
		return "", "", false
	}
	return name, pathInfo, true
}

// environ builds the script's whole environment: the meta-variables of
// RFC 3875 section 4.1 and a fixed PATH, and nothing of the server's own
// environment (no secrets, no proxies, nothing the script did not ask for).
func (h *Handler) environ(r *http.Request, name, pathInfo string) []string {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		host, port = r.Host, "80"
	}
	remoteAddr, remotePort, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		remoteAddr, remotePort = r.RemoteAddr, ""
	}
	env := []string{
		"GATEWAY_INTERFACE=CGI/1.1",
		"SERVER_SOFTWARE=" + h.Software,
		"SERVER_NAME=" + host,
		"SERVER_PORT=" + port,
		"SERVER_PROTOCOL=" + r.Proto,
		"REQUEST_METHOD=" + r.Method,
		"SCRIPT_NAME=" + h.Prefix + name,
		"QUERY_STRING=" + r.URL.RawQuery, // empty, not unset, when none
		"REMOTE_ADDR=" + remoteAddr,
		"REMOTE_HOST=" + remoteAddr, // no DNS look-up: the RFC allows the address
		"PATH=/usr/local/bin:/usr/bin:/bin",
	}
	if remotePort != "" {
		env = append(env, "REMOTE_PORT="+remotePort)
	}
	if pathInfo != "" {
		root := h.DocumentRoot
		if root == "" {
			root = filepath.Dir(h.Dir)
		}
		env = append(env, "PATH_INFO="+pathInfo, "PATH_TRANSLATED="+filepath.Join(root, filepath.FromSlash(pathInfo)))
	}
	if r.ContentLength > 0 {
		env = append(env, "CONTENT_LENGTH="+strconv.FormatInt(r.ContentLength, 10))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		env = append(env, "CONTENT_TYPE="+ct)
	}
	env = append(env, "HTTP_HOST="+r.Host)
	for k, vv := range r.Header {
		switch k {
		case "Authorization", "Content-Length", "Content-Type", "Host":
			// Credentials stay with the server (RFC 3875 section 4.1.18);
			// the others have meta-variables of their own.
			continue
		case "Proxy":
			// httpoxy (2016): "Proxy: http://evil.example" would become
			// HTTP_PROXY, which most HTTP libraries read as the proxy
			// for the script's own outgoing requests.
			continue
		}
		if strings.Contains(k, "_") {
			// "X_Y" and "X-Y" would both become HTTP_X_Y: the client
			// could overwrite a field a proxy in front had set. Dropped,
			// as nginx does by default.
			continue
		}
		env = append(env, "HTTP_"+strings.ToUpper(strings.ReplaceAll(k, "-", "_"))+"="+strings.Join(vv, ", "))
	}
	return env
}

// bodyEnd says how the copy of a script's body ended.
type bodyEnd int

const (
	bodyDone       bodyEnd = iota // the output ended
	bodyTimedOut                  // the output ended because the timeout killed the script
	bodyTooLong                   // the script printed more than MaxOutput
	bodyOverLength                // the script printed more than its Content-Length
	clientGone                    // a write to the client failed
)

// copyBody sends what the script prints as it prints it: each read is
// written and flushed, so a script that prints a line a second shows it
// live. The head (header and status) goes out with the first bytes; sent
// reports whether it did. A script that prints more than MaxOutput is cut
// off after MaxOutput bytes.
func (h *Handler) copyBody(w http.ResponseWriter, out io.Reader, header http.Header, status int) (sent bool, end bodyEnd) {
	limit := h.maxOutput()
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := out.Read(buf)
		if n > 0 {
			cut := total+int64(n) > limit
			if cut {
				n = int(limit - total) // send what fits, then stop
			}
			total += int64(n)
			if !sent {
				sendHead(w, header, status)
				sent = true
			}
			if _, werr := w.Write(buf[:n]); errors.Is(werr, http.ErrContentLength) {
				return sent, bodyOverLength
			} else if werr != nil {
				return sent, clientGone
			}
			if rc.Flush() != nil {
				return sent, clientGone
			}
			if cut {
				return sent, bodyTooLong
			}
		}
		if err != nil {
			return sent, bodyDone
		}
	}
}

// sendHead copies the script's header into w's and writes the status.
func sendHead(w http.ResponseWriter, header http.Header, status int) {
	for k, vv := range header {
		w.Header()[k] = vv
	}
	w.WriteHeader(status)
}

// maxOutput is MaxOutput, or its default.
func (h *Handler) maxOutput() int64 {
	if h.MaxOutput <= 0 {
		return 100 << 20
	}
	return h.MaxOutput
}

// localRedirect serves path as a new GET request from the same client.
func (h *Handler) localRedirect(w http.ResponseWriter, r *http.Request, path string) {
	depth, _ := r.Context().Value(redirectDepth{}).(int)
	u, err := url.ParseRequestURI(path)
	if h.Internal == nil || err != nil || depth >= maxLocalRedirects {
		h.fail(w, http.StatusBadGateway, "", "cannot redirect locally to %q", path)
		return
	}
	ctx := context.WithValue(r.Context(), redirectDepth{}, depth+1)
	r2 := r.Clone(ctx)
	r2.Method = "GET"
	r2.URL = u
	r2.RequestURI = path
	r2.Body = http.NoBody
	r2.ContentLength = 0
	r2.TransferEncoding = nil
	r2.Header.Del("Content-Type")
	r2.Header.Del("Content-Length")
	h.Internal.ServeHTTP(w, r2)
}

type redirectDepth struct{}

// fail answers status and logs why: the client learns that the script
// failed, the log says how.
func (h *Handler) fail(w http.ResponseWriter, status int, name, format string, args ...any) {
	h.logf("%s: "+format, append([]any{name}, args...)...)
	http.Error(w, http.StatusText(status), status)
}

func (h *Handler) logf(format string, args ...any) {
	if h.Log != nil {
		h.Log.Printf(format, args...)
	}
}

// logWriter sends a script's standard error to the log, a line at a time,
// each prefixed with the script's name.
type logWriter struct {
	h    *Handler
	name string
	buf  []byte
}

func (lw *logWriter) Write(p []byte) (int, error) {
	lw.buf = append(lw.buf, p...)
	for {
		i := bytes.IndexByte(lw.buf, '\n')
		if i < 0 {
			if len(lw.buf) > 4<<10 { // no newline in sight: log what there is
				lw.h.logf("%s: %s", lw.name, lw.buf)
				lw.buf = lw.buf[:0]
			}
			return len(p), nil
		}
		lw.h.logf("%s: %s", lw.name, lw.buf[:i])
		lw.buf = lw.buf[i+1:]
	}
}
