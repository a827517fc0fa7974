package site

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// drain returns the messages queued for m, decoded, without waiting.
func drain(t *testing.T, m *member) []chatMessage {
	t.Helper()
	var got []chatMessage
	for {
		select {
		case b := <-m.out:
			var msg chatMessage
			if err := json.Unmarshal(b, &msg); err != nil {
				t.Fatal(err)
			}
			got = append(got, msg)
		default:
			return got
		}
	}
}

// TestHubFansOut: every member sees joins, messages and leaves in the
// order the hub saw them; a newcomer is told who is here.
func TestHubFansOut(t *testing.T) {
	h := newHub()
	ann := h.join("ann", 7)
	bob := h.join("bob", 7)
	h.say(ann, "hi")
	h.leave(bob)
	h.say(bob, "too late") // bob has left: nobody hears it

	want := []chatMessage{
		{Kind: "welcome", Name: "ann", Here: []string{"ann"}, PID: 7},
		{Kind: "join", Name: "ann"},
		{Kind: "join", Name: "bob"},
		{Kind: "say", Name: "ann", Text: "hi"},
		{Kind: "leave", Name: "bob"},
	}
	if diff := cmp.Diff(want, drain(t, ann)); diff != "" {
		t.Errorf("ann (-want +got):\n%s", diff)
	}
	want = []chatMessage{
		{Kind: "welcome", Name: "bob", Here: []string{"ann", "bob"}, PID: 7},
		{Kind: "join", Name: "bob"},
		{Kind: "say", Name: "ann", Text: "hi"},
	}
	if diff := cmp.Diff(want, drain(t, bob)); diff != "" {
		t.Errorf("bob (-want +got):\n%s", diff)
	}
}

// TestHubDropsSlowMembers: a member whose queue is full (its client stopped
// reading) is dropped, its gone channel closed, and the others told it
// left; saying something never waits for it.
func TestHubDropsSlowMembers(t *testing.T) {
	h := newHub()
	slow := h.join("slow", 1)
	fast := h.join("fast", 1)
	for range memberQueue {
		h.say(fast, "x")
		drain(t, fast) // fast keeps up; slow reads nothing
	}
	select {
	case <-slow.gone:
	default:
		t.Fatal("the slow member is still in the hub")
	}
	if h.members[slow] {
		t.Error("the slow member is still listed")
	}
	h.say(fast, "still here")
	want := []chatMessage{{Kind: "say", Name: "fast", Text: "still here"}}
	if diff := cmp.Diff(want, drain(t, fast)); diff != "" {
		t.Errorf("fast after the drop (-want +got):\n%s", diff)
	}
	h.leave(slow) // its handler's deferred leave: nothing more to say
	if got := drain(t, fast); len(got) != 0 {
		t.Errorf("a second leave for the dropped member: %+v", got)
	}
}

// TestChatName: names are printable, trimmed and short.
func TestChatName(t *testing.T) {
	for in, want := range map[string]string{
		"ann":                            "ann",
		"  bob \t":                       "bob",
		"":                               "guest",
		"\x00\x1b[31m":                   "[31m",
		"a\nb":                           "ab",
		"abcdefghijklmnopqrstuvwxyz0123": "abcdefghijklmnopqrstuvwx",
		"ééééééééééééééééééééééééé": "éééééééééééééééééééééééé",
	} {
		if got := chatName(in); got != want {
			t.Errorf("chatName(%q) = %q, want %q", in, got, want)
		}
	}
}
