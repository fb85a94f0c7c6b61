"""One inbox per zone worker: visits due, findings to follow up and work other areas raise, in the same states."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    FindingFactory,
    GrassrootsUnionFactory,
    UnionChairFactory,
    VisitFactory,
    VisitPlanEntryFactory,
    WorkItemFactory,
    ZoneFactory,
    ZoneStaffFactory,
)
from unionhub.core.choices import Role
from unionhub.core.models import Notification
from zones.actions import do_raise_work_item, do_update_work_item
from zones.choices import FindingKind, FindingStatus, WorkKind, WorkState
from zones.inbox import inbox_for
from zones.models import WorkItem
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    return ZoneFactory()


@pytest.fixture
def worker(zone):
    return ZoneStaffFactory(zone=zone, role=Role.ZONE_SOCIAL_WORKER).user


@pytest.fixture
def union(zone):
    return GrassrootsUnionFactory(zone=zone, federation=zone.federation, name="五金厂工会")


def raise_station_check(zone, key="station-check:7:2026-W48", **fields):
    item = WorkItem(kind=WorkKind.STATION_CHECK, title="城南驿站周检未通过：急救箱过期", zone=zone, **fields)
    return do_raise_work_item(item, source_key=key)


def test_visits_findings_and_raised_work_share_one_list_most_urgent_first(zone, worker, union):
    VisitPlanEntryFactory(union=union, assignee=worker)
    hazard = FindingFactory(union=union, kind=FindingKind.INCIDENT, category="", description="车间消防通道堵塞")
    raise_station_check(zone, due_on=timezone.localdate() - datetime.timedelta(days=1))

    items = inbox_for(worker)

    assert [item.source for item in items] == ["work", "finding", "visit"]
    assert [item.state for item in items] == [WorkState.TODO] * 3
    assert items[0].overdue and not items[2].overdue
    assert items[1].title == hazard.description
    assert items[2].due == Quarter.current().last_day


def test_the_phone_lists_the_most_urgent_items_and_says_there_are_more(zone, worker, union, monkeypatch):
    """A zone with hundreds of open findings gets a page of the most urgent, not all of them."""
    monkeypatch.setattr("zones.views.INBOX_SHOWN", 3)
    now = timezone.now()
    findings = [FindingFactory(union=union, kind=FindingKind.INCIDENT, description=f"隐患{n}") for n in range(4)]
    for age, finding in enumerate(findings):  # the first raised longest ago: due first
        type(finding).objects.filter(pk=finding.pk).update(created_at=now - datetime.timedelta(days=10 - age))
    late = raise_station_check(zone, due_on=timezone.localdate() - datetime.timedelta(days=30))[0]

    assert [item.pk for item in inbox_for(worker, limit=3)] == [late.pk, findings[0].pk, findings[1].pk]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(worker)
    page = client.get("/m/inbox/").content.decode()
    assert f"work-{late.pk}" in page and f"finding-{findings[1].pk}" in page
    assert f"finding-{findings[2].pk}" not in page and "most urgent items are shown" in page


def test_work_raised_twice_with_one_key_is_one_item_and_one_notification(zone, worker):
    first, created = raise_station_check(zone)
    again, created_again = raise_station_check(zone)

    assert (created, created_again) == (True, False) and first.pk == again.pk
    assert Notification.objects.filter(recipient=worker, key=f"work-item:{first.pk}").count() == 1


def test_work_assigned_to_someone_else_is_not_in_my_inbox(zone, worker):
    colleague = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user
    raise_station_check(zone, assignee=colleague)

    assert inbox_for(worker) == []
    assert [item.source for item in inbox_for(colleague)] == ["work"]
    assert not Notification.objects.filter(recipient=worker).exists()


def test_another_zones_work_and_findings_stay_out(zone, worker):
    other = ZoneFactory(federation=zone.federation)
    raise_station_check(other)
    FindingFactory(union=GrassrootsUnionFactory(zone=other, federation=zone.federation))

    assert inbox_for(worker) == []


def test_marking_work_done_needs_what_was_done(zone, worker):
    item, _ = raise_station_check(zone)

    with pytest.raises(ValidationError) as refused:
        do_update_work_item(item, state=WorkState.DONE, actor=worker)
    do_update_work_item(item, state=WorkState.DONE, resolution="已更换急救箱", actor=worker)

    assert "resolution" in refused.value.message_dict
    item.refresh_from_db()
    assert item.state == WorkState.DONE and item.closed_at is not None
    assert inbox_for(worker) == [] and [i.pk for i in inbox_for(worker, done=True)] == [item.pk]


def test_the_phone_moves_work_and_findings_on(zone, worker, union):
    item, _ = raise_station_check(zone)
    hazard = FindingFactory(union=union, kind=FindingKind.INCIDENT, category="")
    client = Client()
    client.force_login(worker)

    page = client.get("/m/inbox/").content.decode()
    client.post("/m/inbox/", {"source": "work", "pk": item.pk, "state": "in_progress"})
    refused = client.post("/m/inbox/", {"source": "work", "pk": item.pk, "state": "done"})
    client.post("/m/inbox/", {"source": "finding", "pk": hazard.pk, "state": "done"})

    assert item.title in page and hazard.description in page
    assert refused.status_code == 200 and "form-message error" in refused.content.decode()
    item.refresh_from_db()
    hazard.refresh_from_db()
    assert item.state == WorkState.IN_PROGRESS
    assert hazard.status == FindingStatus.RESOLVED


def test_a_demand_is_moved_on_by_matching_not_from_the_inbox(worker, union):
    demand = FindingFactory(union=union)
    client = Client()
    client.force_login(worker)

    page = client.get("/m/inbox/").content.decode()
    refused = client.post("/m/inbox/", {"source": "finding", "pk": demand.pk, "state": "done"})

    assert f"/m/demands/{demand.pk}/" in page
    assert refused.status_code == 404
    demand.refresh_from_db()
    assert demand.status == FindingStatus.OPEN


def test_a_visit_due_leaves_the_list_once_logged(worker, union):
    entry = VisitPlanEntryFactory(union=union, assignee=worker)
    assert [item.source for item in inbox_for(worker)] == ["visit"]

    entry.first_visit = VisitFactory(union=union, worker=worker)
    entry.save()

    assert inbox_for(worker) == []
    assert [item.state for item in inbox_for(worker, done=True)] == [WorkState.DONE]


def test_a_union_chair_never_sees_work_raised_about_their_union(zone, union, api_client):
    raise_station_check(zone, union=union)
    chair = UnionChairFactory(union=union).user
    api_client.force_authenticate(chair)

    assert api_client.get("/api/v1/work-items/").json()["results"] == []


def test_the_api_moves_work_through_its_states(zone, worker, api_client):
    item, _ = raise_station_check(zone)
    api_client.force_authenticate(worker)

    refused = api_client.post(f"/api/v1/work-items/{item.pk}/state/", {"state": "done"}, format="json")
    done = api_client.post(
        f"/api/v1/work-items/{item.pk}/state/", {"state": "done", "resolution": "已补齐"}, format="json"
    )

    assert refused.status_code == 400 and "resolution" in refused.json()
    assert done.status_code == 200 and done.json()["state"] == "done"


def test_the_inbox_runs_a_fixed_number_of_queries(zone, worker, django_assert_num_queries):
    client = Client()
    client.force_login(worker)

    def add_one_of_each(n):
        union = GrassrootsUnionFactory(zone=zone, federation=zone.federation)
        VisitPlanEntryFactory(union=union, assignee=worker)
        FindingFactory(union=union)
        WorkItemFactory(zone=zone, union=union, source_key=f"test-inbox:{n}")

    add_one_of_each(0)
    with CaptureQueriesContext(connection) as one_each:
        assert client.get("/m/inbox/").status_code == 200
    for n in range(1, 5):
        add_one_of_each(n)
    with django_assert_num_queries(len(one_each)):
        assert client.get("/m/inbox/").status_code == 200
