// The gateway: the translation between our server and any Go web
// application. It turns a parsed request into the *http.Request every
// handler takes, hands it to the handler with a ResponseWriter of our own,
// and turns what the handler did into HTTP bytes, as net/http would.
//
// This is LSBAWS part 2's lesson, WSGI, in Go's terms:
//
//	WSGI                           Go (net/http)
//	application(environ, ...)      Handler.ServeHTTP(w, r)
//	environ                        *http.Request
//	start_response(status, hdrs)   w.Header().Set(...), w.WriteHeader(code)
//	the returned iterable          w.Write(...)
//
// This file builds the request and calls the handler; requestbody.go is
// r.Body, responsewriter.go the ResponseWriter, framing.go the head and
// the framing it writes, clientwatch.go the context that ends when the
// client leaves.

package main

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"runtime"
	"strings"
)

// serveHTTP runs the handler for req, a request the parser accepted, and
// writes its response on the connection. It reports whether the
// connection can carry the next request (keep-alive), and whether this
// request was read to its end, body included: if not, and the connection
// closes, bytes may still be on their way, and the server must close with
// care.
func (s *Server) serveHTTP(c *conn, req *Request) (keepAlive, bodyDone bool) {
	w := newResponseWriter(c, req, s)
	// The request's context ends when the client goes away or the handler
	// returns: a handler that started work for this request (a query, a
	// call to another service) learns that nobody waits for its result.
	// The watch that notices the client is the context (see clientWatch).
	watch := &w.watch
	defer watch.cancel()
	r, body := newHTTPRequest(watch, req, c.br, w)
	w.body = body
	if body == nil {
		watch.start()
	} else {
		body.onEOF = watch.start
	}
	handler := s.Handler
	if req.Method == "OPTIONS" && req.Target == "*" {
		// "OPTIONS *" asks about the server, not about a resource of the
		// application: like net/http, the server answers it itself.
		handler = http.HandlerFunc(optionsStar)
	}

	ok := s.runHandler(handler, w, r)
	if c.hijacked {
		return false, false // the handler owns the connection now
	}
	if w.fullDuplex && !w.closeAfterReply && !body.drain() {
		w.closeAfterReply = true // the head said keep-alive; closing still ends it cleanly
	}
	if ok {
		w.finish()
	} else {
		w.closeAfterReply = true
	}
	if err := w.flush(); err != nil {
		s.logf("%s: write response: %v", r.RemoteAddr, err)
		w.closeAfterReply = true
	}
	w.giveBufferBack()
	watch.stop()
	// Each request the handler answered is logged by the application's
	// access log middleware, on whichever server runs it; the server logs
	// only what the application never sees: refusals, dropped clients,
	// panics and write errors.
	bodyDone = body == nil || body.readToEnd()
	return w.shouldReuseConnection() && bodyDone, bodyDone
}

// asHTTPServer returns the *http.Server a handler finds under
// http.ServerContextKey: the key's documented type is *http.Server, so
// ours is described as one (its handler and timeouts), made once. It is
// never started: it only answers a handler that asks how it is served.
func (s *Server) asHTTPServer() *http.Server {
	s.describeOnce.Do(func() {
		s.described = &http.Server{
			Handler: s.Handler, ReadHeaderTimeout: s.ReadHeaderTimeout, ReadTimeout: s.ReadTimeout,
			WriteTimeout: s.WriteTimeout, IdleTimeout: s.IdleTimeout, ErrorLog: s.Log,
		}
	})
	return s.described
}

// runHandler calls the handler and reports whether it returned normally.
// A handler that panics does not bring the server down: the panic is
// logged with its stack, and the client gets a 500 if nothing of the
// response has been sent yet (net/http sends nothing: see the differential
// test). A panic with http.ErrAbortHandler is the handler's way to abort
// the response on purpose: nothing is logged, and nothing more is sent.
func (s *Server) runHandler(h http.Handler, w *responseWriter, r *http.Request) (ok bool) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		ok = false
		if v == http.ErrAbortHandler {
			return
		}
		stack := make([]byte, 64<<10)
		stack = stack[:runtime.Stack(stack, false)]
		s.logf("%s: panic serving %s: %v\n%s", r.RemoteAddr, r.RequestURI, v, stack)
		if !w.headSent {
			// (What bw holds answers earlier requests, pipelined: it stays.)
			w.status = http.StatusInternalServerError
			resp := textResponse(http.StatusInternalServerError, "internal server error\n")
			writeResponse(w.bw, w.req, resp, w.s.now())
		}
	}()
	h.ServeHTTP(w, r)
	return true
}

