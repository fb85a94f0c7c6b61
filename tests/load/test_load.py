"""Load (issue 8, item 11): 50 requests per second for 60 s against gunicorn with production settings.

The demo is loaded into the test database; gunicorn serves it with DEBUG off, HTTPS
redirects, secure cookies and collected static files, exactly as deployed (behind a TLS
proxy, which the requests' X-Forwarded-Proto stands for). locust (tests/load/locustfile.py)
holds the rate with a mixed workload of public and staff paths, reads and writes. Every
request must succeed; the p95 of each path is reported. The public rate limits count per
client address, and here every request comes from one address: they are raised for the run
(PUBLIC_RATE, PUBLIC_FORM_RATE), which is the only setting that differs from production.

Slow (about two minutes): run by ``make verify``, not ``make test``.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command

from stations.models import Station
from tests.test_deploy import PRODUCTION_ENV
from tests.workers import ROOT
from unionhub.core.models import User
from unionhub.demo.demo_data import DEMO_PASSWORD

pytestmark = [pytest.mark.verify, pytest.mark.django_db(transaction=True), pytest.mark.timeout(900)]

USERS, PACE, SECONDS = 25, 2.0, 60  # 25 users × 2 requests/s = 50 requests/s
# Zone workers and chiefs of the demo (no second factor): one account per simulated zone worker.
STAFF = [
    "ningdong_social", "wanghai_social", "qiyun_social", "wuyuan_social",
    "ningdong_chief", "wanghai_chief", "xinmei_chief", "qiyun_chief",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env(static_root: Path) -> dict[str, str]:
    database = settings.DATABASES["default"]
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **clean,
        **PRODUCTION_ENV,
        # The demo was encrypted with the test keys; production reads its own keys the same way.
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "FIELD_HASH_KEY": settings.FIELD_HASH_KEY,
        "DATABASE_URL": f"postgis://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
        "PUBLIC_RATE": "1000000/min",
        "PUBLIC_FORM_RATE": "1000000/min",
    }


def _wait_until_healthy(url: str, server: subprocess.Popen) -> None:
    request = urllib.request.Request(f"{url}/healthz", headers={"X-Forwarded-Proto": "https"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("gunicorn did not answer /healthz within 60 s")


def test_fifty_requests_a_second_for_a_minute_without_an_error(tmp_path):
    call_command("load_demo", force=True, verbosity=0)
    # The test settings hash passwords with MD5 for speed; production knows only its own hashers.
    User.objects.filter(username__in=STAFF).update(password=PBKDF2PasswordHasher().encode(DEMO_PASSWORD, "loadtest"))
    codes = list(Station.objects.filter(status="open").values_list("public_code", flat=True))
    env = _server_env(tmp_path / "static")
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    port = _free_port()
    bind = f"127.0.0.1:{port}"
    url = f"http://{bind}"
    log = open(ROOT / ".run" / "load-gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "unionhub.wsgi", "--preload", "--workers", "3", "--bind", bind],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_healthy(url, server)
        load = subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", "tests/load/locustfile.py", "--headless",
                "--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{SECONDS}s",
                "--host", url, "--csv", str(tmp_path / "load"), "--only-summary", "--stop-timeout", "10",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOAD_PACE": str(PACE),
                "LOAD_STATION_CODES": ",".join(codes),
                "LOAD_STAFF": ",".join(STAFF),
                "LOAD_PASSWORD": DEMO_PASSWORD,
            },
            capture_output=True,
            text=True,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    with open(tmp_path / "load_stats.csv", newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    total = rows.pop("Aggregated")
    print(f"\nload: {USERS} users × {PACE}/s for {SECONDS} s against gunicorn (3 workers), production settings")
    for name, row in sorted(rows.items()):
        print(
            f"  {row['Type']:4} {name:14} {int(row['Request Count']):6} requests, "
            f"{int(row['Failure Count'])} failed, median {row['50%']} ms, p95 {row['95%']} ms"
        )
    print(
        f"  all  {int(total['Request Count'])} requests at {float(total['Requests/s']):.1f}/s, "
        f"{int(total['Failure Count'])} failed, p95 {total['95%']} ms"
    )
    failures = (tmp_path / "load_failures.csv").read_text()
    assert int(total["Failure Count"]) == 0, failures + load.stderr[-3000:]
    assert float(total["Requests/s"]) >= 0.9 * USERS * PACE, "the rate was not held"
