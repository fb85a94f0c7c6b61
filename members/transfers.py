"""Transfers between unions (会员关系转接): the narrow cross-scope look-ups and every transition.

A transfer has two ends, each in someone's scope (MemberTransfer.scope_spec). Either end asks:

- the **sending** side picks one of its members and a destination union, which may lie
  outside its scope. It finds that union only through ``find_destination_union`` (the
  exact credit code, or the exact name and federation name), which answers the union's id
  and name and writes an access-log record; a destination the user may not see is accepted
  only if the user looked it up so in the last LOOKUP_VALID hours;
- the **receiving** side names the worker by ID number or phone, compared through the keyed
  hash (``find_member_for_transfer``: yes or no and a masked name, logged).

Both sides then approve, in either order (an actor with both ends in scope approves both at
once); the second approval completes the transfer: the member row moves to the new union
(its zone and federation path follow, CopiesScope), stays active and keeps its number, so
its card and the card's signed link still verify and now show the new union. A change-
history entry records the move. Either side may refuse with a reason; the asking side may
cancel. Each step tells the other side (unionhub.core.notify); the receiving zone gets a
work item in its inbox.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.core.choices import Action, Role
from unionhub.core.exceptions import OutOfScope
from unionhub.core.models import AccessLog, RoleAssignment, User
from unionhub.core.notify import notify
from unionhub.core.pii_scan import mask_id_numbers
from zones.actions import do_raise_work_item, workers_of_zones
from zones.choices import WorkKind, WorkState
from zones.models import GrassrootsUnion, UnionChair, WorkItem

from .choices import MemberStatus, TransferSide, TransferStatus
from .models import LIVE_STATUSES, Member, MemberTransfer

UNION_LOOKUP = "transfer_union_lookup"
MEMBER_LOOKUP = "transfer_member_lookup"
# A destination found with the look-up may be named in a request for this long.
LOOKUP_VALID = datetime.timedelta(hours=24)
# The receiving zone should take the member in within this many days (its inbox's due date).
TRANSFER_DAYS = 14

SIDES = (TransferSide.SENDING, TransferSide.RECEIVING)


# --- the narrow look-ups ------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundUnion:
    id: int
    name: str


def _log(actor: User, action: str, *, model: str, object_id: str, field: str, reason: str, ip: str | None) -> None:
    """An access-log record, kept under the actor's own federation (whose staff oversee them)."""
    AccessLog.objects.create(
        user=actor,
        action=action,
        model=model,
        object_id=object_id,
        field=field,
        reason=reason,
        ip_address=ip,
        federation_path=actor.federation_path,
    )


def may_ask_transfers(actor: User) -> bool:
    return MemberTransfer.scope_spec.allows_somewhere(actor, Action.ADD)


def find_destination_union(
    *, actor: User, credit_code: str = "", name: str = "", federation_name: str = "", ip: str | None = None
) -> FoundUnion | None:
    """A destination union anywhere, by its exact credit code or its exact name and federation's name.

    Never a list: one union or none (none also when the name matches several). Only its id
    and name are answered. Every look-up is logged, found or not.
    """
    if not may_ask_transfers(actor):
        raise OutOfScope()
    credit_code, name, federation_name = credit_code.strip().upper(), name.strip(), federation_name.strip()
    if credit_code:
        unions = GrassrootsUnion.objects.filter(credit_code=credit_code)
        asked = "credit_code"
    elif name and federation_name:
        unions = GrassrootsUnion.objects.filter(name=name, federation__name=federation_name)
        asked = "name"
    else:
        raise ValidationError(_("Give the union's credit code, or its exact name and its federation's name."))
    found = list(unions.filter(is_holding_pool=False).values_list("id", "name")[:2])
    union = FoundUnion(*found[0]) if len(found) == 1 else None
    _log(
        actor,
        UNION_LOOKUP,
        model="zones.grassrootsunion",
        object_id=str(union.id) if union else "",
        field=asked,
        reason=_("Transfer destination look-up: {answer}").format(answer=_("found") if union else _("not found")),
        ip=ip,
    )
    return union


