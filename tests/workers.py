"""Real `celery worker` processes for tests: on the test database and the tests' Redis database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent


def worker_env(db_name: str, **extra: str) -> dict[str, str]:
    """The environment of a worker process that uses the test database ``db_name``."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unionhub.settings_test",
        "DATABASE_URL": f"postgis://{database['USER']}@{database['HOST']}:{database['PORT']}/{db_name}",
        **extra,
    }


def start_worker(env: dict[str, str], log: IO[str]) -> subprocess.Popen:
    """Start one worker (solo pool, every queue) and return once it says it is ready.

    Readiness is read from the worker's log, not asked with a ping: a solo worker answers
    pings only between tasks, and a test that kills workers mid-task must not wait for one.
    """
    log.flush()
    start = Path(log.name).stat().st_size
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "unionhub",
            "worker",
            "--pool=solo",
            "-Q",
            "default,reports,notify",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(log.name, "rb") as written:
            written.seek(start)
            if b" ready." in written.read():
                return process
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited; see {log.name}")
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"celery worker was not ready within 60 s; see {log.name}")
