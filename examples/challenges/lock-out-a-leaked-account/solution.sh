#!/bin/sh
# CI solution for `lab test`: one session per machine (iximiuz-style markers).
# session: web-01
set -eu
sed -i 's#^\(contractor:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:\).*#\1/sbin/nologin#' /etc/passwd
: > /home/contractor/.ssh/authorized_keys

# session: db-01
set -eu
sed -i 's#^\(contractor:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:\).*#\1/sbin/nologin#' /etc/passwd
: > /home/contractor/.ssh/authorized_keys
