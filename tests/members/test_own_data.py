"""A copy of one's own data (PIPL art. 45): the signed-in member downloads what UnionHub holds about them."""

import json
import re
import time
from decimal import Decimal

import pytest
from django.test import Client

from events.choices import GrievanceChannel
from members.choices import HardshipReason, HardshipStatus, MemberStatus
from members.hardship_models import HardshipCase
from members.member_session import SESSION_KEY
from members.models import CorrectionRequest, JoinApplication, Member
from stations.models import HelpRequest
from tests.events.factories import GrievanceFactory, RegistrationFactory
from tests.factories import GrassrootsUnionFactory, MemberFactory, StationFactory, UserFactory, id_number
from tests.sms import RecordingSms
from unionhub.core import crypto
from unionhub.core.choices import SecurityEventKind
from unionhub.core.models import AccessLog, SecurityEvent

pytestmark = pytest.mark.django_db

PHONE = "13857469876"
OTHER_PHONE = "13857460000"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    return RecordingSms.sent


def person(phone: str, name: str, born: str) -> Member:
    member = MemberFactory(name=name, status=MemberStatus.ACTIVE, union=GrassrootsUnionFactory())
    member.set_phone(phone)
    member.set_id_number(id_number(born))
    member.member_number = f"{member.pk:010d}"
    member.save()
    return member


def everything_about(member: Member, phone: str, word: str, *, linked: bool = True) -> None:
    """One row of each kind about this member (or this phone), each carrying ``word``."""
    staff = UserFactory()
    application = JoinApplication(
        name=member.name,
        union=member.union if linked else GrassrootsUnionFactory(),
        channel="union",
        employer=f"{word}公司",
        member=member if linked else None,
    )
    application.set_phone(phone)
    application.set_id_number(member.reveal_id_number())
    application.consent_version, application.consented_at = "join-id-number.v1", member.created_at
    application.save()
    CorrectionRequest.objects.create(
        member=member, field="employer" if linked else "name", value=f"{word}新单位", reason=f"{word}换工作"
    )
    HardshipCase.objects.create(
        member=member,
        reason=HardshipReason.ILLNESS,
        description=f"{word}住院",
        amount_requested=Decimal("3000"),
        status=HardshipStatus.SUBMITTED,
        review_note=f"{word}内部审核意见",
        created_by=staff,
    )
    HardshipCase.objects.create(
        member=member,
        reason=HardshipReason.OTHER,
        description=f"{word}草稿",
        status=HardshipStatus.DRAFT,
        created_by=staff,
    )
    registration = RegistrationFactory(name=member.name)
    registration.set_phone(phone)
    registration.save()
    GrievanceFactory(
        description=f"{word}被拖欠工资",
        channel=GrievanceChannel.HOTLINE,
        phone_encrypted=crypto.encrypt(phone),
        phone_hash=crypto.keyed_hash(phone),
        phone_last4=phone[-4:],
    )
    help_request = HelpRequest(station=StationFactory(), topic="wages", description=f"{word}求助")
    help_request.set_phone(phone)
    help_request.save()


def download(client: Client, member: Member, last4: str | None = None):
    return client.post("/me/my-data/", {"id_last4": member.reveal_id_number()[-4:] if last4 is None else last4})


def signed_in(phone: str) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"phone": Member.phone_lookup(phone), "until": time.time() + 600}
    session.save()
    return client


@pytest.fixture
def two_people():
    mine = person(PHONE, "王海燕", "19880304")
    theirs = person(OTHER_PHONE, "赵立新", "19790512")
    everything_about(mine, PHONE, "甲")
    everything_about(theirs, OTHER_PHONE, "乙")
    return mine, theirs


def test_the_copy_holds_the_members_own_data_and_nothing_of_anyone_else(two_people):
    mine, theirs = two_people

    response = download(signed_in(PHONE), mine)
    text = response.content.decode()
    data = json.loads(text)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="unionhub-my-data-')
    assert "no-store" in response["Cache-Control"]
    [membership] = data["memberships"]
    assert membership["member_number"] == mine.member_number and membership["name"] == "王海燕"
    assert membership["phone"] == PHONE and membership["id_number"] == mine.reveal_id_number()
    assert membership["union"] == mine.union.name
    assert [a["consent"]["version"] for a in data["join_applications"]] == ["join-id-number.v1"]
    assert data["join_applications"][0]["consent"]["wording"]
    assert [c["right_value"] for c in data["correction_requests"]] == ["甲新单位"]
    assert [c["description"] for c in data["hardship_aid_cases"]] == ["甲住院"]  # no draft
    assert data["hardship_aid_cases"][0]["amount_requested"] == "3000.00"
    assert len(data["activity_registrations"]) == 1
    assert [g["description"] for g in data["grievances"]] == ["甲被拖欠工资"]
    assert [h["what_happened"] for h in data["help_requests"]] == ["甲求助"]
    # Nothing of the other person, and none of staff's internal notes.
    assert "乙" not in text and "赵立新" not in text
    assert OTHER_PHONE not in text and theirs.reveal_id_number() not in text
    assert "内部审核意见" not in text and "review_note" not in text


