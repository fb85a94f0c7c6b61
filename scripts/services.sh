#!/usr/bin/env bash
# Start, stop or describe this checkout's private PostgreSQL+PostGIS cluster and Redis server.
#
# Each checkout gets its own ports (chosen once, kept in .run/ports.env) so that a working copy
# and a fresh clone running CI never collide with each other or with services on 5432/6379.
# When DATABASE_URL or REDIS_URL points at another server, that service is taken as given:
# neither started nor stopped here.
# Usage: scripts/services.sh start|stop|status|env
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN="$ROOT/.run"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGDATA="$RUN/pg"
mkdir -p "$RUN"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_ports() {
  if [[ -f "$RUN/ports.env" ]]; then source "$RUN/ports.env"; return; fi
  # Start from a port derived from the checkout's path; walk on until both ports are free.
  local base=$(( 20000 + $(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 20000 ))
  base=$(( base - base % 2 ))
  while ! port_free "$base" || ! port_free $((base + 1)); do base=$((base + 2)); done
  PG_PORT=$base
  REDIS_PORT=$((base + 1))
  printf 'PG_PORT=%s\nREDIS_PORT=%s\n' "$PG_PORT" "$REDIS_PORT" > "$RUN/ports.env"
}

as_pg_owner() {
  # initdb and postgres refuse to run as root: run them as the postgres user then.
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Is the address in $1 another server than this checkout's private one on port $2?
external() { [[ -n "$1" && "$1" != *"127.0.0.1:$2/"* && "$1" != *"localhost:$2/"* ]]; }

pg_start() {
  external "${DATABASE_URL:-}" "$PG_PORT" && return
  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    mkdir -p "$PGDATA"
    [[ $(id -u) == 0 ]] && chown postgres: "$PGDATA"
    chmod 700 "$PGDATA"
    # C.UTF-8 collation lets B-tree indexes serve LIKE 'prefix%' and keeps sorting stable.
    as_pg_owner "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust --locale=C.UTF-8 -E UTF8 >/dev/null
  fi
  if as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then return; fi
  # A development cluster: durability is traded for speed (fsync off), never used for real data.
  # The planner settings are the production ones (docs/deploy.md): SSD costs, no parallel
  # workers or JIT for short web queries on 2 cores.
  as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 start \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=512MB -c work_mem=16MB -c maintenance_work_mem=256MB -c max_wal_size=4GB -c random_page_cost=1.1 -c max_parallel_workers_per_gather=0 -c jit=off" >/dev/null
  local psql=("$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qAt)
  if [[ -z $("${psql[@]}" -d postgres -c "select 1 from pg_database where datname='unionhub'") ]]; then
    "${psql[@]}" -d postgres -c "create database unionhub"
  fi
  "${psql[@]}" -d unionhub -c "set client_min_messages = warning; create extension if not exists postgis" >/dev/null
}

pg_stop() {
  external "${DATABASE_URL:-}" "$PG_PORT" && return
  [[ -f "$PGDATA/postmaster.pid" ]] || return 0
  as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || true
}

redis_start() {
  external "${REDIS_URL:-}" "$REDIS_PORT" && return
  if [[ -f "$RUN/redis.pid" ]] && kill -0 "$(cat "$RUN/redis.pid")" 2>/dev/null; then return; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log" --dir "$RUN"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "Redis did not start; see $RUN/redis.log" >&2; exit 1
}

redis_stop() {
  external "${REDIS_URL:-}" "$REDIS_PORT" && return
  [[ -f "$RUN/redis.pid" ]] || return 0
  local pid; pid=$(cat "$RUN/redis.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$RUN/redis.pid"
}

# The private services' addresses (an address given from outside stays in the caller's environment).
print_env() {
  echo "DATABASE_URL=postgis://postgres@127.0.0.1:$PG_PORT/unionhub"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

pick_ports
case "${1:-}" in
  start) pg_start; redis_start; print_env > "$RUN/services.env" ;;
  stop) pg_stop; redis_stop ;;
  status)
    as_pg_owner "$PGBIN/pg_ctl" -D "$PGDATA" status || true
    redis-cli -p "$REDIS_PORT" ping || true ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