def find_member_for_transfer(
    *, actor: User, id_number: str = "", phone: str = "", ip: str | None = None
) -> Member | None:
    """The one active member anywhere with this ID number or phone (keyed hash), or None; logged.

    Callers show only whether one was found and the masked name. Several matches answer None:
    the member's own union then starts the transfer.
    """
    if not may_ask_transfers(actor):
        raise OutOfScope()
    if id_number:
        condition, asked = Q(id_number_hash=Member.id_number_lookup(id_number)), "id_number"
    elif phone:
        condition, asked = Q(phone_hash=Member.phone_lookup(phone)), "phone"
    else:
        raise ValidationError(_("Give the worker's ID number or mobile phone."))
    found = list(
        Member.objects.filter(condition, status=MemberStatus.ACTIVE)
        .select_related("union")
        .only("id", "name", "union", "status", "union__name", "union__federation_id")[:2]
    )
    member = found[0] if len(found) == 1 else None
    _log(
        actor,
        MEMBER_LOOKUP,
        model="members.member",
        object_id=str(member.pk) if member else "",
        field=asked,
        reason=_("Transfer look-up by {field}: {answer}").format(
            field=asked, answer=_("found") if member else _("not found")
        ),
        ip=ip,
    )
    return member


def _looked_up(actor: User, union: GrassrootsUnion) -> bool:
    return AccessLog.objects.filter(
        user=actor,
        action=UNION_LOOKUP,
        object_id=str(union.pk),
        at__gte=timezone.now() - LOOKUP_VALID,
    ).exists()


# --- asking ---------------------------------------------------------------------------------------


def _check_movable(member: Member, to_union: GrassrootsUnion) -> None:
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": _("Only an active member can be transferred.")})
    if member.union_id == to_union.pk:
        raise ValidationError({"to_union": _("The member is already in this union.")})
    if to_union.is_holding_pool:
        raise ValidationError({"to_union": _("Choose a grassroots union, not a holding pool.")})


def _create(member: Member, to_union: GrassrootsUnion, *, side: str, actor: User, reason: str) -> MemberTransfer:
    transfer = MemberTransfer(
        member=member,
        from_union_id=member.union_id,
        to_union=to_union,
        requested_by_side=side,
        requested_by=actor,
        reason=mask_id_numbers(reason.strip()),
    )
    transfer.full_clean()
    transfer.save()
    if not MemberTransfer.objects.restrict_side(actor, Action.ADD, side).filter(pk=transfer.pk).exists():
        raise OutOfScope()
    _raise_receiving_work(transfer)
    _tell(
        transfer,
        _other(side),
        key="asked",
        title=_("Transfer asked: {name}, {source} → {target}"),
    )
    return transfer


def do_request_transfer(member: Member, to_union: GrassrootsUnion, *, actor: User, reason: str = "") -> MemberTransfer:
    """The sending side asks to move one of its members to ``to_union``.

    The member must be one the actor may change; the destination one the actor may see, or
    found with ``find_destination_union`` in the last LOOKUP_VALID hours.
    """
    with transaction.atomic():
        mine = Member.objects.restrict(actor, Action.CHANGE).select_for_update().filter(pk=member.pk).first()
        if mine is None:
            raise OutOfScope()
        member = mine
        visible = GrassrootsUnion.objects.restrict(actor, Action.VIEW).filter(pk=to_union.pk).exists()
        if not visible and not _looked_up(actor, to_union):
            raise ValidationError({"to_union": _("Find the destination union with the look-up first.")})
        _check_movable(member, to_union)
        return _create(member, to_union, side=TransferSide.SENDING, actor=actor, reason=reason)


def do_ask_transfer_in(
    to_union: GrassrootsUnion,
    *,
    actor: User,
    id_number: str = "",
    phone: str = "",
    reason: str = "",
    ip: str | None = None,
) -> MemberTransfer:
    """The receiving side asks for a worker who is a member elsewhere, named by ID number or phone.

    The worker is found through the keyed hash (logged); the answer to the asking side stays
    masked until the transfer completes.
    """
    with transaction.atomic():
        if not GrassrootsUnion.objects.restrict(actor, Action.VIEW).filter(pk=to_union.pk).exists():
            raise OutOfScope()
        member = find_member_for_transfer(actor=actor, id_number=id_number, phone=phone, ip=ip)
        if member is None:
            raise ValidationError(
                {"member": _("No single active member has this number: ask the member's union to start the transfer.")}
            )
        member = Member.objects.select_for_update().get(pk=member.pk)
        _check_movable(member, to_union)
        return _create(member, to_union, side=TransferSide.RECEIVING, actor=actor, reason=reason)


