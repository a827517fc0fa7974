// The chat's hub: who is connected, and the fan-out of every message to
// all of them. It knows nothing of WebSocket: each member is a queue of
// messages that its own connection's handler writes out.

package site

import (
	"encoding/json"
	"slices"
	"sync"
)

// memberQueue is how many messages may wait for a member's connection.
// A member that falls that far behind (a client that stopped reading) is
// dropped, so that one slow reader never holds up the others.
const memberQueue = 32

// hub holds the chat's members. It lives in the memory of one process:
// in the process model each child has a hub of its own, and members
// served by different children never meet (see the notes).
type hub struct {
	mu      sync.Mutex
	members map[*member]bool
}

// member is one person in the chat.
type member struct {
	name string
	out  chan []byte   // messages (JSON) for this member, in order
	gone chan struct{} // closed when the hub drops the member as too slow
}

// chatMessage is what the hub sends: "welcome" (to a new member alone,
// with who is here), "join", "leave" and "say".
type chatMessage struct {
	Kind string   `json:"kind"`
	Name string   `json:"name"`
	Text string   `json:"text,omitempty"`
	Here []string `json:"here,omitempty"`
	PID  int      `json:"pid,omitempty"`
}

func newHub() *hub { return &hub{members: map[*member]bool{}} }

// join adds a member named name: it gets a welcome that lists who is
// here, and everyone (itself included) sees it join.
func (h *hub) join(name string, pid int) *member {
	m := &member{name: name, out: make(chan []byte, memberQueue), gone: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.members[m] = true
	here := make([]string, 0, len(h.members))
	for other := range h.members {
		here = append(here, other.name)
	}
	slices.Sort(here)
	m.queue(encode(chatMessage{Kind: "welcome", Name: name, Here: here, PID: pid})) // its queue is empty
	h.broadcastLocked(chatMessage{Kind: "join", Name: name})
	return m
}

// leave removes m, if the hub has not dropped it already, and tells the
// others.
func (h *hub) leave(m *member) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.members[m] {
		delete(h.members, m)
		h.broadcastLocked(chatMessage{Kind: "leave", Name: m.name})
	}
}

// say sends what m said to every member, m included: each sees the
// messages in the one order the hub saw them.
func (h *hub) say(m *member, text string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.members[m] {
		h.broadcastLocked(chatMessage{Kind: "say", Name: m.name, Text: text})
	}
}

// broadcastLocked queues msg for every member; h.mu is held. A member
// whose queue is full is dropped (its handler sees gone closed and closes
// its socket), and the others then learn that it left.
func (h *hub) broadcastLocked(msg chatMessage) {
	b := encode(msg)
	var dropped []*member
	for m := range h.members {
		if !m.queue(b) {
			dropped = append(dropped, m)
		}
	}
	for _, m := range dropped {
		delete(h.members, m)
		close(m.gone)
	}
	for _, m := range dropped {
		h.broadcastLocked(chatMessage{Kind: "leave", Name: m.name})
	}
}

// queue adds b to m's messages without waiting, and reports false if
// m's queue is full.
func (m *member) queue(b []byte) bool {
	select {
	case m.out <- b:
		return true
	default:
		return false
	}
}

func encode(msg chatMessage) []byte {
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err) // strings and ints only: cannot fail
	}
	return b
}