def test_each_download_is_logged_once_with_the_member_as_the_reader(two_people):
    mine, _theirs = two_people
    client = signed_in(PHONE)

    download(client, mine)
    logged = list(AccessLog.objects.filter(action="own_copy"))
    download(client, mine)

    [entry] = logged
    assert (entry.user, entry.model, entry.object_id) == (None, "members.member", str(mine.pk))
    assert entry.field == "phone,id_number" and entry.federation_path == mine.federation_path
    assert AccessLog.objects.filter(action="own_copy").count() == 2
    events = SecurityEvent.objects.filter(kind=SecurityEventKind.REVEAL, object_id=str(mine.pk))
    assert events.count() == 2 and {e.actor_id for e in events} == {None}
    assert all(PHONE not in json.dumps(e.detail) for e in events)


def test_a_staff_user_signed_in_in_the_same_browser_is_not_named_as_the_reader(two_people, admin_user):
    mine, _theirs = two_people
    client = signed_in(PHONE)
    client.force_login(admin_user)
    session = client.session
    session[SESSION_KEY] = {"phone": Member.phone_lookup(PHONE), "until": time.time() + 600}
    session.save()

    download(client, mine)

    assert SecurityEvent.objects.get(kind=SecurityEventKind.REVEAL).actor_id is None
    assert AccessLog.objects.get(action="own_copy").user is None


def test_it_needs_the_member_session(two_people):
    mine, _theirs = two_people
    expired = Client()
    session = expired.session
    session[SESSION_KEY] = {"phone": Member.phone_lookup(PHONE), "until": time.time() - 1}
    session.save()

    assert download(Client(), mine).status_code == 404
    assert download(expired, mine).status_code == 404
    assert signed_in(PHONE).get("/me/my-data/").status_code == 405  # a POST from the card page only
    assert not AccessLog.objects.filter(action="own_copy").exists()


def test_the_card_page_links_to_the_copy_after_signing_in_with_a_code(two_people, sms):
    client = Client()
    client.post("/me/", {"phone": PHONE})
    client.post("/me/", {"code": re.search(r"\d{6}", sms[-1][1]).group()})

    page = client.get("/me/card/").content.decode()

    assert 'action="/me/my-data/"' in page and 'name="id_last4"' in page
    assert download(client, two_people[0]).status_code == 200


def test_the_copy_takes_a_fixed_number_of_queries(two_people, django_assert_num_queries):
    mine, _theirs = two_people
    everything_about(mine, PHONE, "丙", linked=False)  # more rows of every kind: the same queries
    client = signed_in(PHONE)
    download(client, mine)  # warm the session and the throttle

    # The session; one read each of memberships, applications, transfers, corrections, hardship
    # cases, help requests, registrations and grievances; per membership record an access-log row
    # and a security event (in a savepoint).
    with django_assert_num_queries(QUERIES):
        download(client, mine)


QUERIES = 13


def test_without_the_ID_numbers_last_four_characters_nothing_is_given_or_logged(two_people):
    mine, _theirs = two_people
    wrong = "0000" if not mine.reveal_id_number().endswith("0000") else "1111"

    response = download(signed_in(PHONE), mine, last4=wrong)

    assert response.status_code == 400 and "text/html" in response["Content-Type"]
    assert mine.reveal_id_number() not in response.content.decode()
    assert not AccessLog.objects.filter(action="own_copy").exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.REVEAL).exists()


def test_a_number_issued_again_does_not_open_the_former_holders_record(two_people):
    """A mobile number given up and issued to someone else (二次放号): the new holder's code opens
    the phone, but the former holder's record needs their ID number's last four characters."""
    mine, _theirs = two_people
    former = person(PHONE, "孙立", "19600101")  # the same phone, another person

    data = json.loads(download(signed_in(PHONE), mine).content)

    assert [m["member_number"] for m in data["memberships"]] == [mine.member_number]
    assert former.reveal_id_number() not in json.dumps(data, ensure_ascii=False) and "孙立" not in json.dumps(
        data, ensure_ascii=False
    )
    assert AccessLog.objects.filter(action="own_copy").count() == 1