# --- deciding ---------------------------------------------------------------------------------------


def _other(side: str) -> str:
    return TransferSide.RECEIVING if side == TransferSide.SENDING else TransferSide.SENDING


def sides_for(transfer: MemberTransfer, actor: User, action: str) -> list[str]:
    """The ends of ``transfer`` at which ``actor`` may ``action``."""
    return [
        side
        for side in SIDES
        if MemberTransfer.objects.restrict_side(actor, action, side).filter(pk=transfer.pk).exists()
    ]


def _locked_open(transfer: MemberTransfer, actor: User) -> MemberTransfer:
    locked = MemberTransfer.objects.restrict(actor, Action.VIEW).select_for_update().filter(pk=transfer.pk).first()
    if locked is None:
        raise OutOfScope()
    if not locked.is_open:
        raise ValidationError({"status": _("This transfer has already been decided.")})
    return locked


def _approved(transfer: MemberTransfer, side: str) -> bool:
    return getattr(transfer, f"{side}_approved_at") is not None


def do_approve_transfer(transfer: MemberTransfer, *, actor: User, side: str | None = None) -> MemberTransfer:
    """Approve a transfer at the actor's end (or at ``side``); when both ends have approved, it completes."""
    with transaction.atomic():
        transfer = _locked_open(transfer, actor)
        allowed = sides_for(transfer, actor, Action.APPROVE)
        pending = [s for s in allowed if not _approved(transfer, s) and (side is None or s == side)]
        if not allowed or (side is not None and side not in allowed):
            raise OutOfScope()
        if not pending:
            raise ValidationError({"status": _("Your side has already approved this transfer.")})
        now = timezone.now()
        for end in pending:
            setattr(transfer, f"{end}_approved_by", actor)
            setattr(transfer, f"{end}_approved_at", now)
        transfer.save()
        if all(_approved(transfer, s) for s in SIDES):
            _complete(transfer, actor=actor)
        else:
            waiting = _other(pending[0])
            _tell(
                transfer,
                waiting,
                key="approved",
                title=_("Transfer approved by the other side: {name}, {source} → {target}"),
            )
    return transfer


def do_refuse_transfer(
    transfer: MemberTransfer, *, actor: User, reason: str, side: str | None = None
) -> MemberTransfer:
    """Refuse a transfer at the actor's end, with a reason; the other side is told."""
    with transaction.atomic():
        transfer = _locked_open(transfer, actor)
        allowed = sides_for(transfer, actor, Action.APPROVE)
        if not allowed or (side is not None and side not in allowed):
            raise OutOfScope()
        transfer.status = TransferStatus.REFUSED
        transfer.refused_side = side or allowed[0]
        transfer.refused_by, transfer.refused_at = actor, timezone.now()
        transfer.refusal_reason = mask_id_numbers(reason.strip())
        transfer.full_clean()
        transfer.save()
        _close_work(transfer, _("Refused"))
        _tell(
            transfer,
            _other(transfer.refused_side),
            key="refused",
            title=_("Transfer refused: {name}, {source} → {target}"),
        )
    return transfer


def do_cancel_transfer(transfer: MemberTransfer, *, actor: User) -> MemberTransfer:
    """The asking side withdraws its request while it waits."""
    with transaction.atomic():
        transfer = _locked_open(transfer, actor)
        if transfer.requested_by_side not in sides_for(transfer, actor, Action.CHANGE):
            raise OutOfScope(_("Only the side that asked for a transfer can cancel it."))
        transfer.status = TransferStatus.CANCELLED
        transfer.cancelled_by, transfer.cancelled_at = actor, timezone.now()
        transfer.save()
        _close_work(transfer, _("Cancelled"))
        _tell(
            transfer,
            _other(transfer.requested_by_side),
            key="cancelled",
            title=_("Transfer cancelled: {name}, {source} → {target}"),
        )
    return transfer


