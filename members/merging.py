"""Duplicate member records (查重合并): finding them within a user's scope, and merging two into one.

Two records are the same person when they share the ID number, or the phone and the name,
both compared through the keyed hashes (the numbers are never decrypted to compare). A merge
keeps one record (the survivor), moves everything that refers to the other onto it, and ends
the other as ``merged`` with a pointer to the survivor: it is never deleted, and both keep
their change history. Both records must be ones the actor may change.

What refers to a member lives partly in higher layers (an activity's registrations in
events), which members cannot import (DESIGN.md, layers). So each app registers, in its
``AppConfig.ready()``, a function that moves its rows from one member to another, naming the
foreign keys it covers; a test checks that every foreign key to Member is covered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.core.actions import do_log_access
from unionhub.core.choices import Action, JobStatus
from unionhub.core.exceptions import OutOfScope
from unionhub.core.jobs import start_job
from unionhub.core.models import Job, User

from .choices import CorrectionStatus, MemberStatus, TransferStatus
from .models import (
    LIVE_STATUSES,
    CorrectionRequest,
    HardshipCase,
    HardshipSuggestion,
    JoinApplication,
    Member,
    MemberTransfer,
)

# A reassigner moves one app's rows from ``merged`` to ``survivor`` and says how many it moved.
Reassigner = Callable[[Member, Member], int]


@dataclass(frozen=True)
class Registered:
    name: str
    function: Reassigner
    covers: frozenset[tuple[str, str]]  # (model label, field name) of each foreign key it moves


_reassigners: dict[str, Registered] = {}


def register_reassigner(name: str, function: Reassigner, covers: Iterable[tuple[type[models.Model], str]]) -> None:
    """Add the function that moves an app's references to a member (called once per merge)."""
    _reassigners[name] = Registered(name, function, frozenset((m._meta.label, f) for m, f in covers))


def reassigners() -> list[Registered]:
    return list(_reassigners.values())


def foreign_key_mover(model: type[models.Model], field_name: str) -> Reassigner:
    """The usual reassigner: point every row of ``model`` at the survivor (one UPDATE).

    A row that copies its scope from the member (CopiesScope with this key as ``scope_parent``)
    takes the survivor's federation path, zone and union with it.
    """
    own = {f.attname for f in model._meta.concrete_fields}
    copies = getattr(model, "scope_parent", None) == field_name
    copied = [c for c in ("federation_path", "zone_id", "union_id") if copies and c in own]

    def move(merged: Member, survivor: Member) -> int:
        changes: dict[str, Any] = {field_name: survivor, **{c: getattr(survivor, c) for c in copied}}
        return model._base_manager.filter(**{field_name: merged}).update(**changes)

    return move


def _move_application(merged: Member, survivor: Member) -> int:
    # One application per member: the survivor keeps its own if it has one; else it takes the other's.
    if JoinApplication.objects.filter(member=survivor).exists():
        return 0
    return JoinApplication.objects.filter(member=merged).update(member=survivor)


def _move_corrections(merged: Member, survivor: Member) -> int:
    # One waiting correction per field: the merged record's waiting one gives way to the survivor's.
    waiting = CorrectionRequest.objects.filter(member=survivor, status=CorrectionStatus.WAITING)
    CorrectionRequest.objects.filter(
        member=merged, status=CorrectionStatus.WAITING, field__in=waiting.values("field")
    ).update(
        status=CorrectionStatus.REFUSED,
        refusal_reason="merged: the kept record has one waiting",
        decided_at=timezone.now(),
    )
    return foreign_key_mover(CorrectionRequest, "member")(merged, survivor)


register_reassigner("members.join_application", _move_application, [(JoinApplication, "member")])
register_reassigner("members.correction", _move_corrections, [(CorrectionRequest, "member")])
register_reassigner("members.transfer", foreign_key_mover(MemberTransfer, "member"), [(MemberTransfer, "member")])
register_reassigner("members.hardship_case", foreign_key_mover(HardshipCase, "member"), [(HardshipCase, "member")])
register_reassigner(
    "members.hardship_suggestion",
    foreign_key_mover(HardshipSuggestion, "member"),
    [(HardshipSuggestion, "member")],
)


