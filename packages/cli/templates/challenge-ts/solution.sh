#!/bin/sh
# Applies the solution non-interactively for `lab test` (POSIX sh, busybox tools only).
set -eu
sed -i 's/^mode=.*/mode=production/' /etc/{{name}}/app.conf