def _complete(transfer: MemberTransfer, *, actor: User) -> None:
    """Move the member: same row, same number and history, now in the receiving union."""
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    if member.union_id != transfer.from_union_id or member.status != MemberStatus.ACTIVE:
        raise ValidationError({"member": _("The member has left or moved since the transfer was asked for.")})
    target = transfer.to_union
    if (
        member.id_number_hash
        and Member.objects.filter(
            federation_path=target.federation_path, id_number_hash=member.id_number_hash, status__in=LIVE_STATUSES
        )
        .exclude(pk=member.pk)
        .exists()
    ):
        raise ValidationError(
            {"member": _("This person already has a membership in the receiving federation: merge the records there.")}
        )
    member.union = target
    member._history_user = actor  # type: ignore[attr-defined]
    member._change_reason = f"transfer {transfer.pk}"  # type: ignore[attr-defined]
    member.save()  # CopiesScope takes the new union's zone and federation path
    transfer.status = TransferStatus.COMPLETED
    transfer.completed_at = timezone.now()
    transfer.save()
    _close_work(transfer, _("Completed"))
    for side in SIDES:
        _tell(transfer, side, key="completed", title=_("Transfer completed: {name}, {source} → {target}"))


# --- telling the other side -----------------------------------------------------------------------


def _work_key(transfer: MemberTransfer) -> str:
    return f"member-transfer:{transfer.pk}"


def _raise_receiving_work(transfer: MemberTransfer) -> None:
    """The receiving zone's inbox: take the member in (approve, welcome them)."""
    union = transfer.to_union
    if union.zone_id is None:
        return  # a union in no zone is kept by federation staff, who are notified
    do_raise_work_item(
        WorkItem(
            kind=WorkKind.MEMBER_TRANSFER,
            title=_("Transfer in: {name} from {source}").format(
                name=transfer.masked_name, source=transfer.from_union.name
            ),
            detail=union.name,
            link=f"/admin/members/membertransfer/{transfer.pk}/change/",
            zone_id=union.zone_id,
            union=union,
            due_on=timezone.localdate() + datetime.timedelta(days=TRANSFER_DAYS),
        ),
        source_key=_work_key(transfer),
    )


def _close_work(transfer: MemberTransfer, resolution: str) -> None:
    WorkItem.objects.filter(source_key=_work_key(transfer)).exclude(state=WorkState.DONE).update(
        state=WorkState.DONE, closed_at=timezone.now(), resolution=resolution
    )


def people_of(union: GrassrootsUnion) -> list[User]:
    """Who looks after a union's members: its chairs, its zone's workers, its federation's staff."""
    users = [binding.user for binding in UnionChair.objects.filter(union=union).select_related("user")]
    if union.zone_id is not None:
        users += workers_of_zones([union.zone_id]).get(union.zone_id, [])
    # Federation staff of the nearest node (the union's own federation, else the closest above) that has any.
    ancestors = union.federation.ancestor_ids()
    staff = list(
        RoleAssignment.objects.filter(federation_id__in=ancestors, role=Role.FEDERATION_STAFF)
        .select_related("user", "federation")
        .order_by("-federation__depth", "user_id")
    )
    if staff:
        nearest = staff[0].federation_id
        users += [binding.user for binding in staff if binding.federation_id == nearest]
    return list({user.pk: user for user in users}.values())


def _tell(transfer: MemberTransfer, side: str, *, key: str, title: str) -> None:
    """Notify one side's people; names stay masked (notifications may leave the system)."""
    union = transfer.from_union if side == TransferSide.SENDING else transfer.to_union
    notify(
        people_of(union),
        key=f"member-transfer:{transfer.pk}:{key}:{side}",
        title=title.format(name=transfer.masked_name, source=transfer.from_union.name, target=transfer.to_union.name),
        body=transfer.reason,
        link=f"/admin/members/membertransfer/{transfer.pk}/change/",
    )
