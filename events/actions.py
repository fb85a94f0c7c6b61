"""Writes of activities: saving them, registering, the waiting list, approval, check-in, photos.

Every change to an activity's places runs with the activity's row locked (SELECT … FOR
UPDATE), so concurrent registrations, cancellations and expiries of one activity take turns:
places are counted and given under the lock, and the activity can never be overbooked. A
place that becomes free goes to the waiting list at once (``fill_places``): the next in line
is offered it and has ACTIVITY_OFFER_HOURS to confirm (events.tasks expires the offer and
moves on).
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.choices import MemberStatus
from members.member_session import own_memberships
from members.models import Member
from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action
from unionhub.core.images import ProcessedImage
from unionhub.core.models import User
from unionhub.core.outbox import enqueue
from unionhub.core.scoping import ensure_in_scope
from zones.models import GrassrootsUnion

from .choices import ACTIVE, HOLDS_PLACE, Attendance, RegistrationStatus
from .eligibility import check_eligibility
from .models import Activity, ActivityPhoto, Registration, ThemeSeries, UnionQuota


def do_save_activity(activity: Activity, *, actor: User) -> Activity:
    return save_scoped(activity, actor=actor)


def do_save_series(series: ThemeSeries, *, actor: User) -> ThemeSeries:
    return save_scoped(series, actor=actor)


def do_set_quotas(activity: Activity, places: Mapping[GrassrootsUnion, int], *, actor: User) -> list[UnionQuota]:
    """Replace the activity's union quotas; together they may not exceed its capacity."""
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk)
        ensure_in_scope(activity, actor, Action.CHANGE)
        if any(count < 1 for count in places.values()):
            raise ValidationError({"quotas": _("Each union's quota must be at least one place.")})
        visible = set(
            GrassrootsUnion.objects.restrict(actor, Action.VIEW)
            .filter(pk__in=[union.pk for union in places])
            .values_list("pk", flat=True)
        )
        if len(visible) != len(places):
            raise ValidationError({"quotas": _("Choose unions from the list.")})
        total = sum(places.values())
        if total > activity.capacity:
            raise ValidationError(
                {
                    "quotas": _(
                        "The quotas add up to {places} places, more than the activity's capacity of {capacity}."
                    ).format(places=total, capacity=activity.capacity)
                }
            )
        activity.quotas.exclude(union__in=list(places)).delete()
        for union, count in places.items():
            UnionQuota.objects.update_or_create(activity=activity, union=union, defaults={"places": count})
        return list(activity.quotas.select_related("union").order_by("union__name"))


@dataclass(frozen=True)
class Registrant:
    """What the public form gives: a phone proved with a code, and what the worker declares."""

    phone: str
    name: str = ""
    declared_single: bool = False
    as_cadre: bool = False


def do_register(activity: Activity, registrant: Registrant, *, now: datetime.datetime | None = None) -> Registration:
    """Register a worker whose phone was proved: a place if one is free (pending approval where needed),
    else the waiting list. Raises ValidationError, writing nothing, when they may not register."""
    now = now or timezone.now()
    key = Member.phone_lookup(registrant.phone)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity.pk, published=True)
        if now >= activity.closes_at:
            raise ValidationError(
                {
                    "activity": _("Registration closed on {time}.").format(
                        time=date_format(timezone.localtime(activity.closes_at), "DATETIME_FORMAT")
                    )
                }
            )
        if activity.registrations.filter(phone_hash=key, status__in=ACTIVE).exists():
            raise ValidationError({"phone": _("This phone is already registered for this activity.")})
        member = next((m for m in own_memberships(key) if m.status == MemberStatus.ACTIVE), None)
        check_eligibility(activity, member, declared_single=registrant.declared_single)
        name = member.name if member else " ".join(registrant.name.split())
        if not name:
            raise ValidationError({"name": _("Enter your full name.")})
        places = _Places.of(activity)
        union_id = member.union_id if member else None
        if places.quotas and places.quotas.get(union_id or 0) is None:
            raise ValidationError({"phone": _("Places are shared out among unions, and yours has none.")})
        registration = Registration(
            activity=activity,
            name=name,
            member=member,
            member_union_id=union_id,
            declared_single=registrant.declared_single,
            cadre_of_id=union_id if registrant.as_cadre else None,
        )
        registration.set_phone(registrant.phone)
        if places.free_for(union_id):
            registration.status = (
                RegistrationStatus.PENDING if activity.needs_approval else RegistrationStatus.CONFIRMED
            )
        else:
            registration.status = RegistrationStatus.WAITLISTED
        registration.save()
    return registration


