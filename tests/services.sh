#!/usr/bin/env bash
# Start or stop the services the integration tests talk to (a dockerd). Tests start one themselves
# when none answers; CI starts it once here so that every test file reuses it.
set -u
pidfile=/run/pare-tests-dockerd.pid
case "${1:-}" in
start)
	docker info >/dev/null 2>&1 && exit 0
	dockerd >/var/log/pare-tests-dockerd.log 2>&1 &
	echo $! >"$pidfile"
	for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && exit 0; sleep 0.2; done
	echo "dockerd did not start:" >&2; tail -20 /var/log/pare-tests-dockerd.log >&2; exit 1 ;;
stop)
	[ -f "$pidfile" ] || exit 0
	kill "$(cat "$pidfile")" 2>/dev/null; rm -f "$pidfile"
	for _ in $(seq 1 50); do docker info >/dev/null 2>&1 || exit 0; sleep 0.2; done ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