// optionsStar answers "OPTIONS *" (RFC 9110 section 9.3.7) as net/http's
// server does: 200, and nothing to say.
func optionsStar(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
}

// newHTTPRequest builds the *http.Request a handler receives from what the
// parser read: every field net/http's own server fills, filled the same
// way. LSBAWS's environ left the query inside PATH_INFO and had no
// QUERY_STRING: here the target is split into URL.Path and URL.RawQuery.
// The body, if any, is returned too, to learn later how much was read.
func newHTTPRequest(ctx context.Context, req *Request, br *bufio.Reader, w *responseWriter) (*http.Request, *requestBody) {
	r := &http.Request{
		Method:     req.Method,
		RequestURI: req.Target,
		Proto:      req.Proto,
		ProtoMajor: 1,
		ProtoMinor: int(req.Proto[len(req.Proto)-1] - '0'),
		Header:     make(http.Header, len(req.Header)),
		Host:       req.Host,
		RemoteAddr: w.c.remote,
		// Whether the client asked to close the connection after this
		// response, as net/http's server sets it.
		Close: w.wantsClose || req.Proto == "HTTP/1.0" && !w.wants10KeepAlive,
	}
	// The parser checked the target's structure; net/url turns it into
	// the url.URL every handler expects, exactly as net/http does (the
	// authority-form of CONNECT is read as a host).
	target := req.Target
	if req.Method == "CONNECT" && !strings.HasPrefix(target, "/") {
		target = "http://" + target
	}
	r.URL, _ = url.ParseRequestURI(target)
	if r.URL == nil {
		r.URL = &url.URL{Path: req.Path, RawQuery: req.RawQuery}
	}
	if req.Method == "CONNECT" {
		r.URL.Scheme = ""
	}
	// Field names become canonical ("content-type" is "Content-Type") and
	// repeated fields keep their order under one key. Host is not among
	// them: it is in r.Host, as in net/http. The values of the keys share
	// one array, as in net/http: one allocation for the head, not one per
	// field. Each key's slice is cut to its one value (cap 1), so that a
	// repeated field appends to a copy, not over the next key's value.
	values := make([]string, 0, max(len(req.Header)-1, 0)) // all but Host
	for _, f := range req.Header {
		key := http.CanonicalHeaderKey(f.Name)
		if key == "Host" {
			continue
		}
		if vs, ok := r.Header[key]; ok {
			r.Header[key] = append(vs, f.Value)
			continue
		}
		values = append(values, f.Value)
		n := len(values)
		r.Header[key] = values[n-1 : n : n]
	}

	var body *requestBody
	switch {
	case req.Chunked:
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
		r.Header.Del("Transfer-Encoding")
		r.Trailer = declaredTrailers(r.Header)
		r.Header.Del("Trailer")
	case req.ContentLength > 0:
		r.ContentLength = req.ContentLength
	}
	if req.Chunked || req.ContentLength > 0 {
		body = &requestBody{r: newBodyReader(br, req), w: w, trailer: r.Trailer}
		body.expectContinue = req.ExpectContinue
		r.Body = body
	} else {
		r.Body = http.NoBody
	}
	return r.WithContext(ctx), body
}

// declaredTrailers returns the fields a chunked request's Trailer field
// announces, as keys with no value yet: requestBody fills them in once the
// last chunk is read (net/http does the same; a handler must read the
// whole body before it looks).
func declaredTrailers(h http.Header) http.Header {
	var t http.Header
	for _, v := range h["Trailer"] {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				if t == nil {
					t = make(http.Header)
				}
				t[http.CanonicalHeaderKey(name)] = nil
			}
		}
	}
	return t
}
