"""Outdoor-worker stations (户外劳动者服务站点, 工会驿站) and their keepers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from unionhub.core.choices import Action, NodeKind, Role
from unionhub.core.geo import check_inside
from unionhub.core.models import CopiesScope, Federation, path_index, validate_role_for
from unionhub.core.scoping import ScopedManager, ScopeSpec
from zones.models import Zone

from .choices import StationKind, StationStatus


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

    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        station="id",
        extra={Role.STATION_KEEPER: frozenset({Action.VIEW, Action.CHANGE})},
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

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
        if self.zone is not None and self.federation_id:
            zone_path, own_path = self.zone.federation_path, self.federation.path
            if not (own_path.startswith(zone_path) or zone_path.startswith(own_path)):
                raise ValidationError({"zone": _("This zone belongs to another branch of the federation tree.")})


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
