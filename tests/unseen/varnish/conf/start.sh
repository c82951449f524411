#!/bin/sh
# The backend (busybox httpd on 127.0.0.1:8080) in the background, varnishd in the foreground.
set -e
busybox httpd -f -p 127.0.0.1:8080 -h /srv/www &
exec varnishd -F -a :6081 -T 127.0.0.1:6082 -S /etc/varnish/secret -f /etc/varnish/default.vcl -s malloc,32m
