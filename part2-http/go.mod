module example.com/webserver/part2-http

go 1.24

require github.com/google/go-cmp v0.7.0
