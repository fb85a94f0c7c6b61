"""Importing 12351 hotline tickets (热线工单导入) from the spreadsheet a hotline system exports.

The same machinery as the roster import (members.roster): the file is read by
members.roster.files (xlsx or CSV, a title row, Chinese headers), columns are guessed and the
mapping is remembered per federation, a dry run reports every row's errors, and the import
writes all rows or none; both run as jobs (unionhub.core.jobs) that the page follows.

Each new ticket is filed with events.grievances.do_file_grievance (channel "hotline import"),
so it meets every check a grievance typed in by staff meets. The dry run files them exactly as
the import would, inside a transaction it then rolls back: what it reports is what the import
will find. A ticket number already imported into the federation (or a node below it) is counted
and left alone, so importing the same file twice adds nothing.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.choices import ImportStatus
from members.roster.files import guess_columns as guess_roster_columns
from members.roster.files import open_table
from members.roster.imports import REPORTED_ERRORS, Outcome, _choice_lookup, _compact, _date, _text
from unionhub.core.choices import Action
from unionhub.core.jobs import report_progress, start_job
from unionhub.core.models import Job, User
from unionhub.core.scoping import ensure_in_scope
from unionhub.core.validators import CALLER_PHONE_MESSAGE, normalise_phone, validate_caller_phone
from zones.models import Enterprise

from ..choices import GrievanceCategory, GrievanceChannel
from ..grievances import do_file_grievance
from ..models import DESCRIPTION_MAX, HTML_TAG, Grievance, check_description
from .models import HotlineImport

CHECK_TASK = "events.check_hotline_import"
COMMIT_TASK = "events.commit_hotline_import"
PROGRESS_EVERY = 200
# Imports of hotline tickets take this transaction-level lock: two imports of one file cannot both add it.
IMPORT_LOCK = 0x686F746C  # "hotl"

# The columns of a hotline export, in the order the mapping form shows them, and their usual headers.
FIELD_HEADERS: dict[str, tuple[str, ...]] = {
    "ticket": ("工单号", "工单编号", "工单编码", "受理编号", "受理单号", "热线编号", "ticketnumber", "ticket"),
    "received_at": ("受理时间", "来电时间", "登记时间", "接收时间", "接听时间", "receivedat"),
    "caller_name": ("来电人", "来电人姓名", "诉求人", "诉求人姓名", "反映人", "姓名", "callername"),
    "caller_phone": ("来电号码", "来电人电话", "联系电话", "联系方式", "手机号", "手机号码", "电话", "callerphone"),
    "category": ("诉求类别", "诉求类型", "诉求分类", "问题类别", "问题分类", "类别", "分类", "category"),
    "description": ("诉求内容", "来电内容", "问题描述", "诉求描述", "反映内容", "内容", "description"),
    "employer": ("涉及单位", "被反映单位", "被诉单位", "用人单位", "工作单位", "单位名称", "employer"),
    "address": ("地址", "事发地址", "发生地点", "事发地点", "地点", "address"),
}
FIELD_LABELS = {
    "ticket": _("ticket number"),
    "received_at": _("received at"),
    "caller_name": _("caller's name"),
    "caller_phone": _("caller's phone"),
    "category": _("category"),
    "description": _("description"),
    "employer": _("employer"),
    "address": _("address"),
}
REQUIRED_FIELDS = ("ticket", "caller_phone", "category", "description")

# How hotline systems name our categories (besides our own labels in each language).
CATEGORY_SYNONYMS = {
    "欠薪": GrievanceCategory.WAGE_ARREARS,
    "拖欠工资": GrievanceCategory.WAGE_ARREARS,
    "工资拖欠": GrievanceCategory.WAGE_ARREARS,
    "欠薪讨薪": GrievanceCategory.WAGE_ARREARS,
    "劳动报酬": GrievanceCategory.WAGE_ARREARS,
    "劳动合同": GrievanceCategory.LABOUR_CONTRACT,
    "劳动关系": GrievanceCategory.LABOUR_CONTRACT,
    "合同纠纷": GrievanceCategory.LABOUR_CONTRACT,
    "工伤": GrievanceCategory.WORK_INJURY,
    "工伤认定": GrievanceCategory.WORK_INJURY,
    "社保": GrievanceCategory.SOCIAL_INSURANCE,
    "社会保险": GrievanceCategory.SOCIAL_INSURANCE,
    "五险一金": GrievanceCategory.SOCIAL_INSURANCE,
    "安全生产": GrievanceCategory.OCCUPATIONAL_SAFETY,
    "职业安全": GrievanceCategory.OCCUPATIONAL_SAFETY,
    "职业病": GrievanceCategory.OCCUPATIONAL_SAFETY,
    "劳动保护": GrievanceCategory.OCCUPATIONAL_SAFETY,
    "工时": GrievanceCategory.WORKING_HOURS,
    "加班": GrievanceCategory.WORKING_HOURS,
    "休息休假": GrievanceCategory.WORKING_HOURS,
    "工时休假": GrievanceCategory.WORKING_HOURS,
    "困难帮扶": GrievanceCategory.HARDSHIP,
    "生活困难": GrievanceCategory.HARDSHIP,
    "困难救助": GrievanceCategory.HARDSHIP,
    "咨询": GrievanceCategory.CONSULTATION,
    "法律咨询": GrievanceCategory.CONSULTATION,
    "政策咨询": GrievanceCategory.CONSULTATION,
    "建议": GrievanceCategory.SUGGESTION,
    "意见建议": GrievanceCategory.SUGGESTION,
    "其他": GrievanceCategory.OTHER,
    "其它": GrievanceCategory.OTHER,
}

ERROR_MESSAGES = {
    "ticket_missing": _("The ticket number is empty."),
    "ticket_too_long": _("The ticket number is longer than 40 characters."),
    "duplicate": _("The same ticket number as row {first_row}."),
    "received_at": _("“{value}” is not a date and time in the past, such as 2026-11-03 09:15."),
    "name_too_long": _("The caller's name is longer than 50 characters."),
    "phone_missing": _("The caller's phone is empty: the worker must be reachable."),
    "phone": CALLER_PHONE_MESSAGE,
    "category_missing": _("The category is empty."),
    "category": _("Unknown category “{value}”."),
    "description_missing": _("The description is empty."),
    "description_too_long": _("The description is longer than {max} characters."),
    "description_html": _("The description holds HTML: only plain text is accepted."),
    "address_too_long": _("The address is longer than 200 characters."),
    "employer_too_long": _("The employer is longer than 150 characters."),
    "refused": _("Refused: {message}"),
}
_MOMENT_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时%M分",
)


def error_message(error: dict[str, Any]) -> str:
    """One stored row error in the active language."""
    params = {"max": DESCRIPTION_MAX, **error.get("params", {})}
    return str(ERROR_MESSAGES[error["code"]]).format(**params)


def guess_columns(headers: list[str], remembered: dict[str, str] | None = None) -> dict[str, int]:
    return guess_roster_columns(headers, remembered, FIELD_HEADERS)


# --- reading the rows ---------------------------------------------------------------------------


@dataclass(slots=True)
class TicketRow:
    number: int  # the row's number in the file
    ticket: str
    received_at: datetime.datetime | None
    caller_name: str
    phone: str
    category: str
    description: str
    employer: str
    address: str


def _moment(cell: Any) -> datetime.datetime | None:
    """A time as the hotline system wrote it (a cell with a date and time, or text); local time when naive."""
    moment: datetime.datetime | None = None
    if isinstance(cell, datetime.datetime):
        moment = cell
    else:
        text = " ".join(_text(cell).split())
        for pattern in _MOMENT_FORMATS:
            try:
                moment = datetime.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            day = _date(cell)
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class RowReader:
    """The checks of each row on its own (no database)."""

    def __init__(self, columns: dict[str, int], outcome: Outcome) -> None:
        self.columns, self.outcome = columns, outcome
        self.categories = _choice_lookup(GrievanceCategory.choices, CATEGORY_SYNONYMS)
        self.first_row_of: dict[str, int] = {}
        self.now = timezone.now()

    def read(self, number: int, cells: tuple[Any, ...]) -> TicketRow | None:
        def cell(name: str) -> Any:
            index = self.columns.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        before = len(self.outcome.error_rows)
        ticket = _text(cell("ticket")).replace(" ", "")
        fail = functools.partial(self.outcome.fail, number, name=ticket[:40])
        if not ticket:
            fail("ticket", "ticket_missing")
        elif len(ticket) > 40:
            fail("ticket", "ticket_too_long")
        else:
            first = self.first_row_of.setdefault(ticket, number)
            if first != number:
                fail("ticket", "duplicate", first_row=first)
        received_at = None
        if _text(cell("received_at")):
            received_at = _moment(cell("received_at"))
            if received_at is None or not (
                datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC) <= received_at <= self.now
            ):
                fail("received_at", "received_at", value=_text(cell("received_at"))[:40])
        caller_name = " ".join(_text(cell("caller_name")).split())
        if len(caller_name) > 50:
            fail("caller_name", "name_too_long")
        phone = normalise_phone(_text(cell("caller_phone")))
        if not phone:
            fail("caller_phone", "phone_missing")
        else:
            try:
                validate_caller_phone(phone)
            except ValidationError:
                fail("caller_phone", "phone")
        category_text = _text(cell("category"))
        category = self.categories.get(_compact(category_text), "")
        if not category_text:
            fail("category", "category_missing")
        elif not category:
            fail("category", "category", value=category_text[:40])
        description = _text(cell("description"))
        if not description:
            fail("description", "description_missing")
        elif len(description) > DESCRIPTION_MAX:
            fail("description", "description_too_long")
        elif HTML_TAG.search(description):
            fail("description", "description_html")
        else:
            description = check_description(description)  # ID numbers masked
        employer = " ".join(_text(cell("employer")).split())
        if len(employer) > 150:
            fail("employer", "employer_too_long")
        address = " ".join(_text(cell("address")).split())
        if len(address) > 200:
            fail("address", "address_too_long")
        if len(self.outcome.error_rows) > before:
            return None
        return TicketRow(number, ticket, received_at, caller_name, phone, category, description, employer, address)


def read_rows(
    imported: HotlineImport, outcome: Outcome, progress: Callable[[int, int | None], None]
) -> list[TicketRow]:
    reader = RowReader(imported.columns, outcome)
    rows = []
    with imported.file.open("rb") as stream:
        table = open_table(stream, imported.file_name, imported.header_row, FIELD_HEADERS)
        for number, cells in table.rows:
            outcome.total += 1
            row = reader.read(number, cells)
            if row is not None:
                rows.append(row)
            if outcome.total % PROGRESS_EVERY == 0:
                progress(outcome.total, table.estimated_rows)
            if outcome.total > settings.HOTLINE_MAX_ROWS:
                raise ValidationError(too_many_rows())
    return rows


def too_many_rows() -> str:
    return str(_("A hotline file may have at most {count} rows; split the file.")).format(
        count=settings.HOTLINE_MAX_ROWS
    )


# --- filing them ------------------------------------------------------------------------------------


def file_rows(imported: HotlineImport, rows: list[TicketRow], outcome: Outcome, *, actor: User, job: Job) -> int:
    """File every row whose ticket is not in the federation yet; errors go to ``outcome``. Returns how many
    were filed. The caller's transaction decides whether they stay (the import) or not (the dry run)."""
    known = set(
        Grievance.objects.filter(
            federation_path__startswith=imported.federation_path, hotline_ticket__in=[row.ticket for row in rows]
        ).values_list("hotline_ticket", flat=True)
    )
    employers = _employers(imported, {row.employer for row in rows if row.employer}, actor)
    filed = 0
    for done, row in enumerate(rows, start=1):
        if row.ticket in known:
            outcome.existing += 1
            continue
        employer = employers.get(row.employer)
        description = row.description
        if row.employer and employer is None:
            # Not one of the federation's enterprises (or several of that name): keep the name with the text.
            description = f"{description}\n{_('Employer named by the caller: {name}').format(name=row.employer)}"
            if len(description) > DESCRIPTION_MAX:
                outcome.fail(row.number, "description", "description_too_long", row.ticket)
                continue
        grievance = Grievance(
            channel=GrievanceChannel.HOTLINE_IMPORT,
            hotline_ticket=row.ticket,
            category=row.category,
            description=description,
            address=row.address,
            federation_id=imported.federation_id,
            employer=employer,
            submitter_name=row.caller_name,
            anonymous=not row.caller_name,
        )
        if row.received_at is not None:
            grievance.created_at = row.received_at
        try:
            with transaction.atomic():
                do_file_grievance(grievance, actor=actor, phone=row.phone)
        except (ValidationError, PermissionDenied) as refused:
            message = "; ".join(getattr(refused, "messages", None) or [str(refused) or str(_("out of your scope"))])
            outcome.fail(row.number, "", "refused", row.ticket, message=message[:300])
            continue
        filed += 1
        if done % PROGRESS_EVERY == 0:
            report_progress(job, outcome.total + done, 2 * outcome.total)
    return filed


