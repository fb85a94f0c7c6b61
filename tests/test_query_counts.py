"""Every list endpoint and changelist runs a fixed number of queries, however many rows it shows.

The pins live in tests/query_counts.json. A new list is discovered and must be pinned:
run with UPDATE_QUERY_PINS=1 once, read the diff, commit it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from events.models import Grievance
from tests.discovery import admin_models, is_scoped_admin, model_routes
from tests.worlds import actor, build_world, extra_rows
from unionhub.core.choices import Role
from zones.models import Visit

pytestmark = pytest.mark.django_db

PINS_FILE = Path(__file__).with_name("query_counts.json")
PINS = json.loads(PINS_FILE.read_text()) if PINS_FILE.exists() else {}
UPDATE = os.environ.get("UPDATE_QUERY_PINS") == "1"
measured: dict[str, int] = {}


def viewer(world, staff, model):
    """Someone who may list the model: federation staff, or the owner of personal rows."""
    return staff if model.scope_spec.allows_somewhere(staff, "view") else world.owner


def count_queries(get) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = get()
    assert response.status_code == 200, response.status_code
    return len(queries)


@pytest.fixture(scope="module")
def branch(django_db_setup, django_db_blocker):
    """One branch with a row of every model, then five more of each; federation staff look at it."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        world = build_world("丙", 121.40)
        staff = actor(world, Role.FEDERATION_STAFF)
        yield world, staff
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def check_pin(key: str, counts: list[int]) -> None:
    assert len(set(counts)) == 1, f"{key}: the query count grows with the rows: {counts}"
    measured[key] = counts[0]
    if UPDATE:
        PINS[key] = counts[0]
        PINS_FILE.write_text(json.dumps(dict(sorted(PINS.items())), indent=2, ensure_ascii=False) + "\n")
        return
    assert key in PINS, f"{key} is not pinned: run the suite once with UPDATE_QUERY_PINS=1"
    assert counts[0] == PINS[key], f"{key}: {counts[0]} queries, pinned at {PINS[key]}"


@pytest.mark.parametrize("endpoint", [e for e in model_routes() if not e.detail], ids=lambda e: e.url_name)
def test_api_list_query_count_is_pinned(branch, endpoint):
    world, staff = branch
    client = APIClient()
    client.force_login(viewer(world, staff, endpoint.model))  # a fresh user per request, as in production
    url = reverse(endpoint.url_name)
    counts = [count_queries(lambda: client.get(url, {"page_size": 10}))]
    extra_rows(world, endpoint.model, 5)
    counts.append(count_queries(lambda: client.get(url, {"page_size": 10})))
    counts.append(count_queries(lambda: client.get(url, {"page_size": 50})))
    check_pin(f"api {url}", counts)


@pytest.mark.parametrize(
    "model", [m for m, a in admin_models() if is_scoped_admin(a)], ids=lambda m: m._meta.label_lower
)
def test_changelist_query_count_is_pinned(branch, model):
    world, staff = branch
    client = Client()
    client.force_login(viewer(world, staff, model))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    counts = [count_queries(lambda: client.get(url))]
    extra_rows(world, model, 5)
    counts.append(count_queries(lambda: client.get(url)))
    check_pin(f"admin {url}", counts)


GEOJSON = ["/api/v1/zones/geojson/", "/api/v1/unions/geojson/"]


@pytest.mark.parametrize("url", GEOJSON)
def test_geojson_query_count_is_pinned(branch, url):
    world, staff = branch
    client = APIClient()
    client.force_login(staff)
    model = world.zone.__class__ if "zones" in url else world.union.__class__
    counts = [count_queries(lambda: client.get(url))]
    extra_rows(world, model, 5)
    counts.append(count_queries(lambda: client.get(url)))
    check_pin(f"api {url}", counts)


# Lists searched by their text (?q=, jieba words and synonyms): the search is one more filter.
TEXT_SEARCHES = ["/api/v1/grievances/", "/api/v1/visits/", "/admin/events/grievance/", "/admin/zones/visit/"]


