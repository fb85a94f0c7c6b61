"""The mixed load of issue 7 at Ningbo scale, for locust (bench/load.py starts it).

Reuses tests/load/locustfile.py: its ``Portal`` (cookies carried by hand, X-Forwarded-Proto
https, any status ≥ 400 a failure) and its ``ZoneWorker`` tasks (visit list, inbox, a visit
with a finding sent through the API). Nobody logs in here: bench/load.py hands each simulated
user a real session of a ``bench_*`` account (BENCH_LOAD_SESSIONS), so the run measures the
pages, not the password hasher. The users:

- leadership (the city's and a county's): the dashboard page, its APIs, a zone's page;
- federation staff: union and member lists, a member search by name, the coverage API;
- zone workers: tests/load's tasks, with the visit sent more often, so that about one
  request in five of the whole run is a write.

Each user sends LOAD_PACE requests per second on average, at random moments of its own, as
tests/load's users do (``poisson``). With ``constant_throughput`` locust paced each user from
the moment it created it, 20 at a time, so the 100 users fired in lockstep volleys: 825
requests of 17 s fell in 33 windows of 50 ms, up to 47 together, and even /healthz (3 ms on
its own) waited 50 ms in the queue behind its volley. 100 people using the portal do not
press Enter together.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets

from locust import task

import tests.load.locustfile as base  # not its classes by name: locust would run them too

SESSIONS: dict[str, list[str]] = json.loads(os.environ.get("BENCH_LOAD_SESSIONS", "{}"))
SAMPLE: dict[str, object] = json.loads(os.environ.get("BENCH_LOAD_SAMPLE", "{}"))
COOKIE = os.environ.get("BENCH_LOAD_COOKIE", "sessionid")
NEXT = {kind: itertools.count() for kind in SESSIONS}


class Signed(base.Portal):
    abstract = True
    kind = ""

    def on_start(self) -> None:
        base.Portal.on_start(self)  # never tests/load's log-in
        sessions = SESSIONS[self.kind]
        # A session of its own, and a CSRF cookie as the log-in page would have set it.
        self.cookies = {COOKIE: sessions[next(NEXT[self.kind]) % len(sessions)], "csrftoken": secrets.token_hex(16)}


class Leadership(Signed):
    weight = 2
    kind = "leadership"

    @task(3)
    def page(self) -> None:
        self.call("GET", "/dashboard/", name="dashboard page")

    @task(2)
    def summary(self) -> None:
        self.call("GET", "/api/v1/dashboard/summary/", name="dashboard summary API")

    @task(1)
    def trends(self) -> None:
        self.call("GET", "/api/v1/dashboard/trends/", name="dashboard trends API")

    @task(1)
    def zones(self) -> None:
        self.call("GET", "/api/v1/dashboard/zones/", name="dashboard zones API")

    @task(1)
    def map_zones(self) -> None:
        self.call("GET", "/api/v1/dashboard/map/zones/", name="dashboard map zones API")

    @task(1)
    def map_stations(self) -> None:
        self.call("GET", "/api/v1/dashboard/map/stations/", name="dashboard map stations API")

    @task(1)
    def zone_page(self) -> None:
        self.call("GET", f"/dashboard/zones/{SAMPLE['dashboard_zone']}/", name="dashboard zone page")


class Staff(Signed):
    weight = 3
    kind = "staff"

    @task(2)
    def unions(self) -> None:
        self.call("GET", "/api/v1/unions/?page_size=50", name="union list API")

    @task(2)
    def members(self) -> None:
        self.call("GET", "/api/v1/members/?page_size=50", name="member list API")

    @task(1)
    def search(self) -> None:
        self.call(
            "POST", "/api/v1/members/search/", name="member search API", json={"name": SAMPLE["name"]},
            headers={"X-CSRFToken": self.cookies["csrftoken"]},
        )  # fmt: skip

    @task(1)
    def coverage(self) -> None:
        self.call("GET", "/api/v1/visit-plan/coverage/", name="coverage API")


class ZoneWorker(Signed, base.ZoneWorker):
    """tests/load's zone worker (visit list 3, inbox 2, a visit 1), signed in by session; a visit 3 more."""

    weight = 5
    kind = "zone_worker"

    def on_start(self) -> None:
        Signed.on_start(self)
        plan = self.call("GET", "/api/v1/visit-plan/?page_size=50", name="plan API").json()["results"]
        self.unions = [entry["union"] for entry in plan]

    @task(3)
    def send_more_visits(self) -> None:
        self.send_visit()
