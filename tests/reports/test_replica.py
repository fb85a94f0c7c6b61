"""Dashboard reads go to the read replica when one is configured (two database aliases), else to the primary.

No ``django_db`` mark here: Django's test case forbids connections to aliases it was not told
about, and the replica alias is added by the test itself (on the same test database, as a
streaming replica holds the same rows). A superuser that is never saved keeps the primary out
of the request, so every query it makes can be attributed.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from unionhub.core.dbrouting import REPLICA
from unionhub.core.models import User

DASHBOARD_TABLE = "reports_monthlyfigures"


@pytest.fixture
def database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def replica(database):
    """A second alias, ``replica``, as settings.py configures one from DATABASE_REPLICA_URL."""
    settings.DATABASES[REPLICA] = {**connections["default"].settings_dict}
    connections.settings[REPLICA] = settings.DATABASES[REPLICA]
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]
    connections.settings.pop(REPLICA, None)  # often the same dict as settings.DATABASES
    settings.DATABASES.pop(REPLICA, None)


def get_summary() -> int:
    client = APIClient()
    client.force_authenticate(User(username="chair", is_superuser=True, is_staff=True, is_active=True))
    return client.get("/api/v1/dashboard/summary/").status_code


def test_dashboard_reads_go_to_the_replica_when_one_is_configured(replica):
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        assert get_summary() == 200
    assert any(DASHBOARD_TABLE in query["sql"] for query in on_replica.captured_queries)
    assert not on_primary.captured_queries


def test_without_a_replica_they_stay_on_the_primary(database):
    assert REPLICA not in settings.DATABASES
    with CaptureQueriesContext(connections["default"]) as on_primary:
        assert get_summary() == 200
    assert any(DASHBOARD_TABLE in query["sql"] for query in on_primary.captured_queries)
