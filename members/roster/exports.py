"""Exporting the scoped (and filtered) member list to Excel, always as a job.

Exporting needs the EXPORT action on members (federation staff and leadership). Phones and
ID numbers are masked unless the user asks for them in full, which needs the REVEAL action
on the members exported (federation staff only) and a stated reason, and writes one
access-log record per export with that reason and the row count. Every file is watermarked
with who exported it and when: in the workbook's properties, in the sheet's print header,
and on its first, visible line. Files are private (served only by ``export_file_response``)
and deleted MEMBER_EXPORT_TTL_HOURS after they were made.
"""

from __future__ import annotations

import datetime
import tempfile
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.packaging.custom import StringProperty

from unionhub.core.actions import do_log_access
from unionhub.core.choices import Action, SecurityEventKind
from unionhub.core.jobs import report_progress, start_job
from unionhub.core.models import Job, User
from unionhub.core.security_log import record as record_security_event

from ..choices import MemberStatus, Occupation, WorkForm
from ..filtersets import MemberFilterSet
from ..models import Member

EXPORT_KIND = "members.export"
EXPORT_TASK = "members.export_members"
PROGRESS_EVERY = 2_000
FETCH_CHUNK = 2_000

COLUMNS = [
    _("member number"),
    _("full name"),
    _("union"),
    _("zone"),
    _("status"),
    _("occupation"),
    _("work form"),
    _("employer or platform"),
    _("joined on"),
    _("mobile phone"),
    _("ID number"),
    _("model worker"),
    _("craftsman"),
    _("in hardship"),
]
FIELDS = [
    "member_number",
    "name",
    "union__name",
    "zone__name",
    "status",
    "occupation",
    "work_form",
    "employer",
    "joined_on",
    "phone_last4",
    "id_number_masked",
    "is_model_worker",
    "is_craftsman",
    "in_hardship",
]


def do_start_member_export(
    *, actor: User, filters: dict[str, Any], unmasked: bool = False, reason: str = "", ip: str | None = None
) -> Job:
    """Start an export of the members ``actor`` may see (or, unmasked, reveal) that match ``filters``."""
    if not Member.scope_spec.allows_somewhere(actor, Action.EXPORT):
        raise PermissionDenied(_("Exporting the member list needs the permission to export."))
    reason = " ".join(reason.split())
    if unmasked:
        if not Member.scope_spec.allows_somewhere(actor, Action.REVEAL):
            raise PermissionDenied(_("Exporting phones and ID numbers in full needs the permission to reveal them."))
        if not reason:
            raise ValidationError({"reason": _("Say why phones and ID numbers are needed in full.")})
    filterset = MemberFilterSet(data=filters, queryset=Member.objects.none())
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    kept = {key: value for key, value in filters.items() if key in filterset.filters and value not in ("", None)}
    params = {"filters": kept, "unmasked": unmasked, "reason": reason, "ip": ip}
    job = start_job(EXPORT_KIND, EXPORT_TASK, actor=actor, params=params)
    # Every export is a security event (an unmasked one also gets its access-log row when written).
    record_security_event(
        SecurityEventKind.EXPORT, actor=actor, ip=ip, obj=job, detail={"what": EXPORT_KIND, "unmasked": unmasked}
    )
    return job


def members_to_export(actor: User, params: dict[str, Any]) -> QuerySet[Member]:
    """The members the actor may export (and, unmasked, reveal) that match the export's filters."""
    scoped = Member.objects.restrict(actor, Action.EXPORT)
    if params["unmasked"]:
        scoped = scoped.restrict(actor, Action.REVEAL)
    return MemberFilterSet(data=params["filters"], queryset=scoped).qs.order_by("id")


