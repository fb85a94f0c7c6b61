"""A member sees their own record on the card page, asks for a correction, and sees what staff decided.

Staff (the union's chair, the zone's workers, federation staff) approve it, which changes the
record through the member edit action with a change-history entry, or refuse it with a reason.
A new phone or ID number is protected like a member's: encrypted, hashed, shown masked, and
erased from the request once decided.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import translation

from members.choices import CorrectionStatus, MemberStatus
from members.corrections import do_ask_correction, do_decide_correction
from members.models import CorrectionRequest, Member
from tests.factories import (
    GrassrootsUnionFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UnionChairFactory,
    ZoneStaffFactory,
    id_number,
)
from tests.sms import RecordingSms
from unionhub.core.choices import Role
from unionhub.core.exceptions import OutOfScope
from zones.models import WorkItem

pytestmark = pytest.mark.django_db

PHONE = "13857461234"
NEW_PHONE = "13912345678"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    return RecordingSms.sent


@pytest.fixture
def member():
    member = MemberFactory(name="王海燕", status=MemberStatus.ACTIVE, employer="饿了么")
    member.set_phone(PHONE)
    member.member_number = f"{member.pk:010d}"
    member.save()
    return member


@pytest.fixture
def chair(member):
    return UnionChairFactory(union=member.union).user


def signed_in(sms) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/me/", {"phone": PHONE})
    client.post("/me/", {"code": re.search(r"\d{6}", sms[-1][1]).group()})
    return client


def ask(client: Client, member: Member, **data):
    fields = {"field": "employer", "value": "", "reason": "", "occupation": "", "work_form": "", **data}
    return client.post(
        f"/me/card/{member.member_number}/correction/", {f"{member.member_number}-{k}": v for k, v in fields.items()}
    )


def test_the_card_page_shows_the_members_own_record_masked(member, sms):
    page = signed_in(sms).get("/me/card/").content.decode()

    assert "王海燕" in page and "饿了么" in page and member.member_number in page
    assert "1**-****-1234" in page and member.id_number_masked in page
    assert PHONE not in page and member.reveal_id_number() not in page


def test_a_member_asks_for_a_correction_and_the_zone_gets_the_work(member, sms):
    client = signed_in(sms)

    sent = ask(client, member, field="employer", value="美团外卖", reason="换平台了")
    page = client.get("/me/card/").content.decode()

    assert sent.status_code == 302
    request = CorrectionRequest.objects.get()
    assert (request.member, request.field, request.value, request.status) == (
        member,
        "employer",
        "美团外卖",
        CorrectionStatus.WAITING,
    )
    assert (request.union_id, request.zone_id, request.federation_path) == (
        member.union_id,
        member.zone_id,
        member.federation_path,
    )
    item = WorkItem.objects.get(source_key=f"member-correction:{request.pk}")
    assert item.zone_id == member.zone_id and item.link.endswith(f"/correctionrequest/{request.pk}/change/")
    assert "Waiting for a decision" in page and "美团外卖" in page


def test_bad_values_are_refused_on_their_field_and_nothing_is_stored(member, sms):
    client = signed_in(sms)
    good_id = id_number("19900101")
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")  # the wrong check character

    answers = [
        ask(client, member, field="id_number", value=bad_id),
        ask(client, member, field="phone", value="12345"),
        ask(client, member, field="name", value="   "),
        ask(client, member, field="occupation", occupation=""),
        ask(client, member, field="nickname", value="x"),
    ]

    assert [a.status_code for a in answers] == [400] * 5
    assert all('class="errorlist' in a.content.decode() for a in answers)
    assert not CorrectionRequest.objects.exists() and not WorkItem.objects.exists()


def test_a_new_phone_or_id_number_is_stored_encrypted_shown_masked_and_never_in_the_page(member, sms):
    client = signed_in(sms)
    number = id_number("19880305")

    ask(client, member, field="phone", value="139 1234 5678")
    ask(client, member, field="id_number", value=number)
    page = client.get("/me/card/").content.decode()

    phone_request = CorrectionRequest.objects.get(field="phone")
    id_request = CorrectionRequest.objects.get(field="id_number")
    assert phone_request.value == "" and phone_request.reveal_phone() == NEW_PHONE
    assert phone_request.phone_hash == Member.phone_lookup(NEW_PHONE) and phone_request.masked_phone == "1**-****-5678"
    assert id_request.value == "" and id_request.id_number_masked == number[:3] + "*" * 11 + number[-4:]
    assert NEW_PHONE not in page and number not in page and "1**-****-5678" in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_correctionrequest")
        raw = repr(cursor.fetchall()) + repr(_history_rows())
    assert NEW_PHONE not in raw and number not in raw


def _history_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_historicalcorrectionrequest")
        return cursor.fetchall()


def test_the_chair_approves_and_the_record_changes_with_history(member, chair, sms):
    client = signed_in(sms)
    number = id_number("19880305")
    ask(client, member, field="id_number", value=number)
    ask(client, member, field="occupation", occupation="courier")

    for request in CorrectionRequest.objects.order_by("pk"):
        do_decide_correction(request, approve=True, actor=chair)
    page = client.get("/me/card/").content.decode()

    member.refresh_from_db()
    assert member.reveal_id_number() == number and member.id_number_hash == Member.id_number_lookup(number)
    assert member.occupation == "courier"
    latest = member.history.order_by("-history_id").first()
    assert latest.history_user == chair and latest.history_change_reason.startswith("correction ")
    request = CorrectionRequest.objects.get(field="id_number")
    assert request.status == CorrectionStatus.APPROVED and request.decided_by == chair
    assert request.id_number_encrypted is None and request.id_number_hash == ""  # the record holds it now
    assert request.id_number_masked  # the member still sees what was corrected, masked
    assert page.count("Corrected") == 2
    assert not WorkItem.objects.exclude(state="done").exists()


def test_an_approved_phone_correction_moves_the_member_to_the_new_number(member, chair):
    request = do_ask_correction(member, field="phone", value=NEW_PHONE)

    do_decide_correction(request, approve=True, actor=chair)

    member.refresh_from_db()
    assert member.reveal_phone() == NEW_PHONE and member.phone_hash == Member.phone_lookup(NEW_PHONE)


def test_a_refusal_needs_a_reason_which_the_member_reads(member, sms):
    worker = ZoneStaffFactory(zone=member.union.zone, role=Role.ZONE_SOCIAL_WORKER).user
    client = signed_in(sms)
    ask(client, member, field="name", value="王海艳")
    request = CorrectionRequest.objects.get()

    with pytest.raises(ValidationError):
        do_decide_correction(request, approve=False, actor=worker, reason="  ")
    do_decide_correction(request, approve=False, actor=worker, reason="请携带身份证到工会核对")
    page = client.get("/me/card/").content.decode()

    member.refresh_from_db()
    assert member.name == "王海燕"
    assert "Refused" in page and "请携带身份证到工会核对" in page
    with pytest.raises(ValidationError):
        do_decide_correction(request, approve=True, actor=worker)  # decided once only


def test_deciding_is_scoped_to_the_members_keepers(member):
    request = do_ask_correction(member, field="employer", value="顺丰")
    other_union = GrassrootsUnionFactory()
    outsiders = [
        UnionChairFactory(union=other_union).user,
        RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user,  # another federation
        RoleAssignmentFactory(federation=member.union.federation, role=Role.LEADERSHIP).user,  # reads only
    ]

    for outsider in outsiders:
        with pytest.raises(OutOfScope):
            do_decide_correction(request, approve=True, actor=outsider)
    staff = RoleAssignmentFactory(federation=member.union.federation, role=Role.FEDERATION_STAFF).user
    do_decide_correction(request, approve=True, actor=staff)

    member.refresh_from_db()
    assert member.employer == "顺丰"


def test_one_waiting_correction_per_field_and_none_for_an_ended_membership(member):
    do_ask_correction(member, field="employer", value="顺丰")

    with pytest.raises(ValidationError) as twice:
        do_ask_correction(member, field="employer", value="京东")
    member.status = MemberStatus.WITHDRAWN
    with pytest.raises(ValidationError) as ended:
        do_ask_correction(member, field="name", value="王海艳")

    assert "field" in twice.value.message_dict and "field" in ended.value.message_dict
    assert CorrectionRequest.objects.count() == 1


def test_the_admin_lists_masked_and_approves_or_refuses_with_a_reason(member, chair):
    first = do_ask_correction(member, field="phone", value=NEW_PHONE)
    second = do_ask_correction(member, field="employer", value="顺丰")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(chair)
    url = "/admin/members/correctionrequest/"

    listed = client.get(url).content.decode()
    detail = client.get(f"{url}{first.pk}/change/").content.decode()
    ask_reason = client.post(url, {"action": "refuse_corrections", "_selected_action": [second.pk]})
    client.post(
        url,
        {"action": "refuse_corrections", "_selected_action": [second.pk], "confirm": "1", "refusal_reason": "无依据"},
    )
    client.post(url, {"action": "approve_corrections", "_selected_action": [first.pk]})

    assert "王**" in listed and "1**-****-5678" in listed and NEW_PHONE not in listed and "王海燕" not in listed
    assert NEW_PHONE not in detail and "1**-****-1234" in detail  # the value now, masked
    assert ask_reason.status_code == 200 and b"refusal_reason" in ask_reason.content
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.refusal_reason) == ("approved", "refused", "无依据")
    member.refresh_from_db()
    assert member.reveal_phone() == NEW_PHONE and member.employer == "饿了么"


def test_another_members_card_takes_no_correction(member, sms):
    other = MemberFactory(status=MemberStatus.ACTIVE)
    other.member_number = f"{other.pk:010d}"
    other.save()

    with translation.override("en"):
        answer = ask(signed_in(sms), other, field="employer", value="x")

    assert answer.status_code == 404 and not CorrectionRequest.objects.exists()


def test_withdrawing_goes_through_the_lifecycle_and_is_dated(member, sms):
    client = signed_in(sms)

    unconfirmed = client.post(f"/me/card/{member.member_number}/withdraw/", {})
    member.refresh_from_db()
    still = member.status
    client.post(f"/me/card/{member.member_number}/withdraw/", {"confirm": "yes"})

    member.refresh_from_db()
    assert unconfirmed.status_code == 302 and still == MemberStatus.ACTIVE
    assert member.status == MemberStatus.WITHDRAWN and member.left_on is not None
    assert member.history.order_by("-history_id").first().history_change_reason == "withdrawn by the member"


def test_the_api_lists_in_scope_masked_and_decides(member, chair, client_for):
    request = do_ask_correction(member, field="phone", value=NEW_PHONE)
    outsider = UnionChairFactory(union=GrassrootsUnionFactory()).user
    leadership = RoleAssignmentFactory(federation=member.union.federation, role=Role.LEADERSHIP).user
    url = "/api/v1/member-corrections/"

    listed = client_for(chair).get(url).json()
    hidden = client_for(outsider).get(url).json()
    missing = client_for(outsider).post(f"{url}{request.pk}/decide/", {"approve": True}, format="json")
    read_only = client_for(leadership).post(f"{url}{request.pk}/decide/", {"approve": True}, format="json")
    no_reason = client_for(chair).post(f"{url}{request.pk}/decide/", {"approve": False}, format="json")
    done = client_for(chair).post(f"{url}{request.pk}/decide/", {"approve": True}, format="json")

    assert [row["id"] for row in listed["results"]] == [request.pk] and hidden["results"] == []
    row = listed["results"][0]
    assert row["masked_name"] == "王**" and row["corrected_value"] == "1**-****-5678" and NEW_PHONE not in str(listed)
    assert missing.status_code == 404 and read_only.status_code in (403, 404)
    assert no_reason.status_code == 400 and "refusal_reason" in no_reason.json()
    assert done.status_code == 200 and done.json()["status"] == "approved"
    member.refresh_from_db()
    assert member.reveal_phone() == NEW_PHONE