def _employers(imported: HotlineImport, names: set[str], actor: User) -> dict[str, Enterprise]:
    """The federation's enterprises the actor may see, by name; a name held by several is left out."""
    found: dict[str, list[Enterprise]] = {}
    for enterprise in Enterprise.objects.restrict(actor, Action.VIEW).filter(
        federation_path__startswith=imported.federation_path, name__in=names
    ):
        found.setdefault(enterprise.name, []).append(enterprise)
    return {name: listed[0] for name, listed in found.items() if len(listed) == 1}


# --- the actions ---------------------------------------------------------------------------------------


def may_import(actor: User) -> bool:
    return HotlineImport.scope_spec.allows_somewhere(actor, Action.ADD) and actor.federation_id is not None


def do_upload_hotline_file(upload: UploadedFile, *, actor: User) -> HotlineImport:
    """Keep an uploaded hotline export (privately) for the actor's federation and guess its columns."""
    federation_id = actor.federation_id
    if not may_import(actor) or federation_id is None:
        raise PermissionDenied
    if upload.size and upload.size > settings.HOTLINE_MAX_UPLOAD_MB * 1024 * 1024:
        raise ValidationError(
            {"file": _("A hotline file may be at most {size} MB.").format(size=settings.HOTLINE_MAX_UPLOAD_MB)}
        )
    file_name = (upload.name or "hotline").rsplit("/", 1)[-1][-200:]
    try:
        table = open_table(upload, file_name, fields=FIELD_HEADERS)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    if (table.estimated_rows or 0) > settings.HOTLINE_MAX_ROWS:
        raise ValidationError({"file": too_many_rows()})
    imported = HotlineImport(
        file_name=file_name,
        headers=table.headers,
        header_row=table.header_row,
        columns=guess_columns(table.headers, remembered_mapping(federation_id)),
        federation_id=federation_id,
        created_by=actor,
    )
    upload.seek(0)
    with transaction.atomic():
        imported.file.save(f"hotline-{timezone.now():%Y%m%d%H%M%S}.{file_name.rsplit('.', 1)[-1].lower()}", upload)
        ensure_in_scope(imported, actor, Action.ADD)
    return imported


