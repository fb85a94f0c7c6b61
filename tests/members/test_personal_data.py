"""Resident ID numbers and phones are encrypted, looked up by keyed hash, shown masked, revealed with a log."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from members.models import Member
from tests.factories import (
    PASSWORD,
    GrassrootsUnionFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UnionChairFactory,
    id_number,
)
from unionhub.core.actions import do_reveal
from unionhub.core.auth.lockout import lockout_message
from unionhub.core.choices import Role, SecurityEventKind, SecurityEventResult
from unionhub.core.models import AccessLog, SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def union_and_staff():
    union = GrassrootsUnionFactory()
    staff = RoleAssignmentFactory(federation=union.federation, role=Role.FEDERATION_STAFF).user
    return union, staff


def test_a_new_member_is_stored_encrypted_and_shown_masked(union_and_staff, client_for, caplog):
    union, staff = union_and_staff
    number = id_number("19880512")
    caplog.set_level(logging.DEBUG)

    response = client_for(staff).post(
        "/api/v1/members/", {"name": "秦伟", "union": union.pk, "phone": "13912345678", "id_number": number}
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["masked_phone"].endswith("5678") and "1391234" not in body["masked_phone"]
    assert body["id_number_masked"] == number[:3] + "*" * 11 + number[-4:]
    assert "phone" not in body and "id_number" not in body
    with connection.cursor() as cursor:
        cursor.execute("select phone_encrypted, id_number_encrypted, phone_hash from members_member")
        phone_enc, id_enc, phone_hash = cursor.fetchone()
    assert b"13912345678" not in bytes(phone_enc)
    assert number.encode() not in bytes(id_enc)
    assert phone_hash == Member.phone_lookup("139 1234 5678")
    assert "13912345678" not in caplog.text and number not in caplog.text


def test_search_by_phone_is_a_post_compared_by_hash(union_and_staff, client_for):
    union, staff = union_and_staff
    member = MemberFactory(union=union)
    phone = member.reveal_phone()
    api = client_for(staff)

    found = api.post("/api/v1/members/search/", {"phone": phone}).json()["results"]
    not_found = api.post("/api/v1/members/search/", {"phone": "13000000000"}).json()["results"]

    assert [row["id"] for row in found] == [member.pk]
    assert not_found == []


def test_search_needs_something_to_search_for(union_and_staff, client_for):
    _, staff = union_and_staff
    response = client_for(staff).post("/api/v1/members/search/", {})
    assert response.status_code == 400


def test_a_bad_id_number_is_refused_and_nothing_is_stored(union_and_staff, client_for):
    union, staff = union_and_staff
    good = id_number()
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = client_for(staff).post("/api/v1/members/", {"name": "李强", "union": union.pk, "id_number": wrong})
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert not Member.objects.exists()


def test_revealing_an_id_number_needs_the_permission_and_is_logged(union_and_staff):
    union, staff = union_and_staff
    member = MemberFactory(union=union)
    chair = UnionChairFactory(union=union).user

    with pytest.raises(PermissionDenied):
        do_reveal(member, "id_number", actor=chair, reason="核对身份")
    assert not AccessLog.objects.exists()

    value = do_reveal(member, "id_number", actor=staff, reason="核对身份", ip="127.0.0.1")

    assert value == member.reveal_id_number()
    log = AccessLog.objects.get()
    assert (log.user, log.field, log.reason, log.object_id) == (staff, "id_number", "核对身份", str(member.pk))
    assert value not in str(log.__dict__)


def test_the_change_history_never_holds_personal_data(union_and_staff):
    union, _ = union_and_staff
    member = MemberFactory(union=union)
    member.set_phone("13700001111")
    member.save()

    history_columns = {f.name for f in Member.history.model._meta.fields}

    assert not {"phone_encrypted", "phone_hash", "id_number_encrypted", "id_number_hash"} & history_columns
    assert Member.history.filter(id=member.pk).count() >= 2


def test_the_api_reveals_for_a_reason_and_logs_it(union_and_staff, client_for):
    union, staff = union_and_staff
    member = MemberFactory(union=union)
    chair = UnionChairFactory(union=union).user

    ask = {"field": "phone", "reason": "回访", "password": PASSWORD}
    refused = client_for(chair).post(f"/api/v1/members/{member.pk}/reveal/", ask)
    no_reason = client_for(staff).post(f"/api/v1/members/{member.pk}/reveal/", {**ask, "reason": ""})
    shown = client_for(staff).post(f"/api/v1/members/{member.pk}/reveal/", ask)

    assert refused.status_code == 404
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert shown.json() == {"field": "phone", "value": member.reveal_phone()}
    assert list(AccessLog.objects.values_list("user", "field", "reason")) == [(staff.pk, "phone", "回访")]


def test_a_reveal_asks_for_the_password_again_and_a_wrong_one_counts_as_a_failed_log_in(
    union_and_staff, client_for, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    union, staff = union_and_staff
    member = MemberFactory(union=union)
    api = client_for(staff)
    ask = {"field": "id_number", "reason": "核实身份"}

    missing = api.post(f"/api/v1/members/{member.pk}/reveal/", ask)
    wrong = [api.post(f"/api/v1/members/{member.pk}/reveal/", {**ask, "password": "a-guess-12345"}) for _ in range(2)]
    assert missing.status_code == 400 and "password" in missing.json()
    assert [answer.status_code for answer in wrong] == [400, 400] and "password" in wrong[0].json()
    assert not AccessLog.objects.exists()
    failed = SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN, result=SecurityEventResult.FAILURE, user=staff)
    assert failed.count() == 2

    api.post(f"/api/v1/members/{member.pk}/reveal/", {**ask, "password": "a-guess-12345"})  # the third: locked
    locked = api.post(f"/api/v1/members/{member.pk}/reveal/", {**ask, "password": PASSWORD})

    assert locked.status_code == 429 and locked.json() == {"detail": lockout_message()}
    assert not AccessLog.objects.exists()
