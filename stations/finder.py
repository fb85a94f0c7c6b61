"""The public finder: the nearest stations to a phone, open now, through the KNN index.

Stations are ordered by ``position <-> point`` (PostGIS's KNN operator, which walks the
geography GiST index nearest-first; Django's Distance() ordering never uses the index), and
filtered on the way by the opening-hours condition of stations/hours.py, the status and the
amenities asked for: the scan stops as soon as ``limit`` stations pass. Exact distances are
then computed for those few rows only.

Walking and riding times are straight-line distance × DETOUR_FACTOR at a fixed speed: there
is no road network here (DESIGN.md rule 5); docs/stations.md gives the reasoning.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, Func, Value

from unionhub.core.geo import wgs84_to_bd09, wgs84_to_gcj02

from .choices import StationKind, StationStatus
from .hours import LocalMoment, open_at
from .models import Station

# Streets are not straight lines: a walk between two points in a Chinese town is about 1.3 times
# the straight-line distance (the circuity factor measured for urban street grids is 1.2–1.4).
DETOUR_FACTOR = 1.3
WALKING_METRES_PER_MINUTE = 80  # 4.8 km/h
RIDING_METRES_PER_MINUTE = 250  # 15 km/h: an e-bike in town traffic, the riders' and couriers' vehicle
MAX_RESULTS = 20


class KnnDistance(Func):
    """``a <-> b``: the KNN distance operator that lets an ORDER BY walk a GiST index."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Found:
    """One station as the public finder shows it: nothing about its keeper or its users."""

    code: str | None
    name: str
    kind: str
    kind_label: str
    address: str
    lon: float
    lat: float
    distance_m: int
    open_24h: bool
    is_open: bool
    amenities: list[str]

    @property
    def walk_minutes(self) -> int:
        return max(1, math.ceil(self.distance_m * DETOUR_FACTOR / WALKING_METRES_PER_MINUTE))

    @property
    def ride_minutes(self) -> int:
        return max(1, math.ceil(self.distance_m * DETOUR_FACTOR / RIDING_METRES_PER_MINUTE))


def nearest(
    point: Point,
    *,
    moment: LocalMoment,
    open_only: bool = True,
    open_24h: bool = False,
    amenities: Sequence[str] = (),
    limit: int = 10,
) -> list[Found]:
    """Up to ``limit`` stations nearest to ``point`` (WGS-84), open at ``moment`` unless ``open_only`` is off."""
    stations = Station.objects.exclude(status=StationStatus.CLOSED)
    open_now = open_at(moment)
    if open_only:
        stations = stations.filter(open_now)
    if open_24h:
        stations = stations.filter(open_24h=True)
    if amenities:
        stations = stations.filter(amenities__contains=list(amenities))
    target = Value(point, output_field=PointField(srid=4326, geography=True))
    rows = (
        stations.order_by(KnnDistance(F("position"), target))
        .annotate(
            distance=Distance("position", target),
            is_open=Value(True) if open_only else ExpressionWrapper(open_now, output_field=BooleanField()),
        )
        .values("public_code", "name", "kind", "address", "position", "open_24h", "amenities", "distance", "is_open")[
            : min(limit, MAX_RESULTS)
        ]
    )
    return [_found(row) for row in rows]


def _found(row: Mapping[str, Any]) -> Found:
    return Found(
        code=row["public_code"],
        name=row["name"],
        kind=row["kind"],
        kind_label=str(StationKind(row["kind"]).label),
        address=row["address"],
        lon=row["position"].x,
        lat=row["position"].y,
        distance_m=round(row["distance"].m),
        open_24h=row["open_24h"],
        is_open=bool(row["is_open"]),
        amenities=row["amenities"],
    )


def navigation_links(name: str, lon: float, lat: float) -> dict[str, str]:
    """Links that open the phone's map app at the station: WGS-84 for geo:, GCJ-02 for AMap, BD-09 for Baidu."""
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
    amap = {
        "to": f"{gcj_lon:.6f},{gcj_lat:.6f},{name}",
        "mode": "walk",
        "coordinate": "gaode",
        "callnative": "1",
        "src": "unionhub",
    }
    baidu = {
        "location": f"{bd_lat:.6f},{bd_lon:.6f}",
        "title": name,
        "content": name,
        "coord_type": "bd09ll",
        "output": "html",
        "src": "unionhub",
    }
    return {
        "geo": f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({quote(name)})",
        "amap": "https://uri.amap.com/navigation?" + urlencode(amap),
        "baidu": "https://api.map.baidu.com/marker?" + urlencode(baidu),
    }
