"""Floors (DESIGN.md rule 9): bare Django views that return the same rows as an endpoint.

Each goes through the same middleware, session authentication and scoping
(``Model.objects.restrict(user, action)``) as the endpoint it stands beside, and returns
the rows straight from ``.values()`` as JSON: no DRF, no serializer, no template. What an
endpoint costs above its floor is what its framework layers cost.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse

from members.api.views import LIST_FIELDS as MEMBER_LIST_FIELDS
from members.models import Member
from members.search import name_search_q
from stations.models import Station
from unionhub.core.api.geo import GEOJSON_MAX_FEATURES, SimplifyPreserveTopology
from unionhub.core.choices import Action
from zones.api.views import MAP_TOLERANCE_DEGREES
from zones.models import GrassrootsUnion, Zone

UNION_FIELDS = [
    "id",
    "name",
    "credit_code",
    "is_joint",
    "federation_id",
    "zone_id",
    "zone__name",
    "zone_set_by_hand",
    "sector",
    "address",
    "member_count",
    "chair_name",
    "founded_on",
]
CHANGELIST_FIELDS = [
    "id",
    "member_number",
    "name",
    "union__name",
    "zone__name",
    "status",
    "occupation",
    "phone_last4",
    "joined_on",
]
ADMIN_PAGE = 50


def _page_size(request: HttpRequest, default: int = 50) -> int:
    return min(int(request.GET.get("page_size", default)), 200)


def _forbidden(request: HttpRequest) -> HttpResponse | None:
    return None if request.user.is_authenticated else HttpResponseForbidden()


def union_queryset(user: Any) -> Any:
    return (
        GrassrootsUnion.objects.restrict(user, Action.VIEW)
        .order_by("id")
        .values(*UNION_FIELDS, location_json=AsGeoJSON("location"))
    )


def unions(request: HttpRequest) -> HttpResponse:
    """The first page of /api/v1/unions/."""
    if denied := _forbidden(request):
        return denied
    rows = list(union_queryset(request.user)[: _page_size(request)])
    for row in rows:
        location = row.pop("location_json")
        row["location"] = json.loads(location) if location else None
    return JsonResponse({"results": rows})


def member_list_queryset(user: Any) -> Any:
    return Member.objects.restrict(user, Action.VIEW).order_by("id").values(*MEMBER_LIST_FIELDS)


def members(request: HttpRequest) -> HttpResponse:
    """The first page of /api/v1/members/."""
    if denied := _forbidden(request):
        return denied
    return JsonResponse({"results": list(member_list_queryset(request.user)[: _page_size(request)])})


def member_search_queryset(user: Any, query: dict[str, str]) -> Any:
    found = Member.objects.restrict(user, Action.VIEW)
    if phone := query.get("phone"):
        found = found.filter(phone_hash=Member.phone_lookup(phone))
    if name := query.get("name"):
        found = found.filter(name_search_q(name))
    return found.order_by("id").values(*MEMBER_LIST_FIELDS)


def member_search(request: HttpRequest) -> HttpResponse:
    """The first page of POST /api/v1/members/search/."""
    if denied := _forbidden(request):
        return denied
    query = json.loads(request.body or b"{}")
    return JsonResponse({"results": list(member_search_queryset(request.user, query)[: _page_size(request)])})


def zone_geojson_queryset(user: Any) -> Any:
    return (
        Zone.objects.restrict(user, Action.VIEW)
        .order_by("id")
        .values(
            "id",
            "name",
            "kind",
            "sector",
            "federation_id",
            "federation__name",
            "federation__kind",
            geometry=AsGeoJSON(
                SimplifyPreserveTopology("boundary", MAP_TOLERANCE_DEGREES, output_field=MultiPolygonField(srid=4326)),
                precision=6,
            ),
        )
    )


def zones_geojson(request: HttpRequest) -> HttpResponse:
    """/api/v1/zones/geojson/: the same features, each geometry as PostGIS wrote it."""
    if denied := _forbidden(request):
        return denied
    rows = list(zone_geojson_queryset(request.user)[: GEOJSON_MAX_FEATURES + 1])
    features = []
    for row in rows[:GEOJSON_MAX_FEATURES]:
        properties = {
            "name": row["name"],
            "kind": row["kind"],
            "sector": row["sector"],
            "federation": {
                "id": row["federation_id"],
                "name": row["federation__name"],
                "kind": row["federation__kind"],
            },
        }
        features.append(
            f'{{"id":{row["id"]},"type":"Feature","geometry":{row["geometry"] or "null"},'
            f'"properties":{json.dumps(properties, ensure_ascii=False)}}}'
        )
    truncated = "true" if len(rows) > GEOJSON_MAX_FEATURES else "false"
    body = f'{{"type":"FeatureCollection","features":[{",".join(features)}],"truncated":{truncated}}}'
    return HttpResponse(body, content_type="application/json")


def zone_list_queryset(user: Any) -> Any:
    return (
        Zone.objects.restrict(user, Action.VIEW)
        .order_by("id")
        .values(
            "id",
            "name",
            "federation_id",
            "federation__name",
            "kind",
            "sector",
            "service_centre_address",
            union_count=Count("unions"),
            boundary_json=AsGeoJSON("boundary"),
        )
    )


def zones(request: HttpRequest) -> HttpResponse:
    """The first page of /api/v1/zones/ (full boundaries, as that endpoint sends them)."""
    if denied := _forbidden(request):
        return denied
    rows = list(zone_list_queryset(request.user)[: _page_size(request)])
    for row in rows:
        boundary = row.pop("boundary_json")
        row["boundary"] = json.loads(boundary) if boundary else None
    return JsonResponse({"results": rows})


def station_queryset(user: Any) -> Any:
    return (
        Station.objects.restrict(user, Action.VIEW)
        .order_by("id")
        .values(
            "id",
            "name",
            "kind",
            "status",
            "federation_id",
            "zone_id",
            "zone__name",
            "address",
            "open_24h",
            position_json=AsGeoJSON("position"),
        )
    )


def stations(request: HttpRequest) -> HttpResponse:
    """The first page of /api/v1/stations/."""
    if denied := _forbidden(request):
        return denied
    rows = list(station_queryset(request.user)[: _page_size(request)])
    for row in rows:
        row["position"] = json.loads(row.pop("position_json"))
    return JsonResponse({"results": rows})


def changelist_queryset(user: Any, params: Any) -> Any:
    found = Member.objects.restrict(user, Action.VIEW)
    if status := params.get("status__exact"):
        found = found.filter(status=status)
    if term := params.get("q"):
        found = found.filter(name_search_q(term))
    return found.order_by("-id").values(*CHANGELIST_FIELDS)


def member_changelist(request: HttpRequest) -> HttpResponse:
    """/admin/members/member/ (with its status filter and name search): the rows of its first page."""
    if denied := _forbidden(request):
        return denied
    rows = list(changelist_queryset(request.user, request.GET)[:ADMIN_PAGE])
    return HttpResponse(json.dumps({"results": rows}, cls=DjangoJSONEncoder), content_type="application/json")
