# Shared by samples/demo.sh, bench/run.sh and tests/t-samples.sh: run a sample image (with `pare run`
# or with docker) and run the sample's check against it. Source it; it defines functions only.
SAMPLES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# sample_port NAME: the first TCP port the recipe exposes.
sample_port() {
	(
		set +u
		PORTS=()
		dir="$SAMPLES_DIR/$1" # as samples/build.sh defines it for the recipe
		. "$SAMPLES_DIR/$1/recipe" >/dev/null 2>&1
		p=${PORTS[0]:-}
		echo "${p%%/*}"
	)
}

# sample_versions NAME ARCHIVE: "pkg version, ..." of the recipe's own packages in ARCHIVE, from the
# NAME-KEY.packages list samples/build.sh keeps beside it (every installed package is there).
sample_versions() {
	local list=${2%.tar} p v out=()
	list=${list%.oci}.packages
	[ -f "$list" ] || { echo "no package list $list"; return 0; }
	for p in $(
		set +u
		PACKAGES=()
		dir="$SAMPLES_DIR/$1"
		. "$SAMPLES_DIR/$1/recipe" >/dev/null 2>&1
		echo "${PACKAGES[*]}"
	); do
		v=$(awk -v p="$p" '$1 == p || $1 ~ "^" p ":" {print $2; exit}' "$list")
		out+=("$p ${v:-?}")
	done
	local IFS=,
	echo "${out[*]:-no packages}" | sed 's/,/, /g'
}

# sample_options NAME: fills the array SAMPLE_OPTIONS from samples/NAME/pare-options
# (one argument per line; blank lines and lines starting with # are ignored).
sample_options() {
	SAMPLE_OPTIONS=()
	local line
	[ -f "$SAMPLES_DIR/$1/pare-options" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '' | '#'*) continue ;; esac
		SAMPLE_OPTIONS+=("$line")
	done <"$SAMPLES_DIR/$1/pare-options"
}

# wait_tcp HOST PORT [SECONDS]: waits until HOST:PORT accepts a connection (default 60 s).
wait_tcp() {
	local i n=$((${3:-60} * 5))
	for ((i = 0; i < n; i++)); do
		if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
		sleep 0.2
	done
	return 1
}

# netns_pid PID: the first descendant of PID (or PID itself) in another network namespace than ours,
# i.e. a process of the container `pare run` started.
netns_pid() {
	local mine p kids queue=("$1")
	mine=$(readlink /proc/self/ns/net)
	while [ ${#queue[@]} -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		if [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" != "$mine" ] && [ -e "/proc/$p/ns/net" ]; then
			echo "$p"
			return 0
		fi
		kids=$(cat /proc/"$p"/task/*/children 2>/dev/null) || true
		# shellcheck disable=SC2206
		queue+=($kids)
	done
	return 1
}

# pare_run_start PARE IMAGE LOG [pare run options...]: starts `pare run` of IMAGE in the background
# (its own network namespace, nothing published on the host) and sets RUN_PID (pare) and NS_PID (a
# process inside the container). Returns 1 if no container appears within 60 s.
pare_run_start() {
	local pare=$1 image=$2 log=$3 i
	shift 3
	"$pare" run "$@" "$image" >"$log" 2>&1 &
	RUN_PID=$!
	NS_PID=
	for ((i = 0; i < 300; i++)); do
		NS_PID=$(netns_pid "$RUN_PID") && return 0
		kill -0 "$RUN_PID" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# in_netns COMMAND...: runs a host command inside the container's network namespace (NS_PID).
in_netns() { nsenter -t "$NS_PID" -n -- "$@"; }

# pare_run_check NAME: waits for the sample's port inside the running container, then runs its check.
pare_run_check() {
	local port
	port=$(sample_port "$1")
	in_netns bash -c "$(declare -f wait_tcp); wait_tcp 127.0.0.1 $port 60" || { echo "port $port never opened"; return 1; }
	in_netns "$SAMPLES_DIR/$1/check" "127.0.0.1:$port"
}

# container_init_pid PID: the descendant of PID that is PID 1 of its own PID namespace.
container_init_pid() {
	local p kids queue=("$1")
	while [ ${#queue[@]} -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		if awk '/^NSpid:/ {exit !(NF > 2 && $NF == 1)}' "/proc/$p/status" 2>/dev/null; then
			echo "$p"
			return 0
		fi
		kids=$(cat /proc/"$p"/task/*/children 2>/dev/null) || true
		# shellcheck disable=SC2206
		queue+=($kids)
	done
	return 1
}

# _wait_gone PID TENTHS: waits until PID is gone; returns 1 if it is still there.
_wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# pare_run_stop: stops the `pare run` started by pare_run_start the way `docker stop` would: SIGTERM
# (pare run forwards it), a grace of STOP_GRACE seconds (default 5), then SIGKILL to the container's
# PID 1, after which pare run cleans up and exits. SIGKILL to pare itself only as a last resort.
pare_run_stop() {
	[ -n "${RUN_PID:-}" ] || return 0
	local init
	init=$(container_init_pid "$RUN_PID") || init=
	kill -TERM "$RUN_PID" 2>/dev/null || true
	if ! _wait_gone "$RUN_PID" $((${STOP_GRACE:-5} * 10)); then
		[ -n "$init" ] && kill -KILL "$init" 2>/dev/null
		_wait_gone "$RUN_PID" 300 || kill -KILL "$RUN_PID" 2>/dev/null || true
	fi
	wait "$RUN_PID" 2>/dev/null || true
	RUN_PID=
}

# docker_run_check NAME IMAGE-REF [DOCKER-RUN-OPTIONS...]: runs the image with docker (never
# pulling), reaches it through its address on the docker bridge, runs the sample's check and removes
# the container.
docker_run_check() {
	local name=$1 ref=$2 port c ip rc=0
	shift 2
	port=$(sample_port "$name")
	c=$(docker run -d --pull never "$@" "$ref") || return 1
	ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$c")
	if [ -z "$ip" ] || ! wait_tcp "$ip" "$port" 60; then
		echo "container $c: port $port never opened"
		docker logs "$c" 2>&1 | tail -20
		rc=1
	elif ! "$SAMPLES_DIR/$name/check" "$ip:$port"; then
		docker logs "$c" 2>&1 | tail -20
		rc=1
	fi
	docker rm -f "$c" >/dev/null 2>&1
	return $rc
}