def do_cancel_registration(registration: Registration, *, now: datetime.datetime | None = None) -> Registration:
    """The worker cancels (from their own page); a place they held goes to the next on the waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=registration.activity_id)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.status not in ACTIVE or now >= activity.starts_at:
            raise ValidationError(_("This registration can no longer be cancelled."))
        held = registration.status in HOLDS_PLACE
        registration.status = RegistrationStatus.CANCELLED
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "offer_expires_at"])
        if held:
            fill_places(activity, now=now)
    return registration


def do_accept_offer(registration: Registration, *, now: datetime.datetime | None = None) -> Registration:
    """The worker takes the place offered from the waiting list, before the offer expires."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=registration.activity_id)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.status != RegistrationStatus.OFFERED or registration.offer_expires_at <= now:  # type: ignore[operator]
            raise ValidationError(_("This offer has expired."))
        registration.status = RegistrationStatus.PENDING if activity.needs_approval else RegistrationStatus.CONFIRMED
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "offer_expires_at"])
    return registration


def do_decide_registration(registration: Registration, *, approve: bool, reason: str = "", actor: User) -> Registration:
    """Approve or refuse a registration waiting for approval; a refusal frees its place for the waiting list."""
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=registration.activity_id)
        registration = Registration.objects.get(pk=registration.pk)
        ensure_in_scope(registration, actor, Action.APPROVE)
        if registration.status != RegistrationStatus.PENDING:
            raise ValidationError(_("Only a registration waiting for approval can be decided."))
        if not approve and not reason.strip():
            raise ValidationError({"reason": _("Say why the registration is refused.")})
        registration.status = RegistrationStatus.CONFIRMED if approve else RegistrationStatus.REFUSED
        registration.reason = "" if approve else reason.strip()
        registration.decided_by = actor
        registration.save(update_fields=["status", "reason", "decided_by"])
        if not approve:
            fill_places(activity)
    return registration


