#!/bin/sh
# CI solution for `lab test` (POSIX sh, busybox tools only).
set -eu
# Debian's busybox has no adduser/addgroup: write the entries they would write.
echo 'app:x:990:' >> /etc/group
echo 'appsvc:x:990:990:App service account:/nonexistent:/sbin/nologin' >> /etc/passwd
chown -R appsvc:app /srv/app
chmod 750 /srv/app