def remembered_mapping(federation_id: int) -> dict[str, str] | None:
    """The mapping (field → header text) the federation's last dry run was started with."""
    last = (
        HotlineImport.objects.filter(federation_id=federation_id, job__isnull=False)
        .order_by("-id")
        .values_list("headers", "columns")
        .first()
    )
    if last is None:
        return None
    headers, columns = last
    return {field: headers[index] for field, index in columns.items() if index < len(headers)}


def mapping_errors(imported: HotlineImport, columns: dict[str, int]) -> dict[str, list[str]]:
    errors: list[str] = []
    if any(name not in FIELD_HEADERS or not 0 <= index < len(imported.headers) for name, index in columns.items()):
        errors.append(str(_("Choose columns of this file.")))
    if len(set(columns.values())) < len(columns):
        errors.append(str(_("Each column may be used for one field only.")))
    for field in REQUIRED_FIELDS:
        if field not in columns:
            errors.append(str(_("Choose the column with the {field}.")).format(field=FIELD_LABELS[field]))
    return {"columns": errors} if errors else {}


def do_check_hotline_import(imported: HotlineImport, *, actor: User, columns: dict[str, int]) -> HotlineImport:
    """Save the column mapping, then start the dry run as a job."""
    errors = mapping_errors(imported, columns)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        imported = HotlineImport.objects.select_for_update().get(pk=imported.pk)
        ensure_in_scope(imported, actor, Action.ADD)
        if imported.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
            raise ValidationError({"status": _("This file is being checked or imported, or is closed.")})
        imported.columns = columns
        imported.status = ImportStatus.CHECKING
        imported.job = start_job("events.hotline_check", CHECK_TASK, actor=actor, params={"import": imported.pk})
        imported.save(update_fields=["columns", "status", "job"])
    return imported


