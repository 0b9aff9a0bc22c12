#!/bin/sh
# CI solution for `lab test` (POSIX sh, busybox tools only).
set -eu

# Debian's busybox has no pgrep: find the process by its name in /proc.
PID=''
for d in /proc/[0-9]*; do
  [ "$(cat "$d/comm" 2>/dev/null)" = report-gen ] && PID=${d#/proc/}
done
[ -n "$PID" ]

# The user-input task gets its answer the way iximiuz Labs' .solution.sh does it.
printf '%s' "$PID" | examinerctl task input verify_report_gen_pid

kill "$PID"
# Wait until it has exited (a zombie counts: it no longer writes anything).
while [ -d "/proc/$PID" ] && ! grep -q '^State:.*Z' "/proc/$PID/status" 2>/dev/null; do sleep 1; done

: > /var/log/report-gen.log
