#!/bin/sh
# A broken script: its first line is not a header field (no colon), so
# the server answers 502 Bad Gateway and logs what was wrong.
printf 'This is not a header\n\n'
printf 'nor is this a body anyone will see\n'
echo 'this line went to stderr: the server logs it' >&2
