"""schemathesis over the whole OpenAPI schema: no server errors, every response as documented.

Examples per operation are bounded so that the suite stays fast; set FUZZ_EXAMPLES (for
example 100) for a longer run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.worlds import actor, build_world
from unionhub.core.choices import Role

schema = schemathesis.openapi.from_wsgi("/api/schema/?lang=en", get_wsgi_application())
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go through the WSGI handler, which would close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def staff_token(django_db_setup, django_db_blocker):
    """One branch with a row of every model, built once and rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        world = build_world("丁", 121.40)
        yield Token.objects.create(user=actor(world, Role.FEDERATION_STAFF)).key
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_the_api_answers_every_request_as_documented(case, staff_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {staff_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
