module example.com/webserver/part3-gateway

go 1.25

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/google/go-cmp v0.7.0
)