def expire_offer(registration_id: int, *, now: datetime.datetime | None = None) -> bool:
    """Expire one unconfirmed offer and offer the place to the next in line; False if it was not due.

    The offer is claimed with a conditional UPDATE, so a rerun (or a second worker) expires it once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        activity_id = Registration.objects.filter(pk=registration_id).values_list("activity_id", flat=True).first()
        if activity_id is None:
            return False
        activity = Activity.objects.select_for_update().get(pk=activity_id)
        claimed = Registration.objects.filter(
            pk=registration_id, status=RegistrationStatus.OFFERED, offer_expires_at__lte=now
        ).update(status=RegistrationStatus.EXPIRED, offer_expires_at=None)
        if claimed:
            fill_places(activity, now=now)
    return bool(claimed)


def fill_places(activity: Activity, *, now: datetime.datetime | None = None) -> list[Registration]:
    """Offer free places to the waiting list, first come first served (within each union's quota).

    Call with the activity's row locked. No offers once the activity has started.
    """
    now = now or timezone.now()
    if now >= activity.starts_at:
        return []
    places = _Places.of(activity)
    expires = min(now + datetime.timedelta(hours=settings.ACTIVITY_OFFER_HOURS), activity.starts_at)
    offered = []
    queue = activity.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("created_at", "id")
    for registration in queue.only("id", "member_union_id"):
        if places.total_free <= 0:
            break
        if not places.free_for(registration.member_union_id):
            continue
        places.take(registration.member_union_id)
        Registration.objects.filter(pk=registration.pk).update(
            status=RegistrationStatus.OFFERED, offer_expires_at=expires
        )
        enqueue("events.text_offer", registration.pk, key=f"activity-offer:{registration.pk}:{expires.isoformat()}")
        offered.append(registration)
    return offered


@dataclass
class _Places:
    """Places held in an activity, in all and per union, counted under the activity's lock."""

    capacity: int
    held: int
    quotas: dict[int, int]
    held_by_union: Counter[int]

    @classmethod
    def of(cls, activity: Activity) -> _Places:
        holding = activity.registrations.filter(status__in=HOLDS_PLACE)
        quotas = dict(activity.quotas.values_list("union_id", "places"))
        by_union: Counter[int] = Counter()
        if quotas:
            by_union.update(
                dict(
                    holding.filter(member_union__isnull=False)
                    .values("member_union_id")
                    .annotate(n=Count("id"))
                    .values_list("member_union_id", "n")
                )
            )
        return cls(activity.capacity, holding.count(), quotas, by_union)

    @property
    def total_free(self) -> int:
        return self.capacity - self.held

    def free_for(self, union_id: int | None) -> bool:
        if self.total_free <= 0:
            return False
        if not self.quotas:
            return True
        return union_id is not None and self.held_by_union[union_id] < self.quotas.get(union_id, 0)

    def take(self, union_id: int | None) -> None:
        self.held += 1
        if union_id is not None:
            self.held_by_union[union_id] += 1


def do_check_in(registration: Registration, *, actor: User, now: datetime.datetime | None = None) -> bool:
    """Record that a confirmed registrant came; True the first time, False when already checked in."""
    now = now or timezone.now()
    with transaction.atomic():
        ensure_in_scope(registration, actor, Action.CHANGE)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.status != RegistrationStatus.CONFIRMED:
            raise ValidationError(
                _("This registration is not confirmed ({status}).").format(status=registration.get_status_display())
            )
        return bool(
            Registration.objects.filter(pk=registration.pk, checked_in_at__isnull=True).update(
                checked_in_at=now, checked_in_by=actor, attendance=Attendance.ATTENDED
            )
        )


def do_save_registration(registration: Registration, *, actor: User) -> Registration:
    """Staff correct what they may on a registration: whether the registrant attends as a union cadre."""
    if registration.cadre_of_id is not None:
        allowed = GrassrootsUnion.objects.restrict(actor, Action.VIEW).filter(pk=registration.cadre_of_id).exists()
        if not allowed:
            raise ValidationError({"cadre_of": _("Choose a union from the list.")})
    return save_scoped(registration, actor=actor, fields=["cadre_of"])


def record_no_shows(*, now: datetime.datetime | None = None) -> int:
    """Mark confirmed registrants who never checked in as no-shows once their activity has ended."""
    now = now or timezone.now()
    return Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED, attendance=Attendance.UNKNOWN, activity__ends_at__lt=now
    ).update(attendance=Attendance.NO_SHOW)


def do_add_activity_photo(activity: Activity, processed: ProcessedImage, *, actor: User) -> ActivityPhoto:
    """Attach a photo checked and re-encoded by stations.actions.process_photo (no metadata left in it);
    its EXIF time and position are kept as fields."""
    from django.contrib.gis.geos import Point
    from django.core.files.base import ContentFile

    with transaction.atomic():
        ensure_in_scope(activity, actor, Action.CHANGE)
        photo = ActivityPhoto(activity=activity)
        if processed.taken_at is not None:
            photo.taken_at = timezone.make_aware(processed.taken_at)
        if processed.latitude is not None and processed.longitude is not None:
            photo.taken_position = Point(processed.longitude, processed.latitude, srid=4326)
        name = f"{uuid.uuid4().hex}.jpg"
        photo.image.save(name, ContentFile(processed.image), save=False)
        photo.thumbnail.save(name, ContentFile(processed.thumbnail), save=False)
        save_scoped(photo, actor=actor)
    return photo
