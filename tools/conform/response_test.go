package main

import (
	"bufio"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		head    bool // the request was HEAD
		want    *Response
		wantErr string
	}{
		{
			name: "content-length",
			raw:  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello",
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", Fields: []Field{{"Content-Length", "5"}, {"X-A", "b"}}, Body: []byte("hello")},
		},
		{
			name: "chunked with extension and trailer",
			raw:  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhe\r\n3\r\nllo\r\n0\r\nX-T: 1\r\n\r\n",
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", Fields: []Field{{"Transfer-Encoding", "chunked"}}, Body: []byte("hello"), Chunked: true, Trailer: []Field{{"X-T", "1"}}},
		},
		{
			name: "interim responses are skipped and noted",
			raw:  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
			want: &Response{Proto: "HTTP/1.1", Status: 204, Reason: "No Content", Interim: []int{100}},
		},
		{
			name: "HEAD has no body whatever Content-Length says",
			raw:  "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n",
			head: true,
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", Fields: []Field{{"Content-Length", "99"}}},
		},
		{
			name: "no length: the body ends with the connection",
			raw:  "HTTP/1.1 200 OK\n\nuntil close",
			want: &Response{Proto: "HTTP/1.1", Status: 200, Reason: "OK", Body: []byte("until close"), UntilClose: true, BareLF: true},
		},
		{
			name: "empty reason phrase",
			raw:  "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
			want: &Response{Proto: "HTTP/1.1", Status: 404, Fields: []Field{{"Content-Length", "0"}}, Body: []byte{}},
		},
		{name: "both framings", raw: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", wantErr: "both Transfer-Encoding and Content-Length"},
		{name: "no status code", raw: "HTTP/1.1 OK\r\n\r\n", wantErr: "malformed status line"},
		{name: "space before colon", raw: "HTTP/1.1 200 OK\r\nX-A : b\r\n\r\n", wantErr: "malformed field line"},
		{name: "short body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhello", wantErr: "body ended after 5 of 9 bytes"},
		{name: "bad chunk size", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: "bad chunk size line"},
		{name: "nothing at all", raw: "", wantErr: errNoResponse.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr := &responseReader{br: bufio.NewReader(strings.NewReader(tt.raw))}
			got, err := rr.read(tt.head, false)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Response{}, "Raw"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("response mismatch (-want +got):\n%s", diff)
			}
			if string(got.Raw) != tt.raw {
				t.Errorf("Raw = %q, want every byte read, %q", got.Raw, tt.raw)
			}
		})
	}
}

func TestReadStartStopsAfterFirstChunk(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n5\n\r\n2\r\n4\n\r\n"
	rr := &responseReader{br: bufio.NewReader(strings.NewReader(raw))}
	got, err := rr.readStart()
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Body) != "5\n" || !got.Chunked {
		t.Errorf("readStart = body %q, chunked %v; want the first chunk only", got.Body, got.Chunked)
	}
	if rest, _ := rr.br.Peek(rr.br.Buffered()); string(rest) != "2\r\n4\n\r\n" {
		t.Errorf("left unread %q, want the second chunk", rest)
	}
}
