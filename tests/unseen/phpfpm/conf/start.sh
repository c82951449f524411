#!/bin/sh
# Two long-running processes: php-fpm in the background, nginx in front of it (a unix socket).
set -e
mkdir -p /run/php
php-fpm8.2 --nodaemonize &
exec nginx -g 'daemon off;'
