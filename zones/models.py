"""Zones (片区), the grassroots unions in them, the enterprises they cover, and zone staffing."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from unionhub.core.choices import ZONE_ROLES, Action, NodeKind, Role
from unionhub.core.geo import check_inside, check_polygon, valid_geometry
from unionhub.core.models import CopiesScope, Federation, path_index, validate_role_for
from unionhub.core.pii_scan import mask_id_numbers
from unionhub.core.scoping import ScopedManager, ScopeSpec
from unionhub.core.text.index import fill_search_tokens
from unionhub.core.text.search import search_index, stored_search_vector
from unionhub.core.validators import normalise_credit_code, validate_credit_code, validate_union_credit_code

from .choices import (
    FindingKind,
    FindingStatus,
    MatchStatus,
    ResourceCategory,
    Sector,
    VisitDuty,
    VisitReview,
    WorkKind,
    WorkState,
    ZoneKind,
)
from .quarters import Quarter

ZONE_WORKER_EDIT = frozenset({Action.VIEW, Action.CHANGE})


class Zone(CopiesScope):
    """A service zone (片区) of a federation: about fifty grassroots unions, or a whole sector.

    Staffed "1+1+1+N" (chief, social worker, instructor, auxiliaries) through ZoneStaff.
    """

    name = models.CharField(_("name"), max_length=100)
    federation = models.ForeignKey(Federation, models.PROTECT, related_name="zones", verbose_name=_("federation"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=ZoneKind.choices, default=ZoneKind.GEOGRAPHIC)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    boundary = gis.MultiPolygonField(_("boundary"), srid=4326, null=True, blank=True, spatial_index=False)
    service_centre_address = models.CharField(_("service centre address"), max_length=200, blank=True)

    scope_spec = ScopeSpec(federation="federation_path", zone="id")
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["federation_path", "name"]
        indexes = [
            path_index("zones_zone_fedpath", "id"),
            gis.Index(fields=["boundary"], name="zones_zone_boundary_gist"),  # type: ignore[attr-defined]
        ]
        constraints = [
            models.UniqueConstraint(fields=["federation", "name"], name="zones_zone_unique_name"),
            models.CheckConstraint(condition=valid_geometry("boundary"), name="zones_zone_boundary_valid"),
            models.CheckConstraint(
                condition=~Q(kind=ZoneKind.SECTOR) | ~Q(sector=""), name="zones_zone_sector_needs_sector"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == ZoneKind.SECTOR and not self.sector:
            raise ValidationError({"sector": _("A sector zone needs its sector.")})
        check_polygon(self.boundary, "boundary")
        if self.boundary is not None and self.federation_id:
            check_inside(self.boundary.point_on_surface, self.federation, "boundary")


class GrassrootsUnion(CopiesScope):
    """A grassroots union (基层工会): usually one enterprise's, or a joint union of many small firms."""

    name = models.CharField(_("name"), max_length=150)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_union_credit_code],
        help_text=_("The union's own code (GB 32100), starting with 81."),
    )
    is_joint = models.BooleanField(_("joint grassroots union"), default=False)
    # The county's holding pool (周转库): new-employment-form workers who join with no grassroots
    # union of their own are members here until they are placed in one.
    is_holding_pool = models.BooleanField(_("holding pool"), default=False, editable=False)
    federation = models.ForeignKey(Federation, models.PROTECT, related_name="unions", verbose_name=_("federation"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.PROTECT, null=True, blank=True, related_name="unions", verbose_name=_("zone"))
    zone_set_by_hand = models.BooleanField(
        _("zone set by hand"), default=False, help_text=_("Otherwise the zone follows the location.")
    )
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, default=Sector.OTHER)
    address = models.CharField(_("address"), max_length=200, blank=True)
    location = gis.PointField(_("location"), srid=4326, null=True, blank=True, spatial_index=False)
    member_count = models.PositiveIntegerField(_("member count"), default=0)
    chair_name = models.CharField(_("chair"), max_length=50, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)

    # Zone workers and the union's chair keep the union's details up to date.
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        union="id",
        extra=dict.fromkeys([*ZONE_ROLES, Role.UNION_CHAIR], ZONE_WORKER_EDIT),
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("grassroots union")
        verbose_name_plural = _("grassroots unions")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_holding_pool=True) | Q(credit_code__isnull=False), name="zones_union_has_credit_code"
            ),
            models.UniqueConstraint(
                fields=["federation"], condition=Q(is_holding_pool=True), name="zones_union_one_pool_per_federation"
            ),
        ]
        indexes = [
            path_index("zones_union_fedpath", "id"),
            models.Index(fields=["zone", "id"], name="zones_union_zone_id"),
            gis.Index(fields=["location"], name="zones_union_location_gist"),  # type: ignore[attr-defined]
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code:
            self.credit_code = normalise_credit_code(self.credit_code)
        elif not self.is_holding_pool:
            raise ValidationError({"credit_code": _("Enter the union's unified social credit code.")})
        if self.federation_id:
            check_inside(self.location, self.federation, "location")
        if self.federation_id:
            self.federation.check_zone_in_branch(self.zone)


class Enterprise(CopiesScope):
    """An enterprise a grassroots union covers (a joint union covers many, each with its own code)."""

    scope_parent = "union"

    union = models.ForeignKey(
        GrassrootsUnion, models.CASCADE, related_name="enterprises", verbose_name=_("grassroots union")
    )
    name = models.CharField(_("name"), max_length=150)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code], blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), default=0)
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))

    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        union="union_id",
        extra={role: frozenset({Action.VIEW, Action.CHANGE, Action.ADD}) for role in [*ZONE_ROLES, Role.UNION_CHAIR]},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="zones_enterprise_unique_code"
            )
        ]
        indexes = [path_index("zones_enterprise_fedpath", "id")]

    def __str__(self) -> str:
        return self.name


