// What the routers leave to the application: 501 for a method the site
// does not implement, 405 with Allow, and OPTIONS (RFC 9110 section 9).

package site

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// A router dispatches a request to the handler of its route, and can say
// whether a method has a route for a request's path: ServeMux and chi do.
type router interface {
	http.Handler
	allows(r *http.Request, method string) bool
}

type serveMux struct{ *http.ServeMux }

func (m serveMux) allows(r *http.Request, method string) bool {
	probe := r.Clone(r.Context())
	probe.Method = method
	_, pattern := m.Handler(probe)
	return pattern != ""
}

// methods answers what the routers leave to the application, the same way
// for both: 501 for a method the site does not implement (RFC 9110 section
// 9.1), 405 with an Allow field for a method the path does not take
// (section 15.5.6), and OPTIONS with the methods a path takes (section
// 9.3.7), learnt by asking the router about each method. ("OPTIONS *",
// about the server as a whole, is the server's to answer.)
func methods(rt router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(implemented, r.Method) {
			http.Error(w, fmt.Sprintf("method %s is not implemented here", r.Method), http.StatusNotImplemented)
			return
		}
		if r.Method != "OPTIONS" && rt.allows(r, r.Method) {
			rt.ServeHTTP(w, r)
			return
		}
		var allowed []string
		for _, m := range implemented {
			if m == "OPTIONS" || rt.allows(r, m) {
				allowed = append(allowed, m)
			}
		}
		switch {
		case r.Method == "OPTIONS":
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			w.WriteHeader(http.StatusNoContent)
		case len(allowed) > 1:
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		default:
			rt.ServeHTTP(w, r) // no route at all: the router's 404, or its redirect
		}
	})
}
