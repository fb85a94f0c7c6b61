"""Geometry checks shared by every app: China's bounding box, areas, polygon validity."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
