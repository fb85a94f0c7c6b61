"""When PostgreSQL cannot be reached, pages and the API answer 503 "try again", never a stack trace.

The fault is real: the test's database connection is closed and pointed at a port where no
server listens, as if PostgreSQL were restarting, then put back.
"""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from tests.factories import RoleAssignmentFactory, StationFactory
from unionhub.core.choices import Role

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free again once closed: nothing listens there


@contextmanager
def database_down():
    settings, saved = connection.settings_dict, dict(connection.settings_dict)
    connection.close()
    settings.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        yield
    finally:
        connection.close()
        settings.update(saved)


def test_a_page_asks_to_try_again_when_the_database_is_unreachable():
    station = StationFactory()

    with database_down(), translation.override("en"):
        page = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en").get(
            f"/s/{station.public_code}/", HTTP_ACCEPT="text/html"
        )

    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    body = page.content.decode()
    assert "Please try again in a minute" in body
    assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body
    # Back up: the same page answers again, the connection re-opened by itself.
    assert Client().get(f"/s/{station.public_code}/").status_code == 200


def test_the_api_answers_503_in_json_when_the_database_is_unreachable():
    staff = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user
    api = Client(raise_request_exception=False)
    api.force_login(staff)

    with database_down():
        nearest = Client(raise_request_exception=False).get("/stations/nearest/?lon=121.43&lat=29.3")
        listed = api.get("/api/v1/stations/")

    for answer in (nearest, listed):
        assert answer.status_code == 503
        assert set(answer.json()) == {"detail"}
