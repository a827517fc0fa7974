// The checks a case can make on a response. Each says what it wants in
// words for the report and, when it fails, what it got: in words that do
// not depend on the run (no dates, no ports), so that the report a run
// writes is the same every time.

package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// status wants one of the codes.
func status(codes ...int) Check {
	strs := make([]string, len(codes))
	for i, c := range codes {
		strs[i] = strconv.Itoa(c)
	}
	return Check{"status " + strings.Join(strs, " or "), func(r *Response, _ vars) error {
		if !slices.Contains(codes, r.Status) {
			return fmt.Errorf("status %d", r.Status)
		}
		return nil
	}}
}

// success wants a 2xx status.
func success() Check {
	return Check{"a 2xx status", func(r *Response, _ vars) error {
		if r.Status < 200 || r.Status > 299 {
			return fmt.Errorf("status %d", r.Status)
		}
		return nil
	}}
}

// notSuccess wants anything but a 2xx status: the request was not done.
func notSuccess() Check {
	return Check{"no 2xx status", func(r *Response, _ vars) error {
		if r.Status >= 200 && r.Status <= 299 {
			return fmt.Errorf("status %d", r.Status)
		}
		return nil
	}}
}

// hasField wants a field named name.
func hasField(name string) Check {
	return Check{name + " present", func(r *Response, _ vars) error {
		if _, ok := r.Get(name); !ok {
			return fmt.Errorf("no %s field", name)
		}
		return nil
	}}
}

// noField wants no field named name.
func noField(name string) Check {
	return Check{"no " + name, func(r *Response, _ vars) error {
		if _, ok := r.Get(name); ok {
			return fmt.Errorf("a %s field", name)
		}
		return nil
	}}
}

// fieldIs wants the field name to be exactly value.
func fieldIs(name, value string) Check {
	return Check{fmt.Sprintf("%s: %s", name, value), func(r *Response, _ vars) error {
		got, ok := r.Get(name)
		switch {
		case !ok:
			return fmt.Errorf("no %s field", name)
		case got != value:
			return fmt.Errorf("%s: %s", name, clip(got, 60))
		}
		return nil
	}}
}

// fieldHas wants the field name to contain each of subs (any case).
func fieldHas(name string, subs ...string) Check {
	return Check{fmt.Sprintf("%s has %s", name, strings.Join(quoteAll(subs), ", ")), func(r *Response, _ vars) error {
		vs := r.Values(name)
		if len(vs) == 0 {
			return fmt.Errorf("no %s field", name)
		}
		all := strings.ToLower(strings.Join(vs, ", "))
		for _, s := range subs {
			if !strings.Contains(all, strings.ToLower(s)) {
				return fmt.Errorf("%s: %s", name, clip(strings.Join(vs, ", "), 80))
			}
		}
		return nil
	}}
}

// fieldLacks wants the field name, if present, not to contain sub.
func fieldLacks(name, sub string) Check {
	return Check{fmt.Sprintf("%s without %q", name, sub), func(r *Response, _ vars) error {
		for _, v := range r.Values(name) {
			if strings.Contains(strings.ToLower(v), strings.ToLower(sub)) {
				return fmt.Errorf("%s: %s", name, clip(v, 80))
			}
		}
		return nil
	}}
}

// body wants the body to be exactly want.
func body(want string) Check {
	return Check{fmt.Sprintf("body %q", clip(want, 40)), func(r *Response, _ vars) error {
		if string(r.Body) != want {
			// The start of the body and whether it is shorter or longer:
			// enough to see what came back, and stable when a page of
			// the site is edited (its length is not printed).
			size := "shorter"
			if len(r.Body) > len(want) {
				size = "longer"
			} else if len(r.Body) == len(want) {
				size = "same length"
			}
			return fmt.Errorf("a different body (%s): %q", size, clip(string(r.Body), 24))
		}
		return nil
	}}
}

// bodyHas wants the body to contain each of subs.
func bodyHas(subs ...string) Check {
	return Check{"body has " + strings.Join(quoteAll(subs), ", "), func(r *Response, _ vars) error {
		for _, s := range subs {
			if !bytes.Contains(r.Body, []byte(s)) {
				return fmt.Errorf("body lacks %q", clip(s, 40))
			}
		}
		return nil
	}}
}

// envHas wants each of lines as a whole line of the body: env.py prints
// one meta-variable a line, NAME=value.
func envHas(lines ...string) Check {
	return Check{"lines " + strings.Join(quoteAll(lines), ", "), func(r *Response, _ vars) error {
		have := strings.Split(string(r.Body), "\n")
		for _, l := range lines {
			if !slices.Contains(have, l) {
				return fmt.Errorf("no line %q", clip(l, 40))
			}
		}
		return nil
	}}
}

// bodyLacks wants the body to contain none of subs.
func bodyLacks(subs ...string) Check {
	return Check{"body without " + strings.Join(quoteAll(subs), ", "), func(r *Response, _ vars) error {
		for _, s := range subs {
			if bytes.Contains(r.Body, []byte(s)) {
				return fmt.Errorf("body has %q", clip(s, 40))
			}
		}
		return nil
	}}
}

// bodyLen wants a body of n bytes.
func bodyLen(n int) Check {
	return Check{fmt.Sprintf("a body of %d bytes", n), func(r *Response, _ vars) error {
		if len(r.Body) != n {
			return fmt.Errorf("a body of %d bytes", len(r.Body))
		}
		return nil
	}}
}

