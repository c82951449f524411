#!/usr/bin/env bash
# Start or stop the services the integration tests talk to: a dockerd, and podman's API service on
# /run/pare-tests-podman.sock (tests/t-transport.sh). Tests start one themselves
# when none answers; CI starts it once here so that every test file reuses it.
set -u
pidfile=/run/pare-tests-dockerd.pid
case "${1:-}" in
start)
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
	[ -f /run/pare-tests-podman.pid ] && kill "$(cat /run/pare-tests-podman.pid)" 2>/dev/null
	rm -f /run/pare-tests-podman.pid
	[ -f "$pidfile" ] || exit 0
	kill "$(cat "$pidfile")" 2>/dev/null; rm -f "$pidfile"
	for _ in $(seq 1 50); do docker info >/dev/null 2>&1 || exit 0; sleep 0.2; done ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
