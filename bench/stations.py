"""Outdoor-worker stations at Ningbo scale (issue 4): the rows bench/main.py adds for them.

12,000 stations and 1,000,000 check-ins (``seed_scale``). Every figure stands beside its
floor or its target in the same run:

- the public nearest-open API (``/stations/nearest/``, no log-in) against a bare view
  returning the same rows from ``.values()`` (bench/floors.py ``nearest``), at 12:00 and at
  02:00 (when only the 24-hour stations are open), with the clock pinned to that time of
  today in Asia/Shanghai; its SQL must be a KNN index scan (EXPLAIN), and its p95 under
  1 ms when pgbench runs it on its own (one client, ``--log``, p95 from the per-transaction
  log);
- the same endpoint and floor under wrk on loopback, served by gunicorn (``bench/wsgi.py``):
  the endpoint must keep at least half its floor's requests per second;
- the usage summary of the busiest station (stations.usage), as the function, the API and
  the admin page, each at most 100 ms;
- the heat map API after a refresh at scale, against its floor, and the nightly refresh of
  every node's heat map timed;
- the 15-minute service circle job for one county (≤ 2 s) and for all of Ningbo (≤ 60 s),
  as the Celery task runs it.

Public rate limiting: the bench sets PUBLIC_RATE (the "public" throttle rate) to
BENCH_PUBLIC_RATE before Django starts, in this process and in gunicorn's. The throttle
still counts every request in Redis as in production, but never refuses one, so a run's
thousands of requests from one address measure the finder, not the 429 page.
"""

from __future__ import annotations

import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlencode, urlsplit

from . import serve

BENCH_PUBLIC_RATE = "100000000/min"
NEAREST_INDEX = "stations_station_position_gist"
NEAREST_SQL_P95_MS = 1.0
WRK_MIN_SHARE = 0.5
USAGE_LIMIT_MS = 100
COVERAGE_COUNTY_LIMIT_S = 2
COVERAGE_CITY_LIMIT_S = 60
HEAT_REFRESH_LIMIT_S = 600  # a nightly job (as the dashboard's nightly rebuild)
CLOCKS = ("12:00", "02:00")


def pin_public_rate() -> None:
    """Before Django starts: the public throttle still counts, but never refuses a bench request."""
    os.environ["PUBLIC_RATE"] = BENCH_PUBLIC_RATE


