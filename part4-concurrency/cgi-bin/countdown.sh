#!/bin/sh
# Prints a line a second for five seconds. The server sends each line as
# it comes (in chunks, as no length is known), so the client sees the
# countdown live: try it with curl -N.
printf 'Content-Type: text/plain; charset=utf-8\n\n'
for i in 5 4 3 2 1; do
	printf '%s\n' "$i"
	sleep 1
done
printf 'liftoff\n'
