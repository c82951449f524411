#!/usr/bin/env bash
# Start or stop the services the integration tests talk to: a dockerd, podman's API service on
# /run/pare-tests-podman.sock (tests/t-transport.sh), and two registries from Debian's docker-registry
# (tests/t-registry.sh): anonymous on 127.0.0.1:$REG_PORT, htpasswd Basic auth on 127.0.0.1:$REG_AUTH_PORT
# (user pare). Tests start one themselves when none answers; CI starts them once here so that every
# test file reuses them. "registry-start" / "registry-stop" handle only the registries.
set -u
pidfile=/run/pare-tests-dockerd.pid
REG_PORT=${PARE_TEST_REGISTRY_PORT:-5111}
REG_AUTH_PORT=${PARE_TEST_REGISTRY_AUTH_PORT:-5112}
REG_USER=pare REG_PASS=pare-test-pass

# registry_up NAME PORT [htpasswd]: config, storage and pid under /run and /var/tmp; 127.0.0.1 only.
registry_up() {
	local name=$1 port=$2 dir=/var/tmp/pare-tests-$1 conf=/run/pare-tests-$1.yml auth=""
	curl -s -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null && return 0
	mkdir -p "$dir"
	if [ "${3:-}" = htpasswd ]; then
		htpasswd -Bbc "/run/pare-tests-$name.htpasswd" "$REG_USER" "$REG_PASS" >/dev/null 2>&1 || return 1
		auth="auth:
  htpasswd:
    realm: pare-tests
    path: /run/pare-tests-$name.htpasswd"
	fi
	cat >"$conf" <<-EOF
	version: 0.1
	log:
	  level: warn
	storage:
	  filesystem:
	    rootdirectory: $dir
	  delete:
	    enabled: true
	http:
	  addr: 127.0.0.1:$port
	$auth
	EOF
	setsid docker-registry serve "$conf" >"/var/log/pare-tests-$name.log" 2>&1 &
	echo $! >"/run/pare-tests-$name.pid"
	for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && return 0; sleep 0.1; done
	echo "registry $name did not start:" >&2; tail -5 "/var/log/pare-tests-$name.log" >&2; return 1
}
registry_down() {
	local p=/run/pare-tests-$1.pid
	[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	rm -f "$p"
}
registries_start() {
	command -v docker-registry >/dev/null || { echo "docker-registry missing: run make deps" >&2; return 1; }
	# Debian's package enables a system service listening on every address (:5000): the tests want none.
	if command -v systemctl >/dev/null && systemctl is-enabled docker-registry >/dev/null 2>&1; then
		systemctl disable --now docker-registry >/dev/null 2>&1
	fi
	registry_up registry "$REG_PORT" && registry_up registry-auth "$REG_AUTH_PORT" htpasswd
}
registries_stop() { registry_down registry; registry_down registry-auth; }

case "${1:-}" in
registry-start) registries_start; exit $? ;;
registry-stop) registries_stop; exit 0 ;;
start)
	registries_start || exit 1
	psock=/run/pare-tests-podman.sock
	if ! curl -sf --unix-socket "$psock" http://d/_ping >/dev/null 2>&1; then
		printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' \
			>/run/pare-tests-containers.conf
		CONTAINERS_CONF=/run/pare-tests-containers.conf setsid podman system service --time=0 "unix://$psock" \
			>/var/log/pare-tests-podman.log 2>&1 &
		echo $! >/run/pare-tests-podman.pid
	fi
	docker info >/dev/null 2>&1 && exit 0
	dockerd >/var/log/pare-tests-dockerd.log 2>&1 &
	echo $! >"$pidfile"
	for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && exit 0; sleep 0.2; done
	echo "dockerd did not start:" >&2; tail -20 /var/log/pare-tests-dockerd.log >&2; exit 1 ;;
stop)
	registries_stop
	[ -f /run/pare-tests-podman.pid ] && kill "$(cat /run/pare-tests-podman.pid)" 2>/dev/null
	rm -f /run/pare-tests-podman.pid
	[ -f "$pidfile" ] || exit 0
	kill "$(cat "$pidfile")" 2>/dev/null; rm -f "$pidfile"
	for _ in $(seq 1 50); do docker info >/dev/null 2>&1 || exit 0; sleep 0.2; done ;;
*) echo "usage: $0 start|stop|registry-start|registry-stop" >&2; exit 2 ;;
esac