def moment_today(clock: str) -> datetime.datetime:
    """Today's ``clock`` (HH:MM) in Asia/Shanghai, as an aware datetime."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.datetime.now(zone).replace(hour=hours, minute=minutes, second=0, microsecond=0)


@contextmanager
def pinned_clock(clock: str) -> Iterator[None]:
    """``django.utils.timezone.now`` answers today's ``clock`` in Shanghai (the finder's "open now")."""
    instant = moment_today(clock).astimezone(datetime.UTC)
    with mock.patch("django.utils.timezone.now", lambda: instant):
        yield


# --- the sample -----------------------------------------------------------------------------------


def station_sample(users: dict[str, Any]) -> dict[str, Any]:
    """Where the phone is, the busiest station, the nodes whose heat maps and coverage are measured."""
    from django.db import connection

    from stations.models import Station
    from unionhub.core.choices import FederationKind
    from unionhub.core.models import Federation

    keeper = users["station_keeper"]
    home = Station.objects.filter(keepers__user=keeper).first() or Station.objects.order_by("id").first()
    if home is None:
        sys.exit("bench: no stations; run bench/run --reseed")
    with connection.cursor() as cursor:
        # The busiest station: the usage index holds (station, checked_in_at), so this is one index-only pass.
        cursor.execute(
            "SELECT station_id, count(*) FROM stations_checkin GROUP BY station_id ORDER BY 2 DESC, 1 LIMIT 1"
        )
        busiest = cursor.fetchone()
    if busiest is None:
        sys.exit("bench: no check-ins; run bench/run --reseed (seed_scale now loads them)")
    city = Federation.objects.get(kind=FederationKind.CITY)
    county = users["county_staff"].federation
    # A phone 300 m north-east of the keeper's station, in the busiest zone of the busiest county.
    return {
        "lon": round(home.position.x + 0.003, 6),
        "lat": round(home.position.y + 0.002, 6),
        "busy_station": busiest[0],
        "busy_check_ins": busiest[1],
        "city": city.pk,
        "county": county.pk,
        "county_name": county.name,
    }


def station_operations(sample: dict[str, Any]) -> list[Any]:
    """The request rows: the finder at each clock, the usage of the busiest station, the heat map."""
    from .main import Operation

    query = urlencode({"lat": sample["lat"], "lon": sample["lon"]})
    busy, city = sample["busy_station"], sample["city"]
    rows: list[tuple[str | None, Any]] = [
        (
            clock,
            Operation(f"nearest-open API at {clock}", "anonymous", f"/stations/nearest/?{query}",
                      f"/bench-floor/stations/nearest/?{query}", explain_index=NEAREST_INDEX),
        )
        for clock in CLOCKS
    ]  # fmt: skip
    rows += [
        (None, Operation("station usage API, busiest", "city_staff", f"/api/v1/stations/{busy}/usage/",
                         f"/bench-floor/stations/{busy}/usage/", limit_ms=USAGE_LIMIT_MS)),
        (None, Operation("station admin page, busiest", "city_staff", f"/admin/stations/station/{busy}/change/",
                         f"/bench-floor/stations/{busy}/usage/", limit_ms=USAGE_LIMIT_MS, floor_name="usage floor")),
    ]  # fmt: skip
    for layer in ("check_ins", "workplaces"):
        heat = urlencode({"federation": city, "layer": layer})
        rows.append(
            (None, Operation(f"heat map API, city {layer}", "city_staff", f"/api/v1/heat-map/geojson/?{heat}",
                             f"/bench-floor/heat-map/geojson/?{heat}"))
        )  # fmt: skip
    return rows


# --- rows that are not requests -------------------------------------------------------------------


def _row(name: str, user: str, times_ms: list[float], target: str, ok: bool, **extra: Any) -> Any:
    from .main import Result, _percentile

    median = statistics.median(times_ms)
    values: dict[str, Any] = {
        "operation": name,
        "user": user,
        "median_ms": round(median, 2),
        "p95_ms": round(_percentile(times_ms, 0.95), 2),
        "floor_ms": 0.0,
        "floor_p95_ms": 0.0,
        "sql_ms": round(median, 2),
        "ratio": 0.0,
        "queries": 0,
        "floor_queries": 0,
        "target": target,
        "ok": ok,
        "rows": 0,
        "iterations": len(times_ms),
    }
    values.update(extra)
    return Result(**values)


def measure_usage_function(station_id: int, iterations: int) -> Any:
    from stations.models import Station
    from stations.usage import usage_summary

    station = Station.objects.get(pk=station_id)
    usage_summary(station)  # warm
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        summary = usage_summary(station)
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    return _row(
        "station usage summary, busiest", "(function)", times, f"≤ {USAGE_LIMIT_MS} ms", median <= USAGE_LIMIT_MS,
        rows=summary["total"],
        notes=[f"station {station_id}: {summary['total']:,} check-ins in the last {summary['days']} days"],
    )  # fmt: skip


def measure_heat_refresh() -> Any:
    from stations.heat import refresh_all_heat_maps
    from stations.models import HeatCell

    start = time.perf_counter()
    cells = refresh_all_heat_maps()
    seconds = time.perf_counter() - start
    return _row(
        "heat maps, nightly refresh", "(task)", [seconds * 1000], f"≤ {HEAT_REFRESH_LIMIT_S} s",
        seconds <= HEAT_REFRESH_LIMIT_S, rows=cells,
        notes=[f"every federation node: {cells:,} cells kept ({HeatCell.objects.count():,} in the table)"],
    )  # fmt: skip


def measure_coverage(user: Any, federation_id: int, label: str, limit_s: float, runs: int) -> Any:
    """The coverage job as the worker runs it: a Job started by the user, then the task in-process."""
    from stations.tasks import analyse_coverage
    from unionhub.core.choices import JobStatus
    from unionhub.core.jobs import start_job
    from unionhub.core.models import Job, OutboxMessage

    outbox_before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    times: list[float] = []
    result: dict[str, Any] = {}
    params = {"federation": federation_id, "mode": "walk", "day": datetime.date.today().isoformat(), "hour": 12}
    jobs = []
    try:
        for _ in range(runs):
            job = start_job("station-coverage", "stations.analyse_coverage", actor=user, params=params)
            jobs.append(job.pk)
            start = time.perf_counter()
            analyse_coverage.apply(args=[job.pk], throw=True)
            times.append((time.perf_counter() - start) * 1000)
            job.refresh_from_db()
            result = job.result or {}
            if job.status != JobStatus.SUCCEEDED:
                raise SystemExit(f"bench: the coverage job ended {job.status}: {job.message}")
    finally:
        Job.objects.filter(pk__in=jobs).delete()
        OutboxMessage.objects.filter(id__gt=outbox_before).delete()
    median = statistics.median(times)
    return _row(
        f"coverage job, {label}", "(task)", times, f"≤ {limit_s:g} s", median <= limit_s * 1000,
        rows=result.get("unions", 0),
        notes=[
            f"walk, 12:30: {result.get('open_stations', 0):,} open stations, {result.get('unions', 0):,} unions, "
            f"share covered {result.get('share')}, {len(result.get('clusters', []))} clusters, "
            f"{len(result.get('candidates', []))} candidate sites"
        ],
    )  # fmt: skip


# --- pgbench: the finder's SQL on its own ---------------------------------------------------------


def _pg_env(url: str) -> tuple[list[str], dict[str, str]]:
    parts = urlsplit(url)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return [*args, parts.path.lstrip("/")], env


def measure_pgbench(name: str, statement: str, plan: str, url: str, seconds: int) -> Any:
    """pgbench -n -c 1 -T seconds --log on the statement; median and p95 from the per-transaction log."""
    if not shutil.which("pgbench"):
        return _row(name, "(pgbench)", [0.0], f"p95 < {NEAREST_SQL_P95_MS:g} ms", False, notes=["pgbench missing"])
    connect, env = _pg_env(url)
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as folder:
        script = Path(folder, "nearest.sql")
        script.write_text(statement.rstrip(";") + ";\n", encoding="utf-8")
        command = ["pgbench", "-n", "-c", "1", "-T", str(seconds), "-f", str(script), "--log",
                   f"--log-prefix={folder}/log", *connect]  # fmt: skip
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"bench: pgbench failed: {done.stderr[-500:]}")
        latencies = [
            int(line.split()[2]) / 1000 for log in Path(folder).glob("log*") for line in log.read_text().splitlines()
        ]
    from .main import _percentile

    p95 = _percentile(latencies, 0.95)
    index_scan = NEAREST_INDEX in plan and "Index Scan" in plan
    notes = [
        f"pgbench -n -c 1 -T {seconds} -f <the endpoint's SQL> --log: {len(latencies):,} transactions",
        f"plan: {'index scan on ' + NEAREST_INDEX if index_scan else 'NOT an index scan on ' + NEAREST_INDEX}",
    ]
    target = f"p95 < {NEAREST_SQL_P95_MS:g} ms, index"
    return _row(
        name, "(pgbench)", latencies, target, p95 < NEAREST_SQL_P95_MS and index_scan,
        sql_ms=round(statistics.median(latencies), 3), notes=notes,
    )  # fmt: skip


# --- wrk against gunicorn on loopback (bench/serve.py) ---------------------------------------------


def measure_wrk(url: str, sample: dict[str, Any], clock: str, seconds: int, rounds: int = 2) -> Any:
    """The finder and its floor in turn, ``rounds`` times each; the share of the floor's requests per second."""
    query = urlencode({"lat": sample["lat"], "lon": sample["lon"]})
    name = f"nearest-open under wrk at {clock}"
    if not shutil.which("wrk"):
        return _row(name, "anonymous", [0.0], f"≥ {WRK_MIN_SHARE:g}× floor rps", False,
                    notes=["wrk is missing: bench/run installs it (apt-get install wrk) when run as root"])  # fmt: skip
    workers, connections = 2, 8
    with serve.gunicorn(url, workers, env={"BENCH_CLOCK": clock}) as base:
        endpoint, floor = f"{base}/stations/nearest/?{query}", f"{base}/bench-floor/stations/nearest/?{query}"
        runs = serve.wrk_pair(endpoint, floor, seconds, connections, rounds)
    rps, floor_rps = serve.mean_rps(runs[endpoint]), serve.mean_rps(runs[floor])
    share = rps / floor_rps if floor_rps else 0.0
    failed = serve.errors(runs[endpoint]) + serve.errors(runs[floor])
    return _row(
        name, "anonymous", [statistics.median(r[1] for r in runs[endpoint])], f"≥ {WRK_MIN_SHARE:g}× floor rps",
        share >= WRK_MIN_SHARE and not failed,
        p95_ms=round(max(r[2] for r in runs[endpoint]), 2),
        floor_ms=round(statistics.median(r[1] for r in runs[floor]), 2),
        floor_p95_ms=round(max(r[2] for r in runs[floor]), 2),
        ratio=round(share, 2), iterations=rounds,
        notes=[
            f"{rps:,.0f} req/s vs floor {floor_rps:,.0f} req/s = {share:.2f}× (median/p95 columns: wrk's p50 and p99 "
            f"latency); gunicorn {workers} sync workers, wrk -t1 -c{connections} -d{seconds}s × {rounds} rounds, "
            f"loopback; PUBLIC_RATE={BENCH_PUBLIC_RATE} (bench only: the throttle counts but never refuses); "
            f"errors: {serve.errors(runs[endpoint])} endpoint, {serve.errors(runs[floor])} floor"
        ],
    )  # fmt: skip