// bodyPrefix wants the body to start with prefix.
func bodyPrefix(prefix string) Check {
	return Check{fmt.Sprintf("body starts with %q", prefix), func(r *Response, _ vars) error {
		if !bytes.HasPrefix(r.Body, []byte(prefix)) {
			return fmt.Errorf("body starts with %q", clip(string(r.Body), len(prefix)))
		}
		return nil
	}}
}

// emptyBody wants no body bytes at all.
func emptyBody() Check { return bodyLen(0) }

// chunked wants the body in the chunked coding (RFC 9112 section 7.1).
func chunked() Check {
	return Check{"chunked", func(r *Response, _ vars) error {
		if !r.Chunked {
			return errors.New(framing(r))
		}
		return nil
	}}
}

// notChunked wants a body that is not chunked.
func notChunked() Check {
	return Check{"not chunked", func(r *Response, _ vars) error {
		if r.Chunked {
			return errors.New("chunked")
		}
		return nil
	}}
}

// framing says how a body was delimited, for a message.
func framing(r *Response) string {
	switch {
	case r.Chunked:
		return "chunked"
	case r.UntilClose:
		return "a body ending with the connection"
	}
	return "Content-Length"
}

// keepsAlive wants a response that does not announce a close
// (RFC 9112 section 9.3: HTTP/1.1 connections persist by default).
func keepsAlive() Check {
	return Check{"no Connection: close", func(r *Response, _ vars) error {
		if r.hasToken("Connection", "close") {
			return errors.New("Connection: close")
		}
		if r.UntilClose {
			return errors.New("a body ending with the connection")
		}
		return nil
	}}
}

// crlfOnly wants every line of the head to end in CRLF (RFC 9112 section 2.1).
func crlfOnly() Check {
	return Check{"CRLF line endings", func(r *Response, _ vars) error {
		if r.BareLF {
			return errors.New("a line ended by a bare LF")
		}
		return nil
	}}
}

// interims wants exactly these 1xx responses before the final one.
func noInterim() Check {
	return Check{"no 1xx before it", func(r *Response, _ vars) error {
		if len(r.Interim) > 0 {
			return fmt.Errorf("a %d before it", r.Interim[0])
		}
		return nil
	}}
}

// imfDate wants a Date field in the IMF-fixdate format (RFC 9110
// section 5.6.7). It never prints the date it got: that would change
// with every run.
func imfDate() Check {
	return Check{"Date in IMF-fixdate", func(r *Response, _ vars) error {
		d, ok := r.Get("Date")
		if !ok {
			return errors.New("no Date field")
		}
		if _, err := time.Parse(http.TimeFormat, d); err != nil {
			return errors.New("a Date not in IMF-fixdate")
		}
		return nil
	}}
}

// gunzipHas wants a gzip-coded body that decodes to text containing sub.
func gunzipHas(sub string) Check {
	return Check{fmt.Sprintf("gzip body decoding to text with %q", sub), func(r *Response, _ vars) error {
		zr, err := gzip.NewReader(bytes.NewReader(r.Body))
		if err != nil {
			return errors.New("a body that is not gzip")
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return errors.New("a gzip body that does not decode")
		}
		if !bytes.Contains(plain, []byte(sub)) {
			return fmt.Errorf("decoded body lacks %q", sub)
		}
		return nil
	}}
}

// save keeps the value of the field name as vars[key], for a later step.
func save(key, name string) Check {
	return Check{"", func(r *Response, v vars) error {
		val, ok := r.Get(name)
		if !ok {
			return fmt.Errorf("no %s field", name)
		}
		v[key] = val
		return nil
	}}
}

// fieldIsVar wants the field name to equal what save kept as key.
func fieldIsVar(name, key string) Check {
	return Check{fmt.Sprintf("%s as before", name), func(r *Response, v vars) error {
		got, ok := r.Get(name)
		if !ok {
			return fmt.Errorf("no %s field", name)
		}
		if got != v[key] {
			return fmt.Errorf("%s differs: %s, before %s", name, clip(got, 30), clip(v[key], 30))
		}
		return nil
	}}
}

// oneOf wants every check of at least one of the alternatives: for what
// the RFC leaves to the server ("MUST either reject … or replace …").
func oneOf(alternatives ...[]Check) Check {
	var wants []string
	for _, alt := range alternatives {
		wants = append(wants, "("+joinWants(alt)+")")
	}
	return Check{"either " + strings.Join(wants, " or "), func(r *Response, v vars) error {
		var errs []string
		for _, alt := range alternatives {
			err := runChecks(alt, r, v)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return errors.New(strings.Join(errs, "; "))
	}}
}

// all groups checks, for oneOf.
func all(checks ...Check) []Check { return checks }

// runChecks applies checks in order and returns the first failure.
func runChecks(checks []Check, r *Response, v vars) error {
	for _, c := range checks {
		if err := c.test(r, v); err != nil {
			return err
		}
	}
	return nil
}

func joinWants(checks []Check) string {
	var ws []string
	for _, c := range checks {
		if c.Want != "" {
			ws = append(ws, c.Want)
		}
	}
	return strings.Join(ws, ", ")
}

func quoteAll(ss []string) []string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(clip(s, 40))
	}
	return q
}
