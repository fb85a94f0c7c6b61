"""Activities (活动): what staff organise, who registers, who came; grouped by monthly theme series.

Grievances (职工诉求): the closed loop of a worker's grievance, its timeline, photos, and the
working-day calendar its deadlines are counted in (docs/grievances.md).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.gis.db import models as gis
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Member
from stations.models import Station
from unionhub.core.choices import ZONE_ROLES, Action, NodeKind, Role
from unionhub.core.geo import check_inside
from unionhub.core.models import CopiesScope, Federation, ProtectedPhone, path_index
from unionhub.core.pii_scan import mask_id_numbers
from unionhub.core.scoping import ScopedManager, ScopeSpec, grants_for
from unionhub.core.text.index import fill_search_tokens
from unionhub.core.text.search import search_index, stored_search_vector
from unionhub.core.validators import is_landline, validate_caller_phone
from zones.choices import Sector
from zones.models import GrassrootsUnion, Zone

from .choices import (
    ACTIVE,
    GRIEVANCE_OPEN,
    ActivityKind,
    AssigneeKind,
    Attendance,
    DayKind,
    EscalationLevel,
    GrievanceCategory,
    GrievanceChannel,
    GrievanceEventKind,
    GrievanceStatus,
    GrievanceTier,
    Organiser,
    RegistrationStatus,
)

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


# --- Grievances (职工诉求) -------------------------------------------------------------------------

DESCRIPTION_MAX = 4000
# Anything that looks like a tag: descriptions are plain text, shown escaped everywhere.
HTML_TAG = re.compile(r"<\s*[a-zA-Z!/?][^>]*>")
# Tracking codes: ten characters a worker can read out on the phone (no 0, 1, I, L, O, U), ~49 bits.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_LENGTH = 10

# Zone workers take grievances in, verify, assign and handle them (APPROVE: verify, assign, pause,
# close); the chair of a union a grievance is assigned to handles it (CHANGE) but never decides on
# it; leadership reads. Station keepers see none.
GRIEVANCE_ZONE_WORK = frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.APPROVE, Action.EXPORT})
GRIEVANCE_SCOPE = ScopeSpec(
    federation="federation_path",
    zone="zone_id",
    union="assigned_union_id",
    extra={**dict.fromkeys(ZONE_ROLES, GRIEVANCE_ZONE_WORK), Role.UNION_CHAIR: frozenset({Action.VIEW, Action.CHANGE})},
    only={
        Role.FEDERATION_STAFF: frozenset(Action.values),
        Role.LEADERSHIP: frozenset({Action.VIEW, Action.EXPORT}),
        **dict.fromkeys(ZONE_ROLES, GRIEVANCE_ZONE_WORK),
        Role.UNION_CHAIR: frozenset({Action.VIEW, Action.CHANGE}),
    },
)


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(code: str) -> str:
    """What a worker types (spaces, dashes, lower case) as stored; the alphabet has no look-alikes to fold."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def check_description(text: str) -> str:
    """A grievance's description as kept: plain text, ID numbers masked, at most DESCRIPTION_MAX characters."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"description": _("Describe the problem.")}, code="required")
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(
            {
                "description": _("Keep the description to {max} characters (it has {count}).").format(
                    max=DESCRIPTION_MAX, count=len(text)
                )
            },
            code="max_length",
        )
    if HTML_TAG.search(text):
        raise ValidationError({"description": _("Write plain text: HTML is not accepted.")}, code="html")
    return mask_id_numbers(text)


class Grievance(ProtectedPhone):
    """A worker's grievance (职工诉求), from intake to closure: submitted → verified → assigned →
    in progress → resolved → evaluated → closed, or reopened after evaluation.

    Scoped by its federation path and zone (and by the grassroots union it is assigned to, so
    that union's chair can handle it). The submitter's phone is protected like a member's;
    ``employer_blind`` keeps the submitter from the employer's own union chair (see
    ``hides_submitter_from``), and such a grievance is never assigned to that union.
    ``due_at`` counts the tier's working days (events.working_days) from verification and moves
    with pauses. Transitions go through events.grievances, one action each; the timeline is
    GrievanceEvent. Anonymous workers track it by ``tracking_code`` and a PIN (hashed), others by
    the code and the last four digits of their phone.
    """

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True, editable=False)
    pin_hash = models.CharField(_("PIN (hashed)"), max_length=128, blank=True, editable=False)
    # Hotline (12351) callers often ring from a landline; a worker filing online gives a mobile.
    validate_phone_number = staticmethod(validate_caller_phone)
    phone_is_landline = models.BooleanField(_("landline"), default=False, editable=False)
    channel = models.CharField(
        _("came in by"), max_length=16, choices=GrievanceChannel.choices, default=GrievanceChannel.HOTLINE
    )
    category = models.CharField(_("category"), max_length=24, choices=GrievanceCategory.choices)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    place = gis.PointField(_("place"), srid=4326, null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    federation = models.ForeignKey(
        Federation,
        models.PROTECT,
        blank=True,
        related_name="grievances",
        verbose_name=_("federation"),
        help_text=_("Filled from the zone, union or employer when one is given."),
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(
        Zone,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="grievances",
        verbose_name=_("zone"),
        help_text=_("Left empty: the union's zone, or the zone the place lies in."),
    )
    employer = models.ForeignKey(
        "zones.Enterprise",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="grievances",
        verbose_name=_("employer"),
    )
    union = models.ForeignKey(
        GrassrootsUnion,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="grievances",
        verbose_name=_("union concerned"),
        help_text=_("The employer's union, or the union the grievance is about."),
    )
    employer_name = models.CharField(
        _("employer or union (as given)"),
        max_length=150,
        blank=True,
        help_text=_("The name the worker gave, kept when it matched no employer or union on record."),
    )
    submitter_name = models.CharField(_("submitter's name"), max_length=50, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    hotline_ticket = models.CharField(
        _("hotline ticket number"),
        max_length=40,
        blank=True,
        editable=False,
        help_text=_("The ticket number of the hotline system it was imported from."),
    )
    employer_blind = models.BooleanField(
        _("keep from the employer"),
        default=False,
        help_text=_("The employer and its union chair never see who filed it."),
    )
    identity_consent = models.BooleanField(
        _("worker consents to be named"),
        default=False,
        help_text=_("The worker agreed that the employer's union may know who filed it."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=GrievanceStatus.choices, default=GrievanceStatus.SUBMITTED, editable=False
    )
    tier = models.CharField(_("tier"), max_length=16, choices=GrievanceTier.choices, default=GrievanceTier.GENERAL)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True, editable=False)
    pause_reason = models.CharField(_("why paused"), max_length=300, blank=True, editable=False)
    assignee_kind = models.CharField(
        _("assigned to (kind)"), max_length=16, choices=AssigneeKind.choices, blank=True, editable=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_grievances",
        editable=False,
        verbose_name=_("assigned to"),
    )
    assigned_union = models.ForeignKey(
        GrassrootsUnion,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_grievances",
        editable=False,
        verbose_name=_("assigned union"),
    )
    assignee_name = models.CharField(
        _("assigned to (name)"),
        max_length=100,
        blank=True,
        editable=False,
        help_text=_("A mediator's or lawyer's name, or the outside department."),
    )
    resolution = models.TextField(_("feedback to the worker"), blank=True, editable=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True, editable=False)
    rating_comment = models.TextField(_("worker's comment"), blank=True, editable=False)
    escalation_level = models.CharField(
        _("escalated to"),
        max_length=16,
        choices=EscalationLevel.choices,
        default=EscalationLevel.ZONE,
        editable=False,
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
    reminded_for = models.DateTimeField(
        _("reminded for due time"), null=True, blank=True, editable=False, help_text=_("Claimed by the reminder task.")
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0, editable=False)
    resolved_on_time = models.BooleanField(_("first resolved on time"), null=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, editable=False)
    # The consent ticked on the public form (PIPL art. 29): which wording (unionhub.core.consents)
    # and when. Empty for the hotline and other channels, and for grievances filed before.
    consent_version = models.CharField(_("consent version"), max_length=40, blank=True, editable=False)
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    first_resolved_at = models.DateTimeField(_("first resolved at"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("entered by"),
    )
    help_request = models.OneToOneField(
        "stations.HelpRequest",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="grievance",
        editable=False,
        verbose_name=_("from help request"),
    )
    finding = models.OneToOneField(
        "zones.Finding",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="grievance",
        editable=False,
        verbose_name=_("from visit finding"),
    )
    # Chinese text (unionhub.core.text, docs/text.md): the search document, the category the
    # description suggests on intake, and the category the model was last taught from it.
    search_tokens = models.TextField(_("search tokens"), blank=True, default="", editable=False)
    search_vector = stored_search_vector()  # what text_search matches (unionhub.core.text.search)
    suggested_category = models.CharField(
        _("suggested category"), max_length=24, choices=GrievanceCategory.choices, blank=True, editable=False
    )
    suggestion_confidence = models.FloatField(
        _("confidence of the suggestion"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The suggested category's probability (0–1) under the model when the grievance came in."),
    )
    learned_category = models.CharField(
        _("category taught"),
        max_length=24,
        choices=GrievanceCategory.choices,
        blank=True,
        editable=False,
        help_text=_("The category staff confirmed, which the suggestion model learnt from this grievance."),
    )

    scope_spec = GRIEVANCE_SCOPE
    search_sources = ("description",)
    objects = ScopedManager()
    history = HistoricalRecords(
        excluded_fields=[
            "federation_path",
            "phone_encrypted",
            "phone_hash",
            "pin_hash",
            "submitter_name",
            "search_tokens",
            "search_vector",
        ]
    )

    class Meta:
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        ordering = ["-created_at"]
        indexes = [
            path_index("events_grievance_fedpath", "id"),
            models.Index(fields=["zone", "id"], name="events_grievance_zone_id"),
            models.Index(fields=["zone", "created_at"], name="events_grievance_zone_created"),
            # The overdue scan reads only grievances still being handled.
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["verified", "assigned", "in_progress", "reopened"], paused_at__isnull=True),
                name="events_grievance_open_due",
            ),
            models.Index(fields=["phone_hash"], name="events_grievance_phone"),
            search_index("events_grievance_search"),
            # Duplicate hints read an employer's grievances still open.
            models.Index(fields=["employer", "status"], name="events_grievance_employer_st"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="events_grievance_rating_1_5"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX),
                name="events_grievance_description_length",
            ),
            # A hotline ticket is imported once per federation (events.hotline).
            models.UniqueConstraint(
                fields=["federation", "hotline_ticket"],
                condition=~Q(hotline_ticket=""),
                name="events_grievance_hotline_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.formatted_code} · {self.get_category_display()}"

    @property
    def formatted_code(self) -> str:
        code = self.tracking_code or ""
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

    @property
    def overdue(self) -> bool:
        return bool(
            self.due_at and self.paused_at is None and self.status in GRIEVANCE_OPEN and self.due_at < timezone.now()
        )

    def set_phone(self, number: str) -> None:
        super().set_phone(number)
        self.phone_is_landline = is_landline(number)

    @property
    def masked_phone(self) -> str:
        if self.phone_is_landline and self.phone_last4:
            return f"0**-****-{self.phone_last4}"
        return super().masked_phone

    def set_pin(self, pin: str) -> None:
        if not re.fullmatch(r"\d{4,8}", pin or ""):
            raise ValidationError({"pin": _("Choose a PIN of 4 to 8 digits.")})
        self.pin_hash = make_password(pin)

    def check_pin(self, pin: str) -> bool:
        return bool(self.pin_hash) and check_password(pin, self.pin_hash)

    def hides_submitter_from(self, user: Any) -> bool:
        """Whether ``user`` must not see who filed it: employer-blind, and the user chairs the employer's union."""
        if not self.employer_blind or self.identity_consent or getattr(user, "is_superuser", False):
            return False
        own_union = self.union_id or (self.employer.union_id if self.employer_id else None)
        if own_union is None:
            return False
        return any(g.kind == NodeKind.UNION and g.value == own_union for g in grants_for(user))

    def follow_parents(self) -> None:
        """Fill the union from the employer, the zone from the union (or the place), the federation from the zone."""
        if self.employer_id and not self.union_id:
            self.union_id = self.employer.union_id
        if self.zone_id is None and self.union_id:
            self.zone_id = self.union.zone_id
        if self.zone_id is None and self.place is not None:
            zones = Zone.objects.filter(boundary__covers=self.place)
            if self.federation_id:
                zones = zones.filter(federation_path__startswith=self.federation.path)
            self.zone_id = zones.order_by("id").values_list("id", flat=True).first()
        if self.zone_id:
            self.federation_id = self.zone.federation_id
        elif self.union_id:
            self.federation_id = self.union.federation_id
        if self.federation_id:
            self.federation_path = self.federation.path

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.follow_parents()
        if not self.tracking_code:
            self.tracking_code = new_tracking_code()
        super().save(*args, **fill_search_tokens(self, kwargs))

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            self.description = check_description(self.description)
        except ValidationError as refused:
            errors.update(refused.error_dict)
        self.submitter_name = " ".join(self.submitter_name.split())
        self.address = self.address.strip()
        self.employer_name = " ".join(self.employer_name.split())
        if self.employer_id and self.union_id and self.employer.union_id != self.union_id:
            errors["union"] = _("This employer is covered by another union.")
        if self.anonymous and self.submitter_name:
            errors["submitter_name"] = _("An anonymous grievance carries no name.")
        if not self.employer_blind:
            self.identity_consent = False
        if errors:
            raise ValidationError(errors)
        self.follow_parents()
        if not self.federation_id:
            raise ValidationError({"federation": _("Choose the federation, a zone, or the union concerned.")})
        if self.zone_id and self.union_id and self.union.zone_id and self.union.zone_id != self.zone_id:
            raise ValidationError({"zone": _("The union concerned is in another zone.")})
        check_inside(self.place, self.federation, "place")


