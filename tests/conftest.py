"""Shared fixtures: API clients, and a real Celery worker on the real Redis broker."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.limits import forget_public_limits
from tests.workers import start_worker, worker_env

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items) -> None:
    """Slow proofs (marker ``verify``) run in `make verify` (UNIONHUB_VERIFY=1), never in `make test`."""
    if os.environ.get("UNIONHUB_VERIFY") == "1":
        return
    slow = [item for item in items if item.get_closest_marker("verify")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("verify")]


@pytest.fixture(autouse=True)
def fresh_public_limits() -> Iterator[None]:
    """Every test starts with no rate-limit counters and no one-time codes from earlier tests."""
    forget_public_limits()
    yield
    forget_public_limits()


@pytest.fixture(autouse=True)
def fresh_category_model() -> Iterator[None]:
    """The category suggestion's per-process model may hold counts a rolled-back test learned."""
    from unionhub.core.text.classify import forget_model

    forget_model()
    yield
    forget_model()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """An API client logged in as the given user."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process, on the test database and the tests' Redis database.

    Tests using it must be ``transaction=True`` so that the worker sees their rows.
    """
    with django_db_blocker.unblock():
        db_name = connection.settings_dict["NAME"]
    from unionhub.celery import app

    app.control.purge()
    log = open(ROOT / ".run" / "test-worker.log", "w")  # noqa: SIM115 - closed at teardown
    process = start_worker(worker_env(db_name), log)
    yield process
    process.terminate()
    process.wait(timeout=20)
    log.close()


def wait_for(condition, timeout: float = 20.0, interval: float = 0.1):
    """Poll ``condition()`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
