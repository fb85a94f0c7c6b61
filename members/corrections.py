"""A member asks, from their own card page, for a field of their record to be corrected; staff decide.

The request is scoped like the member and raises a work item in the zone's inbox (``/m/inbox/``).
Approval applies the change through ``do_save_member`` (so the lifecycle, the one-live-membership
rule and the change history apply, with the reason ``correction <id>``); refusal needs a reason.
A new phone or ID number is checked, encrypted and hashed like a member's, shown masked, and
erased from the request once it is decided (the member's record holds it from then on).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.core.choices import Action
from unionhub.core.models import User
from unionhub.core.scoping import ensure_in_scope
from zones.actions import do_raise_work_item
from zones.choices import WorkKind, WorkState
from zones.models import WorkItem

from .actions import do_save_member
from .choices import CorrectionField, CorrectionStatus, MemberStatus, Occupation, WorkForm
from .models import CorrectionRequest, Member

# A correction should be decided within this many days (the due date in the zone's inbox).
CORRECTION_DAYS = 7
# Only a current membership may be corrected by its member.
CORRECTABLE = [MemberStatus.APPLIED, MemberStatus.ACTIVE, MemberStatus.LAPSED]
ENCRYPTED_COLUMNS = [
    "phone_encrypted",
    "phone_hash",
    "phone_last4",
    "id_number_encrypted",
    "id_number_hash",
    "id_number_masked",
]


def _source_key(request: CorrectionRequest) -> str:
    return f"member-correction:{request.pk}"


def do_ask_correction(member: Member, *, field: str, value: str, reason: str = "") -> CorrectionRequest:
    """File the signed-in member's request (the caller proved the phone); bad values are refused per field."""
    value, reason = value.strip(), reason.strip()
    request = CorrectionRequest(member=member, field=field, reason=reason[:500])
    errors: dict[str, list[str]] = {}
    if field not in CorrectionField.values:
        errors["field"] = [_("Choose what to correct.")]
    elif field == CorrectionField.PHONE:
        try:
            request.set_phone(value)
        except ValidationError as exc:
            errors["value"] = exc.messages
    elif field == CorrectionField.ID_NUMBER:
        try:
            request.set_id_number(value)
        except ValidationError as exc:
            errors["value"] = exc.messages
    elif field == CorrectionField.OCCUPATION and value not in Occupation.values:
        errors["value"] = [_("Choose an occupation from the list.")]
    elif field == CorrectionField.WORK_FORM and value not in WorkForm.values:
        errors["value"] = [_("Choose a work form from the list.")]
    elif field == CorrectionField.NAME and not " ".join(value.split()):
        errors["value"] = [_("Enter the corrected value.")]
    elif field == CorrectionField.NAME and len(value) > 50:
        errors["value"] = [_("A name has at most 50 characters.")]
    elif field == CorrectionField.EMPLOYER and len(value) > 150:
        errors["value"] = [_("At most 150 characters.")]
    if field in (CorrectionField.NAME, CorrectionField.EMPLOYER, CorrectionField.OCCUPATION, CorrectionField.WORK_FORM):
        request.value = " ".join(value.split())
    waiting = CorrectionRequest.objects.filter(member=member, field=field, status=CorrectionStatus.WAITING)
    if field in CorrectionField.values and waiting.exists():
        errors.setdefault("field", []).append(_("A correction of this field is already waiting for a decision."))
    if member.status not in CORRECTABLE:
        errors.setdefault("field", []).append(_("This membership has ended: it can no longer be corrected."))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            request.full_clean()
            request.save()
            if request.zone_id is not None:
                do_raise_work_item(
                    WorkItem(
                        kind=WorkKind.OTHER,
                        title=_("Correction asked for by a member: {name}").format(name=member.masked_name),
                        detail=f"{request.get_field_display()} · {member.union.name}",
                        link=f"/admin/members/correctionrequest/{request.pk}/change/",
                        zone_id=request.zone_id,
                        union_id=request.union_id,
                        due_on=timezone.localdate() + datetime.timedelta(days=CORRECTION_DAYS),
                    ),
                    source_key=_source_key(request),
                )
    except IntegrityError:
        raise ValidationError({"field": [_("A correction of this field is already waiting for a decision.")]}) from None
    return request


def do_decide_correction(
    request: CorrectionRequest, *, approve: bool, actor: User, reason: str = ""
) -> CorrectionRequest:
    """Approve (the member's record changes, with history) or refuse with a reason."""
    with transaction.atomic():
        request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
        ensure_in_scope(request, actor, Action.APPROVE)
        if request.status != CorrectionStatus.WAITING:
            raise ValidationError({"status": _("This correction has already been decided.")})
        if not approve and not reason.strip():
            raise ValidationError({"refusal_reason": _("Say why the correction is refused.")})
        if approve:
            member = Member.objects.select_for_update().get(pk=request.member_id)
            _apply(request, member)
            member._change_reason = f"correction {request.pk}"  # type: ignore[attr-defined]
            do_save_member(member, actor=actor)
        request.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REFUSED
        request.refusal_reason = "" if approve else reason.strip()
        request.decided_by, request.decided_at = actor, timezone.now()
        # The member's record now holds the number (or never will): the request keeps only the masked form.
        request.phone_encrypted, request.phone_hash = None, ""
        request.id_number_encrypted, request.id_number_hash = None, ""
        request._history_user = actor  # type: ignore[attr-defined]
        request.full_clean()
        request.save()
        WorkItem.objects.filter(source_key=_source_key(request)).exclude(state=WorkState.DONE).update(
            state=WorkState.DONE, closed_at=timezone.now(), resolution=request.get_status_display()
        )
    return request


def _apply(request: CorrectionRequest, member: Member) -> None:
    if request.field == CorrectionField.PHONE:
        for column in ("phone_encrypted", "phone_hash", "phone_last4"):
            setattr(member, column, getattr(request, column))
    elif request.field == CorrectionField.ID_NUMBER:
        for column in ("id_number_encrypted", "id_number_hash", "id_number_masked"):
            setattr(member, column, getattr(request, column))
    else:
        setattr(member, request.field, request.value)
