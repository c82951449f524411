#!/usr/bin/env bash
# pare build on images that are not among samples/ (longer suite: `make check-all`), each driven as a
# user would and checked against the original under docker run with the same client:
#   redis   redis-server, --http-probe=off and redis-cli --exec probes; checked with raw RESP over TCP
#           (SET/GET/INCR/lists/EVAL with Lua/CONFIG GET)
#   pylazy  python3 app started through `#!/usr/bin/env python3`; endpoints import lazily zoneinfo
#           (tzdata), ssl (CA bundle), hashlib, locale (a generated de_DE.UTF-8), pwd/grp/getaddrinfo
#           (NSS), subprocess (sh, tr, date), sqlite3/bz2/lzma/unicodedata
#   php     `php -S` built-in server: Debian's system timezone database, hash, require of a lib file
#   perl    HTTP::Daemon through `#!/usr/bin/env perl`, lazily required JSON::PP, Digest::SHA, POSIX
#           with TZ, Encode; checked also with Shift JIS, which no probe decodes (Encode::JP, loaded
#           by name: the character set converters rule)
#   apache  apache2ctl -D FOREGROUND (envvars, modules, mime types), a crawled static site, 301/404/403
#   java    openjdk-17-jre-headless, com.sun.net.httpserver: CDS archive, lib/modules, tzdb.dat with
#           TZ, cacerts via /etc/ssl/certs/java, CLDR locale data, java.xml, gzip
#   postgres PostgreSQL 15 behind a docker-entrypoint.sh (`#!/usr/bin/env bash`, gosu to postgres,
#           initdb on first start, VOLUME, StopSignal SIGINT); psql --exec probes and psql checks
#           (time zones, text search, pgcrypto, plpgsql, encodings). Also slimmed with no probe
#           options at all and checked on its time zone queries (the tz database rule).
#   lighttpd mod_cgi with sh, perl and `#!/usr/bin/env python3` CGI scripts run as www-data
#   ruby    WEBrick gem, lazily required json/yaml/openssl/time/erb/zlib/bigdecimal, backticks, nobody
#   capweb  docker-entrypoint.sh with sed, awk (/etc/alternatives), setpriv to a non-root user, a
#           hardlinked python with cap_net_bind_service binding port 80
#   express npm-installed Express + EJS as nobody; probed with GETs only, checked with a JSON POST
#           too (iconv-lite loads its encodings lazily: the Node package rule)
#   phpfpm  nginx and php-fpm over a unix socket, both started by an entrypoint script (nginx answers
#           502 until php-fpm is up: the probe's start-up wait); require/include of views by name, a
#           plugin directory read by glob, extensions from conf.d (mbstring, intl with ICU, xml,
#           iconv with gconv), time zones
#   gunicorn gunicorn with two forked workers; a WSGI app finding plugins through entry points
#           (importlib.metadata and pkg_resources scan dist-info directories), imported per request
#   shenv   `sh -c` CMD with a glob over /etc/profile.d, pipes and command substitution; a tool found
#           only on the image's PATH (/opt/app/bin) linked to a library found only through
#           LD_LIBRARY_PATH; LANG=fr_FR.UTF-8, TZ; busybox httpd running shell CGI scripts that run
#           gzip, base64, bzip2, xz, sha256sum, date, sort, file per request. Also built without probe
#           options: the CGI script no link leads to must be named in a warning.
#   supervisor supervisord (conf.d by glob) running python3 http.server and a shell loop; checked
#           over XML-RPC (state, process list, stop/start). Its web page's action links (stop,
#           restart all, clear log) must not be crawled, its log tails are streams.
#   rabbitmq rabbitmq-server (a shell wrapper, epmd, the Erlang VM; the node is rabbit@HOSTNAME);
#           checked with the AMQP 0-9-1 protocol header and the broker's connection.start frame
#   django  Debian's python3-django under `manage.py runserver --noreload --insecure`, behind an
#           entrypoint script that migrates a fresh sqlite database at every start; templates with
#           inheritance and filters (humanize), LANGUAGE_CODE de with LocaleMiddleware, a JSON view,
#           the admin's login page and static files. Probed with the crawl from /, /api/notes/ and
#           /admin/login/ only; checked also with a form POST (valid and invalid: the widgets'
#           templates), other Accept-Languages and a view in French (every language's catalogs),
#           /api/stats/ (lazy imports), a failed admin login with the CSRF cookie and token, and a
#           staff session (the superuser the entrypoint creates): admin index, change list, change
#           form, JavaScript catalog, a change saved (a date parsed: _strptime), logout.
#   mosquitto Debian's mosquitto broker from its own config (password file, ACL, persistence, a
#           VOLUME), dropping root for its user; probed with mosquitto_pub/mosquitto_sub inside the
#           container (--exec), checked from the host with the mosquitto clients: QoS 0/1/2 round
#           trips, a retained message, $SYS, a wrong password, a publish the ACL drops.
#   mariadb MariaDB 10.11 behind an official-style docker-entrypoint.sh (gosu to mysql; on the first
#           start mariadb-install-db, a temporary socket-only server, time zone tables loaded with
#           mariadb-tzinfo-to-sql, users created; then mariadbd in the foreground); --exec probes
#           with the mariadb client in the container (TCP ready, a few queries). Checked with the host's mariadb client: utf8mb4 text,
#           collations (unicode, german2, 520), JSON functions and JSON_TABLE, a stored procedure,
#           dates with lc_time_names and named time zones, Aria/MyISAM tables, error messages in
#           English, German and French (lc_messages), SHOW VARIABLES of the charset and message dirs.
#   sshd    openssh-server's `sshd -D -e` behind an entrypoint that generates the host keys and
#           makes /run/sshd; PAM, a user with an authorized key, the sftp subsystem. Probed with
#           --exec: ssh and sftp to 127.0.0.1 with a key made in the container. Checked with the
#           host's ssh, sftp and scp (key auth, a pipeline of the probed tools, exit status, a root
#           login refused).
#   varnish varnishd (Debian's, VCL with a backend, vcl_recv rules, PURGE, a synthetic page, a header
#           set in vcl_deliver) in front of busybox httpd, both from an entrypoint script; varnishd
#           compiles the VCL with gcc (cc1, as, collect2, ld, crt files, libc headers) at start.
#           Checked with curl (misses, hits, pass, purge, synthetic pages) and varnishadm by docker
#           exec (ping, backend.list, ban, and vcl.load, which runs the C compiler again)
#   haproxy haproxy (Debian's, Lua built in) in front of two busybox httpd from an entrypoint script:
#           ACLs on path, method and header, deny, redirect, replace-path, http-response set-header,
#           a Lua service (core.register_service), a stats page on a second exposed port (crawled)
# The recipes (tests/unseen/NAME, same format as samples/) are built by samples/build.sh, cached in
# $PARE_UNSEEN_CACHE (default $CACHE/unseen). Every check's output must be identical for the fat and
# the slim image. perl is also slimmed as `docker save | pare build - -o - | docker load`.
# Each is also built with --seccomp-profile and an SBOM (SPDX and CycloneDX in turn): its slim rootfs
# is walked against the status file, dpkg -l/--verify tell the truth, the SBOM validates, and the check
# answers the same under docker run --security-opt seccomp=<the profile>.
. "$(dirname "$0")/lib.sh"

