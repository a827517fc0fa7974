package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestFreeListTrims: get takes the newest buffer; each trim lets go of
// those that nobody took since the one before; an empty list stops its
// timer. The trims are called by hand here (the interval is an hour).
func TestFreeListTrims(t *testing.T) {
	f := &freeList[int]{trimEvery: time.Hour}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.timer != nil {
			f.timer.Stop()
		}
	})
	held := func() []int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return append([]int{}, f.items...)
	}
	check := func(step string, want []int) {
		t.Helper()
		if diff := cmp.Diff(want, held()); diff != "" {
			t.Errorf("%s: held (-want +got):\n%s", step, diff)
		}
	}

	if v, ok := f.get(); ok {
		t.Fatalf("get from an empty list = %d, true", v)
	}
	f.put(1)
	f.put(2)
	f.put(3)
	if v, ok := f.get(); !ok || v != 3 {
		t.Errorf("get = %d, %v; want 3, true (the newest)", v, ok)
	}
	f.trim() // the first interval: every buffer counts as needed
	check("after the first trim", []int{1, 2})
	f.get()  // 2: from now on, 1 is the one nobody takes
	f.put(4) // given back: it was needed
	f.trim() // 1 sat unused for a whole interval
	check("after the second trim", []int{4})
	f.trim() // nobody took 4 either
	check("after the third trim", []int{})
	f.mu.Lock()
	stopped := f.timer == nil
	f.mu.Unlock()
	if !stopped {
		t.Error("an empty list still runs its timer")
	}
	f.put(5)
	check("after a put", []int{5})
	f.mu.Lock()
	started := f.timer != nil
	f.mu.Unlock()
	if !started {
		t.Error("a list that holds a buffer runs no timer")
	}
}

// TestFreeListLetsGo: left alone, a list gives everything up on its own
// timer, and a server that has gone quiet ends up holding no buffers.
func TestFreeListLetsGo(t *testing.T) {
	f := &freeList[int]{trimEvery: time.Millisecond}
	for i := range 100 {
		f.put(i)
	}
	empty := func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.items) == 0 && f.timer == nil
	}
	if !eventually(empty) {
		t.Error("the list still holds buffers nobody takes")
	}
}
