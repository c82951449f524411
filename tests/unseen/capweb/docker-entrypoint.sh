#!/usr/bin/env bash
# Renders the site as root, then drops to the unprivileged user with setpriv; the server binds port 80
# through the file capability cap_net_bind_service on its interpreter.
set -euo pipefail
: "${SITE_TITLE:=capweb}"
mkdir -p /srv/www
sed "s/@TITLE@/$SITE_TITLE/" /srv/site/index.html.in >/srv/www/index.html
awk 'BEGIN { printf "built by %s\n", "awk" }' >/srv/www/built.txt
ls /srv/site | sort | tr '\n' ' ' >>/srv/www/built.txt
chown -R web:web /srv/www
if [ "$(id -u)" = 0 ]; then
	exec setpriv --reuid=web --regid=web --init-groups "$@"
fi
exec "$@"
