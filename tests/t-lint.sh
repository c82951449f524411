#!/usr/bin/env bash
# pare lint: the article's good Dockerfiles lint clean, each bad one (tests/lint/bad/RULE, its first
# line "# expect: RULE LINE") gives exactly that rule at that line, the samples' Dockerfiles give the
# findings their recipes deserve; parser features (escape directive, heredocs, ARG before FROM, JSON
# form); malformed input fails with one line; options, exit statuses and the JSON output.
. "$(dirname "$0")/lib.sh"
L="$ROOT/tests/lint"

# findings FILE [ARGS...]: "rule line" per finding, from the JSON output.
findings() {
	local f=$1; shift
	"$PARE" lint --json "$@" "$f" 2>"$T/err" | python3 -c '
import json, sys
for x in json.load(sys.stdin)["findings"]: print(x["rule"], x["line"])'
}

for d in go node python; do
	check_status "good $d: clean, exit 0" 0 "$PARE" lint "$L/good/$d/Dockerfile"
done

for f in "$L"/bad/*/Dockerfile; do
	rule=$(basename "$(dirname "$f")")
	want=$(sed -n '1s/^# expect: //p' "$f")
	assert_eq "bad $rule: exactly that rule at its line" "$(findings "$f")" "$want"
	check_status "bad $rule: exit 1" 1 "$PARE" lint "$f"
done

# Each rule has a bad example.
for r in $("$PARE" lint --list-rules | awk '{print $1}'); do
	[ -f "$L/bad/$r/Dockerfile" ] && ok "rule $r has a bad example" || not_ok "rule $r has no bad example"
done

# The samples' Dockerfiles (what each recipe builds, written as a user would have).
declare -A want_sample=(
	[fat-dev]="dockerignore 1|root-user 2|single-stage-build-tools 3"
	[flask]="dockerignore 1|root-user 2"
	[nginx]="dockerignore 1|root-user 2"
	[node]="dockerignore 1|root-user 2"
	[python-http]="dockerignore 1|root-user 2"
	[shell-entrypoint]="dockerignore 1"
	[static-go-like]="dockerignore 1|apt-no-recommends 4|apt-lists 4"
)
for s in "$ROOT"/samples/*/recipe; do
	s=$(basename "$(dirname "$s")")
	got=$(findings "$ROOT/samples/$s/Dockerfile" | paste -sd'|')
	assert_eq "sample $s: findings" "$got" "${want_sample[$s]:-missing Dockerfile}"
done

# Parser: escape directive, continuations with comments between, heredocs, ARG before FROM, JSON form.
mkdir -p "$T/ctx"
printf '.git\nnode_modules\n.env\nvenv\n' >"$T/ctx/.dockerignore"
cat >"$T/ctx/Dockerfile" <<'X'
# escape=`
ARG BASE=debian
ARG TAG=12-slim
FROM ${BASE}:${TAG} AS Base

