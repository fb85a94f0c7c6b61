#!/usr/bin/env bash
# `make restore`: restore a backup (BACKUP, default the newest) into TARGET_DB (default a fresh
# database; the live one only with FORCE=1) and its media, then verify every table against the
# manifest. See scripts/backup.py for the settings.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
exec python scripts/backup.py restore "$@"