def watermark(actor: User, at: datetime.datetime, *, unmasked: bool) -> str:
    who = actor.get_full_name() or actor.username
    text = _(
        "Exported by {who} ({username}, user {id}) at {at}. Personal data: keep it safe and do not pass it on."
    ).format(who=who, username=actor.username, id=actor.pk, at=timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"))
    return f"{text} {_('Phones and ID numbers in full.') if unmasked else _('Phones and ID numbers masked.')}"


def write_member_export(job: Job) -> dict[str, Any]:
    """The job: write the workbook, then store it and (unmasked) write the access log, together."""
    actor, params = job.created_by, job.params
    # The permission may have been withdrawn since the export was asked for.
    if actor is None or not Member.scope_spec.allows_somewhere(actor, Action.EXPORT):
        raise PermissionDenied
    if params["unmasked"] and not Member.scope_spec.allows_somewhere(actor, Action.REVEAL):
        raise PermissionDenied
    members = members_to_export(actor, params)
    total = members.count()
    report_progress(job, 0, total, str(_("Writing the file")))
    now = timezone.now()
    mark = watermark(actor, now, unmasked=params["unmasked"])
    labels = {
        "status": dict(MemberStatus.choices),
        "occupation": dict(Occupation.choices),
        "work_form": dict(WorkForm.choices),
    }
    yes = str(_("yes"))
    # Rows as named tuples, not model instances: the member's own masking and reveal methods read
    # the same attribute names from them, at a fraction of the cost at 100,000 rows.
    personal = ["phone_encrypted", "id_number_encrypted"] if params["unmasked"] else []
    masked_phone = Member.masked_phone.fget  # type: ignore[attr-defined]  # a property, read off the class

    workbook = Workbook(write_only=True)
    workbook.properties.creator = actor.username
    workbook.properties.title = str(_("Member list"))
    workbook.properties.description = mark
    workbook.custom_doc_props.append(StringProperty(name="ExportedBy", value=f"{actor.username} ({actor.pk})"))
    workbook.custom_doc_props.append(StringProperty(name="ExportedAt", value=now.isoformat()))
    workbook.custom_doc_props.append(StringProperty(name="Unmasked", value=str(params["unmasked"]).lower()))
    sheet = workbook.create_sheet(str(_("Members")))
    sheet.oddHeader.center.text = mark.replace("&", "&&")
    sheet.freeze_panes = "A3"
    sheet.append([mark])
    sheet.append([str(label) for label in COLUMNS])
    rows = 0
    for member in members.values_list(*FIELDS, *personal, named=True).iterator(chunk_size=FETCH_CHUNK):
        if params["unmasked"]:
            phone, id_number = Member.reveal_phone(member), Member.reveal_id_number(member)
        else:
            phone, id_number = masked_phone(member), member.id_number_masked
        # Empty cells are written as None, which openpyxl leaves out of the file.
        sheet.append(
            [
                member.member_number,
                as_text(sheet, member.name),
                as_text(sheet, member.union__name),
                as_text(sheet, member.zone__name) if member.zone__name else None,
                str(labels["status"].get(member.status, member.status)),
                str(labels["occupation"].get(member.occupation, member.occupation)),
                str(labels["work_form"].get(member.work_form, member.work_form)),
                as_text(sheet, member.employer) if member.employer else None,
                member.joined_on,
                phone or None,
                id_number or None,
                yes if member.is_model_worker else None,
                yes if member.is_craftsman else None,
                yes if member.in_hardship else None,
            ]
        )
        rows += 1
        if rows % PROGRESS_EVERY == 0:
            report_progress(job, rows, max(total, rows))
    workbook.custom_doc_props.append(StringProperty(name="Rows", value=str(rows)))
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        with transaction.atomic():
            if params["unmasked"]:
                do_log_access(
                    actor=actor,
                    action="export_unmasked",
                    obj=job,
                    field="phone, id_number",
                    reason=str(_("{reason} ({rows} rows)")).format(reason=params["reason"], rows=rows),
                    ip=params.get("ip"),
                )
            job.file.save(f"members-{job.pk}-{timezone.localtime(now):%Y%m%d-%H%M%S}.xlsx", File(out), save=False)
            Job.objects.filter(pk=job.pk).update(file=job.file.name)
    report_progress(job, rows, rows)
    return {"rows": rows, "unmasked": params["unmasked"]}


def as_text(sheet: Any, value: str) -> Any:
    """A value typed by people (a name, an employer) as text, never as a formula: openpyxl would
    store "=HYPERLINK(…)" as one, and Excel would run it on whoever opens the file."""
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def export_files_for(user: User) -> QuerySet[Job]:
    """The member exports ``user`` may download: their own, and (as federation staff) those in scope."""
    exports = Job.objects.filter(kind=EXPORT_KIND).exclude(file="")
    return exports.filter(Q(created_by=user.pk) | Q(pk__in=Job.objects.restrict(user, Action.REVEAL).values("pk")))


def export_file_response(user: User, pk: Any) -> FileResponse:
    """Serve one export file privately, or 404 (missing, expired and not yours all look the same)."""
    job = export_files_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if job is None:
        raise Http404
    response = FileResponse(job.file.open("rb"), as_attachment=True, filename=(job.file.name or "").rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    return response


def expire_exports(now: datetime.datetime | None = None) -> int:
    """Delete export files older than MEMBER_EXPORT_TTL_HOURS (the job rows stay, without their file)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.MEMBER_EXPORT_TTL_HOURS)
    expired = 0
    for job in Job.objects.filter(kind=EXPORT_KIND, finished_at__lt=cutoff).exclude(file=""):
        job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="")
        expired += 1
    return expired
