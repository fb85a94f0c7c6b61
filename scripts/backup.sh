#!/usr/bin/env bash
# `make backup`: dump the database (pg_dump -Fc) and archive MEDIA_ROOT into a new timestamped
# directory under BACKUP_DIR (default .run/backups), with a manifest. See scripts/backup.py.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
exec python scripts/backup.py backup "$@"
