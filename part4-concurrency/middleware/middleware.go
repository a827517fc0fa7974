// Package middleware holds functions that take an http.Handler and return
// one that does a little more around it: the Go form of WSGI middleware.
// Like the site, they know nothing of the server that runs them.
package middleware

import (
	"compress/gzip"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// AccessLog logs one line per request once next has answered it: the
// client, the request line, the status, the body bytes written and how
// long it took.
func AccessLog(logger *log.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http sends 200
		}
		logger.Printf("%s %q %d %d %s", r.RemoteAddr, r.Method+" "+r.RequestURI+" "+r.Proto, status, rec.bytes, time.Since(start).Round(time.Microsecond))
	})
}

// recorder notes the status and the size of a response on its way.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *recorder) WriteHeader(code int) {
	// A 1xx is interim, but 101: after it the connection speaks another protocol.
	if rec.status == 0 && (code < 100 || code > 199 || code == http.StatusSwitchingProtocols) {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(p)
	rec.bytes += int64(n)
	return n, err
}

// Flush passes a flush through, so that a streaming handler still streams.
func (rec *recorder) Flush() { rec.FlushError() }

// FlushError is Flush with its error, which http.ResponseController
// returns to the handler: a handler that streams learns from it that the
// client has gone (Flush alone would swallow it).
func (rec *recorder) FlushError() error {
	return http.NewResponseController(rec.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the writer underneath, for the
// features this wrapper does not know (deadlines, say).
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// Gzip compresses the responses of next with the gzip content-coding (RFC
// 9110 section 8.4.1.3) for clients that accept it, and sends the others
// as they are. It leaves alone what must not or need not be compressed:
// HEAD, responses without a body (1xx, 204, 304), a part of a resource
// (206), a response already coded, and types that are compressed already
// (images, audio, video, archives). Each response it could compress says
// "Vary: Accept-Encoding", so that a cache does not give the gzip bytes to
// a client that did not ask for them, and so does a 304 that stands for
// one. A compressed response offers no byte ranges (no Accept-Ranges).
func Gzip(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw := &gzipWriter{ResponseWriter: w, r: r}
		next.ServeHTTP(gw, r)
		gw.finish()
	})
}

// gzipWriter decides at the first byte of the body (or at a Flush, or at
// the end) whether to compress: only then are the status and the fields
// known.
type gzipWriter struct {
	http.ResponseWriter
	r       *http.Request
	status  int // what the handler asked for with WriteHeader, or 0
	decided bool
	gz      *gzip.Writer // nil when not compressing
}

func (g *gzipWriter) WriteHeader(code int) {
	if g.decided || code >= 100 && code <= 199 {
		// An interim response goes out as it is; a second final status
		// goes to the server, which logs it as superfluous. After 101,
		// no body: the handler takes the connection over (WebSocket).
		g.decided = g.decided || code == http.StatusSwitchingProtocols
		g.ResponseWriter.WriteHeader(code)
		return
	}
	if g.status == 0 {
		g.status = code
	}
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	if !g.decided {
		g.decide(p)
	}
	if g.gz != nil {
		return g.gz.Write(p)
	}
	return g.ResponseWriter.Write(p)
}

// Flush sends what is compressed so far as it is, then flushes the
// writer underneath: a streaming handler still streams, gzipped.
func (g *gzipWriter) Flush() { g.FlushError() }

