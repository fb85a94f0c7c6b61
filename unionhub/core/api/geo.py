"""GeoJSON list endpoints shared by every app: scoped, filtered, simplified, capped.

The FeatureCollection is assembled as text from PostGIS's own ST_AsGeoJSON output: parsing
every geometry into Python objects and back made a city's zone map 30 times slower than
its floor (bench/run).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema

# A FeatureCollection holds at most this many features; narrow it with a bbox or a filter.
GEOJSON_MAX_FEATURES = 2000
GEOJSON_PRECISION = 6  # decimal places: about 0.1 m


class SimplifyPreserveTopology(GeoFunc):
    """ST_SimplifyPreserveTopology: a lighter boundary for maps, still valid."""

    function = "ST_SimplifyPreserveTopology"
    arity = 2


class Multi(GeoFunc):
    """ST_Multi: keep a multi-geometry's type when simplifying leaves one part."""

    function = "ST_Multi"
    arity = 1


def feature_collection(queryset: Any, geometry: Any, fields: list[str], **expressions: Any) -> HttpResponse:
    """Render up to GEOJSON_MAX_FEATURES rows as a FeatureCollection; ``truncated`` says if rows were left out.

    ``geometry`` is a field name or an expression; ``fields`` and ``expressions`` become each
    feature's properties, as ``values()`` takes them.
    """
    rows = list(
        queryset.order_by("id").values(
            "id", *fields, **expressions, geojson=AsGeoJSON(geometry, precision=GEOJSON_PRECISION)
        )[: GEOJSON_MAX_FEATURES + 1]
    )
    truncated = len(rows) > GEOJSON_MAX_FEATURES
    features = []
    for row in rows[:GEOJSON_MAX_FEATURES]:
        shape, pk = row.pop("geojson") or "null", row.pop("id")
        features.append(
            f'{{"type":"Feature","id":{pk},"geometry":{shape},'
            f'"properties":{json.dumps(row, ensure_ascii=False, default=str)}}}'
        )
    body = '{"type":"FeatureCollection","truncated":%s,"features":[%s]}' % (  # noqa: UP031 - JSON braces
        "true" if truncated else "false",
        ",".join(features),
    )
    return HttpResponse(body, content_type="application/geo+json")


def geojson_schema(properties: dict[str, str]) -> Any:
    """The OpenAPI description of a FeatureCollection whose features carry ``properties``."""
    feature = {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {"type": "object", "nullable": True, "description": "GeoJSON geometry, WGS-84"},
            "properties": {
                "type": "object",
                "properties": {name: {"type": kind, "nullable": True} for name, kind in properties.items()},
            },
        },
    }
    return extend_schema(
        parameters=[OpenApiParameter("in_bbox", str, description="min lon, min lat, max lon, max lat")],
        responses={
            (200, "application/geo+json"): {
                "type": "object",
                "required": ["type", "truncated", "features"],
                "properties": {
                    "type": {"type": "string", "enum": ["FeatureCollection"]},
                    "truncated": {"type": "boolean"},
                    "features": {"type": "array", "items": feature},
                },
            }
        },
    )