if [ "${PARE_CHECK_ALL:-}" != 1 ]; then
	echo "# longer suite: runs with make check-all"
	exit 0
fi
for tool in docker skopeo umoci mmdebstrap curl mosquitto_pub mosquitto_sub mariadb ssh sftp scp; do
	command -v $tool >/dev/null || { not_ok "tool $tool present (run make deps)"; t_done; }
done
need_dockerd || { not_ok "dockerd answers"; t_done; }

# samples/build.sh builds the recipes next to it: a copy of it beside copies of ours.
S=$T/unseen
mkdir -p "$S"
cp "$ROOT/samples/build.sh" "$ROOT/samples/baselayer.py" "$ROOT/samples/lib.sh" "$S/"
cp -a "$ROOT/tests/unseen/." "$S/"
. "$S/lib.sh"
export PARE_SAMPLES_CACHE=${PARE_UNSEEN_CACHE:-$CACHE/unseen}

if [ -n "${PARE_TEST_UNSEEN:-}" ]; then
	read -ra names <<<"$PARE_TEST_UNSEEN" # for a quicker run by hand
else
	names=(redis pylazy php perl apache java postgres lighttpd ruby capweb express phpfpm gunicorn shenv supervisor rabbitmq django mosquitto mariadb sshd varnish haproxy)
