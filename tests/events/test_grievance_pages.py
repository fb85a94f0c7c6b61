"""The workers' public grievance pages: file (named with a proved phone, or anonymous with a PIN), then
follow it with the tracking code and the phone's last four digits or the PIN; rate or reopen it."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events import grievances as g
from events.grievance_pages import check_tracking
from events.models import Grievance, GrievanceAttachment, GrievanceEvent
from tests import factories as f
from tests.events.factories import GrievanceFactory
from tests.sms import RecordingSms
from unionhub.core.choices import Role
from zones.models import ZoneStaff

pytestmark = pytest.mark.django_db

NEW = "/grievances/new/"
TRACK = "/grievances/track/"
NUMBER = "13957463333"
WAGES = "老板拖欠我们三个月工资，一共两万多元，一直推说下个月发。"


@pytest.fixture(autouse=True)
def english(settings):
    settings.SMS_BACKEND = "tests.sms.RecordingSms"
    RecordingSms.sent = []
    with translation.override("en"):
        yield


@pytest.fixture
def union():
    union = f.GrassrootsUnionFactory(name="明辉五金制品有限公司工会委员会")
    chief = f.UserFactory(username="chief")
    ZoneStaff.objects.create(user=chief, zone=union.zone, role=Role.ZONE_CHIEF)
    return union


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def last_code() -> str:
    return re.search(r"\d{6}", RecordingSms.sent[-1][1]).group()


def anonymous_form(union, **changes):
    data = {
        "category": "wage_arrears",
        "description": WAGES,
        "federation": union.federation.pk,
        "place": "29.3200,121.4200",
        "address": "工业园区3号厂房",
        "employer_name": union.name,
        "identity": "anonymous",
        "pin": "482913",
        "consent": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def text(response) -> str:
    return response.content.decode()


# --- filing --------------------------------------------------------------------------------------


def test_an_anonymous_worker_files_with_a_pin_and_sees_the_tracking_code(client, union):
    photo = SimpleUploadedFile("欠条.jpg", f.jpeg_bytes(), content_type="image/jpeg")
    response = client.post(NEW, {**anonymous_form(union), "photos": [photo]})

    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == reverse("events:grievance-filed")
    grievance = Grievance.objects.get()
    assert (grievance.channel, grievance.category, grievance.status) == ("public_form", "wage_arrears", "submitted")
    assert grievance.anonymous and not grievance.submitter_name and not grievance.phone_last4
    assert grievance.check_pin("482913") and "482913" not in grievance.pin_hash
    assert grievance.union == union and grievance.zone == union.zone  # matched by the name given
    assert grievance.employer_blind and not grievance.identity_consent  # kept from the employer by default
    assert grievance.place is not None and grievance.address == "工业园区3号厂房"
    assert GrievanceAttachment.objects.filter(grievance=grievance).count() == 1
    assert grievance.created_by is None
    assert grievance.consent_version == "grievance.v1" and grievance.consented_at is not None  # PIPL art. 29

    filed = client.get(response["Location"])
    assert grievance.formatted_code in text(filed) and "PIN" in text(filed)
    assert grievance.tracking_code not in response["Location"]
    tracked = client.get(TRACK)  # the filing browser may follow it at once
    assert tracked.status_code == 200 and 'data-status="submitted"' in text(tracked)


def test_a_named_worker_proves_the_phone_with_a_code(client, union):
    form = {
        **anonymous_form(union, identity="named", pin=None),
        "name": "李小龙",
        "phone": NUMBER,
        "reveal_to_employer": "on",
    }
    sent = client.post(NEW, {"phone": NUMBER, "send_code": "1"}, HTTP_ACCEPT="application/json")
    assert sent.status_code == 200 and sent.json()["sent"] and RecordingSms.sent[-1][0] == NUMBER
    assert not Grievance.objects.exists()

    wrong = client.post(NEW, {**form, "code": "000000"})
    assert wrong.status_code == 400 and "The code is wrong" in text(wrong)
    assert not Grievance.objects.exists()

    filed = client.post(NEW, {**form, "code": last_code()})
    assert filed.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.submitter_name == "李小龙" and grievance.phone_last4 == "3333" and not grievance.anonymous
    assert not grievance.pin_hash
    assert not grievance.employer_blind  # the worker agreed that the employer may know
    assert NUMBER not in repr(grievance.__dict__)


def test_asking_for_a_code_without_javascript_keeps_what_was_typed(client, union):
    form = {**anonymous_form(union, identity="named", pin=None), "name": "李小龙", "phone": NUMBER}
    response = client.post(NEW, {**form, "send_code": "1"})
    assert response.status_code == 200 and WAGES in text(response) and "A code is on its way" in text(response)
    refused = client.post(NEW, {**form, "phone": "12345", "send_code": "1"})
    assert refused.status_code == 400 and "11-digit" in text(refused)
    assert not Grievance.objects.exists() and len(RecordingSms.sent) == 1


def test_from_a_station_the_place_and_zone_come_from_the_station(client):
    station = f.StationFactory()
    assert f"/grievances/new/?station={station.public_code}" in text(client.get(f"/s/{station.public_code}/"))
    page = client.get(f"{NEW}?station={station.public_code}")
    assert station.name in text(page) and 'name="federation"' not in text(page)
    data = anonymous_form(f.GrassrootsUnionFactory(), federation=None, place="", address="", employer_name="")
    response = client.post(NEW, {**data, "station": station.public_code})
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert (grievance.zone, grievance.federation, grievance.address) == (station.zone, station.federation, station.name)
    assert grievance.place.equals_exact(station.position, 1e-9)


def test_an_employer_name_not_on_record_is_kept_as_given(client, union):
    client.post(NEW, anonymous_form(union, employer_name="宁波某某快递站点"))
    grievance = Grievance.objects.get()
    assert grievance.union is None and grievance.employer_name == "宁波某某快递站点"
    assert grievance.federation == union.federation


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"description": "欠" * 4001}, "description", "4000 characters"),
        ({"description": "   "}, "description", "Describe the problem"),
        ({"description": "<script>alert(1)</script>工资"}, "description", "HTML is not accepted"),
        ({"pin": "12"}, "pin", "4 to 8 digits"),
        ({"pin": "abcd"}, "pin", "4 to 8 digits"),
        ({"consent": None}, "consent", "Tick the box"),
        ({"category": "bribery"}, "category", "Select a valid choice"),
        ({"category": ""}, "category", "Choose what it is about"),
        ({"federation": None}, "federation", "Choose the town or street"),
        ({"place": "40.0,116.4"}, "place", "outside the area"),
        ({"identity": "named", "pin": None}, "name", "Give your name"),
        ({"employer_name": "<b>公司</b>"}, "employer_name", "HTML is not accepted"),
    ],
    ids=[
        "too-long",
        "empty",
        "html",
        "short-pin",
        "letters-pin",
        "no-consent",
        "category",
        "no-category",
        "no-area",
        "place",
        "named-without-name",
        "html-employer",
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(client, union, changes, field, message):
    union.federation.area = f.square(121.40, 29.30, 0.2)
    union.federation.save()
    response = client.post(NEW, anonymous_form(union, **changes))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Grievance.objects.exists() and not GrievanceEvent.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([SimpleUploadedFile("工资条.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")], "not an image"),
        ([SimpleUploadedFile("a.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml")], "not an image"),
        ([SimpleUploadedFile(f"{n}.jpg", f.jpeg_bytes(), content_type="image/jpeg") for n in range(4)], "at most 3"),
    ],
    ids=["pdf", "svg", "too-many"],
)
def test_attachments_that_are_not_photos_are_refused_and_nothing_is_written(client, union, files, message):
    response = client.post(NEW, {**anonymous_form(union), "photos": files})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["photos"])
    assert not Grievance.objects.exists() and not GrievanceAttachment.objects.exists()


def test_filing_posts_are_rate_limited_from_settings(client, union, monkeypatch):
    from unionhub.core.throttles import PublicFormThrottle

    monkeypatch.setattr(PublicFormThrottle, "THROTTLE_RATES", {"public-form": "2/min"})
    statuses = [client.post(NEW, anonymous_form(union)).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert Grievance.objects.count() == 2
    assert "Too many requests" in text(client.post(NEW, anonymous_form(union)))


# --- tracking ------------------------------------------------------------------------------------


@pytest.fixture
def named(union):
    return GrievanceFactory(union=union, channel="public_form")  # phone ends in 8000


@pytest.fixture
def anonymous(union):
    grievance = GrievanceFactory(
        union=union, submitter_name="", anonymous=True, phone_encrypted=None, phone_hash="", phone_last4=""
    )
    grievance.set_pin("24680")
    grievance.save()
    return grievance


def en(**headers) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", **headers)


def check(client, code, secret):
    return client.post(TRACK, {"code": code, "secret": secret})


def test_the_code_and_the_phones_last_digits_or_the_pin_open_the_timeline(named, anonymous):
    for grievance, secret in [(named, "8000"), (anonymous, "24680")]:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert client.get(TRACK).context.get("grievance") is None
        code = grievance.formatted_code.lower().replace("-", " ")  # as a worker may type it
        response = check(client, code, secret)
        assert response.status_code == 302 and response["Location"] == TRACK
        page = client.get(TRACK)
        assert page.context["grievance"] == grievance and 'data-status="submitted"' in text(page)


def test_an_unknown_code_is_answered_exactly_like_a_wrong_secret(named, anonymous):
    answers = [
        check(Client(HTTP_ACCEPT_LANGUAGE="en"), named.tracking_code, "1234"),
        check(Client(HTTP_ACCEPT_LANGUAGE="en"), anonymous.tracking_code, "8000"),  # another grievance's secret
        check(Client(HTTP_ACCEPT_LANGUAGE="en"), "ABCDEFGHJK", "8000"),
    ]
    assert {a.status_code for a in answers} == {400}
    bodies = {
        re.sub(r'value="[^"]*"', "", text(a))
        .replace(named.tracking_code, "")
        .replace(anonymous.tracking_code, "")
        .replace("ABCDEFGHJK", "")
        for a in answers
    }
    assert len({re.sub(r"csrfmiddlewaretoken[^>]*>", "", b) for b in bodies}) == 1
    assert all("No grievance matches" in text(a) for a in answers)
    assert check_tracking("ABCDEFGHJK", "8000") is None
    assert check_tracking(named.tracking_code, "8000") == named


def test_the_worker_never_sees_internal_lines_or_staff_names(client, named, union):
    chief = ZoneStaff.objects.get(zone=union.zone).user
    worker = f.UserFactory(username="worker", first_name="张明亮")
    ZoneStaff.objects.create(user=worker, zone=union.zone, role=Role.ZONE_SOCIAL_WORKER)
    g.do_verify_grievance(named, actor=chief)
    g.do_assign_grievance(named, kind="zone_worker", user=worker, actor=chief)
    g.do_start_grievance(named, actor=worker)
    g.do_log_grievance_action(named, actor=worker, text="已约谈企业负责人")
    g.do_log_grievance_action(named, actor=worker, text="老板有转移资产迹象", kind="note", internal=True)
    g.do_log_contact_attempt(named, actor=worker, text="电话未接通")

    check(client, named.tracking_code, "8000")
    page = text(client.get(TRACK))

    assert "已约谈企业负责人" in page and "In progress" in page
    for hidden in ("转移资产", "电话未接通", "张明亮", worker.username, chief.username):
        assert hidden not in page


def test_a_resolved_grievance_is_rated_and_a_low_rating_reopens_it(client, named, union):
    chief = ZoneStaff.objects.get(zone=union.zone).user
    for step in (g.do_verify_grievance, g.do_start_grievance):
        if step is g.do_start_grievance:
            g.do_assign_grievance(named, kind="mediator", name="调解员", actor=chief)
        step(named, actor=chief)
    g.do_resolve_grievance(named, actor=chief, feedback="企业已补发全部工资")
    check(client, named.tracking_code, "8000")
    page = client.get(TRACK)
    assert "企业已补发全部工资" in text(page) and page.context["can_rate"]

    refused = client.post(reverse("events:grievance-rate"), {"rating": "9"})
    assert refused.status_code == 400
    named.refresh_from_db()
    assert named.status == "resolved" and named.rating is None

    rated = client.post(reverse("events:grievance-rate"), {"rating": "5", "comment": "很满意"})
    assert rated.status_code == 302
    named.refresh_from_db()
    assert (named.status, named.rating, named.rating_comment) == ("evaluated", 5, "很满意")

    no_reason = client.post(reverse("events:grievance-reopen"), {"reason": " "})
    assert no_reason.status_code == 400
    reopened = client.post(reverse("events:grievance-reopen"), {"reason": "又开始拖欠了"})
    assert reopened.status_code == 302
    named.refresh_from_db()
    assert (named.status, named.reopen_count) == ("reopened", 1)
    assert named.events.filter(status_to="reopened", actor=None, text="又开始拖欠了").exists()


def test_rating_and_reopening_need_the_tracking_check_first(client, named):
    for url in (reverse("events:grievance-rate"), reverse("events:grievance-reopen")):
        response = client.post(url, {"rating": "1", "reason": "x"})
        assert response.status_code == 302 and response["Location"] == TRACK
    named.refresh_from_db()
    assert named.status == "submitted"


def test_the_access_ends_after_its_minutes_and_on_leaving(client, named, settings):
    check(client, named.tracking_code, "8000")
    client.post(reverse("events:grievance-leave"))
    assert client.get(TRACK).context.get("grievance") is None
    settings.GRIEVANCE_TRACK_ACCESS_MINUTES = -1
    check(client, named.tracking_code, "8000")
    assert client.get(TRACK).context.get("grievance") is None


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_guesses_are_limited_per_code_whoever_asks(named, settings):
    _rates(settings, **{"public-track-code": "3/hour"})
    statuses = [check(en(REMOTE_ADDR=f"10.0.0.{n}"), named.tracking_code, f"{1000 + n}").status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]
    right = check(en(REMOTE_ADDR="10.0.0.99"), named.tracking_code, "8000")
    assert right.status_code == 429 and "Too many requests" in text(right)  # even the right secret waits
    other = check(Client(HTTP_ACCEPT_LANGUAGE="en"), "ABCDEFGHJK", "8000")
    assert other.status_code == 400  # another code is counted on its own


def test_guesses_are_limited_per_address_across_codes(named, settings):
    _rates(settings, **{"public-track": "3/hour"})
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    codes = ["ABCDEFGHJK", "BCDEFGHJKM", "CDEFGHJKMN", named.tracking_code]
    assert [check(client, code, "8000").status_code for code in codes] == [400, 400, 400, 429]
    assert check(en(REMOTE_ADDR="10.9.9.9"), named.tracking_code, "8000").status_code == 302


def test_a_malformed_code_is_a_field_error_and_no_guess(client):
    response = check(client, "ABC", "8000")
    assert response.status_code == 400 and "code" in response.context["form"].errors


def test_an_unknown_code_costs_what_a_wrong_secret_costs(named, anonymous, monkeypatch):
    """One query and one password check each, so the time taken does not tell a code exists."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events import grievance_pages

    hashed = []
    real = grievance_pages.check_password
    monkeypatch.setattr(grievance_pages, "check_password", lambda *a: hashed.append(1) or real(*a))
    costs = []
    for code, secret in [("ABCDEFGHJK", "1234"), (named.tracking_code, "1234"), (anonymous.tracking_code, "1234")]:
        hashed.clear()
        with CaptureQueriesContext(connection) as queries:
            assert check_tracking(code, secret) is None
        costs.append((len(queries), len(hashed)))
    assert costs == [(1, 1)] * 3
