"""The grievance loop (职工诉求): intake, every transition through its action, employer-blind hiding, bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events import grievances as g
from events.models import Grievance, GrievanceAttachment, GrievanceEvent
from stations.models import HelpRequest
from tests import factories as f
from tests.events.factories import GrievanceFactory
from unionhub.core.choices import Role, SecurityEventKind
from unionhub.core.models import Notification, RoleAssignment, SecurityEvent
from zones.choices import FindingStatus, WorkKind, WorkState
from zones.models import UnionChair, WorkItem, ZoneStaff

pytestmark = pytest.mark.django_db

URL = "/api/v1/grievances/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def post(client, grievance, verb, data=None):
    return client.post(
        f"{URL}{grievance['id'] if isinstance(grievance, dict) else grievance.pk}/{verb}/", data or {}, format="json"
    )


def test_a_hotline_grievance_goes_through_every_state_to_closed(zone_world, client_for):
    union, chief, worker = zone_world
    staff = client_for(chief)
    created = staff.post(
        URL,
        {
            "category": "wage_arrears",
            "description": "公司拖欠我们三个月工资，老板联系不上",
            "union": union.pk,
            "submitter_name": "李师傅",
            "new_phone": "13900001234",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    grievance = created.json()
    assert grievance["status"] == "submitted" and grievance["phone"].endswith("1234")
    assert len(grievance["tracking_code"].replace("-", "")) == 10

    verified = post(staff, grievance, "verify", {"tier": "general"}).json()
    assert verified["status"] == "verified" and verified["due_at"]
    assert WorkItem.objects.filter(kind=WorkKind.GRIEVANCE, zone=union.zone, assignee=None).count() == 1

    assigned = post(staff, grievance, "assign", {"kind": "zone_worker", "user": worker.pk}).json()
    assert assigned["status"] == "assigned" and assigned["assignee"] == worker.pk
    assert WorkItem.objects.filter(kind=WorkKind.GRIEVANCE, assignee=worker).exists()  # in the worker's inbox

    handler = client_for(worker)
    assert post(handler, grievance, "start").json()["status"] == "in_progress"
    assert post(handler, grievance, "log", {"text": "已约谈企业负责人"}).status_code == 201
    assert (
        post(handler, grievance, "log", {"text": "老板有转移资产迹象", "kind": "note", "internal": True}).status_code
        == 201
    )
    resolved = post(handler, grievance, "resolve", {"feedback": "企业已补发全部工资"}).json()
    assert resolved["status"] == "resolved"
    assert WorkItem.objects.filter(kind=WorkKind.GRIEVANCE, state=WorkState.DONE).count() == 2

    assert post(handler, grievance, "evaluate", {"rating": 5, "comment": "很满意"}).json()["status"] == "evaluated"
    closed = post(staff, grievance, "close").json()
    assert closed["status"] == "closed"

    timeline = staff.get(f"{URL}{grievance['id']}/timeline/").json()
    assert [e["status_to"] for e in timeline if e["kind"] == "transition"] == [
        "submitted",
        "verified",
        "assigned",
        "in_progress",
        "resolved",
        "evaluated",
        "closed",
    ]
    public = staff.get(f"{URL}{grievance['id']}/timeline/?internal=false").json()
    assert all("转移资产" not in e["text"] for e in public)  # the worker's view leaves internal notes out
    assert any("转移资产" in e["text"] for e in timeline)


def test_a_low_rating_reopens_the_grievance_and_it_is_resolved_again(zone_world):
    union, chief, _worker = zone_world
    grievance = GrievanceFactory(union=union)
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="mediator", name="调解员张某", actor=chief)
    g.do_start_grievance(grievance, actor=chief)
    g.do_resolve_grievance(grievance, actor=chief, feedback="已调解")
    g.do_evaluate_grievance(grievance, rating=2, comment="钱只发了一半", actor=chief)
    grievance.refresh_from_db()
    assert (grievance.status, grievance.rating, grievance.reopen_count) == ("reopened", 2, 1)
    g.do_resolve_grievance(grievance, actor=chief, feedback="余款已付清")
    g.do_evaluate_grievance(grievance, rating=4, actor=chief)
    grievance.refresh_from_db()
    assert (grievance.status, grievance.rating) == ("evaluated", 4)


def test_the_worker_may_ask_to_reopen_even_with_a_good_rating(zone_world):
    union, chief, _ = zone_world
    grievance = GrievanceFactory(union=union)
    for step in (g.do_verify_grievance, g.do_start_grievance):
        if step is g.do_start_grievance:
            g.do_assign_grievance(grievance, kind="department", name="区人社局劳动监察大队", actor=chief)
        step(grievance, actor=chief)
    g.do_resolve_grievance(grievance, actor=chief, feedback="已转劳动监察")
    g.do_evaluate_grievance(grievance, rating=4, reopen=True, comment="还没到账", actor=chief)
    assert Grievance.objects.get(pk=grievance.pk).status == "reopened"


def test_closing_without_evaluation_needs_the_logged_contact_attempts(zone_world, client_for, settings):
    settings.GRIEVANCE_CLOSE_CONTACT_ATTEMPTS = 3
    union, chief, _ = zone_world
    grievance = GrievanceFactory(union=union)
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="lawyer", name="工会律师赵某", actor=chief)
    g.do_start_grievance(grievance, actor=chief)
    g.do_resolve_grievance(grievance, actor=chief, feedback="已出具法律意见")
    staff = client_for(chief)
    for attempt in range(2):
        assert post(staff, grievance, "contact-attempts", {"text": f"第{attempt + 1}次电话未接"}).status_code == 201
    refused = post(staff, grievance, "close")
    assert refused.status_code == 400 and "3" in str(refused.json())
    assert Grievance.objects.get(pk=grievance.pk).status == "resolved"
    post(staff, grievance, "contact-attempts", {"text": "短信未回"})
    assert post(staff, grievance, "close").json()["status"] == "closed"


def test_each_transition_is_refused_from_the_wrong_state(zone_world):
    union, chief, _ = zone_world
    grievance = GrievanceFactory(union=union)
    with pytest.raises(ValidationError):
        g.do_resolve_grievance(grievance, actor=chief, feedback="x")
    with pytest.raises(ValidationError):
        g.do_close_grievance(grievance, actor=chief)
    with pytest.raises(ValidationError):
        g.do_evaluate_grievance(grievance, rating=5, actor=chief)
    assert Grievance.objects.get(pk=grievance.pk).status == "submitted"
    assert not GrievanceEvent.objects.filter(grievance=grievance).exists()


def test_only_the_zone_and_staff_decide_a_union_chair_handles_what_is_assigned_to_it(zone_world, client_for):
    union, chief, _ = zone_world
    chair = f.UserFactory(username="chair")
    UnionChair.objects.create(user=chair, union=union)
    grievance = GrievanceFactory(union=union)
    assert post(client_for(chair), grievance, "verify").status_code == 404  # not theirs to see
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="union", union=union, actor=chief)
    chair_client = client_for(chair)
    assert post(chair_client, grievance, "start").json()["status"] == "in_progress"
    assert post(chair_client, grievance, "pause", {"reason": "等仲裁"}).status_code == 404  # deciding is the zone's
    leader = f.UserFactory(username="leader")
    RoleAssignment.objects.create(user=leader, role=Role.LEADERSHIP, federation=union.federation)
    assert client_for(leader).get(f"{URL}{grievance.pk}/").status_code == 200
    assert post(client_for(leader), grievance, "resolve", {"feedback": "x"}).status_code == 404
    assert Notification.objects.filter(recipient=chair, key__startswith=f"grievance-{grievance.pk}-assigned").exists()


# --- employer-blind -------------------------------------------------------------------------------


@pytest.fixture
def blind(zone_world):
    """An employer-blind grievance about an enterprise whose union chair is also a zone auxiliary."""
    union, chief, _worker = zone_world
    employer = f.EnterpriseFactory(union=union)
    chair = f.UserFactory(username="chair_and_auxiliary")
    UnionChair.objects.create(user=chair, union=union)
    ZoneStaff.objects.create(user=chair, zone=union.zone, role=Role.ZONE_AUXILIARY)
    grievance = GrievanceFactory(
        union=None,
        employer=employer,
        zone=union.zone,
        federation=union.federation,
        employer_blind=True,
        submitter_name="周师傅",
    )
    return grievance, chair, chief


def test_an_employer_blind_grievance_never_goes_to_the_employers_own_union(blind, client_for):
    grievance, _, chief = blind
    g.do_verify_grievance(grievance, actor=chief)
    refused = post(client_for(chief), grievance, "assign", {"kind": "union", "union": grievance.union_id})
    assert refused.status_code == 400 and "union" in refused.json()
    grievance.refresh_from_db()
    assert (grievance.status, grievance.assigned_union_id) == ("verified", None)


def test_the_employers_union_chair_never_sees_who_filed(blind, client_for):
    grievance, chair, chief = blind
    seen = client_for(chair).get(f"{URL}{grievance.pk}/").json()
    assert seen["submitter_name"] == "" and seen["phone"] == ""
    listed = client_for(chair).get(URL).json()["results"]
    assert all(row["submitter_name"] == "" for row in listed)
    assert client_for(chief).get(f"{URL}{grievance.pk}/").json()["submitter_name"] == "周师傅"
    admin = Client()
    admin.force_login(chair)
    page = admin.get(reverse("admin:events_grievance_change", args=[grievance.pk]))
    assert page.status_code == 200
    assert "周师傅" not in page.content.decode() and "8000" not in page.content.decode()
    # Nothing sent about it names the worker, whoever receives it.
    g.do_verify_grievance(grievance, actor=chief)
    g.do_assign_grievance(grievance, kind="zone_worker", user=chair, actor=chief)
    texts = [f"{n.title} {n.body}" for n in Notification.objects.all()]
    texts += [f"{w.title} {w.detail}" for w in WorkItem.objects.all()]
    assert texts and not any("周" in text or "8000" in text for text in texts)


def test_with_the_workers_consent_the_chair_may_see_the_name(blind, client_for):
    grievance, chair, _ = blind
    Grievance.objects.filter(pk=grievance.pk).update(identity_consent=True)
    assert client_for(chair).get(f"{URL}{grievance.pk}/").json()["submitter_name"] == "周师傅"


# --- other channels -------------------------------------------------------------------------------


def test_a_station_help_request_is_taken_up_once(zone_world):
    union, chief, _ = zone_world
    station = f.StationFactory(zone=union.zone, federation=union.federation)
    help_request = HelpRequest(station=station, topic="injury", description="搬货时摔伤了腰，老板不给报工伤")
    help_request.set_phone("13700005678")
    help_request.save()
    grievance = g.do_raise_grievance_from_help_request(help_request, actor=chief)
    help_request.refresh_from_db()
    assert help_request.status == "taken_up"
    assert (grievance.channel, grievance.category, grievance.zone_id) == ("station", "work_injury", union.zone_id)
    assert grievance.phone_last4 == "5678" and grievance.reveal_phone() == "13700005678"
    with pytest.raises(ValidationError):
        g.do_raise_grievance_from_help_request(help_request, actor=chief)
    assert Grievance.objects.filter(help_request=help_request).count() == 1


def test_a_visit_finding_is_raised_as_a_grievance(zone_world):
    union, chief, _ = zone_world
    finding = f.FindingFactory(
        union=union, kind="incident", category="", description="车间消防通道被堵", raised_by=chief
    )
    grievance = g.do_raise_grievance_from_finding(finding, category="occupational_safety", actor=chief)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.IN_PROGRESS
    assert (grievance.channel, grievance.union_id, grievance.status) == ("visit", union.pk, "submitted")
    with pytest.raises(ValidationError):
        g.do_raise_grievance_from_finding(finding, category="other", actor=chief)


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    ["", "   ", "欠" * 4001, "工资没发<script>alert(1)</script>", '<a href="http://x">点这里</a>'],
    ids=["empty", "blank", "too-long", "script", "link"],
)
def test_bad_descriptions_are_refused_on_the_field_and_nothing_is_written(zone_world, client_for, description):
    union, chief, _ = zone_world
    response = client_for(chief).post(
        URL,
        {"category": "wage_arrears", "description": description, "union": union.pk, "new_phone": "13900001234"},
        format="json",
    )
    assert response.status_code == 400
    assert "description" in response.json()
    assert not Grievance.objects.exists()


def test_an_unknown_category_or_a_missing_phone_is_refused_on_its_field(zone_world, client_for):
    union, chief, _ = zone_world
    client = client_for(chief)
    unknown = client.post(
        URL, {"category": "weather", "description": "x", "union": union.pk, "new_phone": "13900001234"}, format="json"
    )
    assert unknown.status_code == 400 and "category" in unknown.json()
    no_phone = client.post(URL, {"category": "other", "description": "咨询社保", "union": union.pk}, format="json")
    assert no_phone.status_code == 400 and "phone" in no_phone.json()
    anonymous = client.post(
        URL, {"category": "other", "description": "咨询社保", "union": union.pk, "anonymous": True}, format="json"
    )
    assert anonymous.status_code == 400 and "pin" in anonymous.json()
    assert not Grievance.objects.exists()


def test_an_attachment_that_is_not_an_image_is_refused(zone_world, client_for):
    union, chief, _ = zone_world
    grievance = GrievanceFactory(union=union)
    client = client_for(chief)
    fake = SimpleUploadedFile("工资条.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    refused = client.post(f"{URL}{grievance.pk}/photos/", {"image": fake}, format="multipart")
    assert refused.status_code == 400 and "image" in refused.json()
    assert not GrievanceAttachment.objects.exists()
    photo = SimpleUploadedFile("工资条.jpg", f.jpeg_bytes(), content_type="image/jpeg")
    accepted = client.post(f"{URL}{grievance.pk}/photos/", {"image": photo}, format="multipart")
    assert accepted.status_code == 201
    assert client.get(accepted.json()["url"]).status_code == 200


def test_tracking_codes_are_short_unguessable_and_typable():
    codes = {GrievanceFactory().tracking_code for _ in range(20)}
    assert len(codes) == 20
    assert all(len(code) == 10 and not set(code) & set("01ILOU") for code in codes)


def test_figures_per_zone_count_each_step_separately(zone_world):
    import datetime

    from django.utils import timezone

    from events.grievance_metrics import grievance_figures

    union, chief, _ = zone_world
    outcomes = {"open": None, "happy": 5, "unhappy": 1, "unrated": None}
    for label, rating in outcomes.items():
        grievance = GrievanceFactory(union=union, description=label)
        if label == "open":
            continue
        g.do_verify_grievance(grievance, actor=chief)
        g.do_assign_grievance(grievance, kind="mediator", name="调解员", actor=chief)
        g.do_start_grievance(grievance, actor=chief)
        g.do_resolve_grievance(grievance, actor=chief, feedback="已处理")
        if rating:
            g.do_evaluate_grievance(grievance, rating=rating, actor=chief)
    now = timezone.now()
    figures = grievance_figures(now - datetime.timedelta(days=1), now + datetime.timedelta(minutes=1), user=chief)
    zone = figures[union.zone_id]
    assert (zone.found, zone.handled, zone.handled_on_time, zone.evaluated, zone.satisfied, zone.reopened) == (
        4,
        3,
        3,
        2,
        1,
        1,
    )
    assert zone.median_to_resolve is not None and zone.satisfied_rate == 0.5
    outsider = f.UserFactory(username="outsider")
    assert grievance_figures(now - datetime.timedelta(days=1), now, user=outsider) == {}


def test_the_export_leaves_the_submitter_out_for_the_employers_chair(blind, client_for):
    import io

    from openpyxl import load_workbook

    grievance, chair, chief = blind

    def exported(user) -> str:
        response = client_for(user).get(f"{URL}export/")
        assert response.status_code == 200, response.status_code
        sheet = load_workbook(io.BytesIO(response.content)).active
        return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell)

    assert "周师傅" in exported(chief) and "8000" in exported(chief)
    seen_by_chair = exported(chair)
    assert grievance.formatted_code in seen_by_chair
    assert "周师傅" not in seen_by_chair and "8000" not in seen_by_chair
    # Each export is on the security log, with its row count and nothing about the submitter.
    events = SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).order_by("id")
    assert [(e.actor_id, e.detail) for e in events][-1] == (chair.pk, {"what": "grievances", "rows": 1})


def test_help_requests_and_findings_are_raised_through_the_api(zone_world, client_for):
    union, chief, _ = zone_world
    station = f.StationFactory(zone=union.zone, federation=union.federation)
    help_request = HelpRequest.objects.create(station=station, topic="wages", description="两个月没发工资")
    client = client_for(chief)
    raised = client.post(f"{URL}from-help-request/", {"help_request": help_request.pk}, format="json")
    assert raised.status_code == 201 and raised.json()["category"] == "wage_arrears"
    again = client.post(f"{URL}from-help-request/", {"help_request": help_request.pk}, format="json")
    assert again.status_code == 400
    finding = f.FindingFactory(union=union, kind="hardship", category="", description="职工家属重病", raised_by=chief)
    raised = client.post(f"{URL}from-finding/", {"finding": finding.pk, "category": "hardship"}, format="json")
    assert raised.status_code == 201 and raised.json()["channel"] == "visit"
    outsider = f.UserFactory(username="outsider")
    other = f.FindingFactory(kind="hardship", category="", description="x", raised_by=outsider)
    hidden = client.post(f"{URL}from-finding/", {"finding": other.pk, "category": "hardship"}, format="json")
    assert hidden.status_code == 400 and "finding" in hidden.json()