# --- finding ------------------------------------------------------------------------------------------

BY_ID_NUMBER = "id_number"
BY_PHONE_AND_NAME = "phone_name"
# At most this many groups per scan (the list is work to do, not a report).
MAX_GROUPS = 200
DUPLICATES_KIND = "members.duplicates"
SCAN_TASK = "members.find_duplicates"


@dataclass
class DuplicateGroup:
    kind: str  # BY_ID_NUMBER or BY_PHONE_AND_NAME
    members: list[Member] = field(default_factory=list)


def duplicate_groups(user: Any, *, limit: int = MAX_GROUPS) -> list[DuplicateGroup]:
    """Groups of records in the user's scope (to change) that look like one person; merged records left out.

    Two grouped queries over the whole scope (a county is hundreds of thousands of rows: seconds
    at Ningbo scale, so this runs as a job, ``do_start_duplicate_scan``) and one for the rows.
    """
    scoped = Member.objects.restrict(user, Action.CHANGE).exclude(status=MemberStatus.MERGED)
    # No ORDER BY/LIMIT in SQL: with them PostgreSQL walks the whole hash index instead of the scope.
    by_id = sorted(
        scoped.exclude(id_number_hash="")
        .values("id_number_hash")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
        .values_list("id_number_hash", flat=True)
    )[:limit]
    by_phone = sorted(
        scoped.exclude(phone_hash="")
        .values("phone_hash", "name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
        .values_list("phone_hash", "name")
    )[:limit]
    if not by_id and not by_phone:
        return []
    condition = Q(id_number_hash__in=by_id)
    for phone_hash, name in by_phone:
        condition |= Q(phone_hash=phone_hash, name=name)
    rows = list(scoped.filter(condition).select_related("union").order_by("id"))
    groups: dict[tuple[str, ...], DuplicateGroup] = {}
    id_keys = set(by_id)
    phone_keys = set(by_phone)
    for member in rows:
        if member.id_number_hash in id_keys:
            groups.setdefault((BY_ID_NUMBER, member.id_number_hash), DuplicateGroup(BY_ID_NUMBER)).members.append(
                member
            )
        if (member.phone_hash, member.name) in phone_keys:
            key = (BY_PHONE_AND_NAME, member.phone_hash, member.name)
            groups.setdefault(key, DuplicateGroup(BY_PHONE_AND_NAME)).members.append(member)
    # A pair found by both rules is listed once, under the ID number.
    seen: set[frozenset[int]] = set()
    result = []
    for group in sorted(groups.values(), key=lambda g: (g.kind != BY_ID_NUMBER, g.members[0].pk)):
        ids = frozenset(m.pk for m in group.members)
        if len(ids) > 1 and ids not in seen:
            seen.add(ids)
            result.append(group)
    return result[:limit]


def do_start_duplicate_scan(*, actor: User) -> Job:
    """Look for duplicates in the actor's scope, as a job (members.find_duplicates)."""
    if not Member.scope_spec.allows_somewhere(actor, Action.CHANGE):
        raise OutOfScope()
    return start_job(DUPLICATES_KIND, SCAN_TASK, actor=actor)


def scan_duplicates(job: Job) -> dict[str, Any]:
    """The job's work: the groups found in its creator's scope, as record ids (no personal data)."""
    actor = User.objects.get(pk=job.created_by_id)
    groups = duplicate_groups(actor)
    return {"groups": [{"kind": g.kind, "ids": [m.pk for m in g.members]} for g in groups]}


def latest_scan(user: Any) -> Job | None:
    return Job.objects.filter(kind=DUPLICATES_KIND, created_by_id=user.pk).order_by("-id").first()


def groups_of(job: Job | None, user: Any) -> list[DuplicateGroup]:
    """A finished scan's groups as they stand now: records since merged, or out of the user's scope, drop out."""
    if job is None or job.status != JobStatus.SUCCEEDED:
        return []
    found = job.result.get("groups", [])
    ids = {pk for group in found for pk in group["ids"]}
    rows = {
        m.pk: m
        for m in Member.objects.restrict(user, Action.CHANGE)
        .exclude(status=MemberStatus.MERGED)
        .filter(pk__in=ids)
        .select_related("union")
    }
    groups = [DuplicateGroup(g["kind"], [rows[pk] for pk in g["ids"] if pk in rows]) for g in found]
    return [g for g in groups if len(g.members) > 1]


def same_person(a: Member, b: Member) -> bool:
    if a.id_number_hash and a.id_number_hash == b.id_number_hash:
        return True
    return bool(a.phone_hash) and a.phone_hash == b.phone_hash and a.name == b.name


# --- merging ------------------------------------------------------------------------------------------


def do_merge_members(survivor: Member, merged: Member, *, actor: User, ip: str | None = None) -> dict[str, int]:
    """Merge ``merged`` into ``survivor``; answer how many rows each app moved.

    Both records must be the actor's to change, look like one person, be unmerged and have
    no transfer waiting. The survivor keeps its own values and takes from the other only
    what it lacks (a phone, an ID number, an earlier joining date, the flags). The merged
    record ends ``merged``, pointing at the survivor; every step is in the change history
    and one access-log record (``merge_members``) names both records.
    """
    if survivor.pk == merged.pk:
        raise ValidationError(_("Choose two different records."))
    with transaction.atomic():
        locked = {
            m.pk: m
            for m in Member.objects.restrict(actor, Action.CHANGE)
            .select_for_update()
            .filter(pk__in=[survivor.pk, merged.pk])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise OutOfScope()
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        if MemberStatus.MERGED in (survivor.status, merged.status):
            raise ValidationError(_("One of these records has already been merged."))
        if not same_person(survivor, merged):
            raise ValidationError(_("These records have neither the same ID number nor the same phone and name."))
        if merged.status in LIVE_STATUSES and survivor.status not in LIVE_STATUSES:
            # Merging would end the person's membership: keep the record that still holds.
            raise ValidationError(_("Keep the record that is still a membership, and merge the other into it."))
        if MemberTransfer.objects.filter(member__in=[survivor, merged], status=TransferStatus.REQUESTED).exists():
            raise ValidationError(_("A transfer of one of these records is waiting: decide it first."))

        moved = {entry.name: entry.function(merged, survivor) for entry in reassigners()}

        # End the merged record first: its live membership no longer counts (one per federation).
        merged.status = MemberStatus.MERGED
        merged.merged_into = survivor
        merged.left_on = merged.left_on or timezone.localdate()
        merged._history_user = actor  # type: ignore[attr-defined]
        merged._change_reason = f"merged into {survivor.pk}"  # type: ignore[attr-defined]
        merged.save(update_fields=["status", "merged_into", "left_on"])

        changed = []
        if not survivor.phone_hash and merged.phone_hash:
            for name in ("phone_encrypted", "phone_hash", "phone_last4"):
                setattr(survivor, name, getattr(merged, name))
            changed += ["phone_encrypted", "phone_hash", "phone_last4"]
        if not survivor.id_number_hash and merged.id_number_hash:
            for name in ("id_number_encrypted", "id_number_hash", "id_number_masked"):
                setattr(survivor, name, getattr(merged, name))
            changed += ["id_number_encrypted", "id_number_hash", "id_number_masked"]
        if merged.joined_on and (survivor.joined_on is None or merged.joined_on < survivor.joined_on):
            survivor.joined_on = merged.joined_on
            changed.append("joined_on")
        for flag in ("is_model_worker", "is_craftsman", "in_hardship"):
            if getattr(merged, flag) and not getattr(survivor, flag):
                setattr(survivor, flag, True)
                changed.append(flag)
        survivor._history_user = actor  # type: ignore[attr-defined]
        survivor._change_reason = f"merged {merged.pk} into this record"  # type: ignore[attr-defined]
        survivor.save(update_fields=changed or ["status"])

        do_log_access(
            actor=actor,
            action="merge_members",
            obj=survivor,
            reason=_("Merged record {merged} into {survivor}; moved: {moved}").format(
                merged=merged.pk, survivor=survivor.pk, moved=", ".join(f"{k} {v}" for k, v in sorted(moved.items()))
            ),
            ip=ip,
        )
    return moved
