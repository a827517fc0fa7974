// Free lists of buffers: a speed mechanism, not part 4's lesson, there
// because many connections are served at once. An idle kept-alive
// connection holds no buffer, and a new one allocates none (measured when
// they came: 8.6 KiB per idle connection against net/http's 20.2 KiB, and
// at 512 connections 19 collections where sync.Pool made 48; part 4's
// notes, "Making it as fast as net/http").

package main

import (
	"sync"
	"time"
)

// A freeList keeps the buffers that connections give back between
// requests, for the next requests to take: a 16 KiB reader, a 4 KiB writer
// and a 2 KiB body buffer each.
//
// sync.Pool is the usual tool for this, and this part used it first. But a
// sync.Pool lets go of everything it holds at every garbage collection
// (what it held survives one more collection, then goes), and a server
// that keeps its heap small collects often: at 512 busy connections this
// one collected 30 times a second, and every collection sent it back to
// allocating (and zeroing) the readers that 512 connections were about to
// ask for again, 17 % of all the bytes it allocated, which made the next
// collection come sooner still. A freeList lets go of buffers by time
// instead: what nobody took during a whole interval (trimEvery, one second
// by default) goes, whatever the collector does. It never holds more
// buffers than were in use at once, since it makes none: takeBuffers
// allocates when the list is empty.
type freeList[T any] struct {
	trimEvery time.Duration // 0 means a second

	mu    sync.Mutex
	items []T         // the oldest first: get takes from the end
	low   int         // the fewest items held since the last trim
	timer *time.Timer // runs trim while the list holds anything
}

// get takes the buffer given back last, if there is one.
func (f *freeList[T]) get() (T, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.items)
	if n == 0 {
		var none T
		return none, false
	}
	v := f.items[n-1]
	clear(f.items[n-1:]) // the list no longer keeps it alive
	f.items = f.items[:n-1]
	f.low = min(f.low, n-1)
	return v, true
}

// put gives a buffer back.
func (f *freeList[T]) put(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, v)
	if f.timer == nil {
		f.timer = time.AfterFunc(f.interval(), f.trim)
	}
}

// trim lets go of the buffers that nobody needed since the last trim: the
// low oldest ones, since get takes the newest. A buffer goes after one to
// two intervals unused; an idle server ends up holding none.
func (f *freeList[T]) trim() {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := copy(f.items, f.items[f.low:])
	clear(f.items[n:]) // so the collector can have them
	f.items = f.items[:n]
	f.low = n
	if n == 0 {
		f.items = nil
		f.timer = nil
		return
	}
	f.timer.Reset(f.interval())
}

func (f *freeList[T]) interval() time.Duration {
	if f.trimEvery == 0 {
		return time.Second
	}
	return f.trimEvery
}
