// Command chat joins the site's chat (/chat/ws) from a terminal: each line
// typed is a message, and every message of the chat is printed as it
// comes. It is what the page /chat does in a browser, and lets two
// terminals show what the chat does on each of the server's models.
//
// Usage:
//
//	chat [-name NAME] [URL]
//
// URL is the server (default http://127.0.0.1:8888). For example, in two
// terminals, while part 4's server runs:
//
//	go run ./part4-concurrency/cmd/chat -name ann
//	go run ./part4-concurrency/cmd/chat -name bob
//
// Ctrl-D (end of input) leaves the chat with a clean close.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"strings"
	"sync/atomic"

	"github.com/coder/websocket"
)

func main() {
	name := flag.String("name", "guest", "the name the others see")
	flag.Parse()
	base := "http://127.0.0.1:8888"
	if flag.NArg() > 0 {
		base = flag.Arg(0)
	}
	u, err := url.Parse(base)
	if err != nil {
		log.Fatal(err)
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1) // http→ws, https→wss
	u.Path = "/chat/ws"
	u.RawQuery = url.Values{"name": {*name}}.Encode()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, u.String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseNow()

	// What the others say, printed as it comes.
	var leaving atomic.Bool
	go func() {
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				if s := websocket.CloseStatus(err); s != -1 && !leaving.Load() {
					fmt.Printf("closed by the server: %v\n", s)
				}
				os.Exit(0)
			}
			fmt.Println(describe(b))
		}
	}()
	// What we say, a line at a time.
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if err := c.Write(ctx, websocket.MessageText, in.Bytes()); err != nil {
			log.Fatal(err)
		}
	}
	leaving.Store(true)
	c.Close(websocket.StatusNormalClosure, "")
}

// describe turns one message of the hub (site/hub.go) into a line.
func describe(b []byte) string {
	var m struct {
		Kind, Name, Text string
		Here             []string
		PID              int
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return string(b)
	}
	switch m.Kind {
	case "welcome":
		return fmt.Sprintf("* you are %s, served by process %d; here: %s", m.Name, m.PID, strings.Join(m.Here, ", "))
	case "join":
		return "* " + m.Name + " joined"
	case "leave":
		return "* " + m.Name + " left"
	default:
		return m.Name + ": " + m.Text
	}
}
