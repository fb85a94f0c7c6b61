"""Importing a roster (导入会员名册): upload, map the columns, a dry run with per-row errors, then all rows or none.

The checks that need no database (name, ID number, phone, occupation, work form, date,
duplicates in the file) run while the dry run reads the file; a clean dry run keeps the rows
it read, encrypted, for the import. The checks against the database (the unions the
importing user may add members to, looked up by name or credit code, and the members already
there, per batch of keyed hashes) run in the dry run and again inside the one transaction
that imports the rows (a member may have joined elsewhere in between). Whether an ID number
is an active member's in another union is a yes or no through its keyed hash, outside the
user's scope by necessity, so each check writes one access-log record (DESIGN.md rule 1).

New members are written with COPY (``unionhub.core.bulkcopy``), their change-history rows
beside them, so 100,000 rows take seconds rather than minutes.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from unionhub.core import crypto
from unionhub.core.actions import do_log_access
from unionhub.core.bulkcopy import copy_rows, next_ids
from unionhub.core.choices import Action
from unionhub.core.jobs import report_progress, start_job
from unionhub.core.models import Job, User
from unionhub.core.outbox import enqueue
from unionhub.core.scoping import ensure_in_scope
from unionhub.core.validators import normalise_id_number, normalise_phone, validate_id_number, validate_phone
from zones.models import GrassrootsUnion

from ..choices import ImportStatus, MemberStatus, Occupation, WorkForm
from ..models import ImportMapping, Member, RosterImport
from ..search import name_bigrams
from .files import FIELD_HEADERS, FIELD_LABELS, REQUIRED_FIELDS, guess_columns, open_table

CHECK_TASK = "members.check_roster"
COMMIT_TASK = "members.commit_roster"
# The report keeps this many row errors (every error is counted by kind).
REPORTED_ERRORS = 1000
# Keyed hashes looked up per query.
LOOKUP_BATCH = 10_000
PROGRESS_EVERY = 5_000
# Imports take this transaction-level lock: two imports of the same file cannot both add its rows.
IMPORT_LOCK = 0x6D656D62  # "memb"
# Whoever may see an import may carry it on or abandon it: each row is checked against that
# user's own right to add members to its union, so seeing the import grants nothing more.
IMPORT_ACTION = Action.VIEW
# Memberships that no longer hold: such a member may join again elsewhere.
ENDED = [MemberStatus.WITHDRAWN, MemberStatus.TRANSFERRED, MemberStatus.MERGED]

ERROR_MESSAGES = {
    "name_missing": _("The name is empty."),
    "name_too_long": _("The name is longer than 50 characters."),
    "id_missing": _("The ID number is empty."),
    "id_format": _("A resident ID number has 17 digits and a final digit or X."),
    "id_birth_date": _("The date of birth in this ID number is not a real date."),
    "id_checksum": _("The check digit of this ID number is wrong; please check for a typo."),
    "id_as_number": _(
        "Excel stored this ID number as a number and dropped its last digits: "
        "format the column as text and enter the number again."
    ),
    "phone": _("Enter an 11-digit mainland mobile number, such as 13800138000."),
    "occupation": _("Unknown occupation “{value}”."),
    "work_form": _("Unknown work form “{value}”."),
    "joined_on": _("“{value}” is not a date in the past, such as 2024-05-01."),
    "employer_too_long": _("The employer is longer than 150 characters."),
    "union_missing": _("No union: fill in the union column or choose a union for rows without one."),
    "union_unknown": _("Unknown union: there is no union with this name or code that you may add members to."),
    "union_ambiguous": _("Several of your unions have this name: give the union's credit code instead."),
    "duplicate": _("The same ID number as row {first_row}."),
    "member_elsewhere": _("Already a member of another union: transfer the membership instead of importing it."),
}
_ID_CODES = {"format": "id_format", "birth_date": "id_birth_date", "checksum": "id_checksum"}


def error_message(error: dict[str, Any]) -> str:
    """The message of one stored row error, in the active language."""
    return str(ERROR_MESSAGES[error["code"]]).format(**error.get("params", {}))


# --- the rows of a file ---------------------------------------------------------------------------


@dataclass(slots=True)
class RosterRow:
    number: int  # the row's number in the file, as the sender sees it
    name: str
    id_number: str
    id_hash: str
    phone: str
    occupation: str
    work_form: str
    joined_on: datetime.date | None
    employer: str
    union_name: str
    union_code: str
    union_id: int | None = None


# What stage_rows keeps of each row (its union is looked up again at import).
_STAGED = [f.name for f in dataclasses.fields(RosterRow) if f.name != "union_id"]


@dataclass(frozen=True)
class UnionPlace:
    id: int
    zone_id: int | None
    federation_path: str


@dataclass
class Outcome:
    """What a check found: the rows to add, how many are there already, and the errors."""

    total: int = 0
    new: list[RosterRow] = dataclasses.field(default_factory=list)
    existing: int = 0
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    error_rows: set[int] = dataclasses.field(default_factory=set)
    error_counts: Counter[str] = dataclasses.field(default_factory=Counter)
    looked_up: int = 0
    elsewhere: int = 0
    places: dict[int, UnionPlace] = dataclasses.field(default_factory=dict)  # the unions rows go to

    def fail(self, row: int, field: str, code: str, name: str = "", **params: Any) -> None:
        self.error_rows.add(row)
        self.error_counts[code] += 1
        if len(self.errors) < REPORTED_ERRORS:
            error: dict[str, Any] = {"row": row, "field": field, "code": code, "name": name}
            if params:
                error["params"] = params
            self.errors.append(error)


def _choice_lookup(choices: Any, synonyms: Mapping[str, str]) -> dict[str, str]:
    """Every way a file may name a choice: its value and its label in each language, and common synonyms."""
    lookup = {_compact(key): value for key, value in synonyms.items()}
    for value, label in choices:
        lookup[_compact(value)] = value
        for language, _name in settings.LANGUAGES:
            with override(language):
                lookup[_compact(str(label))] = value
    return lookup


def _compact(text: str) -> str:
    return "".join(str(text).split()).lower()


OCCUPATION_SYNONYMS = {
    "骑手": Occupation.DELIVERY_RIDER,
    "外卖员": Occupation.DELIVERY_RIDER,
    "送餐员": Occupation.DELIVERY_RIDER,
    "快递小哥": Occupation.COURIER,
    "快递员": Occupation.COURIER,
    "网约车驾驶员": Occupation.RIDE_HAILING_DRIVER,
    "货车驾驶员": Occupation.TRUCK_DRIVER,
    "主播": Occupation.LIVE_STREAMER,
    "环卫工": Occupation.SANITATION_WORKER,
}
WORK_FORM_SYNONYMS = {
    "新业态": WorkForm.NEW_FORM,
    "新就业形态劳动者": WorkForm.NEW_FORM,
    "劳动合同": WorkForm.STANDARD,
    "全日制": WorkForm.STANDARD,
    "灵活用工": WorkForm.FLEXIBLE,
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m", "%Y/%m", "%Y年%m月")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def _date(cell: Any) -> datetime.date | None:
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    if isinstance(cell, int | float) and 1 <= cell < 2_958_466:  # an Excel day number
        return _EXCEL_EPOCH + datetime.timedelta(days=int(cell))
    text = _text(cell).split(" ")[0]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class RowReader:
    """Checks each row on its own as it is read (the database is not needed for these)."""

    def __init__(self, columns: dict[str, int], outcome: Outcome) -> None:
        self.columns, self.outcome = columns, outcome
        self.occupations = _choice_lookup(Occupation.choices, OCCUPATION_SYNONYMS)
        self.work_forms = _choice_lookup(WorkForm.choices, WORK_FORM_SYNONYMS)
        self.first_row_of: dict[str, int] = {}
        self.today = timezone.localdate()

    def read(self, number: int, cells: tuple[Any, ...]) -> RosterRow | None:
        def cell(name: str) -> Any:
            index = self.columns.get(name)
            return cells[index] if index is not None and index < len(cells) else None

        fail, errors_before = self.outcome.fail, len(self.outcome.error_rows)
        name = " ".join(_text(cell("name")).split())
        if not name:
            fail(number, "name", "name_missing")
        elif len(name) > 50:
            fail(number, "name", "name_too_long", name[:50])
        raw_id = cell("id_number")
        id_number = normalise_id_number(_text(raw_id))
        if isinstance(raw_id, int | float) and not isinstance(raw_id, bool) and raw_id >= 1e15:
            fail(number, "id_number", "id_as_number", name)
        elif not id_number:
            fail(number, "id_number", "id_missing", name)
        else:
            try:
                validate_id_number(id_number)
            except ValidationError as exc:
                fail(number, "id_number", _ID_CODES.get(str(exc.code), "id_format"), name)
        phone = normalise_phone(_text(cell("phone")))
        if phone:
            try:
                validate_phone(phone)
            except ValidationError:
                fail(number, "phone", "phone", name)
        occupation = self._choice(number, name, "occupation", cell("occupation"), self.occupations, Occupation.OTHER)
        work_form = self._choice(number, name, "work_form", cell("work_form"), self.work_forms, WorkForm.STANDARD)
        joined_on = None
        if _text(cell("joined_on")):
            joined_on = _date(cell("joined_on"))
            if joined_on is None or not (datetime.date(1925, 1, 1) <= joined_on <= self.today):
                fail(number, "joined_on", "joined_on", name, value=_text(cell("joined_on"))[:40])
        employer = " ".join(_text(cell("employer")).split())
        if len(employer) > 150:
            fail(number, "employer", "employer_too_long", name)
        id_hash = ""
        if id_number and number not in self.outcome.error_rows:
            id_hash = crypto.keyed_hash(id_number)
            first = self.first_row_of.setdefault(id_hash, number)
            if first != number:
                fail(number, "id_number", "duplicate", name, first_row=first)
        if len(self.outcome.error_rows) > errors_before:
            return None
        return RosterRow(
            number=number,
            name=name,
            id_number=id_number,
            id_hash=id_hash,
            phone=phone,
            occupation=occupation,
            work_form=work_form,
            joined_on=joined_on,
            employer=employer,
            union_name=" ".join(_text(cell("union_name")).split()),
            union_code=_text(cell("union_code")).upper(),
        )

    def _choice(self, number: int, name: str, field: str, cell: Any, lookup: dict[str, str], default: str) -> str:
        text = _text(cell)
        if not text:
            return default
        value = lookup.get(_compact(text))
        if value is None:
            self.outcome.fail(number, field, field, name, value=text[:40])
            return default
        return value


def read_rows(roster: RosterImport, outcome: Outcome, progress: Callable[[int, int | None], None]) -> list[RosterRow]:
    """Every row of the file that passes the checks of its own; the others are reported in ``outcome``."""
    reader = RowReader(roster.columns, outcome)
    rows = []
    with roster.file.open("rb") as stream:
        table = open_table(stream, roster.file_name, roster.header_row)
        for number, cells in table.rows:
            outcome.total += 1
            row = reader.read(number, cells)
            if row is not None:
                rows.append(row)
            if outcome.total % PROGRESS_EVERY == 0:
                progress(outcome.total, table.estimated_rows)
            if outcome.total > settings.ROSTER_MAX_ROWS:
                raise ValidationError(too_many_rows())  # the file understated its size at upload
    return rows


def too_many_rows() -> str:
    return str(_("A roster may have at most {count} rows; split the file.")).format(count=settings.ROSTER_MAX_ROWS)


# --- what the database knows ----------------------------------------------------------------------


def unions_open_to(actor: User) -> QuerySet[GrassrootsUnion]:
    """The unions where ``actor`` may add members: Member's scope rule, applied to the union's own columns."""
    if not actor.is_active:
        return GrassrootsUnion.objects.none()
    if actor.is_superuser:
        return GrassrootsUnion.objects.all()
    condition = dataclasses.replace(Member.scope_spec, union="id").q_for(actor, Action.ADD)
    return GrassrootsUnion.objects.none() if condition is None else GrassrootsUnion.objects.filter(condition)


def resolve(rows: list[RosterRow], outcome: Outcome, *, actor: User, default_union_id: int | None) -> None:
    """Place each row in a union the actor may add to, then sort rows into new, already there and errors."""
    outcome.places = _place_rows(rows, outcome, actor=actor, default_union_id=default_union_id)
    placed = [row for row in rows if row.number not in outcome.error_rows]
    holders = _memberships([row.id_hash for row in placed])
    outcome.looked_up = len(placed)
    for row in placed:
        unions = holders.get(row.id_hash, {})
        if row.union_id in unions:
            outcome.existing += 1
        elif any(status not in ENDED for status in unions.values()):
            outcome.elsewhere += 1
            outcome.fail(row.number, "id_number", "member_elsewhere", row.name)
        else:
            outcome.new.append(row)


def _place_rows(
    rows: list[RosterRow], outcome: Outcome, *, actor: User, default_union_id: int | None
) -> dict[int, UnionPlace]:
    open_unions = unions_open_to(actor)
    codes = {row.union_code for row in rows if row.union_code}
    names = {row.union_name for row in rows if row.union_name and not row.union_code}
    found = list(
        open_unions.filter(credit_code__in=codes).values_list("id", "credit_code", "name", "zone_id", "federation_path")
    )
    found += open_unions.filter(name__in=names).values_list("id", "credit_code", "name", "zone_id", "federation_path")
    if default_union_id is not None:
        found += open_unions.filter(pk=default_union_id).values_list(
            "id", "credit_code", "name", "zone_id", "federation_path"
        )
    places = {pk: UnionPlace(pk, zone_id, path) for pk, _code, _name, zone_id, path in found}
    by_code = {code: pk for pk, code, _name, _zone, _path in found if code}
    by_name: dict[str, set[int]] = {}
    for pk, _code, name, _zone, _path in found:
        by_name.setdefault(name, set()).add(pk)
    for row in rows:
        if row.union_code:
            row.union_id = by_code.get(row.union_code)
            field = "union_code"
        elif row.union_name:
            matches = by_name.get(row.union_name, set())
            if len(matches) > 1:
                outcome.fail(row.number, "union_name", "union_ambiguous", row.name)
                continue
            row.union_id = next(iter(matches), None)
            field = "union_name"
        elif default_union_id is not None:
            row.union_id = default_union_id if default_union_id in places else None
            field = "union_name"
        else:
            outcome.fail(row.number, "union_name", "union_missing", row.name)
            continue
        if row.union_id is None:
            outcome.fail(row.number, field, "union_unknown", row.name)
    return places


def _memberships(hashes: list[str]) -> dict[str, dict[int, str]]:
    """For each keyed hash, the unions that have a member with it and that member's status.

    This reads outside the importing user's scope (whether a person is a member elsewhere);
    callers report only yes or no, and log the look-up (see log_lookup).
    """
    found: dict[str, dict[int, str]] = {}
    for start in range(0, len(hashes), LOOKUP_BATCH):
        batch = hashes[start : start + LOOKUP_BATCH]
        rows = Member.objects.filter(id_number_hash__in=batch).values_list("id_number_hash", "union_id", "status")
        for id_hash, union_id, status in rows:
            found.setdefault(id_hash, {})[union_id] = status
    return found


def log_lookup(roster: RosterImport, outcome: Outcome, *, actor: User) -> None:
    """One access-log record per check: how many ID numbers were looked up across scopes, how many matched."""
    do_log_access(
        actor=actor,
        action="member_elsewhere_lookup",
        obj=roster,
        field="id_number",
        reason=str(_("Roster import: {count} ID numbers looked up, {found} members of other unions")).format(
            count=outcome.looked_up, found=outcome.elsewhere
        ),
    )


# --- writing new members ----------------------------------------------------------------------------

MEMBER_COLUMNS = [
    "id",
    "name",
    "name_bigrams",
    "member_number",
    "union",
    "zone",
    "federation_path",
    "status",
    "occupation",
    "work_form",
    "joined_on",
    "employer",
    "created_at",
    "phone_encrypted",
    "phone_hash",
    "phone_last4",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
]
HISTORY_COLUMNS = [
    "id",
    "name",
    "member_number",
    "union",
    "zone",
    "status",
    "occupation",
    "work_form",
    "joined_on",
    "employer",
    "created_at",
    "phone_last4",
    "id_number_masked",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
]


def write_members(roster: RosterImport, rows: list[RosterRow], places: dict[int, UnionPlace], *, actor: User) -> int:
    """COPY the new members and their history rows ("created by the import") inside the caller's transaction.

    Phone and ID number are encrypted and hashed here exactly as Member.set_phone / set_id_number do.
    """
    now = timezone.now()
    reason = f"roster import {roster.pk}"
    with connection.cursor() as cursor:
        ids = next_ids(cursor, Member, len(rows))
        history_ids = next_ids(cursor, Member.history.model, len(rows), "history_id")
        members, history = [], []
        encrypt, keyed_hash = crypto.encrypt, crypto.keyed_hash
        for pk, history_id, row in zip(ids, history_ids, rows, strict=True):
            place = places[row.union_id]  # type: ignore[index]
            number = f"{pk:010d}"  # as members.actions.do_save_member numbers them
            masked_id = row.id_number[:3] + "*" * 11 + row.id_number[-4:]
            last4 = row.phone[-4:]
            members.append(
                (
                    pk, row.name, name_bigrams(row.name), number, place.id, place.zone_id, place.federation_path,
                    MemberStatus.ACTIVE.value, row.occupation, row.work_form, row.joined_on, row.employer, now,
                    encrypt(row.phone) if row.phone else None, keyed_hash(row.phone) if row.phone else "", last4,
                    encrypt(row.id_number), row.id_hash, masked_id,
                )
            )  # fmt: skip
            history.append(
                (
                    pk, row.name, number, place.id, place.zone_id, MemberStatus.ACTIVE.value, row.occupation,
                    row.work_form, row.joined_on, row.employer, now, last4, masked_id,
                    history_id, now, reason, "+", actor.pk,
                )
            )  # fmt: skip
        written = copy_rows(cursor, Member, MEMBER_COLUMNS, members)
        copy_rows(cursor, Member.history.model, HISTORY_COLUMNS, history)
    return written


# --- the rows of a clean dry run, kept for the import ---------------------------------------------------


def stage_rows(roster: RosterImport, rows: list[RosterRow] | None) -> str:
    """Store the rows a clean dry run read, encrypted like any personal field, and return the stored
    name; the previous ones are deleted once the caller's transaction commits (None: nothing to keep).

    The import then needs neither the file nor its parsing again (most of a large import's
    time): the file's own checks cannot change, and the database's are made again.
    """
    name = ""
    if rows is not None:
        data = json.dumps([[getattr(row, field) for field in _STAGED] for row in rows], ensure_ascii=False, default=str)
        name = default_storage.save(
            f"imports/{timezone.now():%Y/%m}/checked-{roster.pk}.bin", ContentFile(crypto.encrypt(data))
        )
    previous = RosterImport.objects.values_list("checked_rows", flat=True).get(pk=roster.pk)
    if previous:
        transaction.on_commit(lambda: default_storage.delete(previous))
    return name


def load_rows(roster: RosterImport) -> list[RosterRow]:
    """The rows stage_rows kept."""
    with roster.checked_rows.open("rb") as stored:
        data = json.loads(crypto.decrypt(stored.read()))
    rows = [RosterRow(**dict(zip(_STAGED, values, strict=True))) for values in data]
    for row in rows:
        row.joined_on = datetime.date.fromisoformat(row.joined_on) if row.joined_on else None  # type: ignore[arg-type]
    return rows


# --- the actions --------------------------------------------------------------------------------------


def do_upload_roster(
    upload: UploadedFile, *, actor: User, default_union: GrassrootsUnion | None = None
) -> RosterImport:
    """Keep an uploaded roster (privately) and guess its columns; nothing is checked or imported yet."""
    if not Member.scope_spec.allows_somewhere(actor, Action.ADD):
        raise PermissionDenied
    if upload.size and upload.size > settings.ROSTER_MAX_UPLOAD_MB * 1024 * 1024:
        raise ValidationError(
            {"file": _("A roster file may be at most {size} MB.").format(size=settings.ROSTER_MAX_UPLOAD_MB)}
        )
    file_name = (upload.name or "roster").rsplit("/", 1)[-1][-200:]
    try:
        table = open_table(upload, file_name)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    if (table.estimated_rows or 0) > settings.ROSTER_MAX_ROWS:
        raise ValidationError({"file": too_many_rows()})
    _check_default_union(default_union, actor)
    remembered = None
    if actor.federation_id is not None:
        remembered = ImportMapping.objects.filter(federation_id=actor.federation_id).values_list("columns", flat=True)
    roster = RosterImport(
        file_name=file_name,
        headers=table.headers,
        header_row=table.header_row,
        columns=guess_columns(table.headers, remembered.first() if remembered is not None else None),
        default_union=default_union,
        created_by=actor,
        federation_path=actor.federation_path,
    )
    upload.seek(0)
    with transaction.atomic():
        roster.file.save(f"roster-{timezone.now():%Y%m%d%H%M%S}.{file_name.rsplit('.', 1)[-1].lower()}", upload)
    return roster


def _check_default_union(union: GrassrootsUnion | None, actor: User) -> None:
    if union is not None and not unions_open_to(actor).filter(pk=union.pk).exists():
        raise ValidationError({"default_union": ERROR_MESSAGES["union_unknown"]})


def do_check_roster(
    roster: RosterImport, *, actor: User, columns: dict[str, int], default_union: GrassrootsUnion | None
) -> RosterImport:
    """Save the column mapping (and remember it for the federation), then start the dry run as a job."""
    errors = mapping_errors(roster, columns, default_union)
    if errors:
        raise ValidationError(errors)
    _check_default_union(default_union, actor)
    with transaction.atomic():
        roster = RosterImport.objects.select_for_update().get(pk=roster.pk)
        ensure_in_scope(roster, actor, IMPORT_ACTION)
        if roster.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
            raise ValidationError({"status": _("This roster is being checked or imported, or is closed.")})
        roster.columns, roster.default_union = columns, default_union
        roster.status = ImportStatus.CHECKING
        roster.job = start_job("members.roster_check", CHECK_TASK, actor=actor, params={"roster": roster.pk})
        roster.save(update_fields=["columns", "default_union", "status", "job"])
        if actor.federation_id:
            ImportMapping.objects.update_or_create(
                federation_id=actor.federation_id,
                defaults={"columns": {field: roster.headers[index] for field, index in columns.items()}},
            )
    return roster


def mapping_errors(
    roster: RosterImport, columns: dict[str, int], default_union: GrassrootsUnion | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if any(name not in FIELD_HEADERS or not 0 <= index < len(roster.headers) for name, index in columns.items()):
        errors.setdefault("columns", []).append(str(_("Choose columns of this file.")))
    if len(set(columns.values())) < len(columns):
        errors.setdefault("columns", []).append(str(_("Each column may be used for one field only.")))
    for field in REQUIRED_FIELDS:
        if field not in columns:
            errors.setdefault("columns", []).append(
                str(_("Choose the column with the {field}.")).format(field=FIELD_LABELS[field])
            )
    if default_union is None and not {"union_name", "union_code"} & columns.keys():
        errors.setdefault("default_union", []).append(str(ERROR_MESSAGES["union_missing"]))
    return errors


def do_commit_roster(roster: RosterImport, *, actor: User) -> RosterImport:
    """Start importing a checked roster without errors, as a job (the rows are checked again as they are written)."""
    with transaction.atomic():
        roster = RosterImport.objects.select_for_update().get(pk=roster.pk)
        ensure_in_scope(roster, actor, IMPORT_ACTION)
        if roster.status != ImportStatus.CHECKED:
            raise ValidationError({"status": _("Check the roster (a dry run) before importing it.")})
        if roster.error_rows:
            raise ValidationError({"status": _("Correct the rows with errors and upload the file again.")})
        if not roster.checked_rows:
            raise ValidationError({"status": _("Check the roster (a dry run) before importing it.")})
        roster.status = ImportStatus.COMMITTING
        roster.job = start_job("members.roster_import", COMMIT_TASK, actor=actor, params={"roster": roster.pk})
        roster.save(update_fields=["status", "job"])
    return roster


def do_abandon_roster(roster: RosterImport, *, actor: User | None) -> RosterImport:
    """Give up an import that is not running or done: its file is deleted."""
    with transaction.atomic():
        roster = RosterImport.objects.select_for_update().get(pk=roster.pk)
        if actor is not None:  # None: the periodic clean-up
            ensure_in_scope(roster, actor, IMPORT_ACTION)
        if roster.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
            raise ValidationError({"status": _("Only a roster waiting to be checked or imported can be abandoned.")})
        roster.status = ImportStatus.ABANDONED
        roster.save(update_fields=["status"])
        _delete_file_on_commit(roster)
    return roster


def _delete_file_on_commit(roster: RosterImport) -> None:
    """Forget the upload and the checked rows now; delete the files once the transaction has committed."""
    stored = RosterImport.objects.values_list("file", "checked_rows").get(pk=roster.pk)
    RosterImport.objects.filter(pk=roster.pk).update(file="", checked_rows="")
    roster.file.name = roster.checked_rows.name = ""
    for name in filter(None, stored):
        transaction.on_commit(functools.partial(default_storage.delete, name))


# --- the jobs ---------------------------------------------------------------------------------------


def _progress(job: Job, message: str) -> Callable[[int, int | None], None]:
    """Progress of reading the file: the first half of the bar; checking and writing take the rest."""

    def report(done: int, estimate: int | None) -> None:
        report_progress(job, done, 2 * max(done, estimate or 0), message)

    return report


def check_roster(job: Job) -> dict[str, Any]:
    """The dry run: every check, nothing written but the report (and the access-log record of the look-up)."""
    roster = RosterImport.objects.get(pk=job.params["roster"])
    actor = job.created_by
    if actor is None:
        raise PermissionDenied  # the account that started the job is gone
    outcome = Outcome()
    try:
        rows = read_rows(roster, outcome, _progress(job, str(_("Reading the file"))))
        report_progress(job, outcome.total, 2 * outcome.total, str(_("Looking up unions and members")))
        resolve(rows, outcome, actor=actor, default_union_id=roster.default_union_id)
    except Exception:
        RosterImport.objects.filter(pk=roster.pk).update(status=ImportStatus.UPLOADED)
        raise
    with transaction.atomic():
        staged = stage_rows(roster, None if outcome.error_rows else rows)
        log_lookup(roster, outcome, actor=actor)
        _save_report(roster, outcome, ImportStatus.CHECKED, checked_rows=staged)
    report_progress(job, 2 * outcome.total, 2 * outcome.total)
    return _summary(outcome)


def commit_roster(job: Job) -> dict[str, Any]:
    """Take the rows of the clean dry run and, under the import lock, check them against the database
    again and add every new one or none."""
    roster = RosterImport.objects.get(pk=job.params["roster"])
    if roster.status == ImportStatus.COMMITTED:
        # Written by an earlier run whose worker died before it could record the job as done.
        return {"rows": roster.total_rows, "new": roster.new_rows, "existing": roster.existing_rows, "errors": 0}
    actor = job.created_by
    if actor is None:
        raise PermissionDenied  # the account that started the job is gone
    rows = load_rows(roster)
    outcome = Outcome(total=roster.total_rows)
    report_progress(job, 0, outcome.total, str(_("Adding the members")))
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
            resolve(rows, outcome, actor=actor, default_union_id=roster.default_union_id)
            if not outcome.error_rows:
                log_lookup(roster, outcome, actor=actor)
                write_members(roster, outcome.new, outcome.places, actor=actor)
                _save_report(roster, outcome, ImportStatus.COMMITTED)
                _delete_file_on_commit(roster)
                enqueue("members.update_union_member_figures")
    except Exception:
        RosterImport.objects.filter(pk=roster.pk).update(status=ImportStatus.CHECKED)
        raise
    if outcome.error_rows:
        # Something changed since the dry run (a member joined elsewhere, a union moved): nothing was
        # written; the new report says what.
        with transaction.atomic():
            log_lookup(roster, outcome, actor=actor)
            _save_report(roster, outcome, ImportStatus.CHECKED)
    report_progress(job, outcome.total, outcome.total)
    return _summary(outcome)


def _save_report(roster: RosterImport, outcome: Outcome, status: str, **extra: Any) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {
        **extra,
        "status": status,
        "total_rows": outcome.total,
        "new_rows": len(outcome.new),
        "existing_rows": outcome.existing,
        "error_rows": len(outcome.error_rows),
        "errors": sorted(outcome.errors, key=lambda e: e["row"]),
        "error_counts": dict(outcome.error_counts),
        "checked_at": now,
    }
    if status == ImportStatus.COMMITTED:
        fields["committed_at"] = now
    RosterImport.objects.filter(pk=roster.pk).update(**fields)


def _summary(outcome: Outcome) -> dict[str, Any]:
    return {
        "rows": outcome.total,
        "new": len(outcome.new),
        "existing": outcome.existing,
        "errors": len(outcome.error_rows),
    }


def abandon_stale_rosters(now: datetime.datetime | None = None) -> int:
    """Abandon imports left uploaded or checked for ROSTER_UPLOAD_TTL_HOURS: their files are deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.ROSTER_UPLOAD_TTL_HOURS)
    stale = list(
        RosterImport.objects.filter(
            status__in=[ImportStatus.UPLOADED, ImportStatus.CHECKED], created_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    count = 0
    for pk in stale:
        try:
            do_abandon_roster(RosterImport(pk=pk), actor=None)
        except ValidationError:
            continue  # started meanwhile
        count += 1
    return count
