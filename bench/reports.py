"""Every quarterly report of Ningbo for one quarter (issue 7): wall time and the worker's peak RSS.

``build_quarterly_reports`` enqueues one ``reports.build_quarterly_report`` task per node
(every federation node and every zone) on the reports queue. The bench runs, in a child
process started for the purpose (``python -m bench.reports QUARTER``), exactly what a worker
with the solo pool does with those messages: the same task, with the same arguments, one
after the other, in one long-lived process (``task.apply``, DEBUG off as in bench/main.py,
files written to a temporary MEDIA_ROOT). The parent times the child from start to exit
(Django's start-up included) and reads its peak RSS from the kernel (``os.wait4``).
Targets: ≤ 10 minutes and ≤ 1 GB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

REPORTS_LIMIT_S = 600
REPORTS_RSS_LIMIT_MB = 1024


def measure_reports(result_type: Any, url: str) -> Any:
    from zones.quarters import Quarter

    from .dashboard import _row
    from .serve import ROOT

    quarter = str(Quarter.current().previous())  # what the beat schedule builds on the quarter's first day
    load_before = os.getloadavg()[0]
    # Output to files, not pipes: a worker logs a line per task, more than a pipe holds while nobody reads it.
    with (
        tempfile.TemporaryDirectory(prefix="bench-reports-") as media,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as log,
    ):
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.reports", quarter], cwd=ROOT, stdout=out, stderr=log, text=True,
            env={**os.environ, "BENCH_DATABASE_URL": url, "MEDIA_ROOT": media},
        )  # fmt: skip
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = out.read().splitlines()
        log.seek(0)
        stderr = log.read()
    if child.returncode != 0 or not lines:
        raise SystemExit(f"bench: the report build exited with {child.returncode}:\n{stderr[-3000:]}")
    done = json.loads(lines[-1])
    rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    ok = seconds <= REPORTS_LIMIT_S and rss_mb <= REPORTS_RSS_LIMIT_MB
    slowest = ", ".join(f"{name} {ms / 1000:.1f} s" for name, ms in done["slowest"])
    return _row(
        result_type, f"quarterly reports {quarter}, all nodes", "(worker)", seconds * 1000, done["max_ms"],
        f"≤ {REPORTS_LIMIT_S // 60} min, RSS ≤ {REPORTS_RSS_LIMIT_MB // 1024} GB", ok,
        sql_ms=round(done["total_ms"], 1), rows=done["built"], iterations=1,
        notes=[
            f"{done['built']} of {done['nodes']} nodes built ({done['federations']} federations, {done['zones']} "
            f"zones), {done['total_ms'] / 1000:.1f} s in the tasks, {seconds:.1f} s wall with start-up; peak RSS "
            f"{rss_mb:,.0f} MB (os.wait4 ru_maxrss); median per node {done['median_ms']:.0f} ms, p95 column = the "
            f"slowest node; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after",
            f"slowest: {slowest}",
        ],
    )  # fmt: skip


def build_all(quarter: str) -> dict[str, Any]:
    """In the child: what a solo-pool worker does with every node's message, one after the other."""
    import statistics

    from unionhub.reports.actions import nodes_for_quarterly_reports
    from unionhub.reports.tasks import build_quarterly_report

    nodes = nodes_for_quarterly_reports()
    times: list[tuple[str, float]] = []
    built = 0
    for node in nodes:
        start = time.perf_counter()
        result = build_quarterly_report.apply(
            args=[node.federation.pk, node.zone.pk if node.zone else None, quarter], throw=True
        )
        times.append((str(node.zone or node.federation), (time.perf_counter() - start) * 1000))
        built += result.result is not None
    values = [ms for _name, ms in times]
    return {
        "nodes": len(nodes),
        "zones": sum(1 for node in nodes if node.zone),
        "federations": sum(1 for node in nodes if not node.zone),
        "built": built,
        "total_ms": sum(values),
        "median_ms": statistics.median(values) if values else 0.0,
        "max_ms": max(values, default=0.0),
        "slowest": sorted(times, key=lambda item: -item[1])[:3],
    }


if __name__ == "__main__":
    from .main import database_url, setup_django

    setup_django(database_url())
    print(json.dumps(build_all(sys.argv[1]), ensure_ascii=False))
