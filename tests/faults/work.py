"""The fault tests' shared work: reminders to send, e-mails to deliver and a roster to import."""

from __future__ import annotations

import datetime

import pytest

from members.choices import ImportStatus
from tests.factories import (
    GrassrootsUnionFactory,
    UserFactory,
    VisitPlanEntryFactory,
    ZoneFactory,
    ZoneStaffFactory,
    id_number,
)
from tests.members.test_import import csv_file, dry_run, row
from unionhub.core.choices import Channel, DeliveryStatus, JobStatus, Role
from unionhub.core.models import Delivery, Notification, RoleAssignment

UNIONS = 100
ROSTER_ROWS = 6000


@pytest.fixture
def work(tmp_path):
    """A zone with 100 unions not yet visited this quarter, each planned for a worker with an
    e-mail address, and a checked roster of 6,000 new members waiting to be imported."""
    zone = ZoneFactory()
    workers = [UserFactory(email=f"worker{n}@example.cn") for n in range(10)]
    for worker in workers:
        ZoneStaffFactory(zone=zone, user=worker, role=Role.ZONE_SOCIAL_WORKER)
    for n in range(UNIONS):
        union = GrassrootsUnionFactory(zone=zone)
        VisitPlanEntryFactory(union=union, assignee=workers[n % len(workers)])
    staff = UserFactory(federation=zone.federation)
    RoleAssignment.objects.create(user=staff, federation=zone.federation, role=Role.FEDERATION_STAFF)
    home = GrassrootsUnionFactory(zone=zone, name="甬江街道联合工会")
    born = [datetime.date(1970, 1, 1) + datetime.timedelta(days=n) for n in range(ROSTER_ROWS)]
    rows = [row(home, f"会员{n}", id_number(day.strftime("%Y%m%d"))) for n, day in enumerate(born)]
    roster = dry_run(csv_file(rows), staff)
    assert roster.status == ImportStatus.CHECKED and roster.error_rows == 0, (roster.status, roster.errors[:3])
    return {"zone": zone, "staff": staff, "roster": roster, "mail_log": tmp_path / "mail.log"}


def all_done(roster) -> bool:
    """Every reminder raised, every e-mail sent, the import finished."""
    roster.refresh_from_db()
    reminded = Notification.objects.filter(key__startswith="visit-reminder:").count()
    open_mail = Delivery.objects.filter(channel=Channel.EMAIL).exclude(status=DeliveryStatus.SENT).count()
    return (
        reminded == UNIONS
        and open_mail == 0
        and Delivery.objects.filter(channel=Channel.EMAIL, key__contains="visit-reminder:").count() == UNIONS
        and roster.job.status == JobStatus.SUCCEEDED
    )
