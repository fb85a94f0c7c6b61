"""schemathesis over the whole OpenAPI schema: no server errors, every response as documented.

Authenticated as two roles (federation staff, who may write nearly everything, and a zone
social worker, who may read most and write little), and not authenticated at all: then
every operation that the schema does not declare public must refuse.

Two depths. `make test` runs schemathesis's examples phase and FUZZ_EXAMPLES (4) generated
cases per operation: a few seconds per operation. `make verify` (UNIONHUB_VERIFY=1, which CI
runs too) adds the coverage phase — every boundary and invalid value of every parameter and
body field, and methods the operation does not allow — some thousands of cases in all, which
took half of `make test`'s time when it ran there. Set FUZZ_EXAMPLES (for example 100) for a
longer run of either. Each run prints how many requests it made.

Stateful: the schema's OpenAPI links (unionhub/core/api/schema_links.py: a create, an action or a
list leads to every operation on the row it names) chain the operations into scenarios (a create or
a list, then reading, changing, acting on or deleting that row), run as each role with the
same checks plus schemathesis's ignored-auth check, which repeats every successful call without
credentials and with wrong ones. STATEFUL_SCENARIOS scenarios of at most STATEFUL_STEPS calls per
role (`make verify` runs more); the run prints scenarios, steps and requests.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth, response_schema_conformance

from tests.limits import forget_public_limits
from tests.worlds import actor, build_world
from unionhub.core.choices import Role

schema = schemathesis.openapi.from_wsgi("/api/schema/?lang=en", get_wsgi_application())
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
DEEP = os.environ.get("UNIONHUB_VERIFY") == "1"
if DEEP:
    pytestmark = pytest.mark.verify  # `make verify` runs -m verify: this module, at depth
else:
    schema.config.phases.update(phases=["examples", "fuzzing", "stateful"])  # stateful: only the test below
REQUESTS: Counter[str] = Counter()  # test → requests made, printed at the end of the module
STATEFUL_SCENARIOS = int(os.environ.get("STATEFUL_SCENARIOS", "200" if DEEP else "50"))
STATEFUL_STEPS = int(os.environ.get("STATEFUL_STEPS", "20" if DEEP else "15"))
# The links the schema documents, and only those: schemathesis would otherwise add links it infers
# from names (into the shared schema object), some of which do not hold (a grievance's id as a photo's
# id), and with which hypothesis found its data generation flaky.
schema.config.phases.stateful.inference.algorithms = []
# Requests carry the role's token or nothing, never made-up credentials (a random `sessionid` cookie or
# `Authorization` header), so that the ignored-auth check knows which credentials were sent.
schema.config.generation.update(with_security_parameters=False)
# Stateful steps send valid data only (the fuzzing phases above send invalid data to every operation):
# its negative bodies drew differently on replay, and hypothesis failed the run as flaky generation.
schema.config.phases.stateful.generation.update(modes=["positive"])


@pytest.fixture(scope="module", autouse=True)
def count_requests():
    yield
    depth = "examples, coverage and fuzzing phases" if DEEP else "examples and fuzzing phases"
    print(f"\napi fuzzing ({depth}, {EXAMPLES} generated per operation): {dict(REQUESTS)}")


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go through the WSGI handler, which would close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


ROLES = (Role.FEDERATION_STAFF, Role.ZONE_SOCIAL_WORKER)


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """One branch with a row of every model and an API token per role, built once and rolled back after."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        world = build_world("丁", 121.40)
        yield {role: Token.objects.create(user=actor(world, role)).key for role in ROLES}
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_the_api_answers_every_request_as_documented(case, tokens):
    for role in ROLES:
        REQUESTS["as two roles"] += 1
        case.call_and_validate(
            headers={"Authorization": f"Token {tokens[role]}"},
            checks=[not_a_server_error, response_schema_conformance],
        )


def declared_public(case) -> bool:
    """Whether the schema lets the operation be called without credentials (no security, or ``{}`` among it)."""
    security = case.operation.definition.raw.get("security", schema.raw_schema.get("security"))
    return not security or {} in security


@schema.parametrize()
@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_nothing_succeeds_without_credentials_unless_declared_public(case):
    REQUESTS["without credentials"] += 1
    response = case.call()

    assert response.status_code < 500
    if not declared_public(case):
        # Refused: not authenticated, forbidden, or (for a row) missing, as out of scope always is.
        assert response.status_code in (401, 403, 404), (case.method, case.path, response.status_code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.django_db
def test_chains_of_linked_operations_answer_as_documented(role, tokens):
    """Scenarios that follow the schema's links, as one role: no 5xx, every answer as documented, auth enforced."""
    label = f"stateful as {role}"

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        # Each scenario starts from the same database and rate-limit counters: hypothesis replays
        # earlier scenarios' choices while it explores, and an answer that changed because an
        # earlier scenario created, changed or deleted a row would make it fail the run as flaky.
        def setup(self):
            REQUESTS[f"{label}: scenarios"] += 1
            self.start = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.start)
            forget_public_limits()

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {tokens[role]}"}}

        def step(self, input):
            REQUESTS[f"{label}: steps"] += 1
            if input.is_applied and input.transition is not None:
                REQUESTS[f"{label}: steps that followed a link"] += 1
            return super().step(input)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance, ignored_auth],
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    def count(**_):  # every request, the ignored-auth check's repeats included
        REQUESTS[f"{label}: requests"] += 1

    request_started.connect(count)
    try:
        Scenarios.run(
            settings=settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=STATEFUL_STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
        )
    finally:
        request_started.disconnect(count)
