"""Writes of stations, their hours, offer, partners and photos, keeper bindings, and check-ins."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action
from unionhub.core.crypto import keyed_hash
from unionhub.core.images import ProcessedImage, process_image
from unionhub.core.models import User
from unionhub.core.scoping import ensure_in_scope, forget_grants
from zones.actions import zone_containing

from .choices import StationStatus
from .hours import Span, check_no_overlap, week_ranges
from .models import CheckIn, OpeningException, OpeningPeriod, Station, StationKeeper, StationPhoto


def do_save_station(station: Station, *, actor: User) -> Station:
    """Save a station; with no zone given, it goes into the zone that contains its position."""
    with transaction.atomic():
        if station.zone_id is None and station.position is not None:
            station.zone = zone_containing(station.position)
        save_scoped(station, actor=actor)
        sync_week(station)  # whatever week_minutes the saved instance carried, the periods decide
        StationKeeper.objects.filter(station=station).update(
            federation_path=station.federation_path, zone_id=station.zone_id
        )
        # Check-ins follow a station that moved to another zone or federation (none to touch otherwise).
        CheckIn.objects.filter(station=station).exclude(
            federation_path=station.federation_path, zone=station.zone
        ).update(federation_path=station.federation_path, zone=station.zone)
    return station


def do_bind_station_keeper(binding: StationKeeper, *, actor: User) -> StationKeeper:
    """Make a user keeper of a station; the station must be one the actor may change."""
    with transaction.atomic():
        ensure_in_scope(binding.station, actor, Action.CHANGE)  # before the write: see do_assign_role
        save_scoped(binding, actor=actor)
    forget_grants(binding.user)
    return binding


# --- Parts of a station: hours, exceptions, services, partners, photos ------------------------


def _lock_changeable(station: Station, actor: User) -> None:
    """Inside a transaction: the actor may change the station; hold it until the write commits."""
    ensure_in_scope(station, actor, Action.CHANGE)
    Station.objects.select_for_update().filter(pk=station.pk).values_list("pk").get()


def check_week(station: Station) -> None:
    """The station's stored weekly periods do not overlap (run under the station's lock)."""
    periods = OpeningPeriod.objects.filter(station=station)
    check_no_overlap(Span(p.weekday, p.opens, p.closes, p.overnight) for p in periods)


def sync_week(station: Station) -> None:
    """Copy the station's weekly periods into ``Station.week_minutes``, the finder's in-row test."""
    periods = OpeningPeriod.objects.filter(station=station)
    ranges = week_ranges(Span(p.weekday, p.opens, p.closes, p.overnight) for p in periods) or None
    Station.objects.filter(pk=station.pk).update(week_minutes=ranges)
    station.week_minutes = ranges


def do_save_station_part(part: models.Model, *, actor: User) -> models.Model:
    """Save one opening period, exception, service or partner of a station the actor may change.

    The week is checked again after the write, under the station's lock, so two editors
    cannot together make overlapping periods.
    """
    with transaction.atomic():
        _lock_changeable(part.station, actor)  # type: ignore[attr-defined]
        part.full_clean()
        part.save()
        if isinstance(part, OpeningPeriod):
            check_week(part.station)
            sync_week(part.station)
    return part


def do_delete_station_part(part: models.Model, *, actor: User) -> None:
    with transaction.atomic():
        _lock_changeable(part.station, actor)  # type: ignore[attr-defined]
        part.delete()
        if isinstance(part, OpeningPeriod):
            sync_week(part.station)


def do_set_opening_hours(
    station: Station,
    *,
    open_24h: bool,
    periods: Sequence[OpeningPeriod],
    exceptions: Sequence[OpeningException],
    actor: User,
) -> Station:
    """Replace a station's whole schedule: the 24-hour flag, its weekly periods and its exceptions.

    Every period is checked, then the week as a whole; on any error nothing is changed.
    """
    errors: dict[str, list[ValidationError]] = {}
    for name, rows in (("periods", periods), ("exceptions", exceptions)):
        for row in rows:
            row.station = station
            try:
                row.full_clean(exclude=["station"], validate_unique=False)
            except ValidationError as exc:
                errors.setdefault(name, []).extend(ValidationError(m) for m in exc.messages)
    dates = [row.date for row in exceptions]
    if len(set(dates)) != len(dates):
        errors.setdefault("exceptions", []).append(ValidationError(_("One exception per date."), code="duplicate"))
    if errors:
        raise ValidationError(errors)
    check_no_overlap(Span(p.weekday, p.opens, p.closes, p.overnight) for p in periods)
    with transaction.atomic():
        _lock_changeable(station, actor)
        station.open_24h = open_24h
        save_scoped(station, actor=actor, fields=["open_24h"])
        OpeningPeriod.objects.filter(station=station).delete()
        OpeningException.objects.filter(station=station).delete()
        OpeningPeriod.objects.bulk_create(periods)
        OpeningException.objects.bulk_create(exceptions)
        sync_week(station)
    return station


def process_photo(upload: object) -> ProcessedImage:
    """process_image, with its refusal attached to the ``image`` field."""
    try:
        return process_image(upload)
    except ValidationError as exc:
        raise ValidationError({"image": exc.error_list}) from None


def do_add_station_photo(
    station: Station, processed: ProcessedImage, *, caption: str = "", actor: User, photo: StationPhoto | None = None
) -> StationPhoto:
    """Store a checked, re-encoded photo of a station (its EXIF time and place are not kept)."""
    with transaction.atomic():
        _lock_changeable(station, actor)
        photo = photo or StationPhoto()
        photo.station = station
        photo.caption = caption
        name = f"{uuid.uuid4().hex}.jpg"
        photo.image.save(name, ContentFile(processed.image), save=False)
        photo.thumbnail.save(name, ContentFile(processed.thumbnail), save=False)
        photo.full_clean()
        photo.save()
    return photo


# --- Check-ins (public: no actor; the phone is known only by a keyed hash of its token) -------


def device_hash(token: str) -> str:
    """What is stored of a phone's check-in token: a keyed hash, useless without FIELD_HASH_KEY."""
    return keyed_hash(f"station-check-in:{token}")


