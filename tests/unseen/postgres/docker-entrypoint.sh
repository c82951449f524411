#!/usr/bin/env bash
# In the style of the official postgres image: as root, prepare the data directory and re-run this
# script as postgres with gosu; as postgres, initdb on first start, then exec the server.
set -Eeo pipefail
if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown -R postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	exec gosu postgres "$BASH_SOURCE" "$@"
fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	initdb --username=postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
	printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	printf "host all all all trust\n" >>"$PGDATA/pg_hba.conf"
fi
exec "$@"
