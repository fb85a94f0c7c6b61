"""PostgreSQL restarted and Redis down while gunicorn and a Celery worker are busy (issue 8, item 8).

The faults are real. PostgreSQL is stopped the hard way (``pg_ctl stop -m immediate``, as a
crash or a failover looks) while pages and check-ins are being served and a roster import,
visit reminders and their e-mails are in flight, and started again five seconds later.
Redis is a private server the test starts and stops, so that the suite's own broker is
never touched.

What must hold: a request never gets a stack trace — it succeeds or answers 503 "try again"
(unionhub.core.views.server_error); a task that met the outage retries and finishes
(unionhub.celery.Task); nothing is half-written (the import all or nothing, each reminder
once). With Redis down, pages that need no queue keep working and writes still commit; their
tasks wait in the outbox and leave it when Redis is back.

Slow (about two minutes): run by ``make verify``, not ``make test``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from members.choices import ImportStatus
from members.models import Member
from members.roster.imports import do_commit_roster
from stations.models import CheckIn, HelpRequest
from tests.factories import FederationFactory, StationFactory
from tests.faults.work import ROSTER_ROWS, UNIONS, all_done
from tests.load.test_load import _free_port, _wait_until_healthy
from tests.workers import ROOT, start_worker, worker_env
from unionhub.celery import app
from unionhub.core.channels import message_text
from unionhub.core.choices import Channel, DeliveryStatus, JobStatus
from unionhub.core.models import Delivery, OutboxMessage, WebhookEndpoint
from unionhub.core.outbox import relay

pytestmark = [pytest.mark.verify, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

OUTAGE_SECONDS = 5
FINISH_WITHIN = 240  # seconds, after PostgreSQL is back (task retries back off up to a minute)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- the processes ---------------------------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    """Test settings with DEBUG off (error pages as deployed) on the test database."""
    return worker_env(
        connection.settings_dict["NAME"],
        DJANGO_SETTINGS_MODULE="tests.faults.worker_settings",
        DEBUG="false",
        # With DEBUG off the keys must be given; the test database was written with the test keys.
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY,
        FIELD_HASH_KEY=settings.FIELD_HASH_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        PUBLIC_RATE="1000000/min",
        PUBLIC_FORM_RATE="1000000/min",
        QUIET_HOURS="0,0",
        VISIT_REMINDER_DAYS_LEFT="400",
        **extra,
    )


class Gunicorn:
    def __init__(self, env: dict[str, str], log_name: str) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.log = open(ROOT / ".run" / log_name, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "unionhub.wsgi", "--preload", "--workers", "2", "--bind", self.url[7:]],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        _wait_until_healthy(self.url, self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


class Phones(threading.Thread):
    """Workers on their phones, one after another: open a station's page, check in."""

    def __init__(self, url: str, code: str) -> None:
        super().__init__(daemon=True)
        self.url, self.code = url, code
        self.answers: list[tuple[float, str, int, str]] = []  # (when, what, status, body)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            phone = requests.Session()  # another phone each time: every check-in counts
            phone.headers.update({"Accept": "text/html", "Accept-Language": "en"})
            page = self._call(phone, "GET", f"/s/{self.code}/", "page")
            token = CSRF_FIELD.search(page)
            if token:
                self._call(
                    phone,
                    "POST",
                    f"/s/{self.code}/check-in/",
                    "check-in",
                    data={"csrfmiddlewaretoken": token.group(1), "occupation": "rider", "is_member": "1"},
                )
            time.sleep(0.05)

    def _call(self, phone: requests.Session, method: str, path: str, what: str, **kwargs) -> str:
        answer = phone.request(method, self.url + path, allow_redirects=False, timeout=30, **kwargs)
        self.answers.append((time.monotonic(), what, answer.status_code, answer.text))
        return answer.text


def _pg_ctl(*args: str) -> None:
    command = ["/usr/lib/postgresql/15/bin/pg_ctl", *args]
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=120)