def do_commit_hotline_import(imported: HotlineImport, *, actor: User) -> HotlineImport:
    """Start importing a checked file without errors, as a job."""
    with transaction.atomic():
        imported = HotlineImport.objects.select_for_update().get(pk=imported.pk)
        ensure_in_scope(imported, actor, Action.ADD)
        if imported.status != ImportStatus.CHECKED:
            raise ValidationError({"status": _("Check the file (a dry run) before importing it.")})
        if imported.error_rows:
            raise ValidationError({"status": _("Correct the rows with errors and upload the file again.")})
        imported.status = ImportStatus.COMMITTING
        imported.job = start_job("events.hotline_import", COMMIT_TASK, actor=actor, params={"import": imported.pk})
        imported.save(update_fields=["status", "job"])
    return imported


def do_abandon_hotline_import(imported: HotlineImport, *, actor: User | None) -> HotlineImport:
    """Give up an import that is not running or done: its file is deleted."""
    with transaction.atomic():
        imported = HotlineImport.objects.select_for_update().get(pk=imported.pk)
        if actor is not None:  # None: the periodic clean-up
            ensure_in_scope(imported, actor, Action.ADD)
        if imported.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
            raise ValidationError({"status": _("Only a file waiting to be checked or imported can be abandoned.")})
        imported.status = ImportStatus.ABANDONED
        imported.save(update_fields=["status"])
        _delete_file_on_commit(imported)
    return imported


