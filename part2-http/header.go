// The header section of a request (RFC 9112 section 5): the Header type,
// and the reading and checking of field lines.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Field is one header field line: "Name: value".
type Field struct {
	Name, Value string
}

// Header is the header section: the fields in the order they came,
// repeated names included (RFC 9110 section 5.3 makes their order
// meaningful).
type Header []Field

// Get returns the value of the first field named name, ignoring case
// (field names are case-insensitive, RFC 9110 section 5.1), or "".
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns the values of every field named name, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Set replaces every field named name by one field name: value.
func (h *Header) Set(name, value string) {
	h.Del(name)
	*h = append(*h, Field{name, value})
}

// Del removes every field named name.
func (h *Header) Del(name string) {
	kept := (*h)[:0]
	for _, f := range *h {
		if !strings.EqualFold(f.Name, name) {
			kept = append(kept, f)
		}
	}
	*h = kept
}

// readHeader reads field lines up to the empty line that ends the header
// section (RFC 9112 section 5), at most limit bytes of them. The lines are
// gathered into one buffer and converted to a string once: every name and
// value is then a substring of it, with no allocation of its own.
func readHeader(r *bufio.Reader, limit int) (Header, error) {
	var raw []byte
	var ends []int // where each line ends in raw
	for {
		line, n, err := readLine(r, limit)
		if errors.Is(err, errLineTooLong) {
			// Either this line overflows what is left of the section's
			// budget, or, with budget to spare, it overflows the read
			// buffer on its own. RFC 6585 gives 431 for both.
			if limit < readBufferBytes {
				return nil, refuse(http.StatusRequestHeaderFieldsTooLarge, "header section larger than %d bytes", maxHeaderBytes)
			}
			return nil, refuse(http.StatusRequestHeaderFieldsTooLarge, "a header field line longer than %d bytes", readBufferBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("read header: %w", err)
		}
		if len(line) == 0 {
			break
		}
		limit -= n
		raw = append(raw, line...)
		ends = append(ends, len(raw))
	}

	all := string(raw)
	h := make(Header, 0, len(ends))
	start := 0
	for _, end := range ends {
		f, err := parseField(all[start:end])
		if err != nil {
			return nil, err
		}
		h = append(h, f)
		start = end
	}
	return h, nil
}

// parseField parses one field line: field-name ":" OWS field-value OWS
// (RFC 9112 section 5).
func parseField(line string) (Field, error) {
	if line[0] == ' ' || line[0] == '\t' {
		// obs-fold: a value continued on the next line. RFC 9112 section
		// 5.2 lets a server reject it or replace the fold with spaces;
		// net/http replaces, we reject: the simpler rule, and one trick
		// fewer for hiding a Transfer-Encoding from a proxy.
		return Field{}, refuse(http.StatusBadRequest, "obsolete line folding in the header")
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return Field{}, refuse(http.StatusBadRequest, "header line %q has no colon", line)
	}
	if !isToken(name) {
		// Whitespace before the colon lands here too: RFC 9112 section 5.1
		// says to reject it, as it is a classic request-smuggling trick.
		return Field{}, refuse(http.StatusBadRequest, "malformed header field name %q", name)
	}
	value = strings.Trim(value, " \t")
	for i := 0; i < len(value); i++ {
		// CR, LF, NUL and the other controls are never valid in a value
		// (RFC 9110 section 5.5); tab is, inside it.
		if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return Field{}, refuse(http.StatusBadRequest, "control character %q in the value of %s", c, name)
		}
	}
	return Field{name, value}, nil
}
