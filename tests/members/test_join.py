"""Scan-to-join: a worker applies from a joining QR code with a texted code; the union's chair or zone decides."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils.html import escape

from members.actions import do_decide_application, do_submit_application
from members.choices import ApplicationStatus, JoinChannel, MemberStatus, WorkForm
from members.joining import join_token
from members.models import JoinApplication, Member
from members.tasks import text_applicant
from tests.factories import (
    FederationFactory,
    GrassrootsUnionFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UnionChairFactory,
    ZoneFactory,
    ZoneStaffFactory,
    id_number,
)
from tests.limits import forget_public_limits
from tests.sms import RecordingSms
from unionhub.core import consents
from unionhub.core.choices import FederationKind, Role
from unionhub.core.models import OutboxMessage
from zones.choices import WorkState
from zones.models import WorkItem

pytestmark = pytest.mark.django_db

PHONE = "13957460001"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    return RecordingSms.sent


@pytest.fixture
def union():
    return GrassrootsUnionFactory(name="明辉五金制品有限公司工会委员会")


def details(**changes):
    return {
        "name": "李小龙",
        "id_number": id_number("19950607"),
        "phone": PHONE,
        "employer": "明辉五金",
        "occupation": "factory_worker",
        "work_form": "standard",
        "consent": "on",
        **changes,
    }


def apply(client, token, sms, **changes):
    """Ask for a code, then apply with it, as the phone page does."""
    client.post(f"/join/{token}/", {**details(**changes), "send_code": "1"})
    code = re.search(r"\d{6}", sms[-1][1]).group() if sms else "000000"
    return client.post(f"/join/{token}/", {**details(**changes), "code": code, "apply": "1"})


def test_a_worker_applies_by_scanning_their_unions_code(union, sms):
    response = apply(Client(), join_token(JoinChannel.UNION, union.pk), sms)

    application = JoinApplication.objects.get()
    assert "application-received" in response.content.decode()
    assert (application.union, application.status, application.channel) == (union, "submitted", "union")
    assert application.phone_hash == Member.phone_lookup(PHONE) and application.reveal_phone() == PHONE
    assert PHONE not in str(application.phone_encrypted) and application.id_number_masked.startswith("330")
    work = WorkItem.objects.get(source_key=f"join-application:{application.pk}")
    assert work.zone == union.zone and work.state == WorkState.TODO


def test_a_wrong_code_files_nothing(union, sms):
    client = Client()
    client.post(f"/join/{join_token(JoinChannel.UNION, union.pk)}/", {**details(), "send_code": "1"})

    response = client.post(f"/join/{join_token(JoinChannel.UNION, union.pk)}/", {**details(), "code": "12345x"})

    assert 'id="field-code"' in response.content.decode() and "has-error" in response.content.decode()
    assert not JoinApplication.objects.exists()


def test_a_bad_id_number_is_refused_before_any_text_is_sent(union, sms):
    good = id_number("19950607")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # the wrong check character

    response = Client().post(
        f"/join/{join_token(JoinChannel.UNION, union.pk)}/", {**details(id_number=bad), "send_code": "1"}
    )

    assert sms == []
    assert 'id="field-id_number"' in response.content.decode() and "has-error" in response.content.decode()


def test_a_rider_with_no_union_goes_to_the_countys_holding_pool(sms):
    county = FederationFactory(name="宁海县总工会", kind=FederationKind.COUNTY)
    town = FederationFactory(name="跃龙街道总工会", kind=FederationKind.TOWNSHIP, parent=county)
    zone = ZoneFactory(federation=town)

    token = join_token(JoinChannel.ZONE, zone.pk)
    apply(Client(), token, sms, work_form=WorkForm.NEW_FORM, occupation="delivery_rider")

    application = JoinApplication.objects.get()
    assert application.union.is_holding_pool and application.union.federation == county
    assert application.zone is None  # no zone worker holds the pool: county staff decide


def test_only_new_employment_form_workers_may_join_without_a_union(sms):
    zone = ZoneFactory()

    response = apply(Client(), join_token(JoinChannel.ZONE, zone.pk), sms)

    assert not JoinApplication.objects.exists()
    assert "has-error" in response.content.decode()


def test_a_joining_event_finds_the_union_by_name(union, sms):
    token = join_token(JoinChannel.EVENT, union.federation.pk, "2026年快递员集中入会")

    unknown = apply(Client(), token, sms, union_name="不存在的工会")
    forget_public_limits()  # the same phone asks again at once
    apply(Client(), token, sms, union_name=union.name)

    assert "has-error" in unknown.content.decode() and "2026年快递员集中入会" in unknown.content.decode()
    assert JoinApplication.objects.get().union == union


def test_an_application_says_whether_the_worker_is_a_member_elsewhere(union, sms):
    elsewhere = MemberFactory(status=MemberStatus.ACTIVE)
    number = elsewhere.reveal_id_number()

    apply(Client(), join_token(JoinChannel.UNION, union.pk), sms, id_number=number)

    assert JoinApplication.objects.get().member_elsewhere is True


def test_a_forged_or_altered_code_is_unknown(union):
    token = join_token(JoinChannel.UNION, union.pk)

    assert Client().get(f"/join/{token}/").status_code == 200
    assert Client().get(f"/join/{token[:-2]}xy/").status_code == 404
    assert Client().get("/join/not-a-code/").status_code == 404


def test_the_chair_approves_and_the_worker_becomes_a_member_and_is_told(union, sms):
    apply(Client(), join_token(JoinChannel.UNION, union.pk), sms)
    application = JoinApplication.objects.get()
    chair = UnionChairFactory(union=union).user

    do_decide_application(application, approve=True, actor=chair)

    member = Member.objects.get()
    assert (member.name, member.union, member.status) == ("李小龙", union, MemberStatus.ACTIVE)
    assert member.phone_hash == application.phone_hash and member.member_number
    assert WorkItem.objects.get().state == WorkState.DONE
    message = OutboxMessage.objects.get(task_name="members.text_applicant")
    text_applicant.apply(args=message.args)
    assert sms[-1][0] == PHONE and "/me/" in sms[-1][1]


def test_a_refusal_needs_a_reason_and_the_worker_reads_it(union, sms):
    apply(Client(), join_token(JoinChannel.UNION, union.pk), sms)
    application = JoinApplication.objects.get()
    worker = ZoneStaffFactory(zone=union.zone, role=Role.ZONE_SOCIAL_WORKER).user

    with pytest.raises(ValidationError) as refused:
        do_decide_application(application, approve=False, actor=worker)
    do_decide_application(application, approve=False, actor=worker, reason="请先确认劳动关系")
    text_applicant.apply(args=[application.pk])

    assert "reason" in str(refused.value)
    assert not Member.objects.exists()
    assert "请先确认劳动关系" in sms[-1][1]


def test_deciding_is_scoped_and_happens_once(union, sms, api_client):
    apply(Client(), join_token(JoinChannel.UNION, union.pk), sms)
    application = JoinApplication.objects.get()
    outsider = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user
    staff = RoleAssignmentFactory(federation=union.federation, role=Role.FEDERATION_STAFF).user

    api_client.force_authenticate(outsider)
    missing = api_client.post(f"/api/v1/join-applications/{application.pk}/decide/", {"approve": True}, format="json")
    api_client.force_authenticate(staff)
    first = api_client.post(f"/api/v1/join-applications/{application.pk}/decide/", {"approve": True}, format="json")
    again = api_client.post(f"/api/v1/join-applications/{application.pk}/decide/", {"approve": True}, format="json")

    assert missing.status_code == 404
    assert first.status_code == 200 and first.json()["status"] == ApplicationStatus.APPROVED
    assert first.json()["masked_name"] == "李**" and PHONE not in str(first.json())
    assert again.status_code == 400
    assert Member.objects.count() == 1


def test_staff_print_joining_posters_in_scope_only(union):
    staff = RoleAssignmentFactory(federation=union.federation, role=Role.FEDERATION_STAFF).user
    client = Client()
    client.force_login(staff)

    mine = client.get(f"/admin/members/joinapplication/posters/union/{union.pk}/")
    theirs = client.get(f"/admin/members/joinapplication/posters/union/{GrassrootsUnionFactory().pk}/")
    chooser = client.get("/admin/members/joinapplication/posters/?q=明辉")

    assert mine.status_code == 200 and "<svg" in mine.content.decode() and "/join/" in mine.content.decode()
    assert theirs.status_code == 404
    assert union.name in chooser.content.decode()


# --- The separate consent to the ID number's processing (PIPL art. 29) -----------------------------


def test_without_the_consent_tick_nothing_is_sent_or_filed(union, sms):
    token = join_token(JoinChannel.UNION, union.pk)
    client = Client()

    page = client.get(f"/join/{token}/").content.decode()
    asked = client.post(f"/join/{token}/", {**details(consent=""), "send_code": "1"})
    applied = client.post(f"/join/{token}/", {**details(consent=""), "code": "123456", "apply": "1"})

    box = re.search(r'<input type="checkbox" name="consent"[^>]*>', page).group()
    assert "checked" not in box and "required" in box  # unticked, and required
    assert 'data-consent-version="join-id-number.v1"' in page
    for response in (asked, applied):
        body = response.content.decode()
        assert 'id="field-consent"' in body and "has-error" in body.split('id="field-consent"')[0][-80:]
        assert escape(str(consents.current(consents.JOIN_ID_NUMBER).required_message)) in body
    assert sms == [] and not JoinApplication.objects.exists() and not WorkItem.objects.exists()


def test_the_application_records_the_consents_version_and_time(union, sms):
    from django.utils import timezone

    before = timezone.now()
    apply(Client(), join_token(JoinChannel.UNION, union.pk), sms)

    application = JoinApplication.objects.get()
    assert application.consent_version == "join-id-number.v1"
    assert before <= application.consented_at <= timezone.now()


def test_the_action_refuses_an_application_without_the_current_consent(union):
    application = JoinApplication(name="李小龙", channel="union", occupation="courier", work_form="standard")

    with pytest.raises(ValidationError) as refused:
        do_submit_application(
            application,
            phone=PHONE,
            id_number=id_number("19950607"),
            union=union,
            federation=union.federation,
            consent_version="join-id-number.v0",
        )

    assert "consent" in refused.value.message_dict
    assert not JoinApplication.objects.exists()


def test_staff_read_the_consent_on_the_application_and_the_members_page(union, sms, admin_client):
    apply(Client(), join_token(JoinChannel.UNION, union.pk), sms)
    application = JoinApplication.objects.get()
    chair = UnionChairFactory(union=union).user
    member = do_decide_application(application, approve=True, actor=chair).member

    on_application = admin_client.get(f"/admin/members/joinapplication/{application.pk}/change/").content.decode()
    on_member = admin_client.get(f"/admin/members/member/{member.pk}/change/").content.decode()

    assert "join-id-number.v1" in on_application and 'name="consent_version"' not in on_application  # read-only
    assert "join-id-number.v1" in on_member
