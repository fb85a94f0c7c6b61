"""A mixed load at Ningbo scale (issue 7): 100 locust users held at 50 requests/s against gunicorn.

bench/locustfile.py (built on tests/load's user classes) runs headless from the venv
against bench/wsgi.py under gunicorn (5 workers, DEBUG off, the same settings as the wrk
rows) on the bench database. Leadership read the dashboard, federation staff read lists and
search, zone workers read their list and inbox and send visits: about 80% reads. Every
simulated user has a session of its own of a ``bench_*`` account, made before the run.
Target: p95 of all requests < 300 ms, zero failed requests, and the rate held (≥ 90% of it),
counted once every user has started (``--reset-stats``: the first five seconds, while the 100
users start together and each zone worker first reads its plan, are left out).
The visits, findings and outbox messages the run writes are deleted afterwards.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from . import serve

LOAD_USERS = 100
LOAD_RATE = 50.0  # requests per second, all users together
LOAD_P95_MS = 300
LOAD_WORKERS = 5
# Simulated users per kind: the locustfile's weights (leadership 2, staff 3, zone workers 5 of 10).
KINDS = {"leadership": 20, "staff": 30, "zone_worker": 50}
WRITES = ("visit API",)
# The server as deployed: the dashboard keeps its worked-out figures (the other rows turn that off).
AS_DEPLOYED = {"DASHBOARD_CACHE_SECONDS": "900"}


def sessions(users: dict[str, Any], city_leadership: Any) -> dict[str, list[str]]:
    """A session per simulated user: the city's and the county's leadership, city and county staff, the worker."""
    from django.conf import settings
    from django.test import Client

    accounts = {
        "leadership": [city_leadership, users["leadership"]],
        "staff": [users["city_staff"], users["county_staff"]],
        "zone_worker": [users["zone_worker"]],
    }
    made: dict[str, list[str]] = {}
    for kind, count in KINDS.items():
        made[kind] = []
        for n in range(count):
            client = Client()
            client.force_login(accounts[kind][n % len(accounts[kind])])
            made[kind].append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return made


@contextmanager
def removing_what_the_load_writes() -> Iterator[None]:
    """Afterwards, delete the visits, findings and outbox messages the run made (each run sees the same data).

    Without this every run adds several hundred open findings to the bench zone worker's inbox
    and visits to its zone's figures, and the next run measures a different database.
    """
    from django.db import connection

    tables = ("zones_finding", "zones_visit", "core_outboxmessage")
    with connection.cursor() as cursor:
        before = {}
        for table in tables:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            before[table] = cursor.fetchone()[0]
    try:
        yield
    finally:
        from unionhub.core.models import OutboxMessage
        from zones.models import Finding, Visit

        Finding.objects.filter(id__gt=before["zones_finding"]).delete()
        Visit.objects.filter(id__gt=before["zones_visit"]).delete()  # plan entries' first visit back to none
        OutboxMessage.objects.filter(id__gt=before["core_outboxmessage"]).delete()


def _gunicorn_processes() -> list[Any]:
    """The gunicorn master and workers this process started."""
    return [p for p in psutil.Process().children(recursive=True) if "gunicorn" in " ".join(p.cmdline())]


def _cpu_seconds(processes: list[Any]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _busy_seconds(before: Any, after: Any) -> float:
    """Core-seconds the whole machine spent not idle between two psutil.cpu_times()."""
    fields = ("user", "nice", "system", "irq", "softirq", "steal")  # guest time is already in user
    return sum(getattr(after, name, 0.0) - getattr(before, name, 0.0) for name in fields)


def measure_load(
    result_type: Any, url: str, context: dict[str, Any], city_leadership: Any, seconds: int, rate: float = LOAD_RATE
) -> Any:
    from django.conf import settings

    from .dashboard import _row
    from .stations import BENCH_PUBLIC_RATE

    name = f"mixed load, {LOAD_USERS} users at {rate:g}/s"
    target = f"p95 < {LOAD_P95_MS} ms, 0 errors"
    made = sessions(context["users"], city_leadership)
    sample = {key: context["sample"][key] for key in ("dashboard_zone", "name")}
    load_before = os.getloadavg()[0]
    children_before = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2])  # locust's CPU: what this adds
    with (
        removing_what_the_load_writes(),
        tempfile.TemporaryDirectory(prefix="bench-locust-") as folder,
        serve.gunicorn(url, LOAD_WORKERS, AS_DEPLOYED) as host,
    ):
        server = _gunicorn_processes()
        busy_before, server_before = psutil.cpu_times(), _cpu_seconds(server)
        wall = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "locust", "-f", "bench/locustfile.py", "--headless", "--users", str(LOAD_USERS),
             "--spawn-rate", "20", "--run-time", f"{seconds}s", "--host", host, "--csv", f"{folder}/load",
             "--only-summary", "--stop-timeout", "10", "--reset-stats"],
            cwd=serve.ROOT, capture_output=True, text=True, check=False,
            env={**os.environ, "LOAD_PACE": str(rate / LOAD_USERS), "BENCH_LOAD_SESSIONS": json.dumps(made),
                 "BENCH_LOAD_SAMPLE": json.dumps(sample), "BENCH_LOAD_COOKIE": settings.SESSION_COOKIE_NAME},
        )  # fmt: skip
        wall = time.perf_counter() - wall
        server_cpu = _cpu_seconds(server) - server_before
        locust_cpu = sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]) - children_before
        busy = _busy_seconds(busy_before, psutil.cpu_times())
        stats = Path(folder, "load_stats.csv")
        if not stats.exists():
            raise SystemExit(f"bench: locust wrote no statistics:\n{done.stderr[-3000:]}")
        with stats.open(newline="") as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
        failures = Path(folder, "load_failures.csv").read_text(encoding="utf-8")
    total = rows.pop("Aggregated")
    count, failed = int(total["Request Count"]), int(total["Failure Count"])
    writes = sum(int(row["Request Count"]) for key, row in rows.items() if key in WRITES)
    achieved, p95, median = float(total["Requests/s"]), float(total["95%"]), float(total["50%"])
    held = achieved >= 0.9 * rate
    ok = p95 < LOAD_P95_MS and failed == 0 and held
    slowest = sorted(rows.values(), key=lambda row: -float(row["95%"]))[:4]
    notes = [
        f"{count:,} requests in {seconds} s at {achieved:.1f}/s ({'held' if held else 'NOT held'}), {failed} failed, "
        f"{100 * (count - writes) / max(count, 1):.0f}% reads; gunicorn {LOAD_WORKERS} sync workers, locust on the "
        f"same 2 cores (load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after); "
        f"PUBLIC_RATE={BENCH_PUBLIC_RATE}",
        "slowest p95: " + ", ".join(f"{row['Name']} {float(row['95%']):.0f} ms (n={row['Request Count']})"
                                    for row in slowest),
    ]  # fmt: skip
    notes.append(
        f"CPU over the {wall:.0f} s: gunicorn workers {server_cpu:.0f} s, locust {locust_cpu:.0f} s, the machine busy "
        f"{busy:.0f} of {wall * (os.cpu_count() or 1):.0f} core-seconds (the rest: PostgreSQL, everything else on it)"
    )
    if failed:
        notes.append("failures: " + " | ".join(failures.splitlines()[1:4])[:400])
    return _row(result_type, name, "(locust)", median, p95, target, ok, rows=count, iterations=1, notes=notes)
