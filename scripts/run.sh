#!/usr/bin/env bash
# Run the portal: web server, Celery worker and Celery beat together under honcho.
# `scripts/run.sh --stop` stops a run left in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
PIDFILE=.run/portal.pid
if [[ "${1:-}" == "--stop" ]]; then
  [[ -f $PIDFILE ]] && kill "$(cat $PIDFILE)" 2>/dev/null && echo "Portal stopped."
  rm -f $PIDFILE
  exit 0
fi
export DEBUG=${DEBUG:-true}
PORT=${PORT:-8000}
python manage.py collectstatic --no-input -v0
cat <<MSG

  UnionHub is starting at http://127.0.0.1:$PORT/
  Administration: http://127.0.0.1:$PORT/admin/   API docs: http://127.0.0.1:$PORT/api/docs/
  Demo log-ins: python manage.py load_demo --list-users (printed above after loading)
  Stop with Ctrl-C, or \`make stop\` from another terminal.

MSG
echo $$ > $PIDFILE
trap 'rm -f $PIDFILE' EXIT
exec honcho -f Procfile.dev start -c web=1,worker=1,beat=1
