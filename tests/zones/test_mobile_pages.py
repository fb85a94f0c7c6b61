"""The phone pages show a worker their quarter's unions, and nothing outside their scope."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    FindingFactory,
    GrassrootsUnionFactory,
    RoleAssignmentFactory,
    VisitFactory,
    VisitPlanEntryFactory,
    ZoneFactory,
    ZoneStaffFactory,
)
from unionhub.core.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    zone = ZoneFactory()
    worker = ZoneStaffFactory(zone=zone, role=Role.ZONE_SOCIAL_WORKER).user
    client = Client()
    client.force_login(worker)
    return zone, worker, client


def test_my_visits_lists_the_unvisited_first_with_progress(setting):
    zone, worker, client = setting
    done = GrassrootsUnionFactory(zone=zone, federation=zone.federation, name="已走访企业工会")
    todo = GrassrootsUnionFactory(zone=zone, federation=zone.federation, name="待走访企业工会")
    visit = VisitFactory(union=done, worker=worker)
    VisitPlanEntryFactory(union=done, assignee=worker, first_visit=visit)
    VisitPlanEntryFactory(union=todo, assignee=worker)
    FindingFactory(union=todo)

    page = client.get("/m/").content.decode()

    assert page.index("待走访企业工会") < page.index("已走访企业工会")
    assert 'value="1"' in page and 'max="2"' in page  # one of two visited


def test_the_list_runs_a_fixed_number_of_queries(setting, django_assert_max_num_queries):
    zone, worker, client = setting
    for _ in range(8):
        VisitPlanEntryFactory(union=GrassrootsUnionFactory(zone=zone, federation=zone.federation), assignee=worker)
    with django_assert_max_num_queries(10):
        assert client.get("/m/").status_code == 200


def test_a_union_page_outside_the_zone_is_missing(setting):
    zone, _, client = setting
    mine = GrassrootsUnionFactory(zone=zone, federation=zone.federation)
    other = GrassrootsUnionFactory()

    assert client.get(f"/m/unions/{mine.pk}/").status_code == 200
    assert client.get(f"/m/unions/{other.pk}/").status_code == 404
    assert client.get("/m/unions/987654/").status_code == 404


def test_signing_in_is_required():
    response = Client().get("/m/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_service_worker_may_control_all_of_m(setting):
    _, _, client = setting
    response = client.get("/m/sw.js")
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/m/"


def test_a_chief_sees_coverage_and_reassigns_a_planned_visit(setting):
    zone, worker, _ = setting
    chief = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user
    union = GrassrootsUnionFactory(zone=zone, federation=zone.federation, name="待走访五金厂工会")
    entry = VisitPlanEntryFactory(union=union, assignee=worker)
    client = Client()
    client.force_login(chief)

    page = client.get("/m/coverage/").content.decode()
    assert "待走访五金厂工会" in page and 'name="assignee"' in page

    response = client.post("/m/coverage/", {"entry": entry.pk, "assignee": chief.pk})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.assignee == chief


def test_a_social_worker_sees_coverage_but_cannot_reassign(setting):
    zone, worker, client = setting
    entry = VisitPlanEntryFactory(union=GrassrootsUnionFactory(zone=zone, federation=zone.federation), assignee=worker)

    page = client.get("/m/coverage/").content.decode()
    refused = client.post("/m/coverage/", {"entry": entry.pk, "assignee": worker.pk})

    assert 'name="assignee"' not in page
    assert refused.status_code == 404


def test_a_stranger_is_not_offered_as_assignee(setting):
    zone, worker, _ = setting
    chief = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user
    stranger = ZoneStaffFactory(role=Role.ZONE_SOCIAL_WORKER).user
    entry = VisitPlanEntryFactory(union=GrassrootsUnionFactory(zone=zone, federation=zone.federation), assignee=worker)
    client = Client()
    client.force_login(chief)

    page = client.post("/m/coverage/", {"entry": entry.pk, "assignee": stranger.pk})

    assert page.status_code == 200 and "form-message error" in page.content.decode()
    entry.refresh_from_db()
    assert entry.assignee == worker


def test_coverage_runs_a_fixed_number_of_queries_however_many_zones(setting, django_assert_num_queries):
    zone, _, _ = setting
    staff = RoleAssignmentFactory(federation=zone.federation, role=Role.FEDERATION_STAFF).user
    client = Client()
    client.force_login(staff)

    def plan_another_zone():
        other = ZoneFactory(federation=zone.federation)
        helper = ZoneStaffFactory(zone=other, role=Role.ZONE_SOCIAL_WORKER).user
        VisitPlanEntryFactory(union=GrassrootsUnionFactory(zone=other, federation=zone.federation), assignee=helper)

    plan_another_zone()
    with CaptureQueriesContext(connection) as one_zone:
        assert client.get("/m/coverage/").status_code == 200
    for _ in range(3):
        plan_another_zone()
    with django_assert_num_queries(len(one_zone)):
        assert client.get("/m/coverage/").status_code == 200
