# UnionHub: `make run` serves the demo, `make test` runs every check. Both are idempotent.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ENV := . scripts/env.sh;

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## Install what is missing, start PostgreSQL+PostGIS and Redis, migrate
	@scripts/bootstrap.sh
	@scripts/services.sh start
	@$(ENV) DEBUG=true python manage.py migrate --no-input -v0
	@$(ENV) DEBUG=true python manage.py compilemessages --ignore=.venv -v0

run: setup  ## Load the demo and run web, Celery worker and beat; prints the address and demo log-ins (PORT=8000)
	@$(ENV) DEBUG=true python manage.py load_demo --verbosity 0
	@$(ENV) DEBUG=true scripts/run.sh

stop:  ## Stop everything `make run` started, even in the background (KEEP_SERVICES=1 keeps PostgreSQL and Redis)
	@scripts/run.sh --stop
	@if [[ -z "$(KEEP_SERVICES)" ]]; then scripts/services.sh stop; fi

test: setup  ## Static checks, then the whole suite (browser tests and the authorization matrix included)
	@scripts/check.sh
	@$(ENV) pytest $(PYTEST_ARGS)

# -s: the proofs print their figures (kills, load per path, dump and restore times) into CI's log.
verify: setup  ## Slow proofs (tests marked `verify`) that CI runs after `make test`
	@$(ENV) UNIONHUB_VERIFY=1 pytest -m verify -s $(PYTEST_ARGS)

bench: setup  ## Seed Ningbo-scale data (once) and print the benchmark table
	@$(ENV) bench/run $(BENCH_ARGS)

backup:  ## Dump the database and media into BACKUP_DIR (default .run/backups), with a manifest
	@scripts/backup.sh

restore:  ## Restore a backup (BACKUP, default the newest) into TARGET_DB (default a fresh one) and check it
	@scripts/restore.sh

.PHONY: help setup run stop test verify bench backup restore
