// The script's header section (RFC 3875 section 6.3): what a script must
// print before its body, read and checked before anything reaches the
// client.

package cgi

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// readHeader reads the script's header section (RFC 3875 section 6.3):
// field lines up to an empty line, each line ending in LF or CRLF. It
// returns the fields, less Status, and the status Status asked for (0 if
// none). Anything malformed is an error, which the handler answers 502.
func readHeader(out *bufio.Reader) (http.Header, int, error) {
	header := make(http.Header)
	status := 0
	size := 0
	for {
		line, err := out.ReadSlice('\n')
		size += len(line)
		switch {
		case size > maxHeaderBytes:
			return nil, 0, fmt.Errorf("header larger than %d bytes", maxHeaderBytes)
		case errors.Is(err, bufio.ErrBufferFull):
			return nil, 0, fmt.Errorf("header line longer than %d bytes", out.Size())
		case err != nil:
			return nil, 0, errors.New("the script ended before the end of its header (an empty line)")
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if len(line) == 0 {
			if len(header) == 0 && status == 0 {
				return nil, 0, errors.New("the header is empty")
			}
			return header, status, nil
		}
		name, value, ok := strings.Cut(string(line), ":")
		if !ok || !validFieldName(name) {
			return nil, 0, fmt.Errorf("malformed header line %q", line)
		}
		value = strings.Trim(value, " \t")
		if strings.ContainsAny(value, "\r\n\x00") {
			// A CR inside a line would end it early on its way to the
			// client and let the rest pose as a field of its own.
			return nil, 0, fmt.Errorf("control character in header line %q", line)
		}
		name = http.CanonicalHeaderKey(name)
		switch name {
		case "Status", "Content-Type", "Location":
			// The CGI fields (RFC 3875 section 6.3): each at most once.
			if header.Get(name) != "" || name == "Status" && status != 0 {
				return nil, 0, fmt.Errorf("%s twice", name)
			}
		case "Content-Length":
			// A script may give its body's length, and the server sends
			// the field on as it is: so it must be what HTTP allows,
			// 1*DIGIT (RFC 9110 section 8.6). "+6", "6 6" or "0x6" would
			// each be read one way by one client and another way, or not
			// at all, by the next; two fields, the same.
			if _, twice := header[name]; twice {
				return nil, 0, fmt.Errorf("%s twice", name)
			}
			if !allDigits(value) {
				return nil, 0, fmt.Errorf("malformed Content-Length %q", value)
			}
		}
		if name != "Status" {
			header.Add(name, value)
			continue
		}
		// Status: 404 Not Found
		code, _, _ := strings.Cut(value, " ")
		n, err := strconv.Atoi(code)
		if len(code) != 3 || err != nil || n < 200 || n > 599 {
			return nil, 0, fmt.Errorf("malformed Status %q", value)
		}
		status = n
	}
}

// allDigits reports whether s is 1*DIGIT.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validFieldName reports whether name is a token (RFC 9110 section 5.6.2).
func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
