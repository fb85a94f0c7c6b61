"""What each request of the mixed load (bench/load.py) costs, one at a time, in this process.

    .venv/bin/python -m bench.mix [--profile NAME] [-n N]

Runs every request kind of bench/locustfile.py as its simulated users would (the same bench
accounts, the same paths and bodies) through Django's test client against the bench database,
and prints for each its CPU milliseconds in Python, its wall milliseconds, its queries, and its
share of the whole mix's CPU at the locustfile's rates (LOAD_RATE split by the user weights
and task weights). The load row tells whether the machine keeps up; this tells where the
time goes. ``--profile NAME`` prints cProfile's top functions for the kinds whose name
contains NAME. Run bench/run once first: it seeds the database this reads.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import os
import pstats
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from .load import AS_DEPLOYED, KINDS, LOAD_RATE, removing_what_the_load_writes
from .main import database_url, setup_django


@dataclass
class Kind:
    """One request of the mix: who sends it, what, and how many of the whole run's requests it is."""

    name: str
    user: str  # a key of the accounts below
    method: str
    path: str
    per_second: float
    body: dict[str, Any] | None = None


def mix(sample: dict[str, Any], unions: list[int]) -> list[Kind]:
    """bench/locustfile.py's tasks with their rates: each user kind's share of LOAD_RATE split by task weight."""
    per_user = LOAD_RATE / sum(KINDS.values())
    leadership = KINDS["leadership"] * per_user / 10  # task weights 3+2+1+1+1+1+1
    staff = KINDS["staff"] * per_user / 6  # 2+2+1+1
    worker = KINDS["zone_worker"] * per_user / 9  # 3+2+1, and 3 more visits
    kinds = []
    for who in ("city_leadership", "leadership"):  # the locust users alternate between the two accounts
        for name, path, weight in [
            ("dashboard page", "/dashboard/", 3),
            ("dashboard summary API", "/api/v1/dashboard/summary/", 2),
            ("dashboard trends API", "/api/v1/dashboard/trends/", 1),
            ("dashboard zones API", "/api/v1/dashboard/zones/", 1),
            ("dashboard map zones API", "/api/v1/dashboard/map/zones/", 1),
            ("dashboard map stations API", "/api/v1/dashboard/map/stations/", 1),
            ("dashboard zone page", f"/dashboard/zones/{sample['dashboard_zone']}/", 1),
        ]:
            kinds.append(Kind(f"{name} ({who})", who, "GET", path, leadership * weight / 2))
    for who in ("city_staff", "county_staff"):
        for name, method, path, weight, body in [
            ("union list API", "GET", "/api/v1/unions/?page_size=50", 2, None),
            ("member list API", "GET", "/api/v1/members/?page_size=50", 2, None),
            ("member search API", "POST", "/api/v1/members/search/", 1, {"name": sample["name"]}),
            ("coverage API", "GET", "/api/v1/visit-plan/coverage/", 1, None),
        ]:
            kinds.append(Kind(f"{name} ({who})", who, method, path, staff * weight / 2, body))
    visit = {
        "union": unions[0],
        "visited_at": "",
        "duties": ["contact"],
        "notes": "走访了解职工需求",
        "findings": [{"kind": "incident", "description": "食堂排风不畅"}],
    }
    kinds += [
        Kind("my visits page", "zone_worker", "GET", "/m/", worker * 3),
        Kind("inbox page", "zone_worker", "GET", "/m/inbox/", worker * 2),
        Kind("visit API", "zone_worker", "POST", "/api/v1/visits/", worker * 4, visit),
    ]
    return kinds


def send(client: Any, kind: Kind) -> Any:
    if kind.method == "GET":
        response = client.get(kind.path, secure=True)
    else:
        body = dict(kind.body or {})
        if "visited_at" in body:
            body["visited_at"] = datetime.datetime.now(datetime.UTC).isoformat()
        response = client.post(kind.path, json.dumps(body), content_type="application/json", secure=True)
    if response.status_code >= 400:
        raise SystemExit(f"bench.mix: {kind.name} answered {response.status_code}")
    return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="requests of each kind (after 3 unmeasured)")
    parser.add_argument("--profile", metavar="NAME", help="cProfile the kinds whose name contains this")
    args = parser.parse_args(argv)
    os.environ.update(AS_DEPLOYED)  # as the mixed load's server runs
    setup_django(database_url())

    from django.db import connection, reset_queries
    from django.test import Client

    from unionhub.core.models import User
    from unionhub.demo.bulk import BENCH_USERS
    from zones.models import VisitPlanEntry

    from .dashboard import dashboard_sample, ensure_city_leadership

    accounts = {key: User.objects.get(username=name) for key, name in BENCH_USERS.items() if key != "admin"}
    accounts["city_leadership"] = ensure_city_leadership()
    sample = {"name": "王伟", **dashboard_sample(accounts["leadership"])}
    plan = VisitPlanEntry.objects.filter(assignee=accounts["zone_worker"])
    unions = list(plan.values_list("union_id", flat=True)[:50])
    clients = {}
    for key, user in accounts.items():
        clients[key] = Client(enforce_csrf_checks=False)
        clients[key].force_login(user)

    rows = []
    connection.force_debug_cursor = True  # count queries with DEBUG off
    with removing_what_the_load_writes():
        for kind in mix(sample, unions):
            client = clients[kind.user]
            for _ in range(3):
                send(client, kind)
            cpu, wall, queries = [], [], 0
            profile = cProfile.Profile() if args.profile and args.profile in kind.name else None
            for _ in range(args.n):
                reset_queries()
                started_cpu, started = time.process_time(), time.perf_counter()
                if profile:
                    profile.enable()
                send(client, kind)
                if profile:
                    profile.disable()
                cpu.append(1000 * (time.process_time() - started_cpu))
                wall.append(1000 * (time.perf_counter() - started))
                queries = len(connection.queries)
            rows.append((kind, statistics.median(cpu), statistics.median(wall), queries))
            if profile:
                print(f"--- {kind.name}")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    total = sum(kind.per_second * cpu for kind, cpu, _wall, _q in rows)
    print(f"{'request':<44} {'/s':>5} {'CPU ms':>7} {'wall ms':>8} {'queries':>7} {'share':>6}")
    for kind, cpu, wall, queries in sorted(rows, key=lambda row: -row[0].per_second * row[1]):
        share = 100 * kind.per_second * cpu / total
        print(f"{kind.name:<44} {kind.per_second:5.2f} {cpu:7.1f} {wall:8.1f} {queries:7d} {share:5.1f}%")
    rate = sum(kind.per_second for kind, *_rest in rows)
    print(f"at {rate:.0f} requests/s: {total:.0f} ms of Python CPU per second, {total / rate:.1f} ms per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