@pytest.mark.parametrize("url", TEXT_SEARCHES)
def test_text_search_query_count_is_pinned(branch, url):
    world, staff = branch
    client = Client() if url.startswith("/admin/") else APIClient()
    client.force_login(staff)
    model = Grievance if "grievance" in url else Visit
    client.get(url, {"q": "拖欠工资"})  # the planner's word statistics, read once per process and table
    counts = [count_queries(lambda: client.get(url, {"q": "拖欠工资"}))]
    extra_rows(world, model, 5)
    counts.append(count_queries(lambda: client.get(url, {"q": "拖欠工资"})))
    check_pin(f"{'admin' if url.startswith('/admin/') else 'api'} {url}?q=", counts)


def test_possible_duplicates_query_count_is_pinned(branch):
    world, staff = branch
    client = APIClient()
    client.force_login(staff)
    url = f"/api/v1/grievances/{world.rows[Grievance].pk}/duplicates/"
    extra_rows(world, Grievance, 1)  # one look-alike: its code and state are read in one more query
    counts = [count_queries(lambda: client.get(url))]
    extra_rows(world, Grievance, 5)  # as many look-alikes more, about the same union
    counts.append(count_queries(lambda: client.get(url)))
    check_pin("api /api/v1/grievances/{id}/duplicates/", counts)


def test_grievance_tracking_page_query_count_is_pinned(branch):
    """The worker's tracking page: the session, the grievance, its timeline, however long the timeline."""
    from events.choices import GrievanceEventKind
    from events.models import GrievanceEvent
    from tests.events.factories import GrievanceFactory

    world, _staff = branch
    grievance = GrievanceFactory(union=world.union)
    client = Client()
    assert client.post("/grievances/track/", {"code": grievance.tracking_code, "secret": "8000"}).status_code == 302
    counts = [count_queries(lambda: client.get("/grievances/track/"))]
    for n in range(5):
        GrievanceEvent.objects.create(grievance=grievance, kind=GrievanceEventKind.ACTION, text=f"第{n}次约谈")
        GrievanceEvent.objects.create(grievance=grievance, kind=GrievanceEventKind.NOTE, text="内部", internal=True)
    counts.append(count_queries(lambda: client.get("/grievances/track/")))
    check_pin("page /grievances/track/", counts)


def test_grievance_form_query_count_is_pinned(branch):
    """The public grievance form: the session and the list of towns, however many there are."""
    from tests.factories import FederationFactory

    world, _staff = branch
    client = Client()
    counts = [count_queries(lambda: client.get("/grievances/new/"))]
    for _ in range(5):
        FederationFactory(parent=world.federation)
    counts.append(count_queries(lambda: client.get("/grievances/new/")))
    check_pin("page /grievances/new/", counts)


def test_open311_request_list_query_count_is_pinned(branch):
    """GET /open311/v2/requests.json with a key: the key, then one query for the page of requests."""
    from events.models import Grievance, Open311Key
    from events.open311.models import hash_key

    world, _staff = branch
    Open311Key.objects.create(federation=world.federation, name="计数", prefix="uh311_", key_hash=hash_key("uh311_pin"))
    client = Client()

    def get():
        return client.get("/open311/v2/requests.json", {"api_key": "uh311_pin"})

    get()  # the key's first use of the minute also writes its last_used_at
    counts = [count_queries(get)]
    extra_rows(world, Grievance, 5)
    counts.append(count_queries(get))
    check_pin("open311 /open311/v2/requests.json", counts)


def test_grievance_phone_pages_query_counts_are_pinned(branch):
    """/m/grievances/ (a page of 25) and one grievance's page, however many rows and timeline lines."""
    from events.choices import GrievanceEventKind
    from events.models import GrievanceEvent

    world, staff = branch
    client = Client()
    client.force_login(staff)
    grievance = world.rows[Grievance]
    detail = f"/m/grievances/{grievance.pk}/"
    extra_rows(world, Grievance, 1)  # a look-alike, so that the possible duplicates are read from the start
    lists = [count_queries(lambda: client.get("/m/grievances/"))]
    details = [count_queries(lambda: client.get(detail))]
    extra_rows(world, Grievance, 5)
    for n in range(5):
        GrievanceEvent.objects.create(grievance=grievance, kind=GrievanceEventKind.ACTION, text=f"第{n}次约谈")
        GrievanceEvent.objects.create(grievance=grievance, kind=GrievanceEventKind.NOTE, text="内部", internal=True)
    lists.append(count_queries(lambda: client.get("/m/grievances/")))
    details.append(count_queries(lambda: client.get(detail)))
    check_pin("page /m/grievances/", lists)
    check_pin("page /m/grievances/{id}/", details)
