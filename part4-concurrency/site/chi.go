// The same site on chi, a popular third-party router: the handlers are
// the very same functions, and the server runs either site unchanged, as
// LSBAWS's WSGI server ran Flask, Pyramid and Django apps.

package site

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// chiRouter builds the routes on chi, in chi's idiom: a method per route
// (r.Get, r.Post), "*" for the rest of a path, and middleware for HEAD,
// which chi does not route to GET by itself. chi fills r.PathValue as
// ServeMux does, so the handlers need not know which router called them.
func (s *site) chiRouter() router {
	r := chi.NewRouter()
	r.Use(middleware.GetHead)
	r.Get("/echo/*", func(w http.ResponseWriter, r *http.Request) {
		r.SetPathValue("text", chi.URLParam(r, "*")) // ServeMux's {text...}
		echoText(w, r)
	})
	r.Post("/echo", echoBody)
	r.Get("/user-agent", userAgent)
	r.Get("/request", showRequest)
	r.Post("/request", showRequest)
	r.Get("/visits", visits)
	r.Get("/sleep", sleep)
	r.Get("/files/", s.listFiles)
	r.Get("/files/{name}", s.getFile)
	r.Put("/files/{name}", s.putFile)
	r.Post("/files/{name}", s.putFile)
	r.Delete("/files/{name}", s.deleteFile)
	r.Get("/upload", s.uploadForm)
	r.Post("/upload", s.upload)
	r.Post("/upload/delete", s.deleteUpload)
	r.Get("/ws/echo", wsEcho)
	r.Get("/chat", s.chat)
	r.Get("/chat/ws", s.chatSocket)
	if s.cgiBin != nil {
		r.Handle("/cgi-bin/*", s.cgiBin)
	}
	r.Get("/*", s.pages.ServeHTTP)
	return chiMux{r}
}

type chiMux struct{ *chi.Mux }

func (m chiMux) allows(r *http.Request, method string) bool {
	if method == "HEAD" {
		method = "GET" // middleware.GetHead serves HEAD with the GET route
	}
	path := r.URL.RawPath // what chi routes on
	if path == "" {
		path = r.URL.Path
	}
	return m.Match(chi.NewRouteContext(), method, path)
}