class GrievanceEvent(models.Model):
    """One line of a grievance's timeline: a transition, an action taken, a contact attempt, a note.

    Kept with its grievance (no scope of its own: whoever may view the grievance reads its
    timeline). ``internal`` lines are for staff only; the worker's tracking page leaves them out.
    """

    grievance = models.ForeignKey(Grievance, models.CASCADE, related_name="events", verbose_name=_("grievance"))
    kind = models.CharField(_("kind"), max_length=16, choices=GrievanceEventKind.choices)
    status_from = models.CharField(_("from status"), max_length=16, choices=GrievanceStatus.choices, blank=True)
    status_to = models.CharField(_("to status"), max_length=16, choices=GrievanceStatus.choices, blank=True)
    text = models.TextField(_("text"), blank=True)
    internal = models.BooleanField(_("internal"), default=False, help_text=_("Not shown to the worker."))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("grievance timeline entry")
        verbose_name_plural = _("grievance timeline")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["grievance", "kind", "at"], name="events_grievanceevent_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class GrievanceAttachment(models.Model):
    """A photo attached to a grievance: checked and re-encoded by unionhub.core.images, served only
    through the grievance's scoped API."""

    grievance = models.ForeignKey(Grievance, models.CASCADE, related_name="attachments", verbose_name=_("grievance"))
    image = models.ImageField(_("photo"), upload_to="grievances/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="grievances/%Y/%m/thumbs/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grievance photo")
        verbose_name_plural = _("grievance photos")

    def __str__(self) -> str:
        return f"{self.grievance_id} · {self.pk}"


class WorkingDay(models.Model):
    """A date that breaks the usual Monday-to-Friday week: a public holiday, or a make-up workday (调休).

    Loaded from events/data/working_days_cn.json (``manage.py load_working_days``) and kept
    in the admin; ``confirmed`` is False for a year whose State Council notice was not yet
    known when it was entered (statutory days only). Staff are warned each November when
    next year has no confirmed calendar.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)
    confirmed = models.BooleanField(_("confirmed by the State Council notice"), default=True)

    class Meta:
        verbose_name = _("holiday or make-up workday")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} · {self.get_kind_display()}"


# Open311 API keys and hotline ticket imports live in their own packages; imported here so Django finds them.
from .hotline.models import HotlineImport  # noqa: E402, F401
from .open311.models import Open311Key  # noqa: E402, F401