// FlushError is Flush with its error, for http.ResponseController.
func (g *gzipWriter) FlushError() error {
	if !g.decided {
		g.decide(nil)
	}
	if g.gz != nil {
		if err := g.gz.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(g.ResponseWriter).Flush()
}

func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// finish ends the gzip stream once the handler has returned.
func (g *gzipWriter) finish() {
	if !g.decided {
		g.decide(nil)
	}
	if g.gz != nil {
		g.gz.Close()
	}
}

// decide chooses, with p the first bytes of the body, and sends the
// handler's status.
func (g *gzipWriter) decide(p []byte) {
	g.decided = true
	status := g.status
	if status == 0 {
		status = http.StatusOK
	}
	h := g.Header()
	ctype := h.Get("Content-Type")
	if ctype == "" && len(p) > 0 {
		// The server would sniff the type from the body's first bytes;
		// once they are compressed, it would find gzip. Sniff them here.
		ctype = http.DetectContentType(p)
	}
	switch {
	case status < 200, status == http.StatusNoContent,
		status == http.StatusPartialContent, h.Get("Content-Range") != "", h.Get("Content-Encoding") != "":
	case status == http.StatusNotModified:
		// A 304 has no body, so nothing to compress; but it tells a cache
		// to keep using the 200 it stored, and must carry the Vary that
		// 200 would carry (RFC 9110 section 15.4.5), or the cache could
		// serve the gzip bytes it stored to a client that never asked for
		// them. With no body to sniff, the type is the one the handler
		// set. The file server sets none on a 304, and then we say Vary:
		// one Vary too many only costs a cache a second copy, while one
		// too few hands a client bytes it cannot read.
		if ctype = h.Get("Content-Type"); ctype == "" || !compressedAlready(ctype) {
			h.Add("Vary", "Accept-Encoding")
		}
	case ctype == "" || compressedAlready(ctype):
	default:
		h.Add("Vary", "Accept-Encoding")
		// HEAD gets the fields GET would get (RFC 9110 section 9.3.2),
		// Vary included, but is not compressed: it has no body to
		// compress, and the length of a compressed body is not known
		// without compressing it. So it describes the body as it is,
		// Content-Length and Accept-Ranges included.
		if g.r.Method != "HEAD" && AcceptsGzip(g.r.Header.Values("Accept-Encoding")) {
			h.Set("Content-Type", ctype)
			h.Set("Content-Encoding", "gzip")
			// The length the handler set is the length before compression.
			h.Del("Content-Length")
			// So are the byte ranges the handler offers (the file server
			// says "Accept-Ranges: bytes", RFC 9110 section 14.3): a Range
			// request is answered with a 206 that we leave uncompressed
			// (above), so a client that resumed this download with one
			// would append bytes of the plain file to bytes of the gzip
			// stream. A compressed answer offers no ranges, as gzhttp does.
			h.Del("Accept-Ranges")
			g.gz = gzip.NewWriter(g.ResponseWriter)
		}
	}
	g.ResponseWriter.WriteHeader(status)
}

// compressedAlready reports whether a body of this media type is
// compressed already, so that gzip would only cost time.
func compressedAlready(ctype string) bool {
	mediaType, _, _ := strings.Cut(strings.ToLower(ctype), ";")
	mediaType = strings.TrimSpace(mediaType)
	switch {
	case mediaType == "image/svg+xml": // text, and compresses well
		return false
	case strings.HasPrefix(mediaType, "image/"), strings.HasPrefix(mediaType, "audio/"), strings.HasPrefix(mediaType, "video/"):
		return true
	}
	switch mediaType {
	case "application/gzip", "application/x-gzip", "application/zip", "application/zstd",
		"application/x-7z-compressed", "application/x-rar-compressed", "font/woff", "font/woff2":
		return true
	}
	return false
}

// AcceptsGzip reports whether a request with these Accept-Encoding field
// values accepts the gzip coding (RFC 9110 section 12.5.3): "gzip" (or its
// old name "x-gzip") with a weight above 0, or, when gzip is not named,
// "*" with a weight above 0. No field at all means no preference; we then
// send the body as it is, as net/http's client would expect.
func AcceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			q := weight(params)
			switch coding {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// weight returns the q parameter of a list item ("q=0.5"): 1 when absent,
// 0 when malformed (RFC 9110 section 12.4.2: 0 to 1, three decimals at
// most), so that a coding with a garbled weight is not chosen.
func weight(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		value = strings.TrimSpace(value)
		q, err := strconv.ParseFloat(value, 64)
		if err != nil || q < 0 || q > 1 || len(value) > 5 {
			return 0
		}
		return q
	}
	return 1
}
