#!/bin/sh
# Host keys are made per container, on the first start; sshd needs its privilege separation directory.
set -e
if ! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
	echo "generating SSH host keys" >&2
	ssh-keygen -A >&2
fi
mkdir -p /run/sshd
chmod 0755 /run/sshd
exec "$@"
