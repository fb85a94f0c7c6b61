"""The grievance deadline scan at Ningbo scale (issue 6: the overdue scan over 50,000 open grievances ≤ 5 s).

Run on a scratch database with no open grievances (it refuses to run otherwise: the scan
would remind and escalate those too). It writes 50,000 grievances under a federation of its
own and deletes them at the end:

    DEBUG=true DATABASE_URL=… .venv/bin/python -m bench.grievances [--open 50000]

Of the open grievances, 90 % are due later than the reminder window, 5 % fall due within it
and 5 % are past due. It times, in this order: the quiet scan (the 15-minute beat run
when nothing is due: what it costs to find nothing), the first scan (reminding and
escalating every due one, in batches of 2,000 as the beat task does), and a rerun (which
must change nothing: escalation exactly once).
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")
django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False  # no query log: what is measured is production-like (as in bench/main.py)

from django.contrib.gis.geos import MultiPolygon, Polygon  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from events.grievances import scan_deadlines  # noqa: E402
from events.models import Grievance, new_tracking_code  # noqa: E402
from unionhub.core.choices import Role  # noqa: E402
from unionhub.core.models import Federation, User  # noqa: E402
from zones.models import GrassrootsUnion, Zone, ZoneStaff  # noqa: E402

OPEN_STATES = ["verified", "assigned", "in_progress", "reopened"]


def seed(count: int) -> tuple[Federation, int, int]:
    now = timezone.now()
    square = MultiPolygon(Polygon(((121.0, 29.0), (121.1, 29.0), (121.1, 29.1), (121.0, 29.1), (121.0, 29.0))))
    with transaction.atomic():
        county = Federation.objects.create(name="压测区总工会", kind="county")
        township = Federation.objects.create(name="压测街道总工会", kind="township", parent=county)
        zone = Zone.objects.create(name="压测片区", federation=township, boundary=square)
        union = GrassrootsUnion.objects.create(
            name="压测工会", federation=township, zone=zone, zone_set_by_hand=True, credit_code="81330200MC0000001X"
        )
        for role, name in [(Role.ZONE_CHIEF, "chief"), (Role.ZONE_SOCIAL_WORKER, "worker")]:
            user = User.objects.create(username=f"bench-grievance-{name}")
            ZoneStaff.objects.create(user=user, zone=zone, role=role)
        rows, due_soon, overdue = [], 0, 0
        for i in range(count):
            if i % 20 == 0:
                due, overdue = now - datetime.timedelta(hours=1 + i % 48), overdue + 1
            elif i % 20 == 1:
                due, due_soon = now + datetime.timedelta(hours=2), due_soon + 1
            else:
                due = now + datetime.timedelta(days=10 + i % 30)
            rows.append(
                Grievance(
                    tracking_code=new_tracking_code(),
                    category="wage_arrears",
                    description="拖欠工资",
                    federation=township,
                    federation_path=township.path,
                    zone=zone,
                    union=union,
                    status=OPEN_STATES[i % 4],
                    due_at=due,
                    verified_at=now - datetime.timedelta(days=5),
                )
            )
        Grievance.objects.bulk_create(rows, batch_size=5000)
    return county, due_soon, overdue


def timed(label: str, run) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = run()
    print(f"{label:<42} {time.perf_counter() - start:7.2f} s   reminded, escalated = {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=50_000)
    options = parser.parse_args()
    # scan_deadlines() scans the whole database: any other grievance being handled would be
    # reminded and escalated for real (and counted in the figures).
    others = Grievance.objects.filter(status__in=OPEN_STATES, paused_at__isnull=True).count()
    if others:
        raise SystemExit(f"bench.grievances needs a scratch database: it holds {others:,} open grievances already")
    county, due_soon, overdue = seed(options.open)
    print(f"{options.open} open grievances: {due_soon} due within the reminder window, {overdue} overdue")
    try:
        quiet_now = timezone.now() - datetime.timedelta(days=30)  # before anything was due or near
        timed("quiet scan (nothing due)", lambda: scan_deadlines(now=quiet_now))

        def drain() -> tuple[int, int]:
            total = (0, 0)
            while True:
                step = scan_deadlines()
                if step == (0, 0):
                    return total
                total = (total[0] + step[0], total[1] + step[1])

        timed("first scan, batches of 2,000 until done", drain)
        timed("rerun (changes nothing)", scan_deadlines)
    finally:
        clean_up(county)


def clean_up(county: Federation) -> None:
    """Delete what seed() wrote, rows first, then the tree from its leaves."""
    Grievance.objects.filter(federation_path__startswith=county.path).delete()
    User.objects.filter(username__startswith="bench-grievance-").delete()
    GrassrootsUnion.objects.filter(federation__path__startswith=county.path).delete()
    Zone.objects.filter(federation__path__startswith=county.path).delete()
    for node in Federation.objects.filter(path__startswith=county.path).order_by("-depth"):
        node.delete()


if __name__ == "__main__":
    main()
