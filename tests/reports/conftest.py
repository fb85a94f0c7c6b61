"""The full demo (members included) with a little history added, loaded once per module and rolled back."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from events.choices import Attendance, GrievanceStatus
from events.models import Grievance
from members.choices import HardshipReason, HardshipStatus, MemberStatus, WorkForm
from members.hardship_models import HardshipBudget, HardshipCase
from members.models import Member
from stations.models import Station
from tests import factories as f
from tests.events.factories import ActivityFactory, GrievanceFactory, RegistrationFactory
from unionhub.core.choices import Role
from unionhub.core.models import Federation, RoleAssignment, User
from unionhub.demo.loader import Loader
from unionhub.reports.summaries import add_months, first_of_month, local_midnight, refresh
from zones.choices import FindingStatus
from zones.models import Finding, GrassrootsUnion, Visit, Zone

# Township leaderships of two neighbouring townships of Ninghai (the demo has none of its own).
TOWNSHIPS = {"changjie_leader": "长街镇总工会", "xidian_leader": "西店镇总工会"}


def add_history() -> None:
    """Rows the demo lacks, so that every figure has something to count in more than one month.

    Members leave (with and without a date), join in past months and apply; a visit and a
    finding lie in earlier months, a finding is resolved and one closed; each zone held an
    activity last month, where some came and some did not.
    """
    this_month = first_of_month(timezone.localdate())
    members = list(Member.objects.order_by("id").values_list("id", flat=True)[:60])
    for number, member_id in enumerate(members):
        month = add_months(this_month, -(number % 14))
        joined = month + datetime.timedelta(days=number % 27)
        changes: dict = {"joined_on": joined, "work_form": WorkForm.NEW_FORM if number % 3 == 0 else WorkForm.STANDARD}
        if number % 5 == 1:
            changes.update(status=MemberStatus.LAPSED, left_on=joined + datetime.timedelta(days=40))
        elif number % 7 == 2:
            changes.update(status=MemberStatus.WITHDRAWN, left_on=None)  # left, date unknown (an old import)
        elif number % 11 == 3:
            changes.update(status=MemberStatus.APPLIED)
        Member.objects.filter(pk=member_id).update(**changes)
    for number, visit in enumerate(Visit.objects.order_by("id")[:6]):
        visit.visited_at = timezone.now() - datetime.timedelta(days=35 * (number + 1))
        visit.save()
    findings = list(Finding.objects.order_by("id")[:4])
    for finding, status in zip(findings, [FindingStatus.RESOLVED, FindingStatus.CLOSED], strict=False):
        Finding.objects.filter(pk=finding.pk).update(status=status, closed_at=timezone.now())
    if findings:
        Finding.objects.filter(pk=findings[-1].pk).update(created_at=timezone.now() - datetime.timedelta(days=70))
    last_month = local_midnight(add_months(this_month, -1)) + datetime.timedelta(days=9, hours=14)
    for station in Station.objects.exclude(zone=None).order_by("zone_id", "id").distinct("zone_id"):
        activity = ActivityFactory(station=station, starts_at=last_month)
        RegistrationFactory.create_batch(3, activity=activity)
        activity.registrations.filter(pk__in=activity.registrations.values("pk")[:2]).update(
            attendance=Attendance.ATTENDED
        )


def add_grievances_and_aid() -> None:
    """Grievances and hardship aid in the two townships' zones, in several months and every outcome.

    Each zone gets grievances a month or so apart: handled on time or late, rated satisfied or
    not, reopened, or still open past their due time; the townships get different numbers of
    them. Each township has a budget for this year and last, cases paid in past months from
    them, and one approved and not yet paid (promised).
    """
    now = timezone.now()
    admin = User.objects.get(username="admin")
    for extra, zone_name in enumerate(["宁东片区", "望海片区"]):
        zone = Zone.objects.get(name=zone_name)
        union = GrassrootsUnion.objects.filter(zone=zone, is_holding_pool=False).order_by("id").first()
        for number in range(8 + 3 * extra):
            created = now - datetime.timedelta(days=23 * number + 1)
            grievance = GrievanceFactory(union=union, created_at=created)
            changes: dict = {"status": GrievanceStatus.IN_PROGRESS, "due_at": created + datetime.timedelta(days=5)}
            if number % 4 != 3:
                changes.update(
                    status=GrievanceStatus.RESOLVED,
                    first_resolved_at=created + datetime.timedelta(days=number % 5 + 1, hours=number),
                    resolved_on_time=number % 3 != 0,
                )
                if number % 2 == 0:
                    changes.update(status=GrievanceStatus.EVALUATED, rating=5 if number % 4 == 0 else 2)
                if number == 5:
                    changes.update(reopen_count=1)
            Grievance.objects.filter(pk=grievance.pk).update(**changes)
        federation = zone.federation
        year = timezone.localdate().year
        for budget_year, amount in [(year, Decimal("50000") + 5000 * extra), (year - 1, Decimal("8000"))]:
            HardshipBudget.objects.create(federation=federation, year=budget_year, amount=amount)
        members = list(Member.objects.filter(zone=zone, status=MemberStatus.ACTIVE).order_by("id")[: 4 + extra])
        for number, member in enumerate(members):
            paid_on = timezone.localdate() - datetime.timedelta(days=31 * number)
            case = HardshipCase(
                member=member,
                reason=HardshipReason.ILLNESS,
                description="家中有人住院",
                created_by=admin,
                amount_requested=Decimal(1000 + 500 * number),
                amount_approved=Decimal(1000 + 500 * number),
                budget_year=paid_on.year,
                submitted_at=now - datetime.timedelta(days=31 * number + 10),
                status=HardshipStatus.DISBURSED,
                disbursed_on=paid_on,
            )
            if number == 0:  # approved, not yet paid: promised from this year's budget
                case.status, case.disbursed_on, case.budget_year = HardshipStatus.APPROVED, None, year
            case.save()


def township_leaders() -> dict[str, User]:
    leaders = {}
    for username, federation_name in TOWNSHIPS.items():
        federation = Federation.objects.get(name=federation_name)
        user = f.UserFactory(username=username, federation=federation)
        RoleAssignment.objects.create(user=user, role=Role.LEADERSHIP, federation=federation)
        leaders[username] = User.objects.get(pk=user.pk)
    return leaders


@pytest.fixture(scope="module")
def demo_figures(django_db_setup, django_db_blocker):
    """The demo with members and history, two township leaderships, and the summary rebuilt."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        Loader().load()
        add_history()
        add_grievances_and_aid()
        leaders = township_leaders()
        refresh(full=True)
        yield leaders
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
