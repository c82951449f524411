#!/bin/sh
# Renders /srv/www from the templates in /etc/site, then runs the command given (the server).
set -eu
: "${SITE_NAME:=unnamed}" "${SITE_OWNER:=nobody}"
started=$(date -u -d @0 +%Y-%m-%dT%H:%M:%SZ)   # fixed epoch, so checks can compare exactly
year=$(date -u -d '2024-02-29' +%A)

# sed fills the page template from the environment
sed -e "s|@SITE_NAME@|$SITE_NAME|g" -e "s|@SITE_OWNER@|$SITE_OWNER|g" -e "s|@DAY@|$year|g" \
	/etc/site/index.html.in >/srv/www/index.html

# awk turns the CSV inventory into an HTML table and a total
awk -F, 'NR > 1 { printf "<tr><td>%s</td><td>%d</td></tr>\n", $1, $2; total += $2 }
	END { printf "<tr><td>total</td><td>%d</td></tr>\n", total }' /etc/site/inventory.csv >/srv/www/rows.html
{ cat /etc/site/table-head.html; cat /srv/www/rows.html; echo '</table></body></html>'; } >/srv/www/inventory.html
rm /srv/www/rows.html

printf '{"site":"%s","started":"%s","user":"%s"}\n' "$SITE_NAME" "$started" "$(id -un)" >/srv/www/status.json
echo "docker-entrypoint.sh: site rendered, starting: $*"
exec "$@"
