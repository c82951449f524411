#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "user=$(id -un) method=$REQUEST_METHOD query=$QUERY_STRING"
echo "$QUERY_STRING" | tr 'a-z' 'A-Z' | sed 's/&/ AND /g'
date -u -d @1700000000 '+%Y-%m-%d %H:%M'
printf 'a\nc\nb\n' | sort | awk '{ s = s $0 } END { print s }'
