"""A mixed read/write load on the main public and staff paths, for locust (tests/load/test_load.py).

Workers on their phones (no log-in) open the station finder, ask for the nearest open
stations, open a station's QR page and check in; zone workers (logged in) open their visit
list and inbox, read the plan through the API and send visits with a finding. Each simulated
user sends LOAD_PACE requests per second on average at random moments of its own (``poisson``:
independent users arrive as a Poisson process), so the whole holds LOAD_USERS × LOAD_PACE per
second on average. Not ``constant_throughput``: it paces each user from the moment locust
created it, and locust creates users in batches, so the users fired in lockstep volleys and
every request queued behind its volley (docs/dashboards.md, "How the mixed load came to meet
its target").

The server runs with production settings behind an imagined TLS proxy: every request says
``X-Forwarded-Proto: https``, and since the cookies are Secure (which a client on plain
http would not send back) each user carries its own cookies by hand.
"""

from __future__ import annotations

import datetime
import itertools
import os
import random
import re
from http.cookies import SimpleCookie

from locust import HttpUser, poisson, task

PACE = float(os.environ.get("LOAD_PACE", "2"))  # requests per second per user
CODES = os.environ.get("LOAD_STATION_CODES", "").split(",")
WORKERS = os.environ.get("LOAD_STAFF", "").split(",")
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Around Ninghai and Haiyan, where the demo's stations are.
# Each zone worker signs in as an account of its own (a second log-in may end the first one's session).
NEXT_ACCOUNT = itertools.count()
PLACES = [(121.43, 29.30), (120.95, 30.53), (121.55, 29.87)]


class Portal(HttpUser):
    abstract = True
    wait_time = poisson(PACE)

    def on_start(self) -> None:
        self.cookies: dict[str, str] = {}

    def call(self, method: str, path: str, *, name: str | None = None, **kwargs):
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{self.host.split('://', 1)[1]}{path}",
            **kwargs.pop("headers", {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        with self.client.request(
            method, path, name=name or path, headers=headers, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            for header in response.raw.headers.getlist("Set-Cookie") if response.raw else []:
                for key, morsel in SimpleCookie(header).items():
                    self.cookies[key] = morsel.value
            if response.status_code >= 400:
                response.failure(f"{method} {name or path}: {response.status_code}")
            return response


class PhoneWorker(Portal):
    """A rider or courier, no log-in: the finder, a station's QR page, a check-in, the grievance pages."""

    weight = 3

    @task(3)
    def nearest(self) -> None:
        lon, lat = random.choice(PLACES)
        self.call(
            "GET", f"/stations/nearest/?lon={lon + random.uniform(-0.05, 0.05):.5f}&lat={lat:.5f}", name="nearest"
        )

    @task(1)
    def finder(self) -> None:
        self.call("GET", "/stations/")

    @task(1)
    def grievance_page(self) -> None:
        self.call("GET", random.choice(["/grievances/new/", "/grievances/track/"]), name="grievance pages")

    @task(2)
    def station_and_check_in(self) -> None:
        code = random.choice(CODES)
        page = self.call("GET", f"/s/{code}/", name="station page")
        token = CSRF_FIELD.search(page.text or "")
        if token is None:
            return
        self.cookies.pop("unionhub_device", None)  # another phone each time: every check-in counts
        self.call(
            "POST",
            f"/s/{code}/check-in/",
            name="check-in",
            data={"csrfmiddlewaretoken": token.group(1), "occupation": "rider", "is_member": random.choice("01")},
        )


class ZoneWorker(Portal):
    """A zone social worker on the phone: visit list, inbox, the plan through the API, a visit."""

    weight = 1

    def on_start(self) -> None:
        super().on_start()
        page = self.call("GET", "/admin/login/?next=/m/", name="log-in page")
        token = CSRF_FIELD.search(page.text or "")
        assert token, "no CSRF token on the log-in page"
        account = WORKERS[next(NEXT_ACCOUNT) % len(WORKERS)]
        signed_in = self.call(
            "POST",
            "/admin/login/?next=/m/",
            name="log-in",
            data={"csrfmiddlewaretoken": token.group(1), "username": account, "password": PASSWORD},
        )
        assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/m/", (account, signed_in.status_code)
        self.unions = [
            entry["union"]
            for entry in self.call("GET", "/api/v1/visit-plan/?page_size=50", name="plan API").json()["results"]
        ]

    @task(3)
    def my_visits(self) -> None:
        self.call("GET", "/m/")

    @task(2)
    def inbox(self) -> None:
        self.call("GET", "/m/inbox/")

    @task(1)
    def send_visit(self) -> None:
        if not self.unions:
            return
        self.call(
            "POST",
            "/api/v1/visits/",
            name="visit API",
            json={
                "union": random.choice(self.unions),
                "visited_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "duties": ["contact"],
                "notes": "走访了解职工需求",
                "findings": [{"kind": "incident", "description": "食堂排风不畅"}],
            },
            headers={"X-CSRFToken": self.cookies.get("csrftoken", "")},
        )