class ZoneStaff(CopiesScope):
    """A zone role held by a staff user: chief (片区长), social worker, instructor (指导员) or auxiliary."""

    scope_parent = "zone"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="zone_roles", verbose_name=_("user")
    )
    zone = models.ForeignKey(Zone, models.CASCADE, related_name="staff", verbose_name=_("zone"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id")
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("zone staff")
        verbose_name_plural = _("zone staff")
        constraints = [
            models.UniqueConstraint(fields=["user", "zone", "role"], name="zones_zonestaff_unique"),
            models.CheckConstraint(condition=Q(role__in=ZONE_ROLES), name="zones_zonestaff_role_kind"),
        ]
        indexes = [path_index("zones_zonestaff_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.zone} · {self.get_role_display()} · {self.user}"

    def clean(self) -> None:
        validate_role_for(self.role, NodeKind.ZONE)


class UnionChair(CopiesScope):
    """The union-chair role held by a staff user for one grassroots union."""

    scope_parent = "union"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="union_roles", verbose_name=_("user")
    )
    union = models.ForeignKey(GrassrootsUnion, models.CASCADE, related_name="chairs", verbose_name=_("union"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.UNION_CHAIR)
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id", union="union_id")
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("union chair")
        verbose_name_plural = _("union chairs")
        constraints = [
            models.UniqueConstraint(fields=["user", "union"], name="zones_unionchair_unique"),
            models.CheckConstraint(condition=Q(role=Role.UNION_CHAIR), name="zones_unionchair_role_kind"),
        ]
        indexes = [path_index("zones_unionchair_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.union} · {self.user}"

    def clean(self) -> None:
        validate_role_for(self.role, NodeKind.UNION)


def require_zone(row: Any) -> None:
    """Zone work needs the union to be in a zone: say so instead of failing in the database."""
    if row.union_id and row.union.zone_id is None:
        raise ValidationError({"union": _("This union is not in a zone yet: place it in a zone first.")})


# Zone workers keep visits and findings in their zone; union chairs read their own union's.
ZONE_WORK = frozenset({Action.VIEW, Action.ADD, Action.CHANGE})
VISIT_SCOPE = ScopeSpec(
    federation="federation_path",
    zone="zone_id",
    union="union_id",
    extra=dict.fromkeys(ZONE_ROLES, ZONE_WORK),
)


class VisitPlanEntry(CopiesScope):
    """One union to visit in one quarter, and the zone worker it is assigned to.

    Generated at the start of each quarter (zones.tasks.generate_visit_plans); the first
    visit of the quarter marks it visited.
    """

    scope_parent = "union"

    quarter = models.CharField(_("quarter"), max_length=6)
    union = models.ForeignKey(GrassrootsUnion, models.CASCADE, related_name="plan_entries", verbose_name=_("union"))
    zone = models.ForeignKey(Zone, models.CASCADE, related_name="plan_entries", verbose_name=_("zone"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_visits",
        verbose_name=_("assigned to"),
    )
    first_visit = models.ForeignKey(
        "Visit", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("first visit")
    )

    # Everyone in the zone sees the plan; its chief and instructor reassign visits.
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        union="union_id",
        extra=dict.fromkeys([Role.ZONE_CHIEF, Role.ZONE_INSTRUCTOR], frozenset({Action.VIEW, Action.CHANGE})),
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("visit plan entry")
        verbose_name_plural = _("visit plan")
        constraints = [models.UniqueConstraint(fields=["quarter", "union"], name="zones_plan_once_per_quarter")]
        indexes = [
            path_index("zones_plan_fedpath", "id"),
            models.Index(fields=["zone", "quarter"], name="zones_plan_zone_quarter"),
            models.Index(fields=["assignee", "quarter"], name="zones_plan_assignee_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.quarter} · {self.union}"


class Visit(CopiesScope):
    """A zone worker's visit to a grassroots union: when, where from, what was done, what was found.

    A visit logged more than FAR_VISIT_METRES from the union's location is kept but flagged
    for review. ``client_key`` is the phone's idempotency key: a visit synced twice is
    stored once.
    """

    scope_parent = "union"

    FAR_VISIT_METRES = 500

    union = models.ForeignKey(GrassrootsUnion, models.PROTECT, related_name="visits", verbose_name=_("union"))
    # Copied from the union on save (blank: the form never asks for it).
    zone = models.ForeignKey(
        Zone, models.PROTECT, related_name="visits", blank=True, editable=False, verbose_name=_("zone")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="visits", blank=True, verbose_name=_("zone worker")
    )
    visited_at = models.DateTimeField(_("visited at"))
    quarter = models.CharField(_("quarter"), max_length=6, editable=False)
    position = gis.PointField(_("position"), srid=4326, geography=True, null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance from the union (m)"), null=True, blank=True, editable=False)
    review = models.CharField(
        _("review"), max_length=16, choices=VisitReview.choices, default=VisitReview.NOT_NEEDED, editable=False
    )
    duties = ArrayField(models.CharField(max_length=16, choices=VisitDuty.choices), verbose_name=_("duties done"))
    notes = models.TextField(_("notes"), blank=True)
    # jieba tokens of the notes for full-text search (unionhub.core.text): filled on save,
    # by `manage.py reindex_text` for COPY-loaded rows; GIN-indexed as to_tsvector('simple', …).
    search_tokens = models.TextField(_("search tokens"), blank=True, default="", editable=False)
    search_vector = stored_search_vector()  # what text_search matches (unionhub.core.text.search)
    client_key = models.CharField(_("idempotency key"), max_length=64, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope_spec = VISIT_SCOPE
    search_sources = ("notes",)
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path", "position", "search_tokens", "search_vector"])

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.UniqueConstraint(fields=["worker", "client_key"], name="zones_visit_once_per_key"),
            models.CheckConstraint(condition=~Q(duties=[]), name="zones_visit_has_duties"),
        ]
        indexes = [
            path_index("zones_visit_fedpath", "id"),
            models.Index(fields=["zone", "quarter"], name="zones_visit_zone_quarter"),
            models.Index(fields=["union", "-visited_at"], name="zones_visit_union_latest"),
            models.Index(fields=["worker", "-visited_at"], name="zones_visit_worker_latest"),
            search_index("zones_visit_search"),
        ]

    def __str__(self) -> str:
        return f"{self.union} · {self.visited_at:%Y-%m-%d}"

    def clean(self) -> None:
        require_zone(self)
        self.notes = mask_id_numbers(self.notes)
        if self.visited_at and self.visited_at > timezone.now() + datetime.timedelta(minutes=10):
            raise ValidationError({"visited_at": _("A visit cannot be in the future.")})
        if not self.duties:
            raise ValidationError({"duties": _("Tick at least one duty done on this visit.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.quarter = str(Quarter.of(timezone.localtime(self.visited_at).date()))
        super().save(*args, **fill_search_tokens(self, kwargs))


class VisitPhoto(CopiesScope):
    """A photo taken on a visit: re-encoded without metadata; where and when it was taken kept as fields."""

    scope_parent = "visit"

    visit = models.ForeignKey(Visit, models.CASCADE, related_name="photos", verbose_name=_("visit"))
    image = models.ImageField(_("photo"), upload_to="visits/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="visits/%Y/%m/thumbs/")
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    taken_position = gis.PointField(_("where taken"), srid=4326, geography=True, null=True, blank=True)
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.PROTECT, blank=True, editable=False, verbose_name=_("zone"))
    union = models.ForeignKey(GrassrootsUnion, models.PROTECT, blank=True, editable=False, verbose_name=_("union"))

    scope_spec = VISIT_SCOPE
    objects = ScopedManager()

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        indexes = [path_index("zones_visitphoto_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.visit} · {self.pk}"


class Finding(CopiesScope):
    """Something found on a visit: a demand, an incident or hazard, or a hardship lead.

    Findings are their own records with a status, because later work (grievances, hardship
    aid, the demand list) takes them up.
    """

    scope_parent = "union"

    union = models.ForeignKey(GrassrootsUnion, models.PROTECT, related_name="findings", verbose_name=_("union"))
    zone = models.ForeignKey(
        Zone, models.PROTECT, related_name="findings", blank=True, editable=False, verbose_name=_("zone")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    visit = models.ForeignKey(
        Visit, models.SET_NULL, null=True, blank=True, related_name="findings", verbose_name=_("visit")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FindingKind.choices)
    # What a demand asks for, so that it can be matched to a service resource (zones.matching).
    category = models.CharField(_("what is needed"), max_length=16, choices=ResourceCategory.choices, blank=True)
    description = models.TextField(_("description"))
    search_tokens = models.TextField(_("search tokens"), blank=True, default="", editable=False)  # as Visit's
    search_vector = stored_search_vector()
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="findings", verbose_name=_("raised by")
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    scope_spec = VISIT_SCOPE
    search_sources = ("description",)
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path", "search_tokens", "search_vector"])

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        indexes = [
            path_index("zones_finding_fedpath", "id"),
            models.Index(fields=["union", "status"], name="zones_finding_union_status"),
            models.Index(fields=["zone", "status"], name="zones_finding_zone_status"),
            search_index("zones_finding_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=FindingKind.DEMAND) | ~Q(category=""), name="zones_finding_demand_has_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.union}"

    def clean(self) -> None:
        require_zone(self)
        self.description = mask_id_numbers(self.description.strip())
        if not self.description:
            raise ValidationError({"description": _("Describe what was found.")})
        if self.kind == FindingKind.DEMAND and not self.category:
            raise ValidationError({"category": _("Say what the demand is for, so that it can be matched.")})
        if self.kind != FindingKind.DEMAND:
            self.category = ""
        if self.visit_id and self.union_id and self.visit.union_id != self.union_id:
            raise ValidationError({"visit": _("This visit was to another union.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **fill_search_tokens(self, kwargs))


class UnionIndicator(models.Model):
    """A union's anomaly indicators (异常指数), recomputed nightly; docs/zone-work.md gives each formula.

    Zones owns the table; figures that need higher layers are filled by their own tasks
    (members.tasks fills ``new_members_90d``, events.tasks ``cadres_trained_12m``), so no layer
    reads upwards.
    """

    union = models.OneToOneField(
        GrassrootsUnion, models.CASCADE, primary_key=True, related_name="indicator", verbose_name=_("union")
    )
    zone = models.ForeignKey(Zone, models.CASCADE, null=True, blank=True, editable=False, verbose_name=_("zone"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    days_since_visit = models.PositiveIntegerField(_("days since the last visit"), null=True, blank=True)
    open_findings = models.PositiveIntegerField(_("open findings"), default=0)
    new_members_90d = models.IntegerField(_("new members in 90 days"), null=True, blank=True)
    cadres_trained_12m = models.PositiveIntegerField(
        _("cadres trained in 12 months"), null=True, blank=True, help_text=_("Filled by the activities layer.")
    )
    anomaly_index = models.PositiveSmallIntegerField(_("anomaly index"), default=0)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    scope_spec = ScopeSpec(federation="federation_path", zone="zone_id", union="union_id")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("union indicator")
        verbose_name_plural = _("union indicators")
        indexes = [path_index("zones_indicator_fedpath", "union")]

    def __str__(self) -> str:
        return f"{self.union_id}: {self.anomaly_index}"


class ServiceResource(CopiesScope):
    """A resource a member of the zone's service alliance shares (服务资源): a gym, a canteen, a legal clinic.

    Demands found on visits are matched to resources by category and distance
    (zones.matching). Like a union, a resource sits in the zone that contains its position
    unless its zone was set by hand.
    """

    name = models.CharField(_("name"), max_length=150)
    category = models.CharField(_("category"), max_length=16, choices=ResourceCategory.choices)
    provider = models.CharField(_("provided by"), max_length=150)
    enterprise = models.ForeignKey(
        Enterprise,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
        verbose_name=_("enterprise"),
        help_text=_("When the provider is an enterprise covered by a grassroots union."),
    )
    federation = models.ForeignKey(
        Federation, models.PROTECT, related_name="service_resources", verbose_name=_("federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(
        Zone, models.PROTECT, null=True, blank=True, related_name="resources", verbose_name=_("zone")
    )
    zone_set_by_hand = models.BooleanField(
        _("zone set by hand"), default=False, help_text=_("Otherwise the zone follows the position.")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    position = gis.PointField(_("position"), srid=4326, geography=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("People it can serve at a time.")
    )
    terms = models.TextField(_("terms"), blank=True, help_text=_("Who may use it, when, and at what cost."))
    available = models.BooleanField(_("available"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Zone chiefs and instructors build their zone's alliance; every zone worker matches demands to it.
    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        extra=dict.fromkeys(
            [Role.ZONE_CHIEF, Role.ZONE_INSTRUCTOR], frozenset({Action.VIEW, Action.ADD, Action.CHANGE})
        ),
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("service resource")
        verbose_name_plural = _("service resources")
        indexes = [
            path_index("zones_resource_fedpath", "id"),
            models.Index(fields=["zone", "category"], name="zones_resource_zone_category"),
            gis.Index(fields=["position"], name="zones_resource_position_gist"),  # type: ignore[attr-defined]
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.federation_id:
            check_inside(self.position, self.federation, "position")
        if self.federation_id:
            self.federation.check_zone_in_branch(self.zone)


class DemandMatch(CopiesScope):
    """A demand found on a visit matched to a service resource, tracked until the demand is met.

    Matching moves the demand to "in progress", meeting it resolves it (zones.actions).
    """

    scope_parent = "finding"

    finding = models.ForeignKey(Finding, models.CASCADE, related_name="matches", verbose_name=_("demand"))
    resource = models.ForeignKey(
        ServiceResource, models.PROTECT, related_name="matches", verbose_name=_("service resource")
    )
    status = models.CharField(_("status"), max_length=16, choices=MatchStatus.choices, default=MatchStatus.MATCHED)
    distance_m = models.PositiveIntegerField(_("distance (m)"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False, verbose_name=_("matched by")
    )
    matched_at = models.DateTimeField(_("matched at"), auto_now_add=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True, editable=False)
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    zone = models.ForeignKey(Zone, models.PROTECT, blank=True, editable=False, verbose_name=_("zone"))
    union = models.ForeignKey(GrassrootsUnion, models.PROTECT, blank=True, editable=False, verbose_name=_("union"))

    scope_spec = VISIT_SCOPE
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("demand match")
        verbose_name_plural = _("demand matches")
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "resource"],
                condition=~Q(status=MatchStatus.WITHDRAWN),
                name="zones_match_once_per_resource",
                violation_error_message=_("This demand is already matched to this resource."),
            )
        ]
        indexes = [path_index("zones_match_fedpath", "id")]

    def __str__(self) -> str:
        return f"{self.finding_id} → {self.resource}"

    def clean(self) -> None:
        if self.finding_id and self.finding.kind != FindingKind.DEMAND:
            raise ValidationError({"finding": _("Only a demand can be matched to a resource.")})


class WorkItem(CopiesScope):
    """Work another area raises for a zone's workers: a station's failed upkeep check, a grievance.

    Raised once per ``source_key`` (zones.actions.do_raise_work_item) and shown in the zone
    workers' inbox (zones.inbox) beside their visits due and findings, in the same states.
    Scoped to the zone only: a union's chair never sees the work raised about their union.
    """

    scope_parent = "zone"

    kind = models.CharField(_("kind"), max_length=16, choices=WorkKind.choices)
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True, help_text=_("Where the work is done."))
    zone = models.ForeignKey(Zone, models.CASCADE, related_name="work_items", verbose_name=_("zone"))
    union = models.ForeignKey(
        GrassrootsUnion, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("union")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_items",
        verbose_name=_("assigned to"),
        help_text=_("Left empty, every worker of the zone sees it."),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=WorkState.choices, default=WorkState.TODO)
    resolution = models.TextField(_("what was done"), blank=True)
    source_key = models.CharField(_("source"), max_length=100, unique=True, editable=False)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)

    scope_spec = ScopeSpec(
        federation="federation_path", zone="zone_id", extra=dict.fromkeys(ZONE_ROLES, ZONE_WORKER_EDIT)
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        indexes = [
            path_index("zones_workitem_fedpath", "id"),
            models.Index(fields=["zone", "state"], name="zones_workitem_zone_state"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.union_id and self.zone_id and self.union.zone_id != self.zone_id:
            raise ValidationError({"union": _("This union is in another zone.")})
