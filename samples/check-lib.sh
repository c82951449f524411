# Shared by the samples' check scripts: `. check-lib.sh "$1"` with URL-or-host:port, then
#   expect METHOD PATH STATUS MATCH BODY [curl args...]
# where MATCH is `=` (the body equals BODY, ignoring one trailing newline) or `~` (the body contains
# BODY). Every failure is reported; finish with `check_done` (exit 1 if anything failed).
# With CHECK_TRANSCRIPT=FILE each request's method, path, status and body are appended to FILE, so
# that two runs (the original image and the slim one) can be compared byte for byte.
set -u
case ${1:-} in
http://* | https://*) BASE=${1%/} ;;
?*:[0-9]*) BASE="http://$1" ;;
*) echo "usage: $0 URL|HOST:PORT" >&2; exit 2 ;;
esac
_check_failed=0
_check_body=$(mktemp "${TMPDIR:-/var/tmp}/paretest.check.XXXXXX")
trap 'rm -f "$_check_body" "$_check_body.h"' EXIT

# expect METHOD PATH STATUS =|~ BODY [curl args...]
expect() {
	local method=$1 path=$2 status=$3 match=$4 want=$5 got body
	shift 5
	got=$(curl -sS -X "$method" -o "$_check_body" -D "$_check_body.h" -w '%{http_code}' --max-time 20 "$@" "$BASE$path" 2>&1) || {
		echo "FAIL $method $path: $(echo "$got" | head -1)"
		_check_failed=1
		return 0
	}
	body=$(cat "$_check_body")
	if [ -n "${CHECK_TRANSCRIPT:-}" ]; then
		{ echo "== $method $path -> $got"; cat "$_check_body"; echo; } >>"$CHECK_TRANSCRIPT"
	fi
	if [ "$got" != "$status" ]; then
		echo "FAIL $method $path: status $got, expected $status: $(head -c 300 "$_check_body")"
		_check_failed=1
	elif [ "$match" = "=" ] && [ "$body" != "$want" ]; then
		echo "FAIL $method $path: body $(printf %q "$(head -c 300 "$_check_body")"), expected $(printf %q "$want")"
		_check_failed=1
	elif [ "$match" = "~" ] && [[ $body != *"$want"* ]]; then
		echo "FAIL $method $path: body $(printf %q "$(head -c 300 "$_check_body")") lacks $(printf %q "$want")"
		_check_failed=1
	else
		echo "ok   $method $path: $status"
	fi
}

# expect_header PATH HEADER-LINE-SUBSTRING [curl args...]: the response to GET PATH has that header.
expect_header() {
	local path=$1 header=$2
	shift 2
	if curl -sS -o /dev/null -D - --max-time 20 "$@" "$BASE$path" | tr -d '\r' | grep -qiF -- "$header"; then
		echo "ok   GET $path: header $header"
	else
		echo "FAIL GET $path: no header '$header'"
		_check_failed=1
	fi
}

check_done() { exit $_check_failed; }
