"""The digital membership card: the member opens it after a code to their phone; anyone can verify it."""

import io
import re

import pytest
from django.test import Client
from PIL import Image

from members.card import card_token, render_card
from members.choices import MemberStatus
from members.phone_codes import MAX_ATTEMPTS, check_code, phone_key, send_code
from tests.factories import MemberFactory, RoleAssignmentFactory
from tests.sms import RecordingSms
from unionhub.core.choices import Role

pytestmark = pytest.mark.django_db

PHONE = "13857461234"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    return RecordingSms.sent


@pytest.fixture
def member():
    member = MemberFactory(name="王海燕", status=MemberStatus.ACTIVE)
    member.set_phone(PHONE)
    member.member_number = f"{member.pk:010d}"
    member.save()
    return member


def texted_code(sms) -> str:
    return re.search(r"\d{6}", sms[-1][1]).group()


def sign_in(client: Client, sms) -> None:
    client.post("/me/", {"phone": PHONE})
    client.post("/me/", {"code": texted_code(sms)})


def test_a_member_opens_their_card_with_a_code_sent_to_their_phone(member, sms):
    client = Client()

    asked = client.post("/me/", {"phone": PHONE})
    opened = client.post("/me/", {"code": texted_code(sms)})
    page = client.get("/me/card/").content.decode()
    png = client.get(f"/me/card/{member.member_number}.png")

    assert [phone for phone, _text in sms] == [PHONE]
    assert asked.status_code == 200 and opened.status_code == 302
    assert member.member_number in page and "1**-****-1234" in page and PHONE not in page
    assert png["Content-Type"] == "image/png" and Image.open(io.BytesIO(png.content)).size == (1012, 638)


def test_the_page_says_the_same_for_a_number_that_is_not_a_members(member, sms):
    client = Client()

    stranger = client.post("/me/", {"phone": "13900001111"}).content.decode()
    known = Client().post("/me/", {"phone": PHONE}).content.decode()

    def without_tokens(page: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)

    assert without_tokens(stranger) == without_tokens(known)
    assert len(sms) == 1  # only the member got a text


def test_a_wrong_code_does_not_open_the_card_and_five_wrong_codes_burn_it(member, sms):
    key = send_code(PHONE, purpose="test", address="127.0.0.1")
    code = texted_code(sms)
    wrong = "000000" if code != "000000" else "111111"

    assert not check_code(key, wrong, purpose="test")
    for _ in range(MAX_ATTEMPTS - 1):
        check_code(key, wrong, purpose="test")

    assert not check_code(key, code, purpose="test")  # too many guesses: the right code is gone too


def test_a_code_is_used_once(member, sms):
    key = send_code(PHONE, purpose="test", address=None)
    code = texted_code(sms)

    assert check_code(key, code, purpose="test")
    assert not check_code(key, code, purpose="test")


def test_codes_cannot_be_asked_for_again_at_once(member, sms):
    client = Client()
    client.post("/me/", {"phone": PHONE})
    again = Client().post("/me/", {"phone": PHONE})

    assert len(sms) == 1
    assert 'role="alert"' in again.content.decode()


def test_no_phone_number_is_kept_in_the_cache_or_the_session(member, sms):
    client = Client()
    sign_in(client, sms)

    session = client.session.load()
    assert PHONE not in str(session)
    assert phone_key(PHONE) == session["member_phone"]["phone"]


def test_another_members_card_is_missing(member, sms):
    other = MemberFactory()
    other.member_number = f"{other.pk:010d}"
    other.save()
    client = Client()
    sign_in(client, sms)

    assert client.get(f"/me/card/{other.member_number}.png").status_code == 404
    assert Client().get(f"/me/card/{member.member_number}.png").status_code == 404  # no session


def test_a_card_verifies_while_the_membership_is_active(member):
    token = card_token(member)

    valid = Client().get(f"/card/v/{token}/")
    member.status = MemberStatus.LAPSED
    member.save()
    lapsed = Client().get(f"/card/v/{token}/")

    assert 'data-verdict="valid"' in valid.content.decode()
    assert "王**" in valid.content.decode() and "王海燕" not in valid.content.decode()
    assert 'data-verdict="lapsed"' in lapsed.content.decode()


def test_a_forged_or_altered_card_link_is_unknown(member):
    token = card_token(member)
    number, signature = token.split(":")
    altered = f"{int(number) + 1:010d}:{signature}"

    for forged in (altered, number, f"{number}:{'A' * len(signature)}"):
        response = Client().get(f"/card/v/{forged}/")
        assert response.status_code == 404 and 'data-verdict="unknown"' in response.content.decode()


def test_staff_download_a_card_in_scope_only(member, api_client):
    staff = RoleAssignmentFactory(federation=member.union.federation, role=Role.FEDERATION_STAFF).user
    outsider = RoleAssignmentFactory(role=Role.FEDERATION_STAFF).user

    api_client.force_authenticate(staff)
    mine = api_client.get(f"/api/v1/members/{member.pk}/card/")
    api_client.force_authenticate(outsider)
    theirs = api_client.get(f"/api/v1/members/{member.pk}/card/")

    assert mine.status_code == 200 and mine["Content-Type"] == "image/png"
    assert theirs.status_code == 404


def test_a_long_union_name_is_shortened_under_the_code(member):
    member.union.name = "宁波市北仑区" + "新材料科技" * 10 + "有限公司工会委员会"
    png = render_card(member, "https://example.org/card/v/x/")

    assert Image.open(io.BytesIO(png)).format == "PNG"


def test_a_member_withdraws_from_their_own_page_and_the_card_stops_verifying(member, sms):
    client = Client()
    sign_in(client, sms)

    unconfirmed = client.post(f"/me/card/{member.member_number}/withdraw/", {})
    member.refresh_from_db()
    assert unconfirmed.status_code == 302 and member.status == MemberStatus.ACTIVE

    client.post(f"/me/card/{member.member_number}/withdraw/", {"confirm": "yes"})

    member.refresh_from_db()
    assert member.status == MemberStatus.WITHDRAWN and member.left_on is not None
    assert 'data-verdict="lapsed"' in Client().get(f"/card/v/{card_token(member)}/").content.decode()


def test_the_status_follows_the_lifecycle(member):
    from django.core.exceptions import ValidationError

    from members.actions import do_save_member

    staff = RoleAssignmentFactory(federation=member.union.federation, role=Role.FEDERATION_STAFF).user
    member.status = MemberStatus.LAPSED
    do_save_member(member, actor=staff)
    assert member.left_on is not None

    member.status = MemberStatus.ACTIVE
    do_save_member(member, actor=staff)
    assert member.left_on is None

    member.status = MemberStatus.WITHDRAWN
    do_save_member(member, actor=staff)
    member.status = MemberStatus.ACTIVE
    with pytest.raises(ValidationError) as refused:
        do_save_member(member, actor=staff)
    assert "status" in refused.value.message_dict
