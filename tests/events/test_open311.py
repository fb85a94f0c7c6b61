"""Open311 GeoReport v2: discovery, services, filing and reading requests with a federation's key,
in JSON and XML; errors as the spec's list; nothing about the submitter ever leaves."""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.choices import GrievanceChannel, GrievanceStatus
from events.models import Grievance
from events.open311.keys import do_create_open311_key, do_revoke_open311_key, key_for
from events.open311.models import Open311Key, hash_key
from events.open311.views import Open311PostThrottle
from tests.events.factories import GrievanceFactory
from tests.factories import FederationFactory, GrassrootsUnionFactory, RoleAssignmentFactory, UserFactory, ZoneFactory
from unionhub.core.choices import Role, SecurityEventKind
from unionhub.core.models import SecurityEvent

BASE = "/open311/v2/"


def staff_of(federation):
    user = UserFactory(federation=federation)
    RoleAssignmentFactory(user=user, federation=federation, role=Role.FEDERATION_STAFF)
    return user


def make_key(federation, name="12351 热线系统"):
    return do_create_open311_key(Open311Key(federation=federation, name=name), actor=staff_of(federation))


@pytest.fixture
def county(db):
    zone = ZoneFactory()
    return zone


def filing(key: str, **extra) -> dict[str, str]:
    data = {
        "api_key": key,
        "service_code": "wage_arrears",
        "description": "工地老板拖欠三个月工资",
        "lat": "",
        "long": "",
        "address_string": "江北区某工地",
        "first_name": "师傅",
        "last_name": "王",
        "phone": "13912345678",
        "email": "wang@example.com",
    }
    data.update(extra)
    return data


def at_point(zone) -> dict[str, str]:
    centre = zone.boundary.centroid
    return {"lat": f"{centre.y:.6f}", "long": f"{centre.x:.6f}"}


# --- reading the catalogue (no key) ----------------------------------------------------------------


