"""Withdrawn members are anonymised after MEMBER_RETENTION_DAYS: no trace of them is left, the counts survive.

The job erases the name, phone, ID number, employer and photo from the member, from its
change history, and from every copy (join applications, corrections, transfers, hardship
aid, activity registrations), in batches, and a rerun changes nothing. The proof scans every
text and binary column of every table for the person's values: their keyed hashes, masked
forms and name as text, and every encrypted value decrypted.
"""

import datetime
import io
import os

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from PIL import Image

from events.models import Registration
from members import retention
from members.actions import do_save_member, do_set_photo
from members.choices import ApplicationStatus, MemberStatus
from members.corrections import do_ask_correction, do_decide_correction
from members.hardship_models import HardshipCase
from members.models import JoinApplication, Member
from members.retention import ERASED_NAME
from members.tasks import anonymise_withdrawn
from tests.events.factories import RegistrationFactory
from tests.factories import GrassrootsUnionFactory, RoleAssignmentFactory, id_number
from unionhub.core import crypto
from unionhub.core.choices import Role
from unionhub.core.pii_scan import scan_database

pytestmark = pytest.mark.django_db

DAYS = 730


@pytest.fixture(autouse=True)
def retention_days(settings, tmp_path):
    settings.MEMBER_RETENTION_DAYS = DAYS
    settings.MEDIA_ROOT = tmp_path


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (20, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def person(union, staff, *, name, number, phone, left_days_ago=None, status=MemberStatus.ACTIVE):
    """A member with the copies a real one gathers: history, application, corrections, aid, a registration."""
    member = Member(name=name, union=union, status=MemberStatus.ACTIVE, employer=f"{name}的公司", occupation="courier")
    member.joined_on = datetime.date(2021, 3, 15)
    do_save_member(member, actor=staff, phone=phone, id_number=number)
    member.employer = f"{name}的新公司"
    do_save_member(member, actor=staff)  # a second history row with the name
    do_set_photo(member, jpeg(), actor=staff)
    application = JoinApplication(name=name, union=union, channel="union", employer=f"{name}的公司")
    application.set_phone(phone)
    application.set_id_number(number)
    application.status, application.member = ApplicationStatus.APPROVED, member
    application.save()
    refused = JoinApplication(name=name, union=GrassrootsUnionFactory(), channel="union", reason=f"{name}不符合条件")
    refused.set_phone(phone)
    refused.set_id_number(number)
    refused.status = ApplicationStatus.REFUSED
    refused.save()
    correction = do_ask_correction(member, field="phone", value="13600001111", reason=f"{name}换号了")
    do_decide_correction(correction, approve=False, actor=staff, reason=f"{name}请到工会核对")
    do_ask_correction(member, field="name", value=f"{name}改", reason="写错了")
    HardshipCase.objects.create(member=member, reason="illness", description=f"{name}大病住院", created_by=staff)
    registration = RegistrationFactory(member=member, name=name)
    registration.set_phone(phone)
    registration.save()
    if left_days_ago is not None:
        member.refresh_from_db()
        member.status = status
        do_save_member(member, actor=staff)
        Member.objects.filter(pk=member.pk).update(left_on=timezone.localdate() - datetime.timedelta(left_days_ago))
    member.refresh_from_db()
    return member


def traces(name: str, number: str, phone: str) -> list[str]:
    """Where in the database anything of this person can still be read."""
    texts = {
        name,
        f"{name}的",
        number,
        number[:3] + "*" * 11 + number[-4:],
        Member.id_number_lookup(number),
        phone,
        Member.phone_lookup(phone),
    }
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'bytea')"
        )
        for table, column, data_type in cursor.fetchall():
            cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')
            for (value,) in cursor.fetchall():
                if data_type == "bytea":
                    try:
                        value = crypto.decrypt(value)
                    except (ValueError, InvalidTag):
                        continue
                if any(text in str(value) for text in texts):
                    found.append(f"{table}.{column}")
    return sorted(set(found))


def statistics():
    """What the dashboards count: members by union, occupation, status and joining month."""
    return sorted(
        Member.objects.annotate(month=TruncMonth("joined_on"))
        .values_list("union_id", "occupation", "status", "month")
        .annotate(n=Count("id"))
    )


def test_withdrawn_members_lose_every_trace_after_the_retention_and_the_counts_survive(
    django_capture_on_commit_callbacks, tmp_path
):
    union = GrassrootsUnionFactory()
    staff = RoleAssignmentFactory(federation=union.federation, role=Role.FEDERATION_STAFF).user
    gone = [
        ("钱多多", id_number("19800101"), "13957460001"),
        ("孙悟净", id_number("19810202"), "13957460002"),
    ]
    kept = [
        ("赵recent", id_number("19820303"), "13957460003", 10, MemberStatus.WITHDRAWN),  # withdrawn lately
        ("李lapsed", id_number("19830404"), "13957460004", 900, MemberStatus.LAPSED),  # left, not withdrawn
        ("周active", id_number("19840505"), "13957460005", None, MemberStatus.ACTIVE),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        old = [
            person(union, staff, name=n, number=i, phone=p, left_days_ago=DAYS + 70, status="withdrawn")
            for n, i, p in gone
        ]
        for n, i, p, days, status in kept:
            person(union, staff, name=n, number=i, phone=p, left_days_ago=days, status=status)
    photos = [member.photo.path for member in old]
    before = statistics()
    assert all(traces(n, i, p) for n, i, p in gone)  # the proof finds them while they are there

    with django_capture_on_commit_callbacks(execute=True):
        first = retention.anonymise_withdrawn(batch=1)  # one member per transaction
    again = anonymise_withdrawn()

    assert (first, again) == (2, 0)
    for name, number, phone in gone:
        assert traces(name, number, phone) == []
    for name, number, phone, _days, _status in kept:
        assert "members_member.name" in traces(name, number, phone)
    assert list(scan_database()) == []
    assert statistics() == before
    for member in old:
        member.refresh_from_db()
        assert (member.name, member.status, member.anonymised_on) == (ERASED_NAME, "withdrawn", timezone.localdate())
        assert member.member_number and member.union_id == union.pk and member.joined_on  # what counts is kept
    assert not any(os.path.exists(path) for path in photos)
    assert Registration.objects.filter(member__in=old, name=ERASED_NAME).count() == 2
