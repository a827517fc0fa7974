// WebSocket (RFC 6455): an echo at /ws/echo and a chat at /chat, on
// github.com/coder/websocket. The library answers the handshake with
// "101 Switching Protocols" and then takes the connection over through
// http.Hijacker: from there on it speaks frames on the raw connection, and
// the server only forgets it. The same code runs on net/http's server and
// on ours, which is what this file shows.

package site

import (
	"context"
	_ "embed"
	"html/template"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// maxEchoBytes bounds a message to /ws/echo; a larger one closes the
// socket with 1009 (message too big), sent by the library.
const maxEchoBytes = 1 << 20

// maxChatBytes bounds what one chat message may say.
const maxChatBytes = 4 << 10

// writeTimeout bounds each message written to a socket: a client that
// stops reading does not hold its handler for ever.
const writeTimeout = 10 * time.Second

// accept answers the handshake and takes the connection over. Its
// options are the library's defaults, and on purpose: the Origin field
// must name this very host, so that a page of another site, which the
// browser lets open a WebSocket anywhere, gets 403 and never a socket
// with this user's cookies (cross-site WebSocket hijacking). On error
// Accept has already answered (400, 403, 426).
func accept(w http.ResponseWriter, r *http.Request) (*websocket.Conn, bool) {
	c, err := websocket.Accept(w, r, nil)
	return c, err == nil
}

// wsEcho answers GET /ws/echo: every message it receives, text or binary,
// goes back as it came. The library answers pings and a close by itself,
// while Read waits.
func wsEcho(w http.ResponseWriter, r *http.Request) {
	c, ok := accept(w, r)
	if !ok {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(maxEchoBytes)
	ctx := r.Context()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			return // closed by the client (answered), too big (1009), or gone
		}
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err = c.Write(wctx, typ, msg)
		cancel()
		if err != nil {
			return
		}
	}
}

// chatHTML is the chat: a page whose script opens /chat/ws and shows
// what the hub sends. It sets every message with textContent, never as
// markup, so that a message cannot become part of the page.
//
//go:embed chat.html
var chatHTML string

var chatPage = template.Must(template.New("chat").Parse(chatHTML))

// chat answers GET /chat: the page, which says which process serves it.
func (s *site) chat(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	chatPage.Execute(w, os.Getpid())
}

// chatSocket answers GET /chat/ws?name=NAME: a member of the chat for as
// long as the socket stays open. What the member says goes to the hub;
// what the hub queues for the member goes out on the socket.
func (s *site) chatSocket(w http.ResponseWriter, r *http.Request) {
	name := chatName(r.URL.Query().Get("name"))
	c, ok := accept(w, r)
	if !ok {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(maxChatBytes)
	m := s.hub.join(name, os.Getpid())
	defer s.hub.leave(m)

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	// The reads on a goroutine of their own, the writes here: a member
	// may talk and listen at once.
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer cancel()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if typ != websocket.MessageText || !utf8.Valid(msg) {
				c.Close(websocket.StatusUnsupportedData, "text only")
				return
			}
			s.hub.say(m, string(msg))
		}
	}()
	defer func() { c.CloseNow(); <-readDone }()
	for {
		select {
		case msg := <-m.out:
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := c.Write(wctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				return
			}
		case <-m.gone:
			c.Close(websocket.StatusPolicyViolation, "too slow: messages were lost")
			return
		case <-ctx.Done():
			return // the client closed (the library answered) or left
		}
	}
}

// maxNameRunes bounds a chat name.
const maxNameRunes = 24

// chatName makes a name fit to show: printable, trimmed, at most
// maxNameRunes long, "guest" if nothing is left.
func chatName(s string) string {
	s = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxNameRunes {
		s = string([]rune(s)[:maxNameRunes])
	}
	if s == "" {
		return "guest"
	}
	return s
}
