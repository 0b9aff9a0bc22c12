#!/bin/sh
# CI solution for `lab test` (POSIX sh, busybox tools only).
set -eu

PID=$(pgrep -f /opt/acme/bin/report-gen)

# The user-input task gets its answer the way iximiuz Labs' .solution.sh does it.
printf '%s' "$PID" | examinerctl task input verify_report_gen_pid

kill "$PID"
# Wait until it has exited (a zombie counts: it no longer writes anything).
while [ -d "/proc/$PID" ] && ! grep -q '^State:.*Z' "/proc/$PID/status" 2>/dev/null; do sleep 1; done

: > /var/log/report-gen.log
