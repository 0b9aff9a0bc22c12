#!/bin/sh
# examinerctl, Labkit's guest shim for the subcommands CI solutions use:
#   printf 42 | examinerctl task input TASK   answer a x(.input) task
#   examinerctl task wait TASK [--timeout 30s] block until TASK completes
#   examinerctl task get TASK                  print TASK's status code
# Status codes are the platform's (docs/runtime.md): 10 created, 20 blocked,
# 30 running, 35 failed, 40 completed. The task engine publishes them to
# /run/labkit/status/<task> and reads answers from /run/labkit/input/<task>
# (any user may answer; see docs/security.md).
dir=/run/labkit
usage() { echo "usage: examinerctl task input|wait|get TASK [--timeout DURATION]" >&2; exit 2; }
[ "$1" = task ] && [ -n "$3" ] || usage
task=$3
case "$2" in
  input)
    # The agent makes $dir/input at boot, sticky and writable by every user
    # (mode 1733), so laborant may answer too. mktemp creates the file
    # (O_EXCL: never a name someone planted); mv puts it in place at once.
    [ -d "$dir/input" ] || mkdir -p -m 1733 "$dir/input" || exit 1
    tmp=$(mktemp "$dir/input/.$task.XXXXXX") || exit 1
    if cat > "$tmp" && mv -f "$tmp" "$dir/input/$task"; then exit 0; fi
    rm -f "$tmp"; exit 1 ;;
  get)
    if [ -f "$dir/status/$task" ]; then cat "$dir/status/$task"
    else echo "examinerctl: no task $task" >&2; exit 1; fi ;;
  wait)
    shift 3
    timeout=300s
    while [ $# -gt 0 ]; do
      case "$1" in
        --timeout) timeout=$2; shift 2 ;;
        --timeout=*) timeout=${1#*=}; shift ;;
        *) shift ;;
      esac
    done
    case "$timeout" in
      *m) secs=$(( ${timeout%m} * 60 )) ;;
      *s) secs=${timeout%s} ;;
      *) secs=$timeout ;;
    esac
    end=$(( $(date +%s) + secs ))
    while :; do
      s=$(cat "$dir/status/$task" 2>/dev/null)
      case "$s" in
        40) exit 0 ;;
        35) echo "examinerctl: task $task failed (status 35)" >&2; exit 1 ;;
      esac
      if [ "$(date +%s)" -ge "$end" ]; then
        echo "examinerctl: timed out after $timeout waiting for task $task (status: ${s:-unknown})" >&2
        exit 1
      fi
      sleep 0.2
    done ;;
  *) usage ;;
esac
