#!/bin/sh
# CI solution for `lab test` (POSIX sh, busybox tools only).
set -eu
addgroup app
adduser -D -H -s /bin/false -G app appsvc
chown -R appsvc:app /srv/app
chmod 750 /srv/app
