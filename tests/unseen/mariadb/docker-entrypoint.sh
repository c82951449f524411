#!/bin/bash
# In the style of the official mariadb image: as root, prepare the data directory and re-run this
# script as mysql with gosu; as mysql, initialise the data directory on the first start (a temporary
# server on the socket only), then exec the server in the foreground.
set -eo pipefail
DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
log() { printf '%s [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }

if [ "$1" = mariadbd ] && [ "$(id -u)" = 0 ]; then
	mkdir -p "$DATADIR" /run/mysqld
	find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql: '{}' +
	log "switching to dedicated user 'mysql'"
	exec gosu mysql "$BASH_SOURCE" "$@"
fi

if [ "$1" = mariadbd ] && [ ! -d "$DATADIR/mysql" ]; then
	log "initializing database files"
	mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
		--skip-test-db --skip-name-resolve >/dev/null
	log "starting temporary server"
	mariadbd --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" --wsrep_on=OFF \
		--loose-innodb_buffer_pool_load_at_startup=0 &
	pid=$!
	for i in $(seq 60); do
		mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
		sleep 0.5
	done
	log "loading time zone info"
	mariadb-tzinfo-to-sql --skip-write-binlog /usr/share/zoneinfo 2>/dev/null |
		mariadb --socket="$SOCKET" -uroot mysql
	mariadb --socket="$SOCKET" -uroot <<-SQL
		SET @@SESSION.SQL_LOG_BIN=0;
		DELETE FROM mysql.user WHERE user = '';
		ALTER USER 'root'@'localhost' IDENTIFIED BY '${MARIADB_ROOT_PASSWORD}';
		CREATE USER 'root'@'%' IDENTIFIED BY '${MARIADB_ROOT_PASSWORD}';
		GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
		CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE}\` CHARACTER SET utf8mb4;
		CREATE USER '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}';
		GRANT ALL ON \`${MARIADB_DATABASE//_/\\_}\`.* TO '${MARIADB_USER}'@'%';
	SQL
	log "stopping temporary server"
	mariadb-admin --socket="$SOCKET" -uroot -p"$MARIADB_ROOT_PASSWORD" shutdown
	wait $pid
	log "initialization complete, ready for start up"
fi
exec "$@"
