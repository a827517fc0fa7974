// The cap on connections served at once (-max-conns), and how idle
// kept-alive connections give way at it.

package main

// defaultMaxChildren caps the process model's children when MaxConns is
// zero: a process costs megabytes, and a flood of silent connections must
// not fork the machine to its knees. Apache's prefork server caps its
// children at 256 by default (MaxRequestWorkers) for the same reason.
const defaultMaxChildren = 256

// takeSlot takes a token for a connection the loop has just accepted, and
// reports false if the server stops first. At the cap it waits for a
// connection to end, holding the one it accepted; the next clients wait
// in the kernel's backlog, since the loop does not call Accept.
//
// While it waits, the server gives way (giveWay): a client that stays
// connected after its request must not lock the others out for the idle
// timeout. nginx does the same with its idle keep-alive connections.
func (s *Server) takeSlot() bool {
	s.slotsOnce.Do(func() {
		switch n := s.MaxConns; {
		case n > 0:
			s.slots = make(chan struct{}, n)
		case s.model() == Process:
			s.slots = make(chan struct{}, defaultMaxChildren)
		}
	})
	if s.slots == nil {
		return true
	}
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	if s.model() == Process {
		s.askChildrenToGiveWay()
	} else {
		s.giveWay(true)
		defer s.giveWay(false)
	}
	select {
	case s.slots <- struct{}{}:
		return true
	case <-s.stoppingChan():
		return false
	}
}

// giveSlotBack returns the token of a connection that has ended.
func (s *Server) giveSlotBack() {
	if s.slots != nil {
		<-s.slots
	}
}

// giveWay says whether a client waits for a slot. While one does, the
// kept-alive connection that has waited longest for its next request is
// closed at once, and each response says "Connection: close" and its
// connection closes after it (connection, in framing.go), instead of
// waiting for the next request (setIdle). Its client sees the
// close as it would at the idle timeout, and opens a new connection for
// its next request. A connection in the middle of a request is never
// closed for this, nor one that has not yet sent its first.
func (s *Server) giveWay(waiting bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clientWaits.Store(waiting)
	if !waiting {
		return
	}
	var oldest *conn
	for c := range s.conns {
		if c.idle && !c.idleSince.IsZero() && (oldest == nil || c.idleSince.Before(oldest.idleSince)) {
			oldest = c
		}
	}
	if oldest != nil {
		oldest.rwc.Close()
	}
}
