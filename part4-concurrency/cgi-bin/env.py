#!/usr/bin/env python3
# Prints every meta-variable the server set, sorted: the script's whole
# view of the request (RFC 3875 section 4.1), as /request is the site's.
import os

print("Content-Type: text/plain; charset=utf-8")
print()
for name in sorted(os.environ):
    print(f"{name}={os.environ[name]}")
