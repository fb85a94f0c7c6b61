"""Writes of member records and join applications."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.core import consents
from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action, FederationKind
from unionhub.core.models import Federation, User
from unionhub.core.outbox import enqueue
from unionhub.core.scoping import ensure_in_scope
from zones.actions import do_raise_work_item, holding_pool_for
from zones.choices import WorkKind, WorkState
from zones.models import GrassrootsUnion, WorkItem

from .choices import ApplicationStatus, MemberStatus, WorkForm
from .models import JoinApplication, Member

# The status lifecycle: applied → active → transferred / lapsed / withdrawn (a lapsed member may return).
STATUS_CHANGES = {
    MemberStatus.APPLIED: {MemberStatus.ACTIVE, MemberStatus.WITHDRAWN},
    MemberStatus.ACTIVE: {MemberStatus.LAPSED, MemberStatus.WITHDRAWN, MemberStatus.TRANSFERRED},
    MemberStatus.LAPSED: {MemberStatus.ACTIVE, MemberStatus.WITHDRAWN},
    MemberStatus.TRANSFERRED: set(),
    MemberStatus.WITHDRAWN: set(),
    MemberStatus.MERGED: set(),  # only members.merging ends a record so
}
LEFT = {MemberStatus.LAPSED, MemberStatus.WITHDRAWN, MemberStatus.TRANSFERRED}


def check_status_change(member: Member) -> None:
    """Refuse a status the member cannot move to from the stored one; date the leaving (or clear it)."""
    stored = Member.objects.filter(pk=member.pk).values_list("status", flat=True).first() if member.pk else None
    if stored is not None and stored != member.status:
        if member.status not in STATUS_CHANGES[MemberStatus(stored)]:
            raise ValidationError(
                {
                    "status": _("A member who is “{old}” cannot become “{new}”.").format(
                        old=MemberStatus(stored).label, new=MemberStatus(member.status).label
                    )
                }
            )
        member.left_on = timezone.localdate() if member.status in LEFT else None
    if member.status == MemberStatus.ACTIVE and member.joined_on is None:
        member.joined_on = timezone.localdate()


def do_save_member(member: Member, *, actor: User, phone: str = "", id_number: str = "") -> Member:
    """Save a member; a phone or ID number given here is validated, encrypted and hashed.

    A change of status must follow the lifecycle (STATUS_CHANGES) and dates the leaving.
    """
    with transaction.atomic():
        check_status_change(member)
        if member.union_id is not None:
            # Copied again on save; set now so that full_clean checks one live membership per federation.
            member.federation_path = member.union.federation_path
        errors = {}
        for field, value, setter in [
            ("phone", phone, member.set_phone),
            ("id_number", id_number, member.set_id_number),
        ]:
            if value:
                try:
                    setter(value)
                except ValidationError as exc:
                    errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)
        save_scoped(member, actor=actor)
        if not member.member_number:
            member.member_number = f"{member.pk:010d}"
            Member.objects.filter(pk=member.pk).update(member_number=member.member_number)
    return member


# --- Joining: applications from the scan-to-join form, decided by the union's chair or zone workers ----

# An application should be decided within this many days (the due date in the zone's inbox).
APPLICATION_DAYS = 7


def county_of(federation: Federation) -> Federation:
    """The county (or district) federation at or above ``federation``: it keeps the holding pool."""
    if federation.kind in (FederationKind.COUNTY, FederationKind.CITY, FederationKind.PROVINCE):
        return federation
    ancestors = Federation.objects.filter(pk__in=federation.ancestor_ids(), kind=FederationKind.COUNTY)
    return ancestors.order_by("-depth").first() or federation


def do_submit_application(
    application: JoinApplication,
    *,
    phone: str,
    id_number: str,
    union: GrassrootsUnion | None,
    federation: Federation,
    consent_version: str,
) -> JoinApplication:
    """File a worker's application (the phone was proved with a code by the caller).

    ``consent_version`` is the wording of the separate consent to the ID number's processing
    the worker ticked (PIPL art. 29): it must be the current one, and is recorded with the time.

    With no union, a new-employment-form worker goes to the county's holding pool; anyone else
    must name their union. Whether the ID number is an active member's anywhere is asked
    through its keyed hash and kept as a yes or no. The zone's workers (or, for the pool,
    nobody in a zone) find it in their inbox.
    """
    errors: dict[str, list[str]] = {}
    for field, value, setter in [
        ("phone", phone, application.set_phone),
        ("id_number", id_number, application.set_id_number),
    ]:
        try:
            setter(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if union is None and application.work_form != WorkForm.NEW_FORM:
        errors["union"] = [_("Choose your union. Only new-employment-form workers may join without one.")]
    consent = consents.current(consents.JOIN_ID_NUMBER)
    if consent_version != consent.version:
        errors["consent"] = [str(consent.required_message)]
    if errors:
        raise ValidationError(errors)
    application.consent_version, application.consented_at = consent.version, timezone.now()
    with transaction.atomic():
        application.union = union or holding_pool_for(county_of(federation))
        application.member_elsewhere = (
            Member.objects.filter(id_number_hash=application.id_number_hash)
            .exclude(status__in=[MemberStatus.WITHDRAWN, MemberStatus.TRANSFERRED, MemberStatus.MERGED])
            .exists()
        )
        application.full_clean()
        application.save()
        if application.zone_id is not None:
            do_raise_work_item(
                WorkItem(
                    kind=WorkKind.JOIN_APPLICATION,
                    title=_("Join application: {name}").format(name=application.masked_name),
                    detail=application.union.name,
                    link=f"/admin/members/joinapplication/{application.pk}/change/",
                    zone_id=application.zone_id,
                    union=application.union,
                    due_on=timezone.localdate() + datetime.timedelta(days=APPLICATION_DAYS),
                ),
                source_key=f"join-application:{application.pk}",
            )
    return application


def do_decide_application(
    application: JoinApplication, *, approve: bool, actor: User, reason: str = ""
) -> JoinApplication:
    """Approve (the worker becomes a member) or refuse with a reason; the worker is told by text."""
    with transaction.atomic():
        application = JoinApplication.objects.select_for_update().get(pk=application.pk)
        ensure_in_scope(application, actor, Action.APPROVE)
        if application.status != ApplicationStatus.SUBMITTED:
            raise ValidationError({"status": _("This application has already been decided.")})
        application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REFUSED
        application.reason = reason.strip()
        application.decided_by, application.decided_at = actor, timezone.now()
        application.full_clean()
        if approve:
            member = Member(
                name=application.name,
                union=application.union,
                status=MemberStatus.ACTIVE,
                occupation=application.occupation,
                work_form=application.work_form,
                employer=application.employer,
                joined_on=timezone.localdate(),
            )
            for field in ("phone_encrypted", "phone_hash", "phone_last4"):
                setattr(member, field, getattr(application, field))
            for field in ("id_number_encrypted", "id_number_hash", "id_number_masked"):
                setattr(member, field, getattr(application, field))
            application.member = do_save_member(member, actor=actor)
        application._history_user = actor  # type: ignore[attr-defined]
        application.save()
        WorkItem.objects.filter(source_key=f"join-application:{application.pk}").exclude(state=WorkState.DONE).update(
            state=WorkState.DONE, closed_at=timezone.now(), resolution=application.get_status_display()
        )
        enqueue("members.text_applicant", application.pk, key=f"join-decision:{application.pk}", queue="notify")
    return application


def do_withdraw_own_membership(member: Member) -> Member:
    """A member leaves the union from their own page (after proving their phone): withdrawn, dated.

    Their record stays (statistics survive) until the retention job anonymises it.
    """
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        member.status = MemberStatus.WITHDRAWN
        check_status_change(member)
        member._change_reason = "withdrawn by the member"  # type: ignore[attr-defined]
        member.save(update_fields=["status", "left_on"])
    return member


def do_set_photo(member: Member, photo: bytes | None, *, actor: User | None) -> Member:
    """Put a photo (already re-encoded by unionhub.core.images.process_image) on the member's card, or remove it.

    What is kept is the card's portrait: a 3:4 crop, 360 × 480 (members.card.card_portrait).

    ``actor`` is the staff user, or None when the member does it from their own card page.
    The file is private (never served); the one it replaces is deleted after commit.
    """
    from django.core.files.base import ContentFile

    from .card import card_portrait

    old = member.photo.name if member.photo else ""
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if photo:
            member.photo.save(f"{uuid.uuid4().hex}.jpg", ContentFile(card_portrait(photo)), save=False)
        else:
            member.photo = ""  # type: ignore[assignment]
        member._history_user = actor  # type: ignore[attr-defined]
        member._change_reason = "photo" if actor else "photo, by the member"  # type: ignore[attr-defined]
        member.save(update_fields=["photo"])
        if old and old != member.photo.name:
            storage = member.photo.storage
            transaction.on_commit(lambda: storage.delete(old))
    return member