def do_check_in(
    station: Station, *, occupation: str, is_member: bool, device_token: str, at: datetime.datetime | None = None
) -> tuple[CheckIn, bool]:
    """Count a worker at a station; return the check-in and whether it counted.

    A second check-in from the same phone at the same station within CheckIn.COUNTS_FOR
    does not count, and the one that did is returned. Two arriving at once queue on a
    transaction-level advisory lock for that phone and station (without it, two inserts
    checking the exclusion constraint against each other can deadlock); the constraint
    stays as the guarantee for any other writer.
    """
    if station.status != StationStatus.OPEN:
        raise ValidationError(_("This station is closed for now: check in at another one."), code="station_closed")
    now = at or timezone.now()
    check_in = CheckIn(
        station=station,
        checked_in_at=now,
        window=(now, now + CheckIn.COUNTS_FOR),
        occupation=occupation,
        is_member=is_member,
        device_hash=device_hash(device_token),
    )
    check_in.full_clean(exclude=["window", "device_hash"], validate_constraints=False)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(station.pk, check_in.device_hash)])
        counted = CheckIn.objects.filter(
            station=station, device_hash=check_in.device_hash, window__overlap=check_in.window
        ).first()
        if counted is not None:
            return counted, False
        check_in.save()
    return check_in, True


def _lock_key(station_id: int, device: str) -> int:
    """A signed 64-bit advisory-lock key for one phone at one station."""
    digest = hashlib.blake2b(f"check-in:{station_id}:{device}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# Twelve URL-safe characters from nine random bytes (bytes 1–6 and 10–12 of a version-4 UUID
# are random), made by PostgreSQL itself: the same form as models.new_public_code.
_RANDOM_CODE_SQL = (
    "translate(encode(substring(uuid_send(gen_random_uuid()) from 1 for 6)"
    " || substring(uuid_send(gen_random_uuid()) from 10 for 3), 'base64'), '+/', '-_')"
)


def ensure_public_codes() -> int:
    """Give a public code to every station that has none (rows loaded by COPY); one UPDATE.

    Saving a station gives it a code; bulk loaders that bypass save() call this afterwards.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE stations_station SET public_code = {_RANDOM_CODE_SQL} WHERE public_code IS NULL"  # noqa: S608 - constant SQL
        )
        return cursor.rowcount


# sync_week for every station at once, in SQL (the same minutes as hours.week_ranges; a period
# past Sunday midnight is split at the end of the week, and range_agg merges touching ones).
_FILL_WEEK_MINUTES_SQL = """
WITH periods AS (
    SELECT station_id,
           weekday * 1440 + EXTRACT(HOUR FROM opens)::int * 60 + EXTRACT(MINUTE FROM opens)::int AS first,
           weekday * 1440 + EXTRACT(HOUR FROM closes)::int * 60 + EXTRACT(MINUTE FROM closes)::int
             + CASE WHEN overnight THEN 1440 ELSE 0 END AS last
    FROM stations_openingperiod
), pieces AS (
    SELECT station_id, int4range(first, LEAST(last, 10080)) AS piece FROM periods
    UNION ALL
    SELECT station_id, int4range(0, last - 10080) FROM periods WHERE last > 10080
)
UPDATE stations_station SET week_minutes = week.minutes
FROM (SELECT station_id, range_agg(piece) AS minutes FROM pieces GROUP BY station_id) AS week
WHERE week.station_id = stations_station.id
"""


def fill_week_minutes() -> int:
    """sync_week for every station that has periods, in one UPDATE: for bulk loaders that COPY periods."""
    with connection.cursor() as cursor:
        cursor.execute(_FILL_WEEK_MINUTES_SQL)
        return cursor.rowcount