fi
N=paretest-unseen-$$
need_sbom_validators || SBOM_V=

# wait_up CONTAINER IP PORT: waits up to 60 s for the port while the container runs (a connect to the
# address of a container that exited takes seconds to fail).
wait_up() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || return 1
		timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null && return 0
		sleep 0.3
	done
	return 1
}

# run_check NAME REF OUT: runs REF detached, waits for its port, writes the check's output to OUT
# (the check gets HOST:PORT, and the container in CHECK_CONTAINER for `docker exec`).
run_check() {
	local port c ip rc=0
	port=$(sample_port "$1")
	c=$(docker run -d --pull never ${RUN_SECCOMP:+--security-opt "seccomp=$RUN_SECCOMP"} "$2") || return 1
	ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$c")
	if [ -z "$ip" ] || ! wait_up "$c" "$ip" "$port"; then
		echo "port $port never opened" >"$3"
		rc=1
	else
		CHECK_CONTAINER=$c "$S/$1/check" "$ip:$port" >"$3" 2>&1 || rc=1
	fi
	[ $rc = 0 ] || docker logs "$c" 2>&1 | tail -20 >>"$3"
	docker rm -f "$c" >/dev/null 2>&1
	return $rc
}

# same_answers NAME REF DESC: the check's output for REF equals the fat image's.
same_answers() {
	if run_check "$1" "$2" "$T/$1.$3.txt" && cmp -s "$T/$1.fat.txt" "$T/$1.$3.txt"; then
		ok "$1: $3 slim image answers like the original"
	else
		not_ok "$1: $3 slim image answers like the original" "$(diff "$T/$1.fat.txt" "$T/$1.$3.txt" | head -20)"
	fi
}

