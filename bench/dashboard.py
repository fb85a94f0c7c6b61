"""The leadership dashboard at Ningbo scale: the rows bench/main.py measures, and the summary refresh timed.

The dashboard API reads the summary table (unionhub.reports.summaries), so the bench makes
sure the table is filled before measuring, and times both refreshes Celery runs: the one
every five minutes (current and previous month) and the nightly rebuild of the history.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

# Targets: the five-minute refresh must end well within its interval; the nightly rebuild is one job.
REFRESH_LIMIT_S = 60
REBUILD_LIMIT_S = 600
# Every dashboard API: at most twice its floor (DESIGN.md rule 9) and at most this p95.
API_P95_MS = 100


def dashboard_sample(leadership: Any) -> dict[str, Any]:
    """A zone and a union of the bench leadership's county to drill into; fills the summary table if empty."""
    from unionhub.core.choices import Action
    from unionhub.reports.models import MonthlyFigures
    from unionhub.reports.summaries import refresh
    from zones.models import GrassrootsUnion

    if not MonthlyFigures.objects.exists():
        print("bench: filling the dashboard's summary table (runs once)")
        refresh(full=True)
    figures = MonthlyFigures.objects.restrict(leadership, Action.VIEW).exclude(zone=None)
    zone_id = figures.order_by("zone_id").values_list("zone_id", flat=True).first()
    union_id = (
        GrassrootsUnion.objects.restrict(leadership, Action.VIEW)
        .filter(zone_id=zone_id)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    return {"dashboard_zone": zone_id, "dashboard_union": union_id}


def measure_refresh(result_type: Any, runs: int) -> list[Any]:
    """The five-minute refresh and the nightly rebuild, each run ``runs`` times, as two result rows."""
    from unionhub.reports.models import MonthlyFigures
    from unionhub.reports.summaries import refresh

    rows = []
    for name, full, limit in [
        ("dashboard figures, 5-minute refresh", False, REFRESH_LIMIT_S),
        ("dashboard figures, nightly rebuild", True, REBUILD_LIMIT_S),
    ]:
        times, written = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            run = refresh(full=full)
            times.append((time.perf_counter() - start) * 1000)
            written = run.rows if run is not None else 0
        median = statistics.median(times)
        rows.append(
            result_type(
                operation=name,
                user="(task)",
                median_ms=round(median, 1),
                p95_ms=round(max(times), 1),
                floor_ms=0.0,
                floor_p95_ms=0.0,
                sql_ms=round(median, 1),
                ratio=0.0,
                queries=0,
                floor_queries=0,
                target=f"≤ {limit} s",
                ok=median <= limit * 1000,
                rows=written,
                iterations=runs,
                notes=[f"{written:,} summary rows written; {MonthlyFigures.objects.count():,} in the table"],
            )
        )
    return rows


# --- the dashboard page under wrk (issue 7) -------------------------------------------------------

CITY_LEADERSHIP = "bench_city_leadership"
PAGE_WRK_MIN_SHARE = 0.5
PAGE_WRK_WORKERS = 5
PAGE_WRK_CONNECTIONS = 10


def ensure_city_leadership() -> Any:
    """The city's leadership (seed_scale's bench users lead a county): created once, through the actions."""
    from unionhub.core.actions import do_assign_role, do_save_user
    from unionhub.core.choices import FederationKind, Role
    from unionhub.core.models import Federation, RoleAssignment, User
    from unionhub.demo.bulk import BENCH_USERS

    user = User.objects.filter(username=CITY_LEADERSHIP).first()
    if user is not None:
        return user
    admin = User.objects.get(username=BENCH_USERS["admin"])
    city = Federation.objects.get(kind=FederationKind.CITY)
    user = User(username=CITY_LEADERSHIP, is_staff=True, federation=city)
    user.set_unusable_password()
    do_save_user(user, actor=admin)
    do_assign_role(RoleAssignment(user=user, role=Role.LEADERSHIP, federation=city), actor=admin)
    return user


def session_cookie(user: Any) -> dict[str, str]:
    """A real session for ``user`` (as a log-in makes), as the Cookie header a browser would send."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}


def measure_page_wrk(result_type: Any, url: str, user: Any, seconds: int, rounds: int = 2) -> Any:
    """/dashboard/ for the city's leadership and its floor under wrk, gunicorn with 5 workers on loopback."""
    import os
    import shutil

    from . import serve
    from .stations import BENCH_PUBLIC_RATE

    name = "dashboard page under wrk"
    target = f"≥ {PAGE_WRK_MIN_SHARE:g}× floor rps, 0 errors"
    if not shutil.which("wrk"):
        return _row(result_type, name, "city_leadership", 0.0, 0.0, target, False, notes=["wrk is missing"])
    headers = session_cookie(user)
    with serve.gunicorn(url, PAGE_WRK_WORKERS) as base:
        endpoint, floor = f"{base}/dashboard/", f"{base}/bench-floor/dashboard/page/"
        runs = serve.wrk_pair(endpoint, floor, seconds, PAGE_WRK_CONNECTIONS, rounds, headers)
    rps, floor_rps = serve.mean_rps(runs[endpoint]), serve.mean_rps(runs[floor])
    share = rps / floor_rps if floor_rps else 0.0
    failed, floor_failed = serve.errors(runs[endpoint]), serve.errors(runs[floor])
    return _row(
        result_type, name, "city_leadership",
        statistics.median(r[1] for r in runs[endpoint]), max(r[2] for r in runs[endpoint]), target,
        share >= PAGE_WRK_MIN_SHARE and not failed and not floor_failed,
        floor_ms=round(statistics.median(r[1] for r in runs[floor]), 2),
        floor_p95_ms=round(max(r[2] for r in runs[floor]), 2),
        ratio=round(share, 2), iterations=rounds,
        notes=[
            f"{rps:,.1f} req/s vs floor {floor_rps:,.1f} req/s = {share:.2f}× (median/p95 columns: wrk's p50 and p99 "
            f"latency); gunicorn {PAGE_WRK_WORKERS} sync workers, wrk -t1 -c{PAGE_WRK_CONNECTIONS} -d{seconds}s × "
            f"{rounds} rounds each, loopback, one leadership session; floor: bench/floors.py dashboard_page "
            f"(same session work, the same summary rows as JSON); PUBLIC_RATE={BENCH_PUBLIC_RATE}; "
            f"errors (non-2xx, socket, time-out 10 s): {failed} endpoint, {floor_failed} floor",
            f"load average {os.getloadavg()[0]:.2f} after the run",
        ],
    )  # fmt: skip


def _row(result_type: Any, name: str, user: str, median: float, p95: float, target: str, ok: bool, **extra: Any) -> Any:
    values: dict[str, Any] = {
        "operation": name,
        "user": user,
        "median_ms": round(median, 2),
        "p95_ms": round(p95, 2),
        "floor_ms": 0.0,
        "floor_p95_ms": 0.0,
        "sql_ms": 0.0,
        "ratio": 0.0,
        "queries": 0,
        "floor_queries": 0,
        "target": target,
        "ok": ok,
        "rows": 0,
        "iterations": 1,
    }
    values.update(extra)
    return result_type(**values)
