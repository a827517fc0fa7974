// GET /sleep: the slow handler of part 4, which shows what a server that
// serves one client at a time does to the next client.

package site

import (
	"fmt"
	"net/http"
	"time"
)

// maxSleep bounds /sleep: a client may hold a handler for this long, no
// longer (and less than the server's write timeout, so the answer still
// goes out).
const maxSleep = 10 * time.Second

// sleep answers GET /sleep?d=DURATION after waiting that long (a Go
// duration: "5s", "500ms"; one second if absent): the slow handler of
// LSBAWS part 3, which shows what a server that serves one client at a
// time does to the next client. It stops early if the client goes away.
func sleep(w http.ResponseWriter, r *http.Request) {
	d := time.Second
	if s := r.URL.Query().Get("d"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d < 0 || d > maxSleep {
			http.Error(w, fmt.Sprintf("d must be a duration from 0s to %v, such as 5s or 500ms", maxSleep), http.StatusBadRequest)
			return
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return // nobody waits for the answer
	}
	textPlain(w)
	fmt.Fprintf(w, "slept %v\n", d)
}