for name in "${names[@]}"; do
	fat=$("$S/build.sh" "$name" 2>"$T/$name.build.log") || {
		not_ok "$name: image builds" "$(tail -5 "$T/$name.build.log")"
		continue
	}
	versions=$(sample_versions "$name" "$fat")
	ok "$name: image builds ($(basename "$fat"): $versions)"
	docker load -i "$fat" | sed -n 's/^Loaded image: //p' | tail -1 >"$T/ref"
	ref=$(cat "$T/ref")
	docker tag "$ref" "$N-$name:fat"
	t_cleanup_add "docker rmi -f $N-$name:fat $N-$name:slim $N-$name:pipe >/dev/null 2>&1"
	if ! run_check "$name" "$N-$name:fat" "$T/$name.fat.txt"; then
		not_ok "$name: image broken: the original fails its own check (not a pare failure)" \
			"built from: $versions (every package: ${fat%.tar}.packages)" "$(tail -15 "$T/$name.fat.txt")"
		continue
	fi
	sample_options "$name"
	# One SBOM per build: the images take SPDX and CycloneDX in turn (by the name's length).
	if [ $((${#name} % 2)) = 0 ]; then sbom_fmt=spdx-json sbom_kind=spdx; else sbom_fmt=cyclonedx-json sbom_kind=cdx; fi
	if ! "$PARE" build "$fat" -o "$T/$name.slim.tar" --tag "$N-$name:slim" --quiet "${SAMPLE_OPTIONS[@]}" \
		--sbom "$T/$name.sbom.json" --sbom-format $sbom_fmt --seccomp-profile "$T/$name.seccomp.json" \
		>"$T/$name.pare.log" 2>&1; then
		not_ok "$name: pare build" "$(tail -5 "$T/$name.pare.log")"
		continue
	fi
	ok "$name: pare build"
	docker load -i "$T/$name.slim.tar" >/dev/null
	same_answers "$name" "$N-$name:slim" "docker run of the"
	# The truthful package database, the SBOM and the seccomp profile (issue 14) on every unseen image.
	unpack_layer0 "$T/$name.slim.tar" "$T/$name.root" && check_dpkg_truth "$name" "$T/$name.root" "$fat" ||
		not_ok "$name: slim layer unpacks"
	rm -rf "$T/$name.root"
	[ -n "${SBOM_V:-}" ] && check "$name: the $sbom_fmt SBOM validates" validate $sbom_kind "$T/$name.sbom.json"
	RUN_SECCOMP="$T/$name.seccomp.json" same_answers "$name" "$N-$name:slim" \
		"docker run --security-opt seccomp=<pare's profile> of the"
	fat_size=$(stat -c %s "$fat")
	slim_size=$(stat -c %s "$T/$name.slim.tar")
	# The JVM's lib/modules (129 MB) and Node's libnode + ICU data (76 MB) are used: less to remove.
	case $name in java | express) ratio=2 ;; *) ratio=3 ;; esac
	check "$name: slim archive at least ${ratio}x smaller ($fat_size -> $slim_size bytes)" test $((slim_size * ratio)) -le "$fat_size"
	if [ "$name" = postgres ]; then
		# No probe options: the time zone queries must still work (the tz database rule).
		if "$PARE" build "$fat" -o "$T/$name.bare.tar" --tag "$N-$name:bare" --quiet >"$T/bare.log" 2>&1; then
			docker load -i "$T/$name.bare.tar" >/dev/null
			t_cleanup_add "docker rmi -f $N-$name:bare >/dev/null 2>&1"
			run_check "$name" "$N-$name:bare" "$T/$name.bare.txt"
			grep -A3 -E '^ +(ny|paris) +$' "$T/$name.fat.txt" >"$T/tz.fat"
			grep -A3 -E '^ +(ny|paris) +$' "$T/$name.bare.txt" >"$T/tz.bare"
			if [ -s "$T/tz.fat" ] && cmp -s "$T/tz.fat" "$T/tz.bare"; then
				ok "$name: built without probe options, time zone queries answer like the original"
			else
				not_ok "$name: built without probe options, time zone queries answer like the original" "$(diff "$T/tz.fat" "$T/tz.bare" | head -10)"
			fi
		else
			not_ok "$name: pare build without probe options" "$(tail -5 "$T/bare.log")"
		fi
	fi
	if [ "$name" = shenv ]; then
		# Without probe options /cgi-bin/unlinked never runs: the build must say so, naming it.
		"$PARE" build "$fat" -o "$T/$name.bare.tar" --tag "$N-$name:bare" --quiet --report "$T/bare.json" \
			>"$T/bare.log" 2>&1
		check "$name: built without probe options, a warning names the CGI script no probe ran" \
			python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["warnings"]; sys.exit(not any("/srv/www/cgi-bin" in x and "unlinked" in x for x in w))' "$T/bare.json"
	fi
	if [ "$name" = perl ]; then
		docker save "$N-$name:fat" | "$PARE" build - -o - --tag "$N-$name:pipe" --quiet "${SAMPLE_OPTIONS[@]}" 2>"$T/pipe.log" |
			docker load >/dev/null
		same_answers "$name" "$N-$name:pipe" "docker save | pare build - -o - | docker load:"
	fi
done
t_done