def _restartable_data_directory() -> Path:
    """The test server's data directory, if it is ours to restart: the private one of
    scripts/services.sh, or one named by UNIONHUB_RESTARTABLE_PGDATA."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        (data,) = cursor.fetchone()
    data = Path(data)
    allowed = {(ROOT / ".run" / "pg").resolve(), Path(os.environ.get("UNIONHUB_RESTARTABLE_PGDATA", "/nonexistent"))}
    if data.resolve() not in allowed:
        pytest.skip(f"PostgreSQL at {data} is not this checkout's to restart")
    return data


def _durable_commits(on: bool) -> None:
    """Commit synchronously in every new connection to the test database, and in this one.

    The private test server runs with synchronous_commit off for speed, so a crash loses the
    commits of its last few hundred milliseconds (a production server keeps it on): the
    import's job, committed and relayed just before the restart, was sometimes gone after it.
    What this test proves, no acknowledged write lost, needs acknowledged commits to be durable.
    """
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        if on:
            cursor.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = on')
            cursor.execute("SET synchronous_commit = on")
        else:
            cursor.execute(f'ALTER DATABASE "{name}" RESET synchronous_commit')
            cursor.execute("RESET synchronous_commit")


def _restart_postgresql(data: Path, down_for: float) -> None:
    """Stop as a crash does, stay down, start again with the same options (postmaster.opts)."""
    command_line = shlex.split((data / "postmaster.opts").read_text())
    options = command_line[3:]  # after: postgres -D <data>
    _pg_ctl("stop", "-D", str(data), "-m", "immediate", "-w")
    time.sleep(down_for)
    _pg_ctl("start", "-D", str(data), "-l", str(data / "server.log"), "-w", "-t", "60", "-o", shlex.join(options))


def _wait_for(condition, within: float, what: str, *, every: float = 0.5) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {within:.0f} s"
        time.sleep(every)


# --- PostgreSQL restarted ----------------------------------------------------------------------


def test_a_postgresql_restart_costs_requests_a_retry_and_tasks_a_retry_and_loses_nothing(work):
    data = _restartable_data_directory()
    roster, station = work["roster"], StationFactory(zone=work["zone"])
    env = _env(FAULTS_MAIL_LOG=str(work["mail_log"]))
    app.control.purge()
    _durable_commits(True)  # before the worker and gunicorn connect
    worker_log = open(ROOT / ".run" / "outage-worker.log", "w")  # noqa: SIM115 - closed below
    worker = start_worker(env, worker_log)
    web = Gunicorn(env, "outage-gunicorn.log")
    phones = Phones(web.url, station.public_code)
    try:
        phones.start()
        do_commit_roster(roster, actor=work["staff"])
        app.send_task("zones.send_visit_reminders")
        _wait_for(lambda: _job_status(roster) != JobStatus.PENDING, 60, "the import started", every=0.05)
        connection.close()
        went_down = time.monotonic()
        _restart_postgresql(data, OUTAGE_SECONDS)
        came_back = time.monotonic()
        connection.close()  # this process's connection died with the server

        def finished() -> bool:
            relay()  # what beat's relay does every minute
            return all_done(roster)

        _wait_for(finished, FINISH_WITHIN, "the tasks finished after the restart", every=1)
        time.sleep(2)  # a few more page views with the database back
    finally:
        phones.stopping.set()
        phones.join(timeout=60)
        web.stop()
        worker.terminate()
        worker.wait(timeout=30)
        worker_log.close()
        _durable_commits(False)

    # Requests: served, or answered "try again" — never a stack trace, never a 500.
    statuses = Counter(status for _when, _what, status, _body in phones.answers)
    refused = [(what, body) for _when, what, status, body in phones.answers if status == 503]
    assert set(statuses) <= {200, 302, 503}, statuses
    assert refused, "no request met the outage"
    for _what, body in refused:
        assert "Please try again in a minute" in body, body[:500]
        assert "Traceback" not in body and "psycopg" not in body
    after = [status for when, _what, status, _body in phones.answers if when > came_back + 2]
    assert after and set(after) <= {200, 302}, Counter(after)

    # Writes: every check-in the phone was told about is there; nothing else.
    told = sum(1 for _when, what, status, _body in phones.answers if what == "check-in" and status == 302)
    uncertain = sum(1 for _when, what, status, _body in phones.answers if what == "check-in" and status == 503)
    stored = CheckIn.objects.filter(station=station).count()
    assert told <= stored <= told + uncertain

    # Tasks: the import whole and once, each reminder once, every e-mail sent.
    roster.refresh_from_db()
    assert roster.status == ImportStatus.COMMITTED and roster.new_rows == ROSTER_ROWS
    assert Member.objects.filter(union__name="甬江街道联合工会").count() == ROSTER_ROWS
    assert Delivery.objects.exclude(status=DeliveryStatus.SENT).count() == 0
    retries = (ROOT / ".run" / "outage-worker.log").read_text().count(" retry: Retry in ")
    print(
        f"\npostgresql restart: down {came_back - went_down:.1f} s; {len(phones.answers)} requests "
        f"({dict(statuses)}), {len(refused)} answered 503 'try again', 0 errors; "
        f"{retries} task retries; import of {ROSTER_ROWS} rows once, {UNIONS} reminders once"
    )


def _job_status(roster) -> str:
    roster.refresh_from_db()
    return roster.job.status if roster.job_id else JobStatus.PENDING


# --- Redis down --------------------------------------------------------------------------------


class PrivateRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        _wait_for(self._answers, 10, "redis-server started", every=0.1)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).returncode == 0


class Robot(ThreadingHTTPServer):
    """A group robot (WeCom's webhook) on loopback: keeps what it is sent, answers errcode 0."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                robot.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                answer = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/robot"


def test_with_redis_down_pages_work_writes_commit_and_their_tasks_leave_the_outbox_later():
    # A station outside any zone: a worker's "I need help" goes to its federation's group robot.
    federation = FederationFactory()
    station = StationFactory(zone=None, federation=federation)
    robot = Robot()
    WebhookEndpoint.objects.create(federation=federation, channel=Channel.WECOM, name="值班群", url=robot.url)
    redis = PrivateRedis()
    redis.start()
    env = _env(REDIS_URL=redis.url, TEST_REDIS_DB="0")
    web = Gunicorn(env, "outage-redis-gunicorn.log")
    worker_log = open(ROOT / ".run" / "outage-redis-worker.log", "w")  # noqa: SIM115 - closed below
    worker = None
    try:
        redis.stop()
        phone = requests.Session()
        page = phone.get(f"{web.url}/s/{station.public_code}/", timeout=30)
        assert page.status_code == 200
        token = CSRF_FIELD.search(page.text).group(1)
        checked_in = phone.post(
            f"{web.url}/s/{station.public_code}/check-in/",
            data={"csrfmiddlewaretoken": token, "occupation": "courier", "is_member": "0"},
            allow_redirects=False,
            timeout=30,
        )
        asked = phone.post(
            f"{web.url}/s/{station.public_code}/help/",
            data={
                "csrfmiddlewaretoken": token,
                "topic": "wages",
                "description": "三个月工资没发",
                "name": "",
                "consent": "on",
            },
            allow_redirects=False,
            timeout=30,
        )
        assert (checked_in.status_code, asked.status_code) == (302, 302), asked.text[:500]
        assert phone.get(f"{web.url}/stations/", timeout=30).status_code == 200
        health = requests.get(f"{web.url}/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["redis"] is False

        # Committed, with their tasks waiting in the outbox.
        assert CheckIn.objects.filter(station=station).count() == 1
        help_request = HelpRequest.objects.get(station=station)
        waiting = list(OutboxMessage.objects.filter(sent_at__isnull=True, task_name="notify.deliver"))
        assert len(waiting) == 1 and waiting[0].last_error

        # Redis back: the sweep sends them and the worker delivers.
        redis.start()
        worker = start_worker(env, worker_log)
        sweep = [sys.executable, "-c", "import django; django.setup(); from unionhub.core.outbox import relay; relay()"]

        def delivered() -> bool:
            subprocess.run(sweep, cwd=ROOT, env=env, check=True)  # beat's relay, every minute
            return bool(robot.received)

        _wait_for(delivered, 90, "the outbox emptied once Redis was back", every=2)
    finally:
        web.stop()
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
        worker_log.close()
        redis.stop()
        robot.shutdown()
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    (delivery,) = Delivery.objects.filter(key__contains=f"help-request:{help_request.pk}")
    assert delivery.status == DeliveryStatus.SENT
    assert [message["text"]["content"] for message in robot.received] == [message_text(delivery)]
    print(
        "\nredis down: pages answered 200, a check-in and a help request committed, the robot message "
        "waited in the outbox and was delivered once Redis was back"
    )