def abandon_stale_hotline_imports(now: datetime.datetime | None = None) -> int:
    """Abandon imports left uploaded or checked for ROSTER_UPLOAD_TTL_HOURS (as rosters): their files are deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.ROSTER_UPLOAD_TTL_HOURS)
    stale = HotlineImport.objects.filter(
        status__in=[ImportStatus.UPLOADED, ImportStatus.CHECKED], created_at__lt=cutoff
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(stale):
        try:
            do_abandon_hotline_import(HotlineImport(pk=pk), actor=None)
        except ValidationError:
            continue  # started meanwhile
        count += 1
    return count


def _delete_file_on_commit(imported: HotlineImport) -> None:
    name = imported.file.name
    HotlineImport.objects.filter(pk=imported.pk).update(file="")
    if name:
        transaction.on_commit(functools.partial(default_storage.delete, name))


# --- the jobs -------------------------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised to roll back what a dry run filed."""


def _run(job: Job, *, commit: bool) -> dict[str, Any]:
    imported = HotlineImport.objects.get(pk=job.params["import"])
    if commit and imported.status == ImportStatus.COMMITTED:
        return _summary(imported.total_rows, imported.new_rows, imported.existing_rows, 0)  # done by an earlier run
    actor = job.created_by
    if actor is None:
        raise PermissionDenied  # the account that started the job is gone
    outcome = Outcome()
    back = ImportStatus.CHECKED if commit else ImportStatus.UPLOADED

    def progress(done: int, estimate: int | None) -> None:
        report_progress(job, done, 2 * max(done, estimate or 0), str(_("Reading the file")))

    filed = 0
    try:
        rows = read_rows(imported, outcome, progress)
        report_progress(job, outcome.total, 2 * outcome.total, str(_("Filing the tickets")))
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
                filed = file_rows(imported, rows, outcome, actor=actor, job=job)
                if not commit or outcome.error_rows:
                    raise _DryRun
                _save_report(imported, outcome, filed, ImportStatus.COMMITTED)
                _delete_file_on_commit(imported)
        except _DryRun:
            pass
    except Exception:
        HotlineImport.objects.filter(pk=imported.pk).update(status=back)
        raise
    if not commit or outcome.error_rows:
        _save_report(imported, outcome, filed, ImportStatus.CHECKED)
    report_progress(job, 2 * outcome.total, 2 * outcome.total)
    return _summary(outcome.total, filed, outcome.existing, len(outcome.error_rows))


def check_hotline_import(job: Job) -> dict[str, Any]:
    """The dry run: every row filed as the import would, then all rolled back; the report is kept."""
    return _run(job, commit=False)


def commit_hotline_import(job: Job) -> dict[str, Any]:
    """The import: every new ticket filed, or (when a row fails now) none."""
    return _run(job, commit=True)


def _save_report(imported: HotlineImport, outcome: Outcome, new: int, status: str) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {
        "status": status,
        "total_rows": outcome.total,
        "new_rows": new,
        "existing_rows": outcome.existing,
        "error_rows": len(outcome.error_rows),
        "errors": sorted(outcome.errors, key=lambda e: e["row"])[:REPORTED_ERRORS],
        "error_counts": dict(outcome.error_counts),
        "checked_at": now,
    }
    if status == ImportStatus.COMMITTED:
        fields["committed_at"] = now
    HotlineImport.objects.filter(pk=imported.pk).update(**fields)


def _summary(rows: int, new: int, existing: int, errors: int) -> dict[str, Any]:
    return {"rows": rows, "new": new, "existing": existing, "errors": errors}
