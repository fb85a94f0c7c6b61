"""Outdoor-worker stations (户外劳动者服务站点, 工会驿站) and their keepers."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from unionhub.core.choices import Action, NodeKind, Role
from unionhub.core.geo import check_inside
from unionhub.core.models import CopiesScope, Federation, ProtectedPhone, path_index, validate_role_for
from unionhub.core.pii_scan import mask_id_numbers
from unionhub.core.scoping import ScopedManager, ScopeSpec
from zones.models import Zone

from .choices import (
    Amenity,
    BookingStatus,
    HeatLayer,
    HelpStatus,
    HelpTopic,
    Moderation,
    Occupation,
    PartnerKind,
    ServiceKind,
    StationKind,
    StationStatus,
    SuggestionKind,
    UpkeepItem,
    VenueKind,
    Weekday,
)


class MinutesOfWeekField(models.Field):
    """A PostgreSQL int4multirange of minutes from Monday 00:00 (0–10079): when a week's periods are open.

    ``value @> minute`` is one in-row test, where checking the periods table would be a
    subquery per station (which PostgreSQL may turn into a hash of every station's periods).
    """

    description = "minutes of the week"

    def db_type(self, connection: Any) -> str:
        return "int4multirange"

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        from psycopg.types.multirange import Multirange
        from psycopg.types.range import Range

        return Multirange([Range(start, end) for start, end in value])

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return [(part.lower, part.upper) for part in value]


def new_public_code() -> str:
    """The station's code in its QR poster and public address: 12 random URL-safe characters (72 bits)."""
    return secrets.token_urlsafe(9)


class Station(CopiesScope):
    """A station where outdoor workers rest, drink, charge and warm food; kept by a station keeper.

    ``position`` is a geography column, so distances are metres on the spheroid and the
    nearest stations come from the KNN operator on its GiST index.
    """

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=32, choices=StationKind.choices, default=StationKind.OUTDOOR_WORKER)
    status = models.CharField(_("status"), max_length=16, choices=StationStatus.choices, default=StationStatus.OPEN)
    federation = models.ForeignKey(Federation, models.PROTECT, related_name="stations", verbose_name=_("federation"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(
        Zone, models.PROTECT, null=True, blank=True, related_name="stations", verbose_name=_("zone")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    position = gis.PointField(_("position"), srid=4326, geography=True, spatial_index=False)
    open_24h = models.BooleanField(_("open 24 hours"), default=False)
    amenities = ArrayField(
        models.CharField(max_length=24, choices=Amenity.choices), verbose_name=_("amenities"), default=list, blank=True
    )
    # The weekly periods as minutes of the week, kept by stations.actions.sync_week (finder's fast path).
    week_minutes = MinutesOfWeekField(_("open minutes of the week"), null=True, blank=True, editable=False)
    # What the QR poster points to: unguessable, so the public page cannot be walked by id;
    # filled on save (rows loaded by COPY get theirs on their first save).
    public_code = models.CharField(_("public code"), max_length=16, unique=True, null=True, blank=True, editable=False)
    # A database default, so that rows loaded with COPY get one too.
    created_at = models.DateTimeField(_("created at"), db_default=Now(), editable=False)

    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        station="id",
        extra={Role.STATION_KEEPER: frozenset({Action.VIEW, Action.CHANGE})},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path", "week_minutes"])

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        indexes = [
            path_index("stations_station_fedpath", "id"),
            models.Index(fields=["zone", "id"], name="stations_station_zone_id"),
            gis.Index(fields=["position"], name="stations_station_position_gist"),  # type: ignore[attr-defined]
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.federation_id:
            check_inside(self.position, self.federation, "position")
        if self.federation_id:
            self.federation.check_zone_in_branch(self.zone)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.public_code:
            self.public_code = new_public_code()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = [*kwargs["update_fields"], "public_code"]
        super().save(*args, **kwargs)


class StationKeeper(CopiesScope):
    """The station-keeper role held by a staff user for one station."""

    scope_parent = "station"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="station_roles", verbose_name=_("user")
    )
    station = models.ForeignKey(Station, models.CASCADE, related_name="keepers", verbose_name=_("station"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.STATION_KEEPER)
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id", station="station_id")
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("station keeper")
        verbose_name_plural = _("station keepers")
        constraints = [
            models.UniqueConstraint(fields=["user", "station"], name="stations_keeper_unique"),
            models.CheckConstraint(condition=Q(role=Role.STATION_KEEPER), name="stations_keeper_role_kind"),
        ]
        indexes = [path_index("stations_keeper_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.station} · {self.user}"

    def clean(self) -> None:
        validate_role_for(self.role, NodeKind.STATION)


# --- Opening hours --------------------------------------------------------------------------
# A weekly schedule of periods, a 24-hour flag on the station, and dated exceptions (holidays,
# repairs) that replace the schedule for the periods starting on their date. A period that
# ends after midnight says so ("closes the next day"); one that ends before it starts
# without saying so is refused. stations/hours.py evaluates them in Asia/Shanghai.


def span_condition() -> Q:
    """opens < closes on the same day, or closes ≤ opens when the period runs past midnight."""
    return Q(overnight=False, closes__gt=F("opens")) | Q(overnight=True, closes__lte=F("opens"))


class OpeningPeriod(models.Model):
    """One opening period of a station's week: a weekday, when it opens and when it closes."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="periods", verbose_name=_("station"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    overnight = models.BooleanField(
        _("closes the next day"), default=False, help_text=_("Tick when the period runs past midnight.")
    )

    class Meta:
        verbose_name = _("opening period")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [models.CheckConstraint(condition=span_condition(), name="stations_period_span")]
        indexes = [models.Index(fields=["station", "weekday"], name="stations_period_station_day")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        check_span(self.opens, self.closes, self.overnight)


class OpeningException(models.Model):
    """A date on which the weekly schedule does not apply: closed all day, or other hours."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="exceptions", verbose_name=_("station"))
    date = models.DateField(_("date"))
    opens = models.TimeField(_("opens"), null=True, blank=True, help_text=_("Leave both times empty: closed."))
    closes = models.TimeField(_("closes"), null=True, blank=True)
    overnight = models.BooleanField(_("closes the next day"), default=False)
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_("For example: Spring Festival."))

    class Meta:
        verbose_name = _("opening exception")
        verbose_name_plural = _("holidays and exceptions")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date"], name="stations_exception_once_a_day"),
            models.CheckConstraint(
                condition=Q(opens__isnull=True, closes__isnull=True, overnight=False)
                | (Q(opens__isnull=False, closes__isnull=False) & span_condition()),
                name="stations_exception_span",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"

    @property
    def closed(self) -> bool:
        return self.opens is None

    def clean(self) -> None:
        if (self.opens is None) != (self.closes is None):
            field = "closes" if self.closes is None else "opens"
            raise ValidationError({field: _("Give both times, or neither for a day closed.")})
        if self.opens is not None and self.closes is not None:
            check_span(self.opens, self.closes, self.overnight)
        elif self.overnight:
            raise ValidationError({"overnight": _("A day closed has no hours past midnight.")})


def check_span(opens: datetime.time, closes: datetime.time, overnight: bool) -> None:
    """Refuse a period that ends before it starts (unless it runs past midnight), naming the field."""
    if not overnight and closes <= opens:
        raise ValidationError(
            {
                "closes": ValidationError(
                    _(
                        "Closes at {closes} but opens at {opens}: tick “closes the next day” for hours past midnight."
                    ).format(closes=f"{closes:%H:%M}", opens=f"{opens:%H:%M}"),
                    code="ends_before_start",
                )
            }
        )
    if overnight and closes > opens:
        raise ValidationError(
            {"closes": ValidationError(_("A period past midnight must close by the time it opened."), code="too_long")}
        )


# --- What a station offers and who builds it --------------------------------------------------


class StationPartner(models.Model):
    """The station's host (the unit whose premises it uses) or one of its co-builders (共建单位)."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="partners", verbose_name=_("station"))
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=PartnerKind.choices)
    is_host = models.BooleanField(_("host"), default=False, help_text=_("The station is on its premises."))

    class Meta:
        verbose_name = _("host or co-builder")
        verbose_name_plural = _("host and co-builders")
        ordering = ["-is_host", "name"]
        constraints = [
            models.UniqueConstraint(fields=["station"], condition=Q(is_host=True), name="stations_partner_one_host"),
            models.UniqueConstraint(fields=["station", "name"], name="stations_partner_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StationService(models.Model):
    """A service offered at the station on given weekdays (haircuts on Wednesdays, legal aid on Fridays)."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="services", verbose_name=_("station"))
    kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    weekdays = ArrayField(
        models.PositiveSmallIntegerField(choices=Weekday.choices), verbose_name=_("weekdays"), default=list, blank=True
    )
    note = models.CharField(
        _("when and how"), max_length=150, blank=True, help_text=_("For example: first Wednesday of the month, 9–11.")
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        if not self.weekdays and not self.note.strip():
            raise ValidationError({"weekdays": _("Say on which days the service is offered.")})

    def weekday_labels(self) -> list[str]:
        return [str(Weekday(day).label) for day in sorted(self.weekdays or [])]


class StationPhoto(models.Model):
    """A photo of the station (not of people): re-encoded without metadata, shown on the public page."""

    station = models.ForeignKey(Station, models.CASCADE, related_name="photos", verbose_name=_("station"))
    image = models.ImageField(
        _("photo"),
        upload_to="stations/%Y/%m/",
        help_text=_("A photo of the station, not of people: it is shown on the station's public page."),
    )
    thumbnail = models.ImageField(_("thumbnail"), upload_to="stations/%Y/%m/thumbs/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("station photo")
        verbose_name_plural = _("station photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption or f"{self.station} · {self.pk}"


# --- Check-ins --------------------------------------------------------------------------------


class CheckIn(CopiesScope):
    """One worker counted at a station: what they do and whether they are a member, nothing personal.

    ``device_hash`` is a keyed hash of a random token the phone keeps in a cookie, never the
    token itself. ``window`` is the half hour the check-in counts for; the exclusion
    constraint refuses a second check-in from the same phone at the same station inside it,
    also when two arrive at once. A city holds about a million rows: they carry their
    station's federation path and zone (scoping is one indexed condition), and the usage
    summary reads a covering index per station.
    """

    scope_parent = "station"
    COUNTS_FOR = datetime.timedelta(minutes=30)

    station = models.ForeignKey(Station, models.PROTECT, related_name="check_ins", verbose_name=_("station"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    checked_in_at = models.DateTimeField(_("checked in at"))
    window = DateTimeRangeField(_("counts until"), editable=False)
    occupation = models.CharField(_("occupation"), max_length=16, choices=Occupation.choices)
    is_member = models.BooleanField(_("union member"))
    device_hash = models.CharField(_("device"), max_length=64, editable=False)

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id", station="station_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            ExclusionConstraint(
                name="stations_checkin_once_per_window",
                expressions=[
                    ("station", RangeOperators.EQUAL),
                    ("device_hash", RangeOperators.EQUAL),
                    ("window", RangeOperators.OVERLAPS),
                ],
            )
        ]
        indexes = [
            path_index("stations_checkin_fedpath", "id"),
            models.Index(fields=["zone", "id"], name="stations_checkin_zone_id"),
            # The usage summary: one station's rows in a period, read from the index alone.
            models.Index(
                fields=["station", "checked_in_at"],
                name="stations_checkin_usage",
                include=["occupation", "is_member"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} · {self.checked_in_at:%Y-%m-%d %H:%M}"


class UpkeepCheck(CopiesScope):
    """The keeper's weekly check of a station (每周巡检): each item passed or failed, with a note.

    One per station and ISO week. A failed check, or a week with none (found by the weekly
    task), becomes a work item in the zone workers' inbox (stations.upkeep).
    """

    scope_parent = "station"

    station = models.ForeignKey(Station, models.CASCADE, related_name="upkeep_checks", verbose_name=_("station"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    # The Monday of the week checked, set from checked_at by clean().
    week = models.DateField(_("week of"), blank=True, editable=False)
    failed = ArrayField(
        models.CharField(max_length=16, choices=UpkeepItem.choices),
        default=list,
        blank=True,
        verbose_name=_("failed items"),
    )
    first_aid_expires = models.DateField(_("first-aid kit expires on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False, verbose_name=_("checked by")
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    # Keepers record their own station's checks; zone workers and staff read them.
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        station="station_id",
        extra={Role.STATION_KEEPER: frozenset({Action.VIEW, Action.ADD})},
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("upkeep check")
        verbose_name_plural = _("upkeep checks")
        constraints = [models.UniqueConstraint(fields=["station", "week"], name="stations_upkeep_once_a_week")]
        indexes = [path_index("stations_upkeep_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.station} · {self.week}"

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def failed_labels(self) -> list[str]:
        return [str(UpkeepItem(item).label) for item in self.failed if item in UpkeepItem.values]

    def clean(self) -> None:
        if self.checked_at and self.checked_at > timezone.now() + datetime.timedelta(minutes=10):
            raise ValidationError({"checked_at": _("A check cannot be in the future.")})
        day = timezone.localtime(self.checked_at).date()
        self.week = day - datetime.timedelta(days=day.weekday())
        expires = self.first_aid_expires
        expired = expires and self.checked_at and expires < timezone.localtime(self.checked_at).date()
        if expired and UpkeepItem.FIRST_AID not in self.failed:
            self.failed = [*self.failed, UpkeepItem.FIRST_AID]  # an expired kit fails, ticked or not
        if self.note.strip() == "" and self.failed:
            raise ValidationError({"note": _("Say what is wrong, so that it can be put right.")})


class Suggestion(CopiesScope):
    """A suggestion (民意建议本) or a wish (心愿墙) left on a station's QR page.

    Shown on the station's public page only once staff or the keeper publish it, with their
    answer. Anonymous: the worker's occupation at most.
    """

    scope_parent = "station"
    MAX_LENGTH = 500

    station = models.ForeignKey(Station, models.CASCADE, related_name="suggestions", verbose_name=_("station"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    kind = models.CharField(_("kind"), max_length=16, choices=SuggestionKind.choices)
    text = models.TextField(_("text"), max_length=MAX_LENGTH)
    occupation = models.CharField(_("occupation"), max_length=16, choices=Occupation.choices, blank=True)
    moderation = models.CharField(
        _("moderation"), max_length=16, choices=Moderation.choices, default=Moderation.PENDING
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False,
        verbose_name=_("answered by"),
    )  # fmt: skip
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("left at"), auto_now_add=True)

    # The keeper moderates and answers their own station's book.
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        station="station_id",
        extra={Role.STATION_KEEPER: frozenset({Action.VIEW, Action.CHANGE})},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("suggestion or wish")
        verbose_name_plural = _("suggestions and wishes")
        indexes = [
            path_index("stations_suggestion_fedpath", "id"),
            models.Index(fields=["station", "moderation", "-created_at"], name="stations_suggestion_page"),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    def clean(self) -> None:
        self.text = mask_id_numbers(" ".join(self.text.split()))
        if not self.text:
            raise ValidationError({"text": _("Write your suggestion or wish.")})


class HelpRequest(CopiesScope, ProtectedPhone):
    """ "I need help", asked on a station's QR page: kept for the grievance loop to take up.

    The phone, when given, is protected like a member's (encrypted, keyed hash, last four
    digits). Zone workers and staff see the request; the station's keeper does not.
    """

    scope_parent = "station"

    station = models.ForeignKey(Station, models.PROTECT, related_name="help_requests", verbose_name=_("station"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    topic = models.CharField(_("what about"), max_length=16, choices=HelpTopic.choices)
    description = models.TextField(_("what happened"), max_length=2000)
    name = models.CharField(_("name (optional)"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=HelpStatus.choices, default=HelpStatus.NEW)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    # The consent ticked on the form (PIPL art. 29): which wording (unionhub.core.consents) and when.
    # Empty on requests sent before the box existed.
    consent_version = models.CharField(_("consent version"), max_length=40, blank=True, editable=False)
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True, editable=False)

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id")
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path", "phone_encrypted", "phone_hash"])

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        indexes = [path_index("stations_helprequest_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.get_topic_display()} · {self.station}"

    def clean(self) -> None:
        self.description = mask_id_numbers(self.description.strip())
        if not self.description:
            raise ValidationError({"description": _("Say what happened, so that someone can help.")})


class Venue(CopiesScope):
    """A shared facility (共享职工之家) that members book by the slot: a court, a hall, a gym, a meeting room.

    Open every day from ``opens`` to ``closes`` in slots of ``slot_minutes``; closed periods
    (VenueClosure) take slots away. Members of the eligible unions book (all members in the
    venue's federation when none is listed); no two live bookings overlap (Booking's
    exclusion constraint).
    """

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=VenueKind.choices)
    provider = models.CharField(_("provided by"), max_length=150)
    station = models.ForeignKey(
        Station, models.SET_NULL, null=True, blank=True, related_name="venues", verbose_name=_("station")
    )
    federation = models.ForeignKey(Federation, models.PROTECT, related_name="venues", verbose_name=_("federation"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.PROTECT, null=True, blank=True, related_name="venues", verbose_name=_("zone"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    position = gis.PointField(_("position"), srid=4326, geography=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=10, help_text=_("People per booking."))
    opens = models.TimeField(_("opens"), default=datetime.time(9))
    closes = models.TimeField(_("closes"), default=datetime.time(21))
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    days_ahead = models.PositiveSmallIntegerField(
        _("bookable days ahead"), default=14, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    eligible_unions = models.ManyToManyField(
        "zones.GrassrootsUnion",
        blank=True,
        related_name="+",
        verbose_name=_("eligible unions"),
        help_text=_("Members of these unions may book; none chosen: every member in the federation."),
    )
    active = models.BooleanField(_("open for booking"), default=True)

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id")
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("shared venue")
        verbose_name_plural = _("shared venues")
        indexes = [path_index("stations_venue_fedpath", "id")]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="stations_venue_opens_before_closing")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.federation_id:
            check_inside(self.position, self.federation, "position")
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": _("A venue closes after it opens.")})


class VenueClosure(models.Model):
    """A period a venue cannot be booked: a holiday, repairs, a union event of its own."""

    venue = models.ForeignKey(Venue, models.CASCADE, related_name="closures", verbose_name=_("venue"))
    during = DateTimeRangeField(_("closed during"))
    reason = models.CharField(_("reason"), max_length=100)

    class Meta:
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")

    def __str__(self) -> str:
        return f"{self.venue} · {self.reason}"


class Booking(CopiesScope):
    """A member's booking of one slot of a venue; the database refuses two live bookings that overlap.

    The booker is recorded by their phone's keyed hash and masked name (stations sit below
    members, and need no more to let the booker cancel and check in).
    """

    scope_parent = "venue"

    venue = models.ForeignKey(Venue, models.PROTECT, related_name="bookings", verbose_name=_("venue"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    during = DateTimeRangeField(_("slot"))
    booker_key = models.CharField(_("booker (phone, keyed hash)"), max_length=64, editable=False)
    booker_label = models.CharField(_("booked by"), max_length=50)
    union = models.ForeignKey(
        "zones.GrassrootsUnion", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("union")
    )
    status = models.CharField(_("status"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            ExclusionConstraint(
                name="stations_booking_no_double_booking",
                expressions=[("venue", RangeOperators.EQUAL), ("during", RangeOperators.OVERLAPS)],
                condition=Q(status__in=[BookingStatus.BOOKED, BookingStatus.CHECKED_IN]),
                violation_error_message=_("This slot is already booked: choose another one."),
            )
        ]
        indexes = [
            path_index("stations_booking_fedpath", "id"),
            models.Index(fields=["booker_key", "status"], name="stations_booking_booker"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} · {self.during.lower:%Y-%m-%d %H:%M}"


class HeatCell(models.Model):
    """One hexagon of the heat map (热力图) of a federation node, precomputed nightly (stations.heat).

    Only hexagons and their totals leave the server, never a union's or a station's own
    point; hexagons with fewer than HeatCell.MIN_WEIGHT people are not stored at all.
    """

    MIN_WEIGHT = 5

    federation = models.ForeignKey(Federation, models.CASCADE, related_name="+", verbose_name=_("federation"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    layer = models.CharField(_("layer"), max_length=16, choices=HeatLayer.choices)
    cell = gis.PolygonField(_("hexagon"), srid=4326)
    weight = models.PositiveIntegerField(_("people"))
    computed_at = models.DateTimeField(_("computed at"))

    scope_spec = ScopeSpec(federation="federation_path")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("heat map cell")
        verbose_name_plural = _("heat map cells")
        indexes = [models.Index(fields=["federation", "layer"], name="stations_heatcell_node_layer")]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=5), name="stations_heatcell_suppresses_small_cells")
        ]

    def __str__(self) -> str:
        return f"{self.federation_id} · {self.layer} · {self.weight}"
