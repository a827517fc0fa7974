#!/bin/sh
# The smallest CGI program: a header section (here one field), an empty
# line, then the body. The server turns it into an HTTP response.
printf 'Content-Type: text/plain; charset=utf-8\n'
printf '\n'
printf 'Hello from a CGI script, run by %s.\n' "$SERVER_SOFTWARE"
