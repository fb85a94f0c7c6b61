#!/usr/bin/env bash
# Static checks run by `make test` before the suite: lint, format, types, layers, Django checks.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export DJANGO_SETTINGS_MODULE=unionhub.settings_test

step() { printf '== %s\n' "$1"; }
step "ruff check";        ruff check --quiet .
step "ruff format";       ruff format --check --quiet .
step "layers";            out=$(lint-imports --no-cache 2>&1) || { echo "$out"; exit 1; }
step "mypy";              mypy --no-error-summary
step "django check";      python manage.py check --fail-level WARNING
step "migrations";        python manage.py makemigrations --check --dry-run >/dev/null
step "translations";      python manage.py compilemessages --ignore=.venv -v0
step "compose file";      UNIONHUB_ENV_FILE=deploy/example.env docker-compose --env-file deploy/example.env -f docker-compose.yml config -q
