"""Writes to reports: build (quarterly or ad hoc), edit the narrative, lock and sign, ask for an ad-hoc report.

A quarterly report is unique per (federation, zone, quarter): building again replaces the
draft in place (figures, narrative, files) and never touches a locked one, both here and
in the database row lock taken first. Files are rendered from the snapshot and the
narrative (unionhub.reports.documents); a locked report's signature is the sha256 of its
three files and its narrative, so anyone can check it was not changed.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from unionhub.core import notify
from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action, Role
from unionhub.core.exceptions import OutOfScope
from unionhub.core.jobs import report_progress, start_job
from unionhub.core.models import Federation, Job, User
from unionhub.core.pii_scan import mask_id_numbers
from unionhub.core.scoping import ensure_in_scope
from zones.models import Zone
from zones.quarters import Quarter

from . import documents, quarterly
from .dashboard import Period
from .models import EvaluationScheme, QuarterlyReport, ReportKind, ReportStatus
from .quarterly import Node

AD_HOC_KIND = "reports.ad_hoc"
AD_HOC_TASK = "reports.build_ad_hoc_report"
FORMATS = ("xlsx", "docx", "pdf")
# The longest period an ad-hoc report covers (months), the dashboard's history.
AD_HOC_MAX_MONTHS = 36


class ReportLocked(ValidationError):
    def __init__(self) -> None:
        super().__init__(gettext_lazy("This report is locked and signed: it can no longer be changed."), code="locked")


def _render(report: QuarterlyReport, at: datetime.datetime) -> dict[str, bytes]:
    return {fmt: documents.RENDERERS[fmt](report, report.figures, report.narrative, at) for fmt in FORMATS}


def _file_name(report: QuarterlyReport, fmt: str) -> str:
    node = f"z{report.zone_id}" if report.zone_id else f"f{report.federation_id}"
    period = report.quarter or f"{report.period_start:%Y%m}-{report.period_end:%Y%m}"
    return f"report-{report.pk}-{node}-{period}.{fmt}"


def _store(report: QuarterlyReport, files: dict[str, bytes]) -> list[str]:
    """Write the new files; the names of the files they replace (deleted once the transaction commits)."""
    old = []
    for fmt, content in files.items():
        field = getattr(report, f"{fmt}_file")
        if field.name:
            old.append(field.name)
        field.save(_file_name(report, fmt), ContentFile(content), save=False)
    return old


def _delete_later(report: QuarterlyReport, names: list[str]) -> None:
    storage = report.xlsx_file.storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def build_report(
    node: Node,
    period: Period,
    *,
    quarter: Quarter | None = None,
    requested_by: User | None = None,
    progress: Job | None = None,
) -> QuarterlyReport:
    """Build (or rebuild the draft of) one report; ReportLocked for a locked quarterly report.

    With ``quarter`` the report is the node's quarterly report for it, found by its unique
    key; without, a new ad-hoc report for ``period``. The figures are read before the row is
    locked, so a long render never holds the lock on anything but its own row.
    """
    steps = 5

    def step(done: int, message: str) -> None:
        if progress is not None:
            report_progress(progress, done, steps, message)

    if quarter is not None:
        existing = QuarterlyReport.objects.filter(
            kind=ReportKind.QUARTERLY, federation=node.federation, zone=node.zone, quarter=str(quarter)
        ).first()
        if existing is not None and existing.is_locked:
            raise ReportLocked()
    step(0, _("Adding up the figures"))
    figures = quarterly.collect(node, period)
    step(1, _("Drafting the narrative"))
    narrative = quarterly.draft_narrative(figures)
    at = timezone.now()
    with transaction.atomic():
        if quarter is not None:
            report, _created = QuarterlyReport.objects.get_or_create(
                kind=ReportKind.QUARTERLY,
                federation=node.federation,
                zone=node.zone,
                quarter=str(quarter),
                defaults={
                    "federation_path": node.federation.path,
                    "period_start": period.first,
                    "period_end": period.last,
                },
            )
            report = QuarterlyReport.objects.select_for_update().get(pk=report.pk)
            if report.is_locked:
                raise ReportLocked()
        else:
            report = QuarterlyReport.objects.create(
                kind=ReportKind.AD_HOC,
                federation=node.federation,
                federation_path=node.federation.path,
                zone=node.zone,
                period_start=period.first,
                period_end=period.last,
                requested_by=requested_by,
            )
        report.federation_path = node.zone.federation_path if node.zone else node.federation.path
        report.period_start, report.period_end = period.first, period.last
        report.figures, report.narrative, report.built_at = figures, narrative, at
        step(2, _("Writing the workbook, the document and the PDF"))
        files = _render(report, at)
        step(4, _("Storing the files"))
        _delete_later(report, _store(report, files))
        report.save()
        if requested_by is not None:
            ensure_in_scope(report, requested_by, Action.VIEW)
        _announce(report)
    step(5, _("Done"))
    return report


def report_link(report: QuarterlyReport) -> str:
    return reverse("dashboard:report", args=[report.pk])


def _announce(report: QuarterlyReport) -> None:
    """Tell the node's staff and leadership (and a zone's workers) that the report is ready, once per report."""
    if report.kind == ReportKind.AD_HOC:
        recipients = [report.requested_by] if report.requested_by else []
    elif report.zone_id:
        recipients = list(User.objects.filter(zone_roles__zone_id=report.zone_id, is_active=True).distinct())
    else:
        recipients = list(
            User.objects.filter(
                role_assignments__federation_id=report.federation_id,
                role_assignments__role__in=[Role.FEDERATION_STAFF, Role.LEADERSHIP],
                is_active=True,
            ).distinct()
        )
    title = _("Report ready: {title}").format(title=documents.title(report))
    key = f"report-{report.pk}-ready"
    notify.notify(recipients, key=key, title=title, link=report_link(report))
    if report.kind == ReportKind.QUARTERLY and not report.zone_id:
        notify.notify_federation(report.federation, key=key, title=title)


def do_edit_report_narrative(report: QuarterlyReport, narrative: str, *, actor: User) -> QuarterlyReport:
    """Replace a draft's narrative (ID numbers masked) and draw its files again; ReportLocked once locked."""
    with transaction.atomic():
        report = _locked_row(report, actor, Action.CHANGE)
        if report.is_locked:
            raise ReportLocked()
        report.narrative = mask_id_numbers(narrative.strip().replace("\r\n", "\n"))
        _delete_later(report, _store(report, _render(report, report.built_at or timezone.now())))
        report.save()
    return report


