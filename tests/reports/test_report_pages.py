"""The report pages (/dashboard/reports/) and API (/api/v1/reports/): scope, files, edit, lock, ad hoc."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.worlds import actor, build_world
from unionhub.core.choices import Role
from unionhub.core.models import Job
from unionhub.reports import actions
from unionhub.reports.dashboard import Period
from unionhub.reports.models import QuarterlyReport, ReportStatus
from unionhub.reports.quarterly import Node, quarter_period
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with override_settings(REPORT_LANGUAGE="en", LANGUAGE_CODE="en"):
        yield


@pytest.fixture
def worlds():
    a, b = build_world("甲", 121.40), build_world("乙", 121.60)
    quarter = Quarter.current()
    mine = actions.build_report(Node(a.federation), quarter_period(quarter), quarter=quarter)
    theirs = actions.build_report(Node(b.federation), quarter_period(quarter), quarter=quarter)
    return a, b, mine, theirs


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_the_reports_in_scope_and_never_a_neighbours(worlds):
    a, _b, mine, theirs = worlds
    page = login(actor(a, Role.LEADERSHIP)).get("/dashboard/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="report-{mine.pk}"' in html and f'id="report-{theirs.pk}"' not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"


@pytest.mark.parametrize("role", [Role.STATION_KEEPER, Role.UNION_CHAIR])
def test_roles_without_figures_are_refused(worlds, role):
    a, *_ = worlds
    assert login(actor(a, role)).get("/dashboard/reports/").status_code == 403


def test_files_are_served_only_in_scope(worlds):
    a, _b, mine, theirs = worlds
    client = login(actor(a, Role.ZONE_CHIEF))
    zone_report = actions.build_report(
        Node.of_zone(a.zone), quarter_period(Quarter.current()), quarter=Quarter.current()
    )
    response = client.get(f"/dashboard/reports/{zone_report.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client.get(f"/dashboard/reports/{mine.pk}/pdf/").status_code == 404, "a zone chief sees no county report"
    assert client.get(f"/dashboard/reports/{theirs.pk}/xlsx/").status_code == 404
    assert client.get(f"/dashboard/reports/{zone_report.pk}/exe/").status_code == 404


def test_staff_edit_the_narrative_then_leadership_locks_with_confirmation(worlds):
    a, _b, mine, _theirs = worlds
    staff, leader = login(actor(a, Role.FEDERATION_STAFF)), login(actor(a, Role.LEADERSHIP))
    url = f"/dashboard/reports/{mine.pk}/"
    assert 'name="narrative"' in staff.get(url).content.decode()
    assert 'name="narrative"' not in leader.get(url).content.decode(), "leadership reads and signs, never edits"
    assert leader.post(url, {"do": "narrative", "narrative": "x"}).status_code == 403
    staff.post(url, {"do": "narrative", "narrative": "第三季度工作总结。"})
    mine.refresh_from_db()
    assert mine.narrative == "第三季度工作总结。"
    leader.post(url, {"do": "lock"})  # without the confirmation box
    mine.refresh_from_db()
    assert mine.status == ReportStatus.DRAFT
    leader.post(url, {"do": "lock", "confirm": "on"})
    mine.refresh_from_db()
    assert mine.status == ReportStatus.LOCKED and mine.signature
    page = staff.get(url).content.decode()
    assert mine.signature in page and 'name="narrative"' not in page
    staff.post(url, {"do": "narrative", "narrative": "又改"})
    mine.refresh_from_db()
    assert mine.narrative == "第三季度工作总结。"


def test_an_ad_hoc_request_shows_its_progress(worlds):
    a, *_ = worlds
    user = actor(a, Role.ZONE_SOCIAL_WORKER)
    client = login(user)
    response = client.post("/dashboard/reports/", {"node": f"z{a.zone.pk}", "start": "2026-01", "end": "2026-02"})
    job = Job.objects.get(created_by=user, kind=actions.AD_HOC_KIND)
    assert response.status_code == 302 and response["Location"].endswith(f"?job={job.pk}")
    page = client.get(response["Location"]).content.decode()
    assert f'data-job-url="/api/v1/jobs/{job.pk}/"' in page
    refused = client.post("/dashboard/reports/", {"node": f"f{a.federation.pk}", "start": "2026-01", "end": "2026-02"})
    assert refused.status_code == 200, "a federation node the zone worker does not see is not offered"
    assert Job.objects.filter(created_by=user).count() == 1


def test_the_list_page_makes_a_fixed_number_of_queries(worlds):
    a, *_ = worlds
    client = login(actor(a, Role.FEDERATION_STAFF))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/dashboard/reports/").status_code == 200
        return len(queries)

    before = count()
    first = quarter_period(Quarter.current()).first
    for _ in range(5):
        actions.build_report(Node.of_zone(a.zone), Period(first, first))  # ad hoc: five more rows
    assert count() == before


def test_the_api_lists_reads_downloads_edits_and_locks(worlds):
    a, _b, mine, theirs = worlds
    api = APIClient()
    api.force_authenticate(actor(a, Role.FEDERATION_STAFF))
    listed = api.get("/api/v1/reports/").json()
    ids = {row["id"] for row in listed["results"]}
    assert mine.pk in ids and theirs.pk not in ids
    detail = api.get(f"/api/v1/reports/{mine.pk}/").json()
    assert detail["figures"]["period"]["quarter"] == str(Quarter.current())
    assert set(detail["files"]) == {"xlsx", "docx", "pdf"}
    assert api.get(detail["files"]["docx"]).status_code == 200
    assert api.get(f"/api/v1/reports/{theirs.pk}/files/pdf/").status_code == 404
    assert api.post(f"/api/v1/reports/{mine.pk}/narrative/", {"narrative": "改写"}, format="json").status_code == 200
    assert api.post(f"/api/v1/reports/{mine.pk}/lock/").status_code == 200
    assert api.post(f"/api/v1/reports/{mine.pk}/lock/").status_code == 400
    assert api.post(f"/api/v1/reports/{mine.pk}/narrative/", {"narrative": "再改"}, format="json").status_code == 400
    assert api.post(f"/api/v1/reports/{theirs.pk}/lock/").status_code == 404
    assert QuarterlyReport.objects.get(pk=theirs.pk).status == ReportStatus.DRAFT


def test_the_api_takes_ad_hoc_requests_in_scope_only(worlds):
    a, b, *_ = worlds
    api = APIClient()
    api.force_authenticate(actor(a, Role.LEADERSHIP))
    response = api.post(
        "/api/v1/reports/ad-hoc/", {"zone": a.zone.pk, "start": "2026-01", "end": "2026-03"}, format="json"
    )
    assert response.status_code == 202 and response.json()["kind"] == actions.AD_HOC_KIND
    assert (
        api.post("/api/v1/reports/ad-hoc/", {"zone": b.zone.pk, "start": "2026-01", "end": "2026-03"}).status_code
        == 403
    )
    bad = api.post("/api/v1/reports/ad-hoc/", {"zone": a.zone.pk, "start": "2026-13", "end": "2026-03"}, format="json")
    assert bad.status_code == 400 and "start" in bad.json()
