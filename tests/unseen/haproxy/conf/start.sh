#!/bin/sh
# Two backends (busybox httpd on 127.0.0.1:8001 and :8002) in the background, haproxy in front (master-worker: SIGUSR2 reloads it).
set -e
mkdir -p /run/haproxy
busybox httpd -f -p 127.0.0.1:8001 -h /srv/a &
busybox httpd -f -p 127.0.0.1:8002 -h /srv/b &
exec haproxy -W -db -f /etc/haproxy/haproxy.cfg
