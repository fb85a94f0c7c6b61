"""Quarterly and ad-hoc reports (docs/dashboards.md, "Quarterly reports"), on the demo with history.

Each test reads as a rule: a rebuild replaces the one draft, a locked report never changes,
the narrative names what went wrong, the three files open and say what they should.
"""

from __future__ import annotations

import base64
import datetime
import io
import re
import statistics
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation
from docx import Document
from openpyxl import load_workbook

from events.choices import GRIEVANCE_OPEN
from events.models import Grievance
from members.choices import HardshipStatus
from members.hardship import budget_figures
from members.hardship_models import HardshipBudget, HardshipCase
from tests import factories as f
from unionhub.core.choices import Role
from unionhub.core.models import Federation, Notification, OutboxMessage, RoleAssignment, User
from unionhub.reports import actions, documents, tasks
from unionhub.reports.models import QuarterlyReport, ReportKind, ReportStatus
from unionhub.reports.quarterly import Node, collect, quarter_period
from unionhub.reports.summaries import add_months, last_day, local_midnight
from zones.models import VisitPlanEntry, Zone
from zones.quarters import Quarter

pytestmark = pytest.mark.django_db

EN = override_settings(REPORT_LANGUAGE="en")


@pytest.fixture
def ninghai(demo_figures) -> Node:
    return Node(Federation.objects.get(name="宁海县总工会"))


@pytest.fixture
def ningdong(demo_figures) -> Node:
    return Node.of_zone(Zone.objects.select_related("federation").get(name="宁东片区"))


@pytest.fixture
def staff(demo_figures) -> User:
    federation = Federation.objects.get(name="宁海县总工会")
    user = f.UserFactory(username="report_staff", federation=federation)
    RoleAssignment.objects.create(user=user, role=Role.FEDERATION_STAFF, federation=federation)
    return User.objects.get(pk=user.pk)


def this_quarter() -> Quarter:
    return Quarter.current()


def build(node: Node, quarter: Quarter | None = None) -> QuarterlyReport:
    quarter = quarter or this_quarter()
    with EN:
        return actions.build_report(node, quarter_period(quarter), quarter=quarter)


def pdf_text_bytes(pdf: bytes) -> bytes:
    """The PDF's content streams, inflated: what a text extractor reads the text from."""
    out = [pdf]
    for match in re.finditer(
        rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S
    ):
        data = match.group(1).strip()
        try:
            out.append(zlib.decompress(base64.a85decode(data.removesuffix(b"~>"), adobe=False)))
        except (ValueError, zlib.error):
            continue
    return b"\n".join(out)


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(match: re.Match) -> bytes:
    escaped = match.group(1)
    if escaped[:1] in b"01234567":
        return bytes([int(escaped, 8) & 0xFF])
    return ESCAPES.get(escaped, escaped)


def pdf_contains(pdf: bytes, text: str) -> bool:
    """Whether the text is drawn in the PDF: its strings unescaped, as UTF-16 (the CID font's encoding)."""
    streams = re.sub(rb"\\([0-7]{1,3}|.)", _unescape, pdf_text_bytes(pdf), flags=re.S)
    return text.encode("utf-16-be") in streams


def test_building_twice_replaces_the_one_draft(ninghai, django_capture_on_commit_callbacks):
    first = build(ninghai)
    old_files = {fmt: getattr(first, f"{fmt}_file").name for fmt in actions.FORMATS}
    with django_capture_on_commit_callbacks(execute=True):
        second = build(ninghai)
    assert second.pk == first.pk
    assert (
        QuarterlyReport.objects.filter(federation=ninghai.federation, zone=None, kind=ReportKind.QUARTERLY).count() == 1
    )
    assert second.status == ReportStatus.DRAFT
    storage = second.pdf_file.storage
    for fmt, name in old_files.items():
        assert getattr(second, f"{fmt}_file").name != name
        assert not storage.exists(name), "the replaced draft's files are deleted"


def test_a_locked_report_is_never_rebuilt_nor_edited(ninghai, staff):
    report = build(ninghai)
    locked = actions.do_lock_report(report, actor=staff)
    assert locked.status == ReportStatus.LOCKED and locked.locked_by == staff and len(locked.signature) == 64
    with pytest.raises(ValidationError):
        build(ninghai)
    with pytest.raises(ValidationError):
        actions.do_edit_report_narrative(locked, "改过的", actor=staff)
    with pytest.raises(ValidationError):
        actions.do_lock_report(locked, actor=staff)
    assert tasks.build_quarterly_report(ninghai.federation.pk, None, str(this_quarter())) is None
    again = QuarterlyReport.objects.get(pk=report.pk)
    assert again.signature == locked.signature == actions.signature(again), "files and narrative unchanged"


