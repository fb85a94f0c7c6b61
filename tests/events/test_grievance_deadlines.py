"""Grievance deadlines in working days, with frozen time: across National Day and its make-up Saturday,
pauses that give the time back, reminders once, escalation exactly once per level, the calendar warning;
many falling due at once and two scans at once, each grievance told and logged exactly once."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone, translation

from events import grievances as g
from events import working_days
from events.models import GrievanceEvent, WorkingDay
from events.tasks import check_grievance_deadlines
from tests import factories as f
from tests.events.factories import GrievanceFactory
from unionhub.core.choices import Role
from unionhub.core.models import Notification, RoleAssignment
from zones.models import ZoneStaff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def calendar(db):
    """The 2025–2027 calendar, as migration 0003 loads it (a transactional test elsewhere may have flushed it)."""
    working_days.load_calendar()


@pytest.fixture
def clock(monkeypatch):
    """Frozen local time (Asia/Shanghai) that a test moves on: clock("2025-10-13 09:00")."""
    now = {"at": timezone.now()}
    monkeypatch.setattr(timezone, "now", lambda: now["at"])

    def set_to(text: str) -> datetime.datetime:
        now["at"] = timezone.make_aware(datetime.datetime.fromisoformat(text))
        return now["at"]

    return set_to


@pytest.fixture
def handled(clock, settings):
    """A general-tier grievance (5 working days) verified on Tuesday 30 September 2025, 10:00."""
    settings.GRIEVANCE_TIER_WORKING_DAYS = {"general": 5, "difficult": 15, "very_complex": 30}
    settings.GRIEVANCE_REMIND_WORKING_DAYS = 1
    settings.GRIEVANCE_COUNTY_AFTER_WORKING_DAYS = 5
    county = f.FederationFactory(name="某区总工会", kind="county")
    township = f.FederationFactory(name="某街道总工会", kind="township", parent=county)
    zone = f.ZoneFactory(federation=township)
    union = f.GrassrootsUnionFactory(zone=zone, federation=township)
    chief = f.UserFactory(username="chief")
    ZoneStaff.objects.create(user=chief, zone=zone, role=Role.ZONE_CHIEF)
    township_staff, county_staff = f.UserFactory(username="township"), f.UserFactory(username="county")
    RoleAssignment.objects.create(user=township_staff, role=Role.FEDERATION_STAFF, federation=township)
    RoleAssignment.objects.create(user=county_staff, role=Role.FEDERATION_STAFF, federation=county)
    clock("2025-09-30 10:00")
    grievance = GrievanceFactory(union=union)
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="zone_worker", user=chief, actor=chief)
    grievance.refresh_from_db()
    return grievance, chief, township_staff, county_staff


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def test_the_due_time_skips_national_day_and_counts_the_make_up_saturday(handled):
    grievance, *_ = handled
    # 1–8 October off; Thu 9, Fri 10, Sat 11 (make-up workday), Mon 13, Tue 14.
    assert local(grievance.due_at) == "2025-10-14 23:59"


def test_a_pause_gives_back_the_working_days_it_lasted(handled, clock):
    grievance, chief, *_ = handled
    clock("2025-10-09 09:00")  # Thursday
    g.do_pause_grievance(grievance, actor=chief, reason="等待劳动仲裁开庭")
    clock("2025-10-13 15:00")  # Monday: Thu, Fri and the make-up Saturday were lost
    g.do_resume_grievance(grievance, actor=chief)
    grievance.refresh_from_db()
    assert local(grievance.due_at) == "2025-10-17 23:59"
    assert "3" in grievance.events.get(kind="resume").text  # "3 working days added…"
    assert grievance.events.filter(kind="pause").get().text == "等待劳动仲裁开庭"


def test_no_reminder_or_escalation_while_paused(handled, clock):
    grievance, chief, *_ = handled
    g.do_pause_grievance(grievance, actor=chief, reason="等待鉴定结果")
    clock("2025-10-20 09:00")
    assert g.scan_deadlines() == (0, 0)


def test_a_reminder_goes_once_a_working_day_before_the_due_time(handled, clock):
    grievance, chief, *_ = handled
    clock("2025-10-10 09:00")  # Friday: two working days left (the make-up Saturday and Monday)
    assert g.scan_deadlines() == (0, 0)
    clock("2025-10-13 09:00")  # Monday: one working day left
    assert g.scan_deadlines() == (1, 0)
    assert g.scan_deadlines() == (0, 0)
    clock("2025-10-14 09:00")
    check_grievance_deadlines.apply()
    assert Notification.objects.filter(recipient=chief, key__contains="-due-").count() == 1
    assert grievance.events.filter(kind="reminder").count() == 1


def test_an_overdue_grievance_is_escalated_exactly_once_per_level(handled, clock):
    grievance, _chief, township_staff, county_staff = handled
    clock("2025-10-14 23:00")
    assert g.scan_deadlines()[1] == 0  # not yet due
    clock("2025-10-15 09:00")
    assert g.scan_deadlines()[1] == 1
    for _ in range(3):
        check_grievance_deadlines.apply()
        assert g.escalate_if_overdue(grievance.pk) is None
    grievance.refresh_from_db()
    assert grievance.escalation_level == "township"
    assert Notification.objects.filter(recipient=township_staff, key__contains="escalated").count() == 1
    assert not Notification.objects.filter(recipient=county_staff).exists()
    clock("2025-10-21 09:00")  # four working days at the township: not yet
    assert g.scan_deadlines()[1] == 0
    clock("2025-10-22 09:00")  # five
    assert g.scan_deadlines()[1] == 1
    assert g.scan_deadlines()[1] == 0
    grievance.refresh_from_db()
    assert grievance.escalation_level == "county"
    assert Notification.objects.filter(recipient=county_staff, key__contains="escalated").count() == 1
    assert grievance.events.filter(kind="escalation").count() == 2


def test_resolved_late_counts_as_handled_but_not_on_time(handled, clock):
    grievance, chief, *_ = handled
    g.do_start_grievance(grievance, actor=chief)
    clock("2025-10-15 10:00")
    g.do_resolve_grievance(grievance, actor=chief, feedback="已补发")
    grievance.refresh_from_db()
    assert grievance.resolved_on_time is False


def test_staff_are_warned_in_november_when_next_years_calendar_is_missing(clock):
    county = f.FederationFactory(kind="county")
    staff = f.UserFactory(username="staff")
    RoleAssignment.objects.create(user=staff, role=Role.FEDERATION_STAFF, federation=county)
    clock("2025-10-31 09:00")
    assert not g.check_calendar()  # not before November
    clock("2025-11-03 09:00")
    assert not g.check_calendar()  # 2026 is there
    clock("2026-11-03 09:00")
    with translation.override("en"):
        assert g.check_calendar()  # 2027 holds unconfirmed statutory days only
        g.check_calendar()
    assert Notification.objects.filter(recipient=staff, key="working-day-calendar-2027").count() == 1
    WorkingDay.objects.filter(date__year=2027).update(confirmed=True)
    clock("2026-11-04 09:00")
    assert not g.check_calendar()


@pytest.fixture
def many(clock, settings):
    """On Monday 13 October 2025, 09:00: 40 grievances due tomorrow (a reminder each) and 30 overdue
    since Friday (an escalation each), in one zone; 10 of each assigned to a worker of their own."""
    settings.GRIEVANCE_REMIND_WORKING_DAYS = 1
    settings.GRIEVANCE_COUNTY_AFTER_WORKING_DAYS = 5
    county = f.FederationFactory(name="某区总工会", kind="county")
    township = f.FederationFactory(name="某街道总工会", kind="township", parent=county)
    zone = f.ZoneFactory(federation=township)
    union = f.GrassrootsUnionFactory(zone=zone, federation=township)
    chief, worker = f.UserFactory(username="chief"), f.UserFactory(username="worker")
    ZoneStaff.objects.create(user=chief, zone=zone, role=Role.ZONE_CHIEF)
    township_staff = f.UserFactory(username="township")
    RoleAssignment.objects.create(user=township_staff, role=Role.FEDERATION_STAFF, federation=township)
    now = clock("2025-10-13 09:00")
    tomorrow = timezone.make_aware(datetime.datetime(2025, 10, 14, 23, 59))
    friday = timezone.make_aware(datetime.datetime(2025, 10, 10, 23, 59))
    for count, due in [(40, tomorrow), (30, friday)]:
        for n in range(count):
            GrievanceFactory(
                union=union, status="assigned", verified_at=now, due_at=due, assignee=worker if n < 10 else None
            )
    return chief, worker, township_staff


def deadline_figures():
    return {
        "reminders": GrievanceEvent.objects.filter(kind="reminder").count(),
        "escalations": GrievanceEvent.objects.filter(kind="escalation").count(),
        "due notices": Notification.objects.filter(key__contains="-due-").count(),
        "escalation notices": Notification.objects.filter(key__contains="-escalated-").count(),
    }


# 40 reminders: 10 to the assigned worker, 30 to the zone's chief. 30 escalations: each to the
# township's staff and to the handlers (10 to the worker, 20 to the chief).
ONCE_EACH = {"reminders": 40, "escalations": 30, "due notices": 40, "escalation notices": 60}


def test_many_falling_due_at_once_are_each_told_and_logged_once(many, django_assert_max_num_queries):
    chief, worker, township_staff = many
    with django_assert_max_num_queries(30):  # batched: the count does not grow with the grievances
        assert g.scan_deadlines() == (40, 30)
    assert deadline_figures() == ONCE_EACH
    assert Notification.objects.filter(recipient=worker).count() == 20
    assert Notification.objects.filter(recipient=chief).count() == 30 + 20
    assert Notification.objects.filter(recipient=township_staff, key__contains="-escalated-township").count() == 30
    assert g.scan_deadlines() == (0, 0)
    assert deadline_figures() == ONCE_EACH


def test_small_batches_come_to_the_same(many):
    totals = [0, 0]
    while (step := g.scan_deadlines(batch=7)) != (0, 0):
        totals = [totals[0] + step[0], totals[1] + step[1]]
    assert totals == [40, 30]
    assert deadline_figures() == ONCE_EACH


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_do_everything_exactly_once(many, monkeypatch):
    """The first scan takes 5 of each kind and holds them while a second one runs: the second skips
    the rows the first has locked and takes all the rest; a rerun then finds nothing."""
    holding, release = threading.Event(), threading.Event()
    tell = g._handlers_of

    def slow_to_tell(grievances):  # the first scan waits here, its claimed rows locked
        if threading.current_thread().name == "first":
            holding.set()
            assert release.wait(30)
        return tell(grievances)

    monkeypatch.setattr(g, "_handlers_of", slow_to_tell)
    results = {}

    def first():
        try:
            results["first"] = g.scan_deadlines(batch=5)
        finally:
            release.set()
            connection.close()

    thread = threading.Thread(target=first, name="first")
    thread.start()
    assert holding.wait(30)
    results["second"] = g.scan_deadlines()
    release.set()
    thread.join(30)
    # The second scan ran while the first held its 5 reminders, before the first came to escalations.
    assert results == {"first": (5, 0), "second": (35, 30)}
    assert g.scan_deadlines() == (0, 0)
    assert deadline_figures() == ONCE_EACH
