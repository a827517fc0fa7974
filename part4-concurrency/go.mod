module example.com/webserver/part4-concurrency

go 1.25.0

require (
	github.com/coder/websocket v1.8.15
	github.com/go-chi/chi/v5 v5.5.0
	github.com/google/go-cmp v0.7.0
	golang.org/x/sys v0.47.0
)
