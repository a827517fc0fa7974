// Free lists of buffers: a speed mechanism, not part 4's lesson, there
// because many connections are served at once. An idle kept-alive
// connection holds no buffer, and a new one allocates none (measured when
// they came: 8.6 KiB per idle connection against net/http's 20.2 KiB,
// and at 512 connections 19 collections where sync.Pool made 48; see
// docs/performance.md at the root of the repository).

package main

import (
	"bufio"
	"errors"
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

// takeBuffers gives c a reader and a writer from the server's free lists,
// or new ones when the lists are empty.
func (s *Server) takeBuffers(c *conn) {
	if br, ok := s.readers.get(); ok {
		br.Reset(c.r)
		c.br = br
	} else {
		c.br = bufio.NewReaderSize(c.r, readBufferBytes)
	}
	if bw, ok := s.writers.get(); ok {
		bw.Reset(c.rwc)
		c.bw = bw
	} else {
		c.bw = bufio.NewWriterSize(c.rwc, 4<<10)
	}
}

// giveBuffersBack returns c's reader and writer to the free lists, unless
// the reader holds bytes of the next request (pipelined) or a handler took
// them with the connection (Hijack). Reset cuts each off from c.
func (s *Server) giveBuffersBack(c *conn) {
	if c.br == nil || c.hijacked || c.br.Buffered() > 0 {
		return
	}
	c.br.Reset(nil)
	c.bw.Reset(nil)
	s.readers.put(c.br)
	s.writers.put(c.bw)
	c.br, c.bw = nil, nil
}

// takeBodyWriter gives w the buffer that holds back the start of its
// body, from a free list; it goes back when the response is complete
// (giveBufferBack). Without it, each request allocated 2 KiB, a third of
// all the bytes the server allocated per request.
func (s *Server) takeBodyWriter(w *responseWriter) *bufio.Writer {
	if bw, ok := s.bodyWriters.get(); ok {
		bw.Reset(chunkWriter{w})
		return bw
	}
	return bufio.NewWriterSize(chunkWriter{w}, bufferBeforeChunkingSize)
}

// giveBufferBack returns w's body buffer to its free list once the response is
// complete. From then on w.w is nil: a handler that writes after it
// returned gets errHandlerDone, not another client's buffer.
func (w *responseWriter) giveBufferBack() {
	if w.c.hijacked {
		return
	}
	w.w.Reset(nil)
	w.s.bodyWriters.put(w.w)
	w.w = nil
}

// errHandlerDone is what Write and Flush return after the handler has
// returned: the response is complete, and the buffer is gone.
var errHandlerDone = errors.New("http: write after the handler returned")
