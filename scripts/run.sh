#!/usr/bin/env bash
# Run the portal: web server, Celery worker and Celery beat together under honcho.
#
# honcho runs in a session of its own (setsid), and its process group id goes to
# .run/portal.pid; honcho in turn starts each process in a group of its own. Ctrl-C here, or
# `scripts/run.sh --stop` (`make stop`) from anywhere, stops honcho's group, waits for honcho
# to stop its three processes, and kills whatever is left after a grace period. So a run left
# in the background (`make run &`, `nohup make run &`) stops cleanly too.
# Once the portal answers /healthz, the address and the demo log-ins are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
PIDFILE=.run/portal.pid
GRACE=${STOP_GRACE:-20}  # seconds for a warm shutdown before SIGKILL

alive() { kill -0 "$1" 2>/dev/null; }
# The recorded pid is honcho's, not a stranger's that reused the number after a crash.
portal_alive() { alive "$1" && ps -o args= -p "$1" | grep -q honcho; }
group_alive() { kill -0 -- "-$1" 2>/dev/null; }
descendants() { local child; for child in $(pgrep -P "$1"); do echo "$child"; descendants "$child"; done; }

# Stop the run recorded in the pid file: honcho's group, then any of its process groups left.
stop_portal() {
  [[ -f $PIDFILE ]] || { echo "The portal is not running."; return 0; }
  local pid groups=() group waited=0
  pid=$(<"$PIDFILE")
  if ! portal_alive "$pid"; then
    rm -f "$PIDFILE"
    echo "The portal is not running (removed a stale $PIDFILE)."
    return 0
  fi
  # honcho starts each process in a group of its own: note them before honcho goes away.
  mapfile -t groups < <(descendants "$pid" | xargs -r ps -o pgid= -p | tr -d ' ' | sort -u | grep -vx "$pid" || true)
  kill -TERM -- "-$pid" 2>/dev/null || true
  while (( waited < GRACE * 5 )); do
    local left=0
    group_alive "$pid" && left=1
    for group in "${groups[@]}"; do group_alive "$group" && left=1; done
    (( left )) || break
    sleep 0.2
    waited=$((waited + 1))
  done
  for group in "$pid" "${groups[@]}"; do
    if group_alive "$group"; then
      echo "Process group $group did not stop within ${GRACE} s: killing it." >&2
      kill -KILL -- "-$group" 2>/dev/null || true
    fi
  done
  rm -f "$PIDFILE"
  echo "Portal stopped (web, worker and beat)."
}

if [[ "${1:-}" == "--stop" ]]; then
  stop_portal
  exit 0
fi

if [[ -f $PIDFILE ]] && portal_alive "$(<"$PIDFILE")"; then
  echo "The portal is already running (process group $(<"$PIDFILE")); \`make stop\` stops it." >&2
  exit 1
fi

export DEBUG=${DEBUG:-true}
export PORT=${PORT:-8000}
URL="http://127.0.0.1:$PORT"
python manage.py collectstatic --no-input -v0

announce_when_ready() {
  local pid=$1
  for _ in $(seq 240); do
    alive "$pid" || return 0
    if curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; then
      cat <<MSG

  ================================================================================
  UnionHub is ready at $URL/
  Administration: $URL/admin/   API docs: $URL/api/docs/   Health: $URL/healthz
MSG
      python manage.py load_demo --list-users 2>/dev/null | sed 's/^/  /' || true
      echo "  Stop with Ctrl-C, or \`make stop\` from another terminal."
      echo "  ================================================================================"
      return 0
    fi
    sleep 0.25
  done
  echo "The portal did not answer $URL/healthz within a minute; see the log above." >&2
}

# Honcho gives the first Procfile entry (web) $PORT, the next ones $PORT+100 and +200.
setsid honcho -f Procfile.dev start -c web=1,worker=1,beat=1 &
PID=$!
echo "$PID" > "$PIDFILE"
trap 'stop_portal >/dev/null' INT TERM HUP
trap '[[ -f $PIDFILE && $(<"$PIDFILE") == "$PID" ]] && rm -f "$PIDFILE"' EXIT
announce_when_ready "$PID" &

status=0
wait "$PID" || status=$?
# A signal interrupts `wait` (the trap then stops the group); wait until honcho has gone.
while alive "$PID"; do sleep 0.2; done
# honcho answers 130 or 143 when it was asked to stop (Ctrl-C, `make stop`): not a failure.
(( status == 130 || status == 143 )) && status=0
exit "$status"