def test_the_narrative_names_an_unvisited_union(ningdong):
    entry = (
        VisitPlanEntry.objects.filter(zone=ningdong.zone, quarter=str(this_quarter()), first_visit__isnull=True)
        .select_related("union")
        .first()
    )
    assert entry is not None, "the demo plans unions in 宁东片区 that are not visited yet"
    report = build(ningdong)
    assert entry.union.name in report.narrative
    assert "not visited" in report.narrative  # drafted in the report language (English here)
    assert report.figures["unvisited"]["count"] >= 1


def test_the_figures_equal_the_dashboards(ninghai):
    period = quarter_period(this_quarter())
    figures = collect(ninghai, period)
    zones = Zone.objects.filter(federation_path__startswith=ninghai.federation.path).count()
    assert figures["now"]["zones"] == zones
    planned = VisitPlanEntry.objects.filter(
        federation_path__startswith=ninghai.federation.path, quarter=str(this_quarter())
    )
    assert figures["now"]["unions_to_visit"] == planned.count()
    assert figures["unvisited"]["count"] == planned.filter(first_visit__isnull=True).count()
    assert "not_built" not in figures, "every area is built: none is declared missing"
    since = local_midnight(period.first)
    until = local_midnight(add_months(period.last, 1))
    grievances = Grievance.objects.filter(
        federation_path__startswith=ninghai.federation.path, created_at__gte=since, created_at__lt=until
    )
    assert figures["now"]["grievances_found"] == grievances.count() > 0
    assert figures["now"]["grievances_handled"] == grievances.exclude(first_resolved_at=None).count()
    assert figures["now"]["grievances_on_time"] == grievances.filter(resolved_on_time=True).count()
    assert figures["now"]["grievances_evaluated"] == grievances.exclude(rating=None).count()
    assert figures["now"]["grievances_satisfied"] == grievances.filter(rating__gte=4).count()
    assert figures["now"]["grievances_reopened"] == grievances.filter(reopen_count__gt=0).count()
    resolved = [g.first_resolved_at - g.created_at for g in grievances.exclude(first_resolved_at=None)]
    expected_median = statistics.median(d.total_seconds() / 86400 for d in resolved)
    assert figures["grievances"]["median_days"] == round(expected_median, 1)
    overdue = (
        grievances.filter(resolved_on_time=False).count()
        + grievances.filter(first_resolved_at=None, status__in=GRIEVANCE_OPEN, due_at__lt=timezone.now()).count()
    )
    assert figures["grievances"]["overdue"]["count"] == overdue
    paid = HardshipCase.objects.filter(
        federation_path__startswith=ninghai.federation.path,
        status__in=[HardshipStatus.DISBURSED, HardshipStatus.CLOSED],
        disbursed_on__gte=period.first,
        disbursed_on__lte=last_day(period.last),
    )
    assert figures["now"]["hardship_paid_cases"] == paid.count() > 0
    assert figures["now"]["hardship_paid"] == float(sum(c.amount_approved for c in paid))
    budget = budget_figures(HardshipBudget.objects.get(federation=ninghai.federation, year=period.last.year))
    assert figures["now"]["hardship_budget"] == float(budget.amount), "the county's budget covers its townships'"
    assert figures["now"]["hardship_remaining"] == float(budget.remaining)


def test_the_narrative_says_overdue_grievances_low_satisfaction_and_a_budget_nearly_spent(demo_figures):
    changjie = Node(Federation.objects.get(name="长街镇总工会"))
    with override_settings(REPORT_SATISFACTION_TARGET_PERCENT=101, REPORT_BUDGET_LEFT_WARNING_PERCENT=99):
        report = build(changjie, Quarter.current())
    figures = report.figures
    assert figures["grievances"]["overdue"]["count"] > 0
    assert "not handled by their due time" in report.narrative
    assert [z["name"] for z in figures["low_satisfaction"]] == ["宁东片区"]
    assert "were satisfied: 宁东片区" in report.narrative
    assert figures["budget_nearly_spent"] and "nearly spent" in report.narrative
    with override_settings(REPORT_SATISFACTION_TARGET_PERCENT=0, REPORT_BUDGET_LEFT_WARNING_PERCENT=0):
        calm = build(changjie, Quarter.current())
    assert calm.figures["low_satisfaction"] == [] and "nearly spent" not in calm.narrative


@pytest.fixture
def cid_font(monkeypatch):
    """The built-in CID font, whatever TrueType fonts the machine has: its text can be read back as UTF-16."""
    monkeypatch.setattr(documents, "PDF_FONT_CANDIDATES", [])
    monkeypatch.setattr(documents.settings, "REPORT_PDF_FONT_PATH", "", raising=False)
    documents.pdf_font.cache_clear()
    yield
    documents.pdf_font.cache_clear()