def signature(report: QuarterlyReport) -> str:
    """sha256 over the sha256 of each file (xlsx, docx, pdf, in that order) and the narrative."""
    digest = hashlib.sha256()
    for fmt in FORMATS:
        field = getattr(report, f"{fmt}_file")
        with field.storage.open(field.name, "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).hexdigest().encode())
    digest.update(hashlib.sha256(report.narrative.encode()).hexdigest().encode())
    return digest.hexdigest()


def do_lock_report(report: QuarterlyReport, *, actor: User) -> QuarterlyReport:
    """Lock and sign a built draft: nothing changes it afterwards (the actions and the rebuild refuse)."""
    with transaction.atomic():
        report = _locked_row(report, actor, Action.SIGN)
        if report.is_locked:
            raise ReportLocked()
        if not all(getattr(report, f"{fmt}_file").name for fmt in FORMATS):
            raise ValidationError(_("The report has not been built yet."), code="not_built")
        report.signature = signature(report)
        report.status, report.locked_by, report.locked_at = ReportStatus.LOCKED, actor, timezone.now()
        report.save(update_fields=["signature", "status", "locked_by", "locked_at"])
    return report


def _locked_row(report: QuarterlyReport, actor: User, action: str) -> QuarterlyReport:
    row = QuarterlyReport.objects.restrict(actor, action).select_for_update().filter(pk=report.pk).first()
    if row is None:
        raise OutOfScope()
    return row


def node_for(actor: User, *, federation_id: Any = None, zone_id: Any = None) -> Node:
    """The node an actor asks a report for, if they may see it: a zone, or a federation node."""
    if zone_id:
        zone = Zone.objects.restrict(actor, Action.VIEW).select_related("federation").defer("boundary")
        found = zone.filter(pk=zone_id).first()
        if found is None:
            raise OutOfScope()
        return Node.of_zone(found)
    found_federation = Federation.objects.restrict(actor, Action.VIEW).filter(pk=federation_id).first()
    if found_federation is None:
        raise OutOfScope()
    return Node(found_federation)


def do_request_ad_hoc_report(
    *, actor: User, start: datetime.date, end: datetime.date, federation_id: Any = None, zone_id: Any = None
) -> Job:
    """Ask for a report on any whole months of a node in scope, built by a job with progress."""
    if not QuarterlyReport.scope_spec.allows_somewhere(actor, Action.VIEW):
        raise PermissionDenied
    node = node_for(actor, federation_id=federation_id, zone_id=zone_id)
    period = Period(start.replace(day=1), end.replace(day=1))
    if period.first > period.last:
        raise ValidationError({"end": _("The period must end after it starts.")})
    if len(period.months) > AD_HOC_MAX_MONTHS:
        raise ValidationError({"start": _("A report covers at most {count} months.").format(count=AD_HOC_MAX_MONTHS)})
    params = {
        "federation": node.federation.pk,
        "zone": node.zone.pk if node.zone else None,
        "start": period.first.isoformat(),
        "end": period.last.isoformat(),
    }
    return start_job(AD_HOC_KIND, AD_HOC_TASK, actor=actor, params=params, queue="reports")


def run_ad_hoc_report(job: Job) -> dict[str, Any]:
    """The job: the requester must still see the node; the report is theirs to read (and their scope's)."""
    actor, params = job.created_by, job.params
    if actor is None:
        raise PermissionDenied
    node = node_for(actor, federation_id=params["federation"], zone_id=params["zone"])
    period = Period(datetime.date.fromisoformat(params["start"]), datetime.date.fromisoformat(params["end"]))
    report = build_report(node, period, requested_by=actor, progress=job)
    return {"report": report.pk}


def nodes_for_quarterly_reports() -> list[Node]:
    """Every federation node and every zone: each gets a quarterly report."""
    nodes = [Node(federation) for federation in Federation.objects.order_by("path")]
    zones = Zone.objects.select_related("federation").defer("boundary").order_by("id")
    return nodes + [Node.of_zone(zone) for zone in zones]


def do_save_evaluation_scheme(
    federation: Federation, weights: dict[str, int], *, bonus_zones: int, bonus_amount: int, actor: User
) -> EvaluationScheme:
    """Set a federation's evaluation weights and bonus (federation staff of that node)."""
    from .evaluation import DEFAULT_WEIGHTS  # evaluation reads reports' models; imported when used

    scheme = EvaluationScheme.objects.filter(federation=federation).first() or EvaluationScheme(
        federation=federation, federation_path=federation.path
    )
    scheme.weights = {key: int(weights.get(key, default)) for key, default in DEFAULT_WEIGHTS.items()}
    scheme.bonus_zones, scheme.bonus_amount, scheme.updated_by = bonus_zones, bonus_amount, actor
    return save_scoped(scheme, actor=actor)