@pytest.mark.django_db
def test_discovery_and_services_answer_without_a_key_in_both_formats(client: Client):
    discovery = client.get(BASE + "discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(discovery["endpoints"][0]["formats"]) == {"text/xml", "application/json"}
    services = client.get(BASE + "services.json").json()
    assert {s["service_code"] for s in services} >= {"wage_arrears", "work_injury", "other"}
    xml = client.get(BASE + "services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == [s["service_code"] for s in services]
    assert (
        ET.fromstring(client.get(BASE + "discovery.xml").content).find("endpoints/endpoint/formats/format") is not None
    )


@pytest.mark.django_db
def test_service_names_are_translated(client: Client):
    english = client.get(BASE + "services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get(BASE + "services.json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert english[0]["service_name"] == "Wage arrears"
    assert chinese[0]["service_code"] == english[0]["service_code"]


@pytest.mark.django_db
def test_a_service_definition_lists_our_attributes_and_an_unknown_code_is_a_404_error_list(client: Client):
    definition = client.get(BASE + "services/work_injury.json").json()
    assert definition["service_code"] == "work_injury"
    assert {a["code"] for a in definition["attributes"]} == {"anonymous", "employer_blind", "identity_consent", "pin"}
    root = ET.fromstring(client.get(BASE + "services/work_injury.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "true"
    missing = client.get(BASE + "services/parking.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404 and missing.json()[0]["description"]
    missing_xml = client.get(BASE + "services/parking.xml")
    assert missing_xml.status_code == 404
    assert ET.fromstring(missing_xml.content).find("error/code").text == "404"


# --- keys -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_key_is_stored_hashed_marked_when_used_and_refused_once_revoked(county):
    plain = make_key(county.federation)
    stored = Open311Key.objects.get()
    assert plain not in str(Open311Key.objects.values().get())
    assert stored.key_hash == hash_key(plain) and plain.startswith(stored.prefix)
    assert key_for(plain) == stored
    assert Open311Key.objects.get().last_used_at is not None
    do_revoke_open311_key(stored, actor=staff_of(county.federation))
    assert key_for(plain) is None
    assert key_for(plain + "x") is None and key_for("") is None
    logged = SecurityEvent.objects.filter(detail__role="open311_key").order_by("id")
    assert [e.kind for e in logged] == [SecurityEventKind.ROLE_GRANT, SecurityEventKind.ROLE_REVOKE]
    assert all(e.federation_path == county.federation.path and plain not in str(e.detail) for e in logged)


@pytest.mark.django_db
def test_staff_make_a_key_in_the_admin_and_see_it_once(county):
    staff = staff_of(county.federation)
    client = Client()
    client.force_login(staff)
    response = client.post(
        reverse("admin:events_open311key_add"), {"federation": county.federation.pk, "name": "市民 App"}
    )
    assert response.status_code == 200
    key = Open311Key.objects.get()
    shown = response.content.decode().split('id="open311-key">')[1].split("<")[0]
    assert key.key_hash == hash_key(shown)
    assert shown not in client.get(reverse("admin:events_open311key_change", args=[key.pk])).content.decode()
    client.post(
        reverse("admin:events_open311key_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    assert Open311Key.objects.get().revoked_at is not None


@pytest.mark.django_db
def test_staff_of_another_county_neither_see_nor_revoke_a_key(county):
    make_key(county.federation)
    key = Open311Key.objects.get()
    outsider = staff_of(FederationFactory())
    client = Client()
    client.force_login(outsider)
    assert client.get(reverse("admin:events_open311key_change", args=[key.pk])).status_code in (302, 404)
    client.post(reverse("admin:events_open311key_changelist"), {"action": "revoke", "_selected_action": [key.pk]})
    assert Open311Key.objects.get().revoked_at is None


# --- filing ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_post_files_a_grievance_in_the_keys_federation(client: Client, county):
    key = make_key(county.federation)
    response = client.post(BASE + "requests.json", filing(key, **at_point(county)))
    assert response.status_code == 201, response.content
    [answer] = response.json()
    grievance = Grievance.objects.get(tracking_code=answer["service_request_id"])
    assert grievance.channel == GrievanceChannel.OPEN311
    assert grievance.status == GrievanceStatus.SUBMITTED
    assert grievance.zone == county and grievance.federation == county.federation
    assert grievance.submitter_name == "王师傅"
    assert grievance.phone_last4 == "5678"
    assert grievance.events.count() == 1


@pytest.mark.django_db
def test_an_anonymous_post_without_phone_needs_a_pin(client: Client, county):
    key = make_key(county.federation)
    no_pin = client.post(BASE + "requests.json", filing(key, phone="", **{"attribute[anonymous]": "true"}))
    assert no_pin.status_code == 400
    assert no_pin.json()[0]["description"].startswith("pin")
    ok = client.post(
        BASE + "requests.xml",
        filing(
            key,
            phone="",
            **{"attribute[anonymous]": "true", "attribute[pin]": "2468", "attribute[employer_blind]": "true"},
        ),
    )
    assert ok.status_code == 201
    code = ET.fromstring(ok.content).find("request/service_request_id").text
    grievance = Grievance.objects.get(tracking_code=code)
    assert grievance.anonymous and grievance.submitter_name == "" and grievance.employer_blind
    assert grievance.check_pin("2468")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, words",
    [
        ({"service_code": "parking"}, "parking"),
        ({"service_code": ""}, "service"),
        ({"lat": "91", "long": "121.5"}, "lat"),
        ({"lat": "abc", "long": "121.5"}, "lat"),
        ({"lat": "29.8"}, "lat"),
        ({"lat": "", "long": "", "address_string": ""}, "address_string"),
        ({"lat": "40.0", "long": "-74.0"}, "lat/long"),  # outside the federation (New York)
        ({"description": "欠" * 4001}, "description"),
        ({"description": "<script>alert(1)</script>工资"}, "description"),
        ({"description": "   "}, "description"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_bad_posts_answer_a_400_error_list_and_save_nothing(client: Client, county, change, words):
    key = make_key(county.federation)
    response = client.post(BASE + "requests.json", filing(key, **change), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    listed = response.json()
    assert listed and all(e["code"] == 400 and e["description"] for e in listed)
    assert any(words in e["description"] for e in listed), listed
    xml = client.post(BASE + "requests.xml", filing(key, **change))
    assert xml.status_code == 400 and ET.fromstring(xml.content).tag == "errors"
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_posting_needs_a_valid_key(client: Client, county):
    assert client.post(BASE + "requests.json", filing("")).status_code == 403
    assert client.post(BASE + "requests.json", filing("uh311_guessed")).status_code == 403
    key = make_key(county.federation)
    do_revoke_open311_key(Open311Key.objects.get(), actor=staff_of(county.federation))
    refused = client.post(BASE + "requests.xml", filing(key))
    assert refused.status_code == 403
    assert ET.fromstring(refused.content).find("error/code").text == "403"
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_posts_beyond_the_keys_rate_are_refused_with_429(client: Client, county, monkeypatch):
    monkeypatch.setattr(Open311PostThrottle, "THROTTLE_RATES", {"public-open311": "2/min"})
    key, other = make_key(county.federation), make_key(county.federation, "App")
    statuses = [client.post(BASE + "requests.json", filing(key)).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert client.post(BASE + "requests.json", filing(other)).status_code == 201  # counted per key
    assert Grievance.objects.count() == 3


# --- reading ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reading_requests_needs_a_key(client: Client, county):
    grievance = GrievanceFactory(union=GrassrootsUnionFactory(zone=county))
    for url in (BASE + "requests.json", BASE + f"requests/{grievance.tracking_code}.json"):
        response = client.get(url)
        assert response.status_code == 403
        assert grievance.description not in response.content.decode()


@pytest.mark.django_db
def test_a_key_never_sees_another_countys_requests(client: Client, county):
    mine = GrievanceFactory(union=GrassrootsUnionFactory(zone=county))
    theirs = GrievanceFactory()
    key = make_key(county.federation)
    listed = client.get(BASE + "requests.json", {"api_key": key}).json()
    assert [r["service_request_id"] for r in listed] == [mine.tracking_code]
    by_id = client.get(BASE + "requests.json", {"api_key": key, "service_request_id": theirs.tracking_code}).json()
    assert by_id == []
    detail = client.get(BASE + f"requests/{theirs.tracking_code}.json", {"api_key": key})
    assert detail.status_code == 404
    assert theirs.description not in detail.content.decode()


@pytest.mark.django_db
def test_a_request_carries_no_personal_data_and_maps_the_status(client: Client, county):
    grievance = GrievanceFactory(union=GrassrootsUnionFactory(zone=county), employer_blind=True)
    Grievance.objects.filter(pk=grievance.pk).update(status=GrievanceStatus.RESOLVED, resolution="已协调发放工资")
    key = make_key(county.federation)
    response = client.get(BASE + f"requests/{grievance.tracking_code}.json", {"api_key": key})
    [item] = response.json()
    assert item["status"] == "closed"
    assert item["status_notes"] == "已协调发放工资"
    assert item["extended_attributes"]["detailed_status"] == "PROCESSED"
    text = response.content.decode()
    for personal in ("王师傅", "13800138000", "8000", "phone", "first_name", "email"):
        assert personal not in text
    assert item["requested_datetime"].endswith("+08:00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, open311, detailed",
    [
        (GrievanceStatus.SUBMITTED, "open", "RECEIVED"),
        (GrievanceStatus.IN_PROGRESS, "open", "IN_PROCESS"),
        (GrievanceStatus.REOPENED, "open", "IN_PROCESS"),
        (GrievanceStatus.EVALUATED, "closed", "PROCESSED"),
        (GrievanceStatus.CLOSED, "closed", "ARCHIVED"),
    ],
)
def test_status_filter_follows_the_mapping(client: Client, county, status, open311, detailed):
    grievance = GrievanceFactory(union=GrassrootsUnionFactory(zone=county))
    Grievance.objects.filter(pk=grievance.pk).update(status=status)
    key = make_key(county.federation)
    [item] = client.get(BASE + "requests.json", {"api_key": key, "status": open311}).json()
    assert item["extended_attributes"]["detailed_status"] == detailed
    other = "closed" if open311 == "open" else "open"
    assert client.get(BASE + "requests.json", {"api_key": key, "status": other}).json() == []


@pytest.mark.django_db
def test_bad_filters_answer_400(client: Client, county):
    key = make_key(county.federation)
    for params in (
        {"start_date": "2026-05-01"},
        {"end_date": "yesterday"},
        {"status": "pending"},
        {"service_code": "x"},
    ):
        response = client.get(BASE + "requests.json", {"api_key": key, **params})
        assert response.status_code == 400, params
        assert response.json()[0]["code"] == 400


# --- the round trip over HTTP ----------------------------------------------------------------------


def _http(url: str, data: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Accept-Language": "en"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read(), refused.headers["Content-Type"]


@pytest.mark.django_db(transaction=True)
def test_a_client_round_trip_over_http_in_json_and_xml(live_server):
    zone = ZoneFactory()
    key = make_key(zone.federation)
    base = live_server.url + BASE
    before = timezone.localtime() - datetime.timedelta(minutes=1)

    status, body, kind = _http(base + "requests.json", filing(key, **at_point(zone)))
    assert status == 201 and kind.startswith("application/json")
    json_id = json.loads(body)[0]["service_request_id"]
    status, body, kind = _http(base + "requests.xml", filing(key, service_code="work_injury", description="工伤未认定"))
    assert status == 201 and kind.startswith("text/xml")
    xml_id = ET.fromstring(body).find("request/service_request_id").text

    # By id, in both formats.
    status, body, _ = _http(base + f"requests/{json_id}.json?api_key={key}")
    [item] = json.loads(body)
    assert status == 200 and item["service_code"] == "wage_arrears" and item["status"] == "open"
    assert item["lat"] == pytest.approx(float(at_point(zone)["lat"]))
    status, body, _ = _http(base + f"requests/{xml_id}.xml?api_key={key}")
    request = ET.fromstring(body).find("request")
    assert request.findtext("service_code") == "work_injury"
    assert request.findtext("extended_attributes/detailed_status") == "RECEIVED"

    # By date range (the zone's '+' sent unencoded, as many clients do, and encoded).
    start = before.isoformat(timespec="seconds")
    end = (before + datetime.timedelta(hours=1)).isoformat(timespec="seconds")
    status, body, _ = _http(base + f"requests.json?api_key={key}&start_date={start}&end_date={urllib.parse.quote(end)}")
    assert status == 200 and {r["service_request_id"] for r in json.loads(body)} == {json_id, xml_id}
    query = urllib.parse.urlencode(
        {"api_key": key, "start_date": start, "end_date": end, "service_code": "work_injury"}
    )
    status, body, _ = _http(base + f"requests.xml?{query}")
    assert [r.findtext("service_request_id") for r in ET.fromstring(body).findall("request")] == [xml_id]
    earlier = urllib.parse.urlencode(
        {"api_key": key, "end_date": (before - datetime.timedelta(days=1)).isoformat(timespec="seconds")}
    )
    status, body, _ = _http(base + f"requests.json?{earlier}")
    assert json.loads(body) == []
    # By a list of ids.
    query = urllib.parse.urlencode({"api_key": key, "service_request_id": f"{json_id},{xml_id}"})
    assert len(json.loads(_http(base + f"requests.json?{query}")[1])) == 2

    # A revoked key reads nothing more.
    do_revoke_open311_key(Open311Key.objects.get(), actor=staff_of(zone.federation))
    status, body, _ = _http(base + f"requests/{json_id}.json?api_key={key}")
    assert status == 403 and json.loads(body)[0]["code"] == 403


@pytest.mark.django_db
def test_the_key_may_come_in_a_header_to_keep_it_out_of_urls(client: Client, county):
    grievance = GrievanceFactory(union=GrassrootsUnionFactory(zone=county))
    key = make_key(county.federation)
    response = client.get(BASE + f"requests/{grievance.tracking_code}.json", HTTP_X_API_KEY=key)
    assert response.status_code == 200
    assert client.get(BASE + f"requests/{grievance.tracking_code}.json", HTTP_X_API_KEY="uh311_no").status_code == 403


@pytest.mark.django_db
def test_a_key_can_be_made_from_the_command_line_by_staff_of_the_node(county):
    from io import StringIO

    from django.core.management import CommandError, call_command

    staff = staff_of(county.federation)
    out = StringIO()
    call_command("open311_key", federation=str(county.federation.pk), name="演示", user=staff.username, stdout=out)
    assert key_for(out.getvalue().strip()).federation == county.federation
    outsider = staff_of(FederationFactory())
    with pytest.raises(CommandError):
        call_command("open311_key", federation=county.federation.name, name="x", user=outsider.username)
    assert Open311Key.objects.count() == 1
