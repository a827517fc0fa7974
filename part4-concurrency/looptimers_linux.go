// The event loop model's timers (see eventloop_linux.go): each loop keeps
// its connections' deadlines in one binary heap, whatever the kind (the
// head's, the idle connection's, a waiting goroutine's read or write),
// and the earliest sets how long epoll_wait waits.

package main

import (
	"container/heap"
	"time"

	"golang.org/x/sys/unix"
)

// sleep says how long the next epoll_wait may wait: until the first timer
// is due, or (-1) until an event. done: the loop has nothing left to do.
func (l *loop) sleep() (ms int, done bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.accepting && l.live == 0 {
		l.exited = true
		unix.Close(l.ep)
		unix.Close(l.wake)
		return 0, true
	}
	l.sleeping = true
	// Never longer than the shortest timeout: a deadline set while the
	// loop sleeps (a connection given back, with its idle deadline) is
	// then never earlier than its wake-up, and needs no eventfd write.
	l.sleepUntil = time.Time{}
	if l.maxSleep > 0 {
		l.sleepUntil = time.Now().Add(l.maxSleep)
	}
	if len(l.timers) > 0 && (l.sleepUntil.IsZero() || l.timers[0].when.Before(l.sleepUntil)) {
		l.sleepUntil = l.timers[0].when
	}
	if l.sleepUntil.IsZero() {
		return -1, false
	}
	d := time.Until(l.sleepUntil)
	return int((max(d, 0) + time.Millisecond - 1) / time.Millisecond), false
}

// fireTimers acts on each connection whose deadline has passed: an idle
// one closes, one in the middle of its head goes to a goroutine, whose
// parser finds the deadline passed (and logs it as the other models do),
// and a goroutine waiting on a served one wakes to find it passed.
func (l *loop) fireTimers(now time.Time) {
	var due []*pollConn
	l.mu.Lock()
	for len(l.timers) > 0 && !l.timers[0].when.After(now) {
		due = append(due, heap.Pop(&l.timers).(*pollConn))
	}
	l.mu.Unlock()
	for _, pc := range due {
		pc.mu.Lock()
		l.mu.Lock()
		reset := pc.index >= 0 // set again since: not due any more
		l.mu.Unlock()
		state := pc.state
		if reset || pc.fdClosed {
			pc.mu.Unlock()
			continue
		}
		if state == serving {
			pc.notify(&pc.readReady)
			pc.notify(&pc.writeReady)
		}
		pc.mu.Unlock()
		switch {
		case state == idle:
			l.end(pc)
		case state == readingHead:
			l.dispatch(pc)
		}
	}
}

// setTimer sets the connection's deadline in the loop's timers (zero:
// none), and wakes the loop if it sleeps past it. pc.mu is held.
func (l *loop) setTimer(pc *pollConn, when time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timers.set(pc, when)
	l.wakeBy(when)
}

// setTimerBy is setTimer for a goroutine that waits: the deadline comes
// forward to when, never back (a reader and a writer may both wait).
func (l *loop) setTimerBy(pc *pollConn, when time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if pc.index < 0 || when.Before(pc.when) {
		l.timers.set(pc, when)
		l.wakeBy(when)
	}
}

// wakeBy wakes the loop if it sleeps past when. l.mu is held.
func (l *loop) wakeBy(when time.Time) {
	if l.sleeping && !when.IsZero() && (l.sleepUntil.IsZero() || when.Before(l.sleepUntil)) {
		l.sleepUntil = when
		l.wakeUp()
	}
}

// timerHeap is a loop's timers: its connections that have a deadline, the
// earliest first (a binary heap, container/heap), which sets how long
// epoll_wait waits. One structure for every kind of timeout: the
// connection's state says what its deadline means. pollConn.index is its
// place in the heap, -1 when it has no deadline.
type timerHeap []*pollConn

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool { return h[i].when.Before(h[j].when) }

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *timerHeap) Push(x any) {
	pc := x.(*pollConn)
	pc.index = len(*h)
	*h = append(*h, pc)
}

func (h *timerHeap) Pop() any {
	old := *h
	pc := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	pc.index = -1
	return pc
}

// set gives pc the deadline when, or none if when is zero.
func (h *timerHeap) set(pc *pollConn, when time.Time) {
	switch {
	case when.IsZero():
		h.remove(pc)
	case pc.index >= 0:
		pc.when = when
		heap.Fix(h, pc.index)
	default:
		pc.when = when
		heap.Push(h, pc)
	}
}

func (h *timerHeap) remove(pc *pollConn) {
	if pc.index >= 0 {
		heap.Remove(h, pc.index)
	}
}

// shortest returns the shortest positive duration of ds, or zero.
func shortest(ds ...time.Duration) time.Duration {
	var min time.Duration
	for _, d := range ds {
		if d > 0 && (min == 0 || d < min) {
			min = d
		}
	}
	return min
}