# --- the station rows, in order ---------------------------------------------------------------------


def finder_statement(statements: list[str]) -> str | None:
    """The nearest-open statement among a request's queries: the one ordered by ``<->``."""
    return next((s for s in statements if " <-> " in s), None)


def run_station_rows(args: Any, context: dict[str, Any], clients: dict[str, Any], url: str) -> list[Any]:
    """Every station row, measured in this process (and gunicorn/wrk/pgbench beside it)."""
    from django.test import Client

    from stations.models import HeatCell

    from .main import _main_statement, explain, measure

    sample = station_sample(context["users"])
    print(
        f"bench: stations: phone at {sample['lon']}, {sample['lat']}; busiest station {sample['busy_station']} "
        f"({sample['busy_check_ins']:,} check-ins); PUBLIC_RATE={os.environ.get('PUBLIC_RATE')} (bench only)"
    )
    wanted = (lambda name: args.only in name) if args.only else (lambda name: True)
    results: list[Any] = []
    plans: list[tuple[str, str]] = []
    if wanted("heat maps, nightly refresh") or (wanted("heat map API") and not HeatCell.objects.exists()):
        results.append(measure_heat_refresh())
    for clock, op in station_operations(sample):
        if not wanted(op.name):
            continue
        if op.user not in clients:
            clients[op.user] = Client()
            if op.user != "anonymous":
                clients[op.user].force_login(context["users"][op.user])
        with pinned_clock(clock) if clock else _unpinned():
            result, statements = measure(op, clients[op.user], args.iterations, args.warmup, args.show_queries,
                                         args.budget)  # fmt: skip
        # The finder's own statement is the one ordered by <-> (a first request also looks up the SRID).
        main = (op.explain_index and finder_statement(statements)) or _main_statement(statements)
        if op.explain_index and main:
            plan = explain(main)
            plans.append((f"{op.name} ({op.user})", plan))
            if op.explain_index not in plan:
                result.ok = False
                result.notes.append(f"plan does not use {op.explain_index}")
            if clock is not None:
                result.notes.append(f"clock pinned to {moment_today(clock):%Y-%m-%d %H:%M} Asia/Shanghai")
            results.append(result)
            if wanted(op.name) and not args.no_pgbench:
                results.append(measure_pgbench(f"nearest-open SQL, pgbench, {clock}", main, plan, url,
                                               args.pgbench_seconds))  # fmt: skip
            continue
        if main and (args.explain or not result.ok):
            plans.append((f"{op.name} ({op.user})", explain(main)))
        results.append(result)
    if wanted("station usage summary, busiest"):
        results.append(measure_usage_function(sample["busy_station"], args.iterations))
    if wanted("coverage job"):
        results.append(
            measure_coverage(context["users"]["county_staff"], sample["county"], "one county",
                             COVERAGE_COUNTY_LIMIT_S, args.job_runs)
        )  # fmt: skip
        results.append(
            measure_coverage(context["users"]["city_staff"], sample["city"], "all of Ningbo",
                             COVERAGE_CITY_LIMIT_S, args.job_runs)
        )  # fmt: skip
    if not args.no_wrk:
        for clock in CLOCKS:
            if wanted(f"nearest-open under wrk at {clock}"):
                results.append(measure_wrk(url, sample, clock, args.wrk_seconds))
    context.setdefault("plans", []).extend(plans)
    return results


@contextmanager
def _unpinned() -> Iterator[None]:
    yield
