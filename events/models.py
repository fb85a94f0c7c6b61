"""Activities (活动): what staff organise, who registers, who came; grouped by monthly theme series."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Member
from stations.models import Station
from unionhub.core.choices import ZONE_ROLES, Action, Role
from unionhub.core.geo import check_inside
from unionhub.core.models import CopiesScope, Federation, ProtectedPhone, path_index
from unionhub.core.scoping import ScopedManager, ScopeSpec
from zones.choices import Sector
from zones.models import GrassrootsUnion, Zone

from .choices import ACTIVE, ActivityKind, Attendance, Organiser, RegistrationStatus

PERSONAL_FIELDS = ["phone_encrypted", "phone_hash", "phone_last4"]
MAX_AGE = 120

# Zone workers and union chairs organise their own activities, decide registrations and check people in.
ORGANISER_WORK = frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.APPROVE, Action.EXPORT})
ACTIVITY_SCOPE = ScopeSpec(
    federation="federation_path",
    zone="zone_id",
    union="union_id",
    extra=dict.fromkeys([*ZONE_ROLES, Role.UNION_CHAIR], ORGANISER_WORK),
)


class ThemeSeries(CopiesScope):
    """A federation's monthly theme (一月一主题) that groups that month's activities; totals are counted per series."""

    federation = models.ForeignKey(
        Federation, models.PROTECT, related_name="theme_series", verbose_name=_("federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    month = models.DateField(_("month"), help_text=_("Any day of the month; the first is kept."))
    theme = models.CharField(_("theme"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    scope_spec = ScopeSpec(federation="federation_path")
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("monthly theme")
        verbose_name_plural = _("monthly themes")
        ordering = ["-month"]
        indexes = [path_index("events_series_fedpath", "id")]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "month"],
                name="events_series_one_per_month",
                violation_error_message=_("This federation already has a theme for this month."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.theme}"

    def clean(self) -> None:
        if self.month:
            self.month = self.month.replace(day=1)


class Activity(CopiesScope):
    """An activity organised by a federation, a zone or a grassroots union, with places to register for.

    The organiser's foreign key is the scope parent: a zone's activity carries its zone, a
    union's its union and zone, so that the organisers' staff keep them. Eligibility is
    checked at registration (events.eligibility); ``quotas`` split scarce places across unions.
    """

    title = models.CharField(_("title"), max_length=150)
    kind = models.CharField(_("kind"), max_length=24, choices=ActivityKind.choices)
    description = models.TextField(_("description"), blank=True)
    series = models.ForeignKey(
        ThemeSeries,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("monthly theme"),
    )
    organiser = models.CharField(_("organised by"), max_length=16, choices=Organiser.choices)
    federation = models.ForeignKey(
        Federation,
        models.PROTECT,
        blank=True,
        related_name="activities",
        verbose_name=_("federation"),
        help_text=_("Filled from the zone or union when one of them organises."),
    )
    zone = models.ForeignKey(
        Zone, models.PROTECT, null=True, blank=True, related_name="activities", verbose_name=_("zone")
    )
    union = models.ForeignKey(
        GrassrootsUnion, models.PROTECT, null=True, blank=True, related_name="activities", verbose_name=_("union")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    station = models.ForeignKey(
        Station, models.PROTECT, null=True, blank=True, related_name="activities", verbose_name=_("station")
    )
    address = models.CharField(_("address"), max_length=200, blank=True, help_text=_("When not at a station."))
    position = gis.PointField(_("position"), srid=4326, geography=True, null=True, blank=True, spatial_index=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    registration_closes_at = models.DateTimeField(
        _("registration closes at"), null=True, blank=True, help_text=_("Left empty: when the activity starts.")
    )
    capacity = models.IntegerField(_("capacity"), help_text=_("Places in all."))
    members_only = models.BooleanField(_("members only"), default=False)
    singles_only = models.BooleanField(
        _("singles only"), default=False, help_text=_("Registrants declare that they are single.")
    )
    sector = models.CharField(
        _("sector"), max_length=32, choices=Sector.choices, blank=True, help_text=_("Only members of this sector.")
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    needs_approval = models.BooleanField(_("needs approval"), default=False)
    published = models.BooleanField(_("published"), default=True, help_text=_("Shown on the public pages."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope_spec = ACTIVITY_SCOPE
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at"]
        indexes = [
            path_index("events_activity_fedpath", "id"),
            models.Index(fields=["zone", "starts_at"], name="events_activity_zone_start"),
            models.Index(fields=["published", "starts_at"], name="events_activity_public"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="events_activity_ends_later"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="events_activity_has_places"),
            models.CheckConstraint(
                condition=Q(organiser=Organiser.FEDERATION, zone__isnull=True, union__isnull=True)
                | Q(organiser=Organiser.ZONE, zone__isnull=False, union__isnull=True)
                | Q(organiser=Organiser.UNION, union__isnull=False),
                name="events_activity_organiser_columns",
            ),
            models.CheckConstraint(
                condition=Q(station__isnull=False) | ~Q(address=""), name="events_activity_has_venue"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def closes_at(self) -> Any:
        return self.registration_closes_at or self.starts_at

    @property
    def organised_by(self) -> Federation | Zone | GrassrootsUnion | None:
        return getattr(self, self.organiser, None) if self.organiser else None

    def follow_organiser(self) -> None:
        """Keep only the organiser's columns; its federation is the organiser's own."""
        self.scope_parent = self.organiser
        if self.organiser == Organiser.FEDERATION:
            self.zone, self.union = None, None
        elif self.organiser == Organiser.ZONE and self.zone is not None:
            self.union, self.federation_id = None, self.zone.federation_id
        elif self.organiser == Organiser.UNION and self.union is not None:
            self.federation_id = self.union.federation_id

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.follow_organiser()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        self.title = self.title.strip()
        missing = {
            Organiser.FEDERATION: ("federation", _("Choose the federation that organises it.")),
            Organiser.ZONE: ("zone", _("Choose the zone that organises it.")),
            Organiser.UNION: ("union", _("Choose the union that organises it.")),
        }
        if self.organiser in missing and getattr(self, f"{self.organiser}_id") is None:
            field, message = missing[Organiser(self.organiser)]
            errors[field] = message
        else:
            self.follow_organiser()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The activity must end after it starts.")
        if self.starts_at and self.registration_closes_at and self.registration_closes_at > self.starts_at:
            errors["registration_closes_at"] = _("Registration must close by the time the activity starts.")
        if self.capacity is not None and self.capacity < 1:
            errors["capacity"] = _("The capacity must be at least one place.")
        elif self.capacity is not None and self.pk:
            quota_total = sum(self.quotas.values_list("places", flat=True))
            if quota_total > self.capacity:
                errors["capacity"] = _(
                    "The unions' quotas add up to {places} places: the capacity cannot be less."
                ).format(places=quota_total)
        self.address = self.address.strip()
        if self.station_id is None and not self.address:
            errors["address"] = _("Choose a station, or give the address of the venue.")
        elif self.station_id is not None and self.address:
            errors["address"] = _("Give either a station or an address, not both.")
        elif self.address and self.position is None:
            errors["position"] = _("Put the venue's address on the map.")
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            errors["max_age"] = _("The maximum age cannot be below the minimum age.")
        for field in ("min_age", "max_age"):
            if (getattr(self, field) or 0) > MAX_AGE:
                errors[field] = _("Enter an age of at most {age}.").format(age=MAX_AGE)
        if (self.sector or self.min_age is not None or self.max_age is not None) and not self.members_only:
            errors["members_only"] = _("Age and sector can only be checked for members: tick “members only”.")
        if self.series_id and self.federation_path and not self.federation_path.startswith(self.series.federation_path):
            errors["series"] = _("This monthly theme belongs to another federation.")
        if errors:
            raise ValidationError(errors)
        if self.federation_id and self.position is not None:
            check_inside(self.position, self.federation, "position")

    def full_clean(self, *args: Any, **kwargs: Any) -> None:
        # The path is needed by clean() (series check) before the first save.
        organiser = self.organised_by if self.organiser else None
        if organiser is not None:
            self.federation_path = getattr(organiser, "federation_path", None) or getattr(organiser, "path", "")
        super().full_clean(*args, **kwargs)


class UnionQuota(models.Model):
    """Places of an activity kept for one union's members (1,000 marathon places split across unions).

    Kept with its activity (no scope of its own): whoever may change the activity sets its quotas.
    """

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="quotas", verbose_name=_("activity"))
    union = models.ForeignKey(GrassrootsUnion, models.PROTECT, related_name="+", verbose_name=_("union"))
    places = models.PositiveIntegerField(_("places"))

    class Meta:
        verbose_name = _("union quota")
        verbose_name_plural = _("union quotas")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "union"],
                name="events_quota_once_per_union",
                violation_error_message=_("This union already has a quota for this activity."),
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="events_quota_has_places"),
        ]

    def __str__(self) -> str:
        return f"{self.union} · {self.places}"


class Registration(CopiesScope, ProtectedPhone):
    """A worker's registration for an activity: waiting for approval, confirmed, waitlisted or offered a place.

    The phone (proved with a one-time code) identifies the registrant: one active
    registration per phone and activity (a database constraint). ``member`` and
    ``member_union`` are the membership the eligibility was checked against; ``cadre_of``
    says the registrant attends as a cadre of that union (it feeds the cadre-training index).
    Scope columns are copied from the activity, so its organisers see its registrations.
    """

    scope_parent = "activity"

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="registrations", verbose_name=_("activity"))
    name = models.CharField(_("full name"), max_length=50)
    member = models.ForeignKey(
        Member, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("member")
    )
    member_union = models.ForeignKey(
        GrassrootsUnion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member of"),
        editable=False,
    )
    declared_single = models.BooleanField(_("declared single"), default=False, editable=False)
    cadre_of = models.ForeignKey(
        GrassrootsUnion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("union cadre of"),
        help_text=_("The registrant attends as a cadre (工会干部) of this union."),
    )
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices, editable=False)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True, editable=False)
    attendance = models.CharField(
        _("attendance"), max_length=16, choices=Attendance.choices, default=Attendance.UNKNOWN, editable=False
    )
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("checked in by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason"), blank=True, editable=False, help_text=_("Why it was refused."))
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    union = models.ForeignKey(
        GrassrootsUnion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("organising union"),
    )

    scope_spec = ACTIVITY_SCOPE
    objects = ScopedManager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [
            path_index("events_registration_fedpath", "id"),
            models.Index(fields=["activity", "status", "created_at"], name="events_registration_queue"),
            models.Index(fields=["phone_hash"], name="events_registration_phone"),
            models.Index(
                fields=["status", "offer_expires_at"],
                condition=Q(status=RegistrationStatus.OFFERED),
                name="events_registration_offers",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "phone_hash"],
                condition=Q(status__in=ACTIVE),
                name="events_one_registration_per_phone",
                violation_error_message=_("This phone is already registered for this activity."),
            ),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.OFFERED) | Q(offer_expires_at__isnull=False),
                name="events_offer_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.masked_name}"

    @property
    def masked_name(self) -> str:
        return self.name[:1] + "*" * max(1, len(self.name) - 1)


class ActivityPhoto(CopiesScope):
    """A photo of an activity: re-encoded without metadata; where and when it was taken kept as fields."""

    scope_parent = "activity"

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="photos", verbose_name=_("activity"))
    image = models.ImageField(_("photo"), upload_to="activities/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="activities/%Y/%m/thumbs/")
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    taken_position = gis.PointField(_("where taken"), srid=4326, geography=True, null=True, blank=True)
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    union = models.ForeignKey(
        GrassrootsUnion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("organising union"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    scope_spec = ACTIVITY_SCOPE
    objects = ScopedManager()

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        indexes = [path_index("events_activityphoto_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.activity} · {self.pk}"