def test_the_files_open_and_say_what_they_should(ningdong, cid_font):
    report = build(ningdong)
    workbook = load_workbook(io.BytesIO(report.xlsx_file.read()))
    with translation.override("en"):
        areas = documents._area_labels()
    for key, _keys in documents.AREAS:
        assert areas[key] in workbook.sheetnames, key
    assert len(workbook.sheetnames) == len(documents.AREAS) + 3  # zones, trend, narrative
    grievance_cells = [c for row in workbook[areas["grievances"]].iter_rows(values_only=True) for c in row]
    assert report.figures["now"]["grievances_found"] in grievance_cells
    assert "UnionHub" in workbook[areas["members"]]["A1"].value  # the watermark line

    document = Document(io.BytesIO(report.docx_file.read()))
    with translation.override("en"):
        title = documents.title(report)
    assert any(p.text == title for p in document.paragraphs)
    section = document.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28

    pdf = report.pdf_file.read()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert documents.pdf_font() == documents.CID_FONT
    assert b"/BaseFont /STSong-Light" in pdf and b"/Ordering (GB1)" in pdf, "a Chinese (Adobe-GB1) font"
    assert pdf_contains(pdf, "宁东片区"), "the zone's Chinese name is drawn in the PDF"
    with translation.override("en"):
        section = str(documents._("Grievances and hardship aid"))
    assert pdf_contains(pdf, section), "the PDF has the grievance and hardship aid section"
    assert any(p.text == section for p in document.paragraphs), "and so has the Word document"


def test_the_report_is_written_in_chinese_by_default(ningdong):
    quarter = this_quarter()
    report = actions.build_report(ningdong, quarter_period(quarter), quarter=quarter)
    assert re.search(r"[\u4e00-\u9fff]", report.narrative)


def test_editing_the_narrative_draws_the_files_again(ningdong, staff):
    report = build(ningdong)
    before = report.docx_file.name
    with EN:
        edited = actions.do_edit_report_narrative(
            report, "本季度走访工作稳步推进。\n身份证 110101199003074514", actor=staff
        )
    assert edited.docx_file.name != before
    assert "110101199003074514" not in edited.narrative, "ID numbers are masked"
    text = "\n".join(p.text for p in Document(io.BytesIO(edited.docx_file.read())).paragraphs)
    assert "本季度走访工作稳步推进。" in text


def test_the_beat_task_builds_each_node_once_on_the_first_day_of_a_quarter(demo_figures, monkeypatch):
    first_day = this_quarter().first_day
    quarter = this_quarter().previous()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: first_day)
    nodes = actions.nodes_for_quarterly_reports()
    assert tasks.build_quarterly_reports() == len(nodes)
    assert tasks.build_quarterly_reports() == 0, "a second run that day enqueues nothing again"
    messages = OutboxMessage.objects.filter(task_name="reports.build_quarterly_report", args__2=str(quarter))
    assert messages.count() == len(nodes)
    with EN:
        for message in messages:
            tasks.build_quarterly_report(*message.args)
        for message in messages[:3]:  # a task delivered twice replaces its draft
            tasks.build_quarterly_report(*message.args)
    reports = QuarterlyReport.objects.filter(kind=ReportKind.QUARTERLY, quarter=str(quarter))
    assert reports.count() == len(nodes)
    assert reports.filter(zone__isnull=True).count() == Federation.objects.count()


def test_staff_and_leadership_are_told_when_a_report_is_ready(ninghai, staff):
    report = build(ninghai)
    assert Notification.objects.filter(recipient=staff, key=f"report-{report.pk}-ready").exists()
    build(ninghai)
    assert Notification.objects.filter(recipient=staff, key=f"report-{report.pk}-ready").count() == 1


def test_an_ad_hoc_report_is_a_job_with_progress(ningdong, staff):
    today = timezone.localdate()
    with EN:
        job = actions.do_request_ad_hoc_report(
            actor=staff, start=today - datetime.timedelta(days=70), end=today, zone_id=ningdong.zone.pk
        )
        tasks.build_ad_hoc_report(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.progress == job.total == 5
    report = QuarterlyReport.objects.get(pk=job.result["report"])
    assert report.kind == ReportKind.AD_HOC and report.zone == ningdong.zone and report.requested_by == staff
    assert report.pdf_file.name and report.narrative


def test_an_ad_hoc_report_of_a_node_out_of_scope_is_refused(demo_figures):
    from unionhub.core.exceptions import OutOfScope

    changjie = User.objects.get(username="changjie_leader")
    other = Federation.objects.get(name="西店镇总工会")
    today = timezone.localdate()
    with pytest.raises(OutOfScope):
        actions.do_request_ad_hoc_report(actor=changjie, start=today, end=today, federation_id=other.pk)


def test_a_truetype_font_is_embedded_when_there_is_one(ningdong, settings):
    """DejaVu stands in for a TrueType CJK font (WenQuanYi in the image): the PDF embeds it."""
    settings.REPORT_PDF_FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    documents.pdf_font.cache_clear()
    try:
        report = build(ningdong)
        assert b"/FontFile2" in report.pdf_file.read()
    finally:
        documents.pdf_font.cache_clear()