RUN apt-get update && `
# a comment between continued lines
    apt-get install -y --no-install-recommends curl && `
    rm -rf /var/lib/apt/lists/*
RUN <<EOF
pip install flask
EOF
COPY <<-'CONF' /etc/app.conf
	x = 1
	CONF
FROM base
USER nobody
X
assert_eq "escape directive, ARG before FROM, heredoc bodies, stage by name" \
	"$(findings "$T/ctx/Dockerfile")" "pip-cache 10"
sed -i '1d' "$T/ctx/Dockerfile"
assert_eq "without the escape directive \` is no continuation" "$("$PARE" lint "$T/ctx/Dockerfile" 2>&1 >/dev/null)" \
	"pare: $T/ctx/Dockerfile: line 7: not an instruction: 'apt-get install -y --no-install-recommen'"

# FROM with a build argument: resolved from a global ARG's default (and then checked), left alone when
# only --build-arg can supply it (an ARG without a default, or none at all).
printf 'ARG B=debian\nFROM $B\nUSER a\n' >"$T/arg-default"
assert_eq "FROM \$ARG with an untagged default: from-untagged" "$(findings "$T/arg-default")" "from-untagged 2"
printf 'ARG B=debian:12\nFROM ${B}\nUSER a\n' >"$T/arg-tagged"
assert_eq "FROM \${ARG} with a tagged default: clean" "$(findings "$T/arg-tagged")" ""
printf 'ARG B\nFROM $B\nUSER a\n' >"$T/arg-nodefault"
assert_eq "FROM \$ARG without a default: unresolved, not reported" "$(findings "$T/arg-nodefault")" ""
printf 'FROM ${NOPE:-debian}\nUSER a\n' >"$T/arg-inline"
assert_eq "FROM \${X:-default}: the default is checked" "$(findings "$T/arg-inline")" "from-untagged 1"
printf 'FROM $NOPE\nUSER a\n' >"$T/arg-undeclared"
assert_eq "FROM \$UNDECLARED: unresolved, not reported" "$(findings "$T/arg-undeclared")" ""

# Malformed input: one line on stderr, exit 1, no output.
bad_input() { # DESC FILE MESSAGE-PATTERN
	"$PARE" lint "$2" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -qF -- "$3" "$T/err" && [ ! -s "$T/out" ]; then
		ok "$1"
	else
		not_ok "$1" "exit $rc" "$(head -c 300 "$T/err")"
	fi
}
head -c 4096 "$PARE" >"$T/binary"
bad_input "binary file" "$T/binary" "binary file (NUL byte"
printf 'FROM debian:12\nRUN <<EOF\necho hi\n' >"$T/heredoc"
bad_input "unterminated heredoc" "$T/heredoc" "line 2: heredoc 'EOF' is not terminated"
{ printf 'FROM debian:12\nRUN echo '; head -c $((10 << 20)) /dev/zero | tr '\0' a; printf '\n'; } >"$T/long"
bad_input "10 MB line" "$T/long" "line 2: instruction longer than 1 MiB"
{ printf 'FROM debian:12\n'; for i in $(seq 1 17); do head -c $((1 << 20)) /dev/zero | tr '\0' '#'; echo; done; } >"$T/huge"
bad_input "file over 16 MiB" "$T/huge" "larger than 16 MiB"
: >"$T/empty"
bad_input "empty file" "$T/empty" "no FROM instruction"
printf 'RUN echo\nFROM debian:12\n' >"$T/runfirst"
bad_input "RUN before FROM" "$T/runfirst" "line 1: RUN before the first FROM"
printf 'FROM debian:12\nFROBNICATE x\n' >"$T/unknown"
bad_input "unknown instruction" "$T/unknown" "line 2: unknown instruction 'FROBNICATE'"
printf '# escape=x\nFROM debian:12\n' >"$T/escape"
bad_input "bad escape directive" "$T/escape" "line 1: invalid escape directive"
printf 'FROM debian:12 AS\n' >"$T/from"
bad_input "FROM AS without a name" "$T/from" "line 1: FROM takes"
bad_input "a directory" "$T/ctx" "is a directory"
bad_input "a missing file" "$T/nonexistent" "cannot open"

# Options and exit statuses.
b="$L/bad/add-local/Dockerfile"
check_status "--fail-on warning ignores an info finding" 0 "$PARE" lint --fail-on warning "$b"
check_status "--fail-on info fails on it" 1 "$PARE" lint --fail-on info "$b"
check_status "--fail-on none" 0 "$PARE" lint --fail-on none "$L/bad/secret-in-env/Dockerfile"
check_status "--fail-on error on an error" 1 "$PARE" lint --fail-on error "$L/bad/secret-in-env/Dockerfile"
check_status "--disable the rule" 0 "$PARE" lint --disable add-local "$b"
assert_eq "--enable runs only those rules" "$(findings "$ROOT/samples/fat-dev/Dockerfile" --enable root-user,from-untagged)" "root-user 2"
check_status "unknown rule: usage" 2 "$PARE" lint --disable no-such-rule "$b"
check_status "bad --fail-on: usage" 2 "$PARE" lint --fail-on sometimes "$b"
check_status "unknown option: usage" 2 "$PARE" lint --frobnicate "$b"
check_status "two files: usage" 2 "$PARE" lint "$b" "$b"
assert_eq "standard input (no context: no .dockerignore rule)" \
	"$("$PARE" lint --json - <"$L/bad/dockerignore/Dockerfile" | python3 -c 'import json,sys; print(json.load(sys.stdin)["findings"])')" "[]"
assert_eq "default ./Dockerfile" "$(cd "$L/bad/npm-install" && "$PARE" lint | head -1)" \
	"Dockerfile:5: warning npm-install: npm install resolves versions afresh and installs dev dependencies into the image (RUN npm install)"
"$PARE" lint --json "$L/bad/secret-in-env/Dockerfile" >"$T/j.json"
assert_eq "JSON document" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = d["findings"][0]
print(sorted(d), d["counts"], f["file"].endswith("secret-in-env/Dockerfile"), f["line"], f["rule"], f["severity"],
      bool(f["reason"]), bool(f["fix"]), f["detail"])' "$T/j.json")" \
	"['counts', 'file', 'findings'] {'error': 1, 'warning': 0, 'info': 0} True 4 secret-in-env error True True ENV DB_PASSWORD"
printf '.git\n' >"$T/ctx/.dockerignore"
printf 'FROM debian:12\nCOPY . /x\nUSER nobody\n' >"$T/ctx/Dockerfile"
assert_eq ".dockerignore missing entries" "$("$PARE" lint "$T/ctx/Dockerfile" | head -1)" \
	"$T/ctx/.dockerignore:1: warning dockerignore: without a .dockerignore excluding .git, node_modules, .env and virtualenvs, COPY . copies them into the image (.dockerignore does not exclude node_modules, .env, .venv)"
t_done
