"""Workers are reminded of unvisited unions near the quarter's end, once each; chiefs in the last two weeks."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import GrassrootsUnionFactory, VisitFactory, VisitPlanEntryFactory, ZoneFactory, ZoneStaffFactory
from unionhub.core.choices import Role
from unionhub.core.models import Delivery, Notification, WebhookEndpoint
from zones.reminders import send_visit_reminders

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


@pytest.fixture
def zone_with_plan():
    zone = ZoneFactory()
    worker = ZoneStaffFactory(zone=zone, role=Role.ZONE_SOCIAL_WORKER, user__email="shegong@example.org").user
    chief = ZoneStaffFactory(zone=zone, role=Role.ZONE_CHIEF).user
    unvisited = GrassrootsUnionFactory(zone=zone, federation=zone.federation, name="未走访工会")
    visited = GrassrootsUnionFactory(zone=zone, federation=zone.federation)
    VisitPlanEntryFactory(union=unvisited, assignee=worker, quarter="2026Q4")
    VisitPlanEntryFactory(
        union=visited, assignee=worker, quarter="2026Q4", first_visit=VisitFactory(union=visited, worker=worker)
    )
    return worker, chief


def test_nothing_is_sent_while_the_quarter_has_time(zone_with_plan):
    assert send_visit_reminders(at("2026-11-20")) == 0  # 42 days left
    assert not Notification.objects.exists()


def test_the_worker_is_reminded_once_of_each_unvisited_union(zone_with_plan):
    worker, _ = zone_with_plan

    assert send_visit_reminders(at("2026-12-05")) == 1  # 27 days left
    assert send_visit_reminders(at("2026-12-05", 11)) == 0
    assert send_visit_reminders(at("2026-12-06")) == 0

    reminder = Notification.objects.get()
    assert reminder.recipient == worker
    assert "未走访工会" in reminder.title
    assert Delivery.objects.filter(notification=reminder, channel="email").count() == 1


def test_in_the_last_two_weeks_the_chief_is_told_too(zone_with_plan):
    worker, chief = zone_with_plan
    send_visit_reminders(at("2026-12-05"))

    assert send_visit_reminders(at("2026-12-20")) == 1  # 12 days left: the chief's, once

    assert set(Notification.objects.values_list("recipient", flat=True)) == {worker.pk, chief.pk}


def test_quiet_hours_send_nothing(zone_with_plan):
    assert send_visit_reminders(at("2026-12-20", 22)) == 0
    assert send_visit_reminders(at("2026-12-20", 6)) == 0
    assert not Notification.objects.exists()


def test_the_federations_group_robot_gets_one_summary_a_day(zone_with_plan):
    worker, _ = zone_with_plan
    zone = worker.zone_roles.get().zone
    WebhookEndpoint.objects.create(
        federation=zone.federation, channel="wecom", name="片区群", url="http://127.0.0.1:9/robot"
    )

    send_visit_reminders(at("2026-12-05"))
    send_visit_reminders(at("2026-12-05", 15))
    send_visit_reminders(at("2026-12-06"))

    summaries = Delivery.objects.filter(channel="wecom").order_by("id")
    assert summaries.count() == 2  # one per day
    assert zone.name in summaries[0].subject and "1" in summaries[0].subject
