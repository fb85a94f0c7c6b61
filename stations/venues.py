"""Shared venues (共享职工之家): the day's slots, booking, cancelling, checking in, and the usage rate.

A slot is ``slot_minutes`` long on the grid that starts at the venue's opening time, every
day, in the federation's time zone. Bookable: in the future, within ``days_ahead``, not
in a closed period, and free — the last is the database's to decide (Booking's exclusion
constraint), so two members pressing "book" at once get one booking and one clear refusal.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.core.actions import save_scoped
from unionhub.core.models import User
from zones.actions import zone_containing
from zones.models import GrassrootsUnion

from .choices import BookingStatus
from .models import Booking, Venue

LIVE = [BookingStatus.BOOKED, BookingStatus.CHECKED_IN]
# The first key of the venues' advisory locks (the second is the venue's id).
VENUE_LOCK_CLASS = 1701
# Checking in opens this long before the slot starts.
EARLY_CHECK_IN = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class Slot:
    start: datetime.datetime
    end: datetime.datetime
    free: bool
    closed: bool


def do_save_venue(venue: Venue, *, actor: User) -> Venue:
    """Save a venue; with no zone given, it goes into the zone that contains its position."""
    with transaction.atomic():
        if venue.zone_id is None:
            venue.zone = zone_containing(venue.position)
        return save_scoped(venue, actor=actor)


def slots_of_day(venue: Venue, day: datetime.date) -> list[Slot]:
    """The day's slots with whether each is free; two queries, whatever the number of slots."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, venue.opens, tzinfo=tz)
    closing = datetime.datetime.combine(day, venue.closes, tzinfo=tz)
    step = datetime.timedelta(minutes=venue.slot_minutes)
    day_range = DateTimeTZRange(start, closing)
    taken = [b.during for b in venue.bookings.filter(status__in=LIVE, during__overlap=day_range).only("during")]
    closed = [c.during for c in venue.closures.filter(during__overlap=day_range).only("during")]
    slots = []
    while start + step <= closing:
        end = start + step
        slots.append(
            Slot(
                start,
                end,
                free=not any(_overlaps(r, start, end) for r in taken),
                closed=any(_overlaps(r, start, end) for r in closed),
            )
        )
        start = end
    return slots


def _overlaps(period: DateTimeTZRange, start: datetime.datetime, end: datetime.datetime) -> bool:
    return (period.lower is None or period.lower < end) and (period.upper is None or start < period.upper)


def do_book_venue(
    venue: Venue, start: datetime.datetime, *, booker_key: str, booker_label: str, union: GrassrootsUnion | None
) -> Booking:
    """Book the slot starting at ``start`` for a member (proved by their phone); ValidationError says why not."""
    start = timezone.localtime(start)
    end = start + datetime.timedelta(minutes=venue.slot_minutes)
    _check_bookable(venue, start, end, union)
    booking = Booking(
        venue=venue,
        during=DateTimeTZRange(start, end),
        booker_key=booker_key,
        booker_label=booker_label,
        union=union,
    )
    try:
        with transaction.atomic():
            # Bookings of one venue queue here: two inserts checking the exclusion constraint against
            # each other can otherwise deadlock instead of one failing cleanly. The constraint stays
            # the guarantee for any other writer.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [VENUE_LOCK_CLASS, venue.pk])
            booking.save()
    except IntegrityError:
        raise ValidationError(
            {"start": _("This slot has just been booked by someone else: choose another one.")}
        ) from None
    return booking


def _check_bookable(
    venue: Venue, start: datetime.datetime, end: datetime.datetime, union: GrassrootsUnion | None
) -> None:
    if not venue.active:
        raise ValidationError({"venue": _("This venue is not open for booking.")})
    if start <= timezone.now():
        raise ValidationError({"start": _("This slot has already begun: choose a later one.")})
    if start.date() > timezone.localdate() + datetime.timedelta(days=venue.days_ahead):
        raise ValidationError(
            {"start": _("Slots can be booked at most {days} days ahead.").format(days=venue.days_ahead)}
        )
    on_grid = [slot.start for slot in slots_of_day(venue, start.date())]
    if start not in on_grid:
        raise ValidationError({"start": _("Choose one of the venue's slots.")})
    if venue.closures.filter(during__overlap=DateTimeTZRange(start, end)).exists():
        raise ValidationError({"start": _("The venue is closed then.")})
    eligible = venue.eligible_unions.all()
    if union is None or not union.federation_path.startswith(venue.federation_path):
        raise ValidationError(
            {"venue": _("This venue is for members of unions in {federation}.").format(federation=venue.federation)}
        )
    if eligible.exists() and not eligible.filter(pk=union.pk).exists():
        raise ValidationError({"venue": _("This venue is for members of its partner unions only.")})


def do_cancel_booking(booking: Booking, *, booker_key: str) -> Booking:
    """The booker cancels before the slot begins; the slot is free again."""
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk, booker_key=booker_key)
        if booking.status != BookingStatus.BOOKED or booking.during.lower <= timezone.now():
            raise ValidationError({"status": _("Only a booking that has not begun can be cancelled.")})
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status"])
    return booking


def do_check_in_booking(booking: Booking, *, booker_key: str) -> Booking:
    """The booker arrives: from a quarter of an hour before the slot until its end."""
    now = timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk, booker_key=booker_key)
        if booking.status == BookingStatus.CHECKED_IN:
            return booking
        if booking.status != BookingStatus.BOOKED or not (
            booking.during.lower - EARLY_CHECK_IN <= now < booking.during.upper
        ):
            raise ValidationError({"status": _("Check in when your slot is about to begin.")})
        booking.status, booking.checked_in_at = BookingStatus.CHECKED_IN, now
        booking.save(update_fields=["status", "checked_in_at"])
    return booking


def usage_rate(venue: Venue, days: int = 30) -> dict[str, float]:
    """Over the last ``days``: the share of open hours booked, and the share of bookings checked in."""
    until = timezone.localdate()
    since = until - datetime.timedelta(days=days)
    tz = timezone.get_current_timezone()
    period = DateTimeTZRange(
        datetime.datetime.combine(since, datetime.time(), tzinfo=tz),
        datetime.datetime.combine(until, datetime.time(), tzinfo=tz),
    )
    bookings = list(venue.bookings.filter(during__overlap=period, status__in=LIVE).values_list("status", flat=True))
    open_slots = days * len(slots_of_day(venue, since))
    return {
        "booked": round(len(bookings) / open_slots, 3) if open_slots else 0.0,
        "checked_in": round(bookings.count(BookingStatus.CHECKED_IN) / len(bookings), 3) if bookings else 0.0,
    }
