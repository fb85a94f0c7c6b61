"""GeoJSON list endpoints shared by every app: scoped, filtered, simplified, capped."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.db.models.functions import GeoFunc
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

# A FeatureCollection holds at most this many features; narrow it with a bbox or a filter.
GEOJSON_MAX_FEATURES = 2000


class SimplifyPreserveTopology(GeoFunc):
    """ST_SimplifyPreserveTopology: a lighter boundary for maps, still valid."""

    function = "ST_SimplifyPreserveTopology"
    arity = 2


def feature_collection(view: Any, request: Request, serializer_class: type, queryset: Any) -> Response:
    """Render a filtered, scoped queryset as one GeoJSON FeatureCollection."""
    queryset = view.filter_queryset(queryset).order_by("id")
    rows = list(queryset[: GEOJSON_MAX_FEATURES + 1])
    data = serializer_class(rows[:GEOJSON_MAX_FEATURES], many=True, context=view.get_serializer_context()).data
    data["truncated"] = len(rows) > GEOJSON_MAX_FEATURES
    return Response(data)


geojson_schema = extend_schema(
    parameters=[OpenApiParameter("in_bbox", str, description="min lon, min lat, max lon, max lat")],
    responses={200: {"type": "object", "description": "GeoJSON FeatureCollection"}},
)
