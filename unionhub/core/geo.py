"""Geometry shared by every app: China's bounding box, areas, polygon validity, map datums."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, F, Func
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from .models import Federation

# Where no federation area is set, points must fall inside mainland China's bounding box
# (73.5°E–135.1°E, 18.1°N–53.6°N; islands to the south are covered by their federation's area).
CHINA_BBOX = Polygon.from_bbox((73.5, 18.1, 135.1, 53.6))
CHINA_BBOX.srid = 4326


def check_polygon(geometry: GEOSGeometry | None, field: str) -> None:
    """Refuse a boundary that crosses itself or is otherwise invalid, naming the reason."""
    if geometry is None:
        return
    if geometry.empty:
        raise ValidationError(
            {field: ValidationError(_("The boundary is empty: draw at least one polygon."), code="empty")}
        )
    if not geometry.valid:
        message = _("The boundary is not a valid polygon ({reason}); it may cross itself.").format(
            reason=geometry.valid_reason
        )
        raise ValidationError({field: ValidationError(message, code="invalid_polygon")})


def check_inside(point: GEOSGeometry | None, federation: Federation | None, field: str) -> None:
    """Refuse a point outside the federation's area, or outside China where no area is set."""
    if point is None:
        return
    area = federation.effective_area() if federation else None
    if area is not None:
        if not area.covers(point):
            message = _("This position lies outside the area of {federation}.").format(federation=federation)
            raise ValidationError({field: ValidationError(message, code="outside_area")})
    elif not CHINA_BBOX.covers(point):
        message = str(_("This position lies outside China (longitude 73.5–135.1, latitude 18.1–53.6)."))
        raise ValidationError({field: ValidationError(message, code="outside_china")})


def valid_geometry(column: str) -> Func:
    """A CHECK condition that a geometry column is valid (NULL passes).

    Written as a plain ST_IsValid call because Django's IsValid refuses a NULL value when
    full_clean() validates the constraint in Python.
    """
    return Func(F(column), function="ST_IsValid", output_field=BooleanField())


# --- China's map datums: WGS-84 ↔ GCJ-02 ↔ BD-09 ------------------------------------------------
# Positions are stored in WGS-84. AMap, Tencent and WeChat use GCJ-02 (a published, deliberately
# non-linear offset of up to ~700 m), Baidu adds its own BD-09 offset on top of GCJ-02. The
# formulas are the public ones every Chinese map library uses (eviltransform, coordtransform);
# docs/stations.md explains them. Outside mainland China no offset applies.

_KRASOVSKY_A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid GCJ-02 is defined on
_KRASOVSKY_EE = 0.00669342162296594323  # its first eccentricity squared
_BD_X_PI = math.pi * 3000.0 / 180.0


def _outside_offset_area(lon: float, lat: float) -> bool:
    """The rough box where GCJ-02 applies (the same test the reference libraries use)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_delta(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1 - _KRASOVSKY_EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """A GPS (WGS-84) position as AMap, Tencent and WeChat draw it (GCJ-02)."""
    if _outside_offset_area(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The inverse of wgs84_to_gcj02, by fixed-point iteration: within a millimetre after a few steps."""
    if _outside_offset_area(lon, lat):
        return lon, lat
    wgs_lon, wgs_lat = lon, lat
    for _step in range(30):
        gcj_lon, gcj_lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
        err_lon, err_lat = gcj_lon - lon, gcj_lat - lat
        wgs_lon, wgs_lat = wgs_lon - err_lon, wgs_lat - err_lat
        if abs(err_lon) < 1e-9 and abs(err_lat) < 1e-9:
            break
    return wgs_lon, wgs_lat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """A GCJ-02 position in Baidu's BD-09."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """A Baidu BD-09 position in GCJ-02 (Baidu's published inverse: within about 10 cm)."""
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def basemap() -> dict[str, Any]:
    """What every page's Leaflet map starts from: the centre and the configured tiles (none in tests)."""
    from django.conf import settings

    config: dict[str, Any] = settings.LEAFLET_CONFIG
    return {
        "centre": list(config["DEFAULT_CENTER"]),
        "tiles": [[str(name), url, options] for name, url, options in config["TILES"]],
    }
