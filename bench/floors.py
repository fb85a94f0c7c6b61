"""Floors (DESIGN.md rule 9): bare Django views that return the same rows as an endpoint.

Each goes through the same middleware, session authentication and scoping
(``Model.objects.restrict(user, action)``) as the endpoint it stands beside, and returns
the rows straight from ``.values()`` as JSON: no DRF, no serializer, no template. What an
endpoint costs above its floor is what its framework layers cost.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse

from events.models import Grievance
from members.api.views import LIST_FIELDS as MEMBER_LIST_FIELDS
from members.models import Member
from members.search import name_search_q
from stations.models import Station
from unionhub.core.api.geo import GEOJSON_MAX_FEATURES, GEOJSON_PRECISION, SimplifyPreserveTopology
from unionhub.core.choices import Action
from unionhub.core.models import User
from unionhub.core.text.search import text_search
from zones.actions import PLANNED_ROLES
from zones.api.views import MAP_TOLERANCE_DEGREES
from zones.choices import FindingStatus
from zones.models import Finding, GrassrootsUnion, UnionIndicator, Visit, VisitPlanEntry, Zone, ZoneStaff
from zones.quarters import Quarter

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
    if id_number := query.get("id_number"):
        found = found.filter(id_number_hash=Member.id_number_lookup(id_number))
    if name := query.get("name"):
        found = found.filter(name_search_q(name))
    return found.order_by("id").values(*MEMBER_LIST_FIELDS)


def member_search(request: HttpRequest) -> HttpResponse:
    """The first page of POST /api/v1/members/search/."""
    if denied := _forbidden(request):
        return denied
    query = json.loads(request.body or b"{}")
    return JsonResponse({"results": list(member_search_queryset(request.user, query)[: _page_size(request)])})


def member_card(request: HttpRequest, pk: int) -> HttpResponse:
    """What GET /api/v1/members/{id}/card/ reads (the scoped member, its union and federation), without drawing."""
    if denied := _forbidden(request):
        return denied
    row = (
        Member.objects.restrict(request.user, Action.VIEW)
        .filter(pk=pk)
        .values("id", "name", "member_number", "joined_on", "photo", "union__name", "union__federation__name")
        .first()
    )
    return JsonResponse(row or {}, encoder=DjangoJSONEncoder)


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


# --- zone work ------------------------------------------------------------------------------


def _json(rows: Any) -> HttpResponse:
    return HttpResponse(json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False), content_type="application/json")


def my_visits_queryset(user: Any, quarter: str, everyone: bool) -> Any:
    entries = VisitPlanEntry.objects.restrict(user, Action.VIEW).filter(quarter=quarter)
    if not everyone:
        entries = entries.filter(assignee=user)
    latest = Visit.objects.filter(union=OuterRef("union")).order_by("-visited_at").values("visited_at")[:1]
    still_open = (
        Finding.objects.filter(union=OuterRef("union"), status__in=[FindingStatus.OPEN, FindingStatus.IN_PROGRESS])
        .values("union")
        .annotate(count=Count("id"))
        .values("count")[:1]
    )
    return entries.values(
        "first_visit_id",
        "zone__name",
        "union__name",
        "union__address",
        "union_id",
        "union__location",
        last_visit=Subquery(latest),
        open_findings=Subquery(still_open),
        anomaly_index=Subquery(UnionIndicator.objects.filter(union=OuterRef("union")).values("anomaly_index")),
    )


def my_visits(request: HttpRequest) -> HttpResponse:
    """/m/: this quarter's planned unions (the user's, or ``?all=1`` every one in scope) with their figures."""
    if denied := _forbidden(request):
        return denied
    rows = list(my_visits_queryset(request.user, str(Quarter.current()), request.GET.get("all") == "1"))
    for row in rows:
        row["id"] = row.pop("union_id")  # the page lists unions
        location = row.pop("union__location")
        row["location"] = [location.x, location.y] if location else None
    return _json({"results": rows})


def _by_zone(rows: Sequence[Mapping[str, Any]]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row["zone_id"], []).append(row)
    return grouped


def _coverage_rows(planned: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per zone and per (zone, worker): planned and visited, two grouped queries."""
    visited = Count("id", filter=Q(first_visit__isnull=False))
    per_worker = list(
        planned.values("zone_id", "assignee_id")
        .annotate(planned=Count("id"), visited=visited)
        .order_by("zone_id", "assignee_id")
    )
    zones = list(
        planned.values("zone_id", "zone__name").annotate(planned=Count("id"), visited=visited).order_by("zone__name")
    )
    return zones, per_worker


def coverage_api(request: HttpRequest) -> HttpResponse:
    """/api/v1/visit-plan/coverage/: this quarter's coverage per zone in scope, per worker within."""
    if denied := _forbidden(request):
        return denied
    quarter = str(Quarter.current())
    zones, per_worker = _coverage_rows(
        VisitPlanEntry.objects.restrict(request.user, Action.VIEW).filter(quarter=quarter)
    )
    workers = _by_zone(per_worker)
    for zone in zones:
        zone["workers"] = workers.get(zone["zone_id"], [])
    return _json([{"zone": zone.pop("zone_id"), "quarter": quarter, **zone} for zone in zones])


def coverage_page(request: HttpRequest) -> HttpResponse:
    """/m/coverage/: coverage, the unions not yet visited, which of them the user may reassign, and to whom."""
    if denied := _forbidden(request):
        return denied
    quarter = str(Quarter.current())
    planned = VisitPlanEntry.objects.restrict(request.user, Action.VIEW).filter(quarter=quarter)
    zones, per_worker = _coverage_rows(planned)
    unvisited = list(
        planned.filter(first_visit=None)
        .order_by("union__name")
        .values("id", "zone_id", "assignee_id", "union__name", "assignee__username")
    )
    changeable = set(
        VisitPlanEntry.objects.restrict(request.user, Action.CHANGE)
        .filter(quarter=quarter, first_visit=None)
        .values_list("id", flat=True)
    )
    names = list(
        User.objects.filter(pk__in={w["assignee_id"] for w in per_worker}).values(
            "id", "username", "first_name", "last_name"
        )
    )
    reassignable = {e["zone_id"] for e in unvisited if e["id"] in changeable}
    workers = list(
        ZoneStaff.objects.filter(zone_id__in=reassignable, role__in=PLANNED_ROLES)
        .order_by("zone_id", "user_id")
        .values("zone_id", "user_id", "user__username", "user__first_name", "user__last_name")
    ) if reassignable else []  # fmt: skip
    for entry in unvisited:
        entry["changeable"] = entry["id"] in changeable
    per_zone, waiting, choices = _by_zone(per_worker), _by_zone(unvisited), _by_zone(workers)
    for zone in zones:
        zone["id"] = zone.pop("zone_id")
        zone["workers"] = per_zone.get(zone["id"], [])
        zone["unvisited"] = waiting.get(zone["id"], [])
        zone["choices"] = choices.get(zone["id"], [])
    return _json({"results": zones, "names": names})


def plan_list(request: HttpRequest) -> HttpResponse:
    """The first page of /api/v1/visit-plan/ with its quarter and assignee filters."""
    if denied := _forbidden(request):
        return denied
    entries = VisitPlanEntry.objects.restrict(request.user, Action.VIEW)
    for name in ("quarter", "assignee"):
        if value := request.GET.get(name):
            entries = entries.filter(**{name: value})
    rows = entries.order_by("id").values(
        "id", "quarter", "union_id", "union__name", "zone_id", "assignee_id", "first_visit_id"
    )[: _page_size(request)]
    return _json({"results": list(rows)})


# --- the leadership dashboard (unionhub.reports): the summary table's rows, this quarter so far ----------


def _dashboard_months() -> tuple[list[Any], list[Any]]:
    """This quarter's months and the previous period's, as the dashboard's default selection has them."""
    from unionhub.reports.dashboard import Compare, Period

    period = Period.default()
    compared = period.compared(Compare.PREVIOUS)
    assert compared is not None
    return period.months, compared.months


def _dashboard_sums() -> dict[str, Sum]:
    from unionhub.reports.summaries import FLOWS, STOCKS

    return {name: Sum(name) for name in (*FLOWS, *STOCKS)}


def dashboard_figures(request: HttpRequest) -> HttpResponse:
    """/api/v1/dashboard/summary/ and /trends/: the months' sums over the user's summary rows."""
    from unionhub.reports.models import MonthlyFigures

    if denied := _forbidden(request):
        return denied
    months, compared = _dashboard_months()
    rows = (
        MonthlyFigures.objects.restrict(request.user, Action.VIEW)
        .filter(month__in=months + compared)
        .values("month")
        .annotate(**_dashboard_sums())
        .order_by()
    )
    return _json({"rows": list(rows)})


def dashboard_page(request: HttpRequest) -> HttpResponse:
    """/dashboard/: the summary rows the page reads (each month's sums, each zone's by month), with zone names."""
    from unionhub.reports.models import MonthlyFigures

    if denied := _forbidden(request):
        return denied
    months, compared = _dashboard_months()
    figures = MonthlyFigures.objects.restrict(request.user, Action.VIEW)
    sums = list(figures.filter(month__in=months + compared).values("month").annotate(**_dashboard_sums()).order_by())
    zones = list(figures.filter(month__in=months).values("zone_id", "month").annotate(**_dashboard_sums()).order_by())
    names = dict(Zone.objects.filter(id__in={r["zone_id"] for r in zones}).values_list("id", "name"))
    return _json({"rows": sums, "zones": zones, "names": names})


def dashboard_zones(request: HttpRequest) -> HttpResponse:
    """/api/v1/dashboard/zones/: each zone's sums over the period, with its name."""
    from unionhub.reports.models import MonthlyFigures

    if denied := _forbidden(request):
        return denied
    months, _compared = _dashboard_months()
    rows = list(
        MonthlyFigures.objects.restrict(request.user, Action.VIEW)
        .filter(month__in=months)
        .values("zone_id")
        .annotate(**_dashboard_sums())
        .order_by()
    )
    names = dict(Zone.objects.filter(id__in=[r["zone_id"] for r in rows]).values_list("id", "name"))
    results = [{"id": row["zone_id"], "name": names.get(row["zone_id"], ""), **row} for row in rows]
    results.sort(key=lambda row: (row["id"] is None, row["name"]))  # as the dashboard lists them
    return _json({"results": results})


def dashboard_zone(request: HttpRequest, pk: int) -> HttpResponse:
    """/api/v1/dashboard/zones/<id>/: the zone's sums by month and its unions with their indicators."""
    from unionhub.reports.models import MonthlyFigures

    if denied := _forbidden(request):
        return denied
    months, compared = _dashboard_months()
    figures = MonthlyFigures.objects.restrict(request.user, Action.VIEW).filter(zone_id=pk)
    if not figures.exists():
        return HttpResponse(status=404)
    name = Zone.objects.filter(pk=pk).values_list("name", flat=True).first()
    sums = list(figures.filter(month__in=months + compared).values("month").annotate(**_dashboard_sums()).order_by())
    unions = list(
        GrassrootsUnion.objects.restrict(request.user, Action.VIEW)
        .filter(zone_id=pk, is_holding_pool=False)
        .order_by(F("indicator__anomaly_index").desc(nulls_last=True), "name", "id")
        .values("id", "name", "member_count", "indicator__anomaly_index", "indicator__open_findings")
    )
    return _json({"zone": {"id": pk, "name": name}, "rows": sums, "results": unions})


def dashboard_union(request: HttpRequest, pk: int) -> HttpResponse:
    """/api/v1/dashboard/unions/<id>/: the union, its indicator, its visits this quarter, its findings by status."""
    if denied := _forbidden(request):
        return denied
    months, _compared = _dashboard_months()
    union = (
        GrassrootsUnion.objects.restrict(request.user, Action.VIEW)
        .filter(pk=pk)
        .values("id", "name", "zone_id", "zone__name", "member_count", "chair_name", "address")
        .first()
    )
    if union is None:
        return HttpResponse(status=404)
    union["indicator"] = UnionIndicator.objects.restrict(request.user, Action.VIEW).filter(union_id=pk).values().first()
    union["visits"] = list(
        Visit.objects.restrict(request.user, Action.VIEW)
        .filter(union_id=pk, visited_at__date__gte=months[0])
        .order_by("-visited_at")
        .values("id", "visited_at", "duties", "review")[:20]
    )
    union["findings"] = list(
        Finding.objects.restrict(request.user, Action.VIEW)
        .filter(union_id=pk)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    union["plan"] = (
        VisitPlanEntry.objects.restrict(request.user, Action.VIEW)
        .filter(union_id=pk, quarter=str(Quarter.current()))
        .values("first_visit_id")
        .first()
    )
    return _json(union)


def dashboard_map_zones(request: HttpRequest) -> HttpResponse:
    """/api/v1/dashboard/map/zones/: the zones the user has figures in, with the outlines the refresh keeps."""
    from unionhub.reports.models import MonthlyFigures

    if denied := _forbidden(request):
        return denied
    zone_ids = MonthlyFigures.objects.restrict(request.user, Action.VIEW).filter(zone__isnull=False).values("zone_id")
    rows = (
        Zone.objects.filter(id__in=zone_ids)
        .order_by("id")
        .values("id", "name", geometry=AsGeoJSON("outline__outline", precision=GEOJSON_PRECISION))
    )
    return _json({"features": list(rows[:GEOJSON_MAX_FEATURES])})


def dashboard_map_stations(request: HttpRequest) -> HttpResponse:
    """/api/v1/dashboard/map/stations/: the stations in scope as points."""
    if denied := _forbidden(request):
        return denied
    rows = (
        Station.objects.restrict(request.user, Action.VIEW)
        .order_by("id")
        .values("id", "name", "status", "zone_id", geometry=AsGeoJSON("position"))
    )
    return _json({"features": list(rows[:GEOJSON_MAX_FEATURES])})


# --- outdoor-worker stations --------------------------------------------------------------------


def nearest_queryset(point: Any, moment: Any, limit: int) -> Any:
    """The stations nearest ``point`` open at ``moment``: the KNN order and the hours condition, nothing else."""
    from django.contrib.gis.db.models import PointField
    from django.contrib.gis.db.models.functions import Distance
    from django.db.models import Value

    from stations.choices import StationStatus
    from stations.finder import KnnDistance
    from stations.hours import open_at

    target = Value(point, output_field=PointField(srid=4326, geography=True))
    return (
        Station.objects.exclude(status=StationStatus.CLOSED)
        .filter(open_at(moment))
        .order_by(KnnDistance(F("position"), target))
        .values(
            "public_code", "name", "kind", "address", "open_24h", "amenities",
            distance=Distance("position", target), position_json=AsGeoJSON("position"),
        )[:limit]
    )  # fmt: skip


def nearest(request: HttpRequest) -> HttpResponse:
    """/stations/nearest/ (public, no log-in): the nearest open stations, as rows, with their distance."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from stations.hours import LocalMoment

    point = Point(float(request.GET["lon"]), float(request.GET["lat"]), srid=4326)
    rows = list(nearest_queryset(point, LocalMoment.of(timezone.now()), int(request.GET.get("limit", 10))))
    for row in rows:
        row["code"] = row.pop("public_code")
        row["distance_m"] = round(row.pop("distance").m)
        row["position"] = json.loads(row.pop("position_json"))
    return _json({"results": rows})


def station_usage(request: HttpRequest, pk: int) -> HttpResponse:
    """/api/v1/stations/<id>/usage/: the station in scope, then the same GROUP BYs (stations.usage)."""
    from stations.usage import usage_summary

    if denied := _forbidden(request):
        return denied
    station = Station.objects.restrict(request.user, Action.VIEW).filter(pk=pk).first()
    if station is None:
        return HttpResponse(status=404)
    return _json(usage_summary(station))


def heat_map(request: HttpRequest) -> HttpResponse:
    """/api/v1/heat-map/geojson/: one node's layer of hexagons, as rows with the cell as PostGIS writes it."""
    from stations.models import HeatCell

    if denied := _forbidden(request):
        return denied
    rows = list(
        HeatCell.objects.restrict(request.user, Action.VIEW)
        .filter(federation=request.GET["federation"], layer=request.GET["layer"])
        .order_by("id")
        .values("id", "layer", "weight", geometry=AsGeoJSON("cell", precision=GEOJSON_PRECISION))[:GEOJSON_MAX_FEATURES]
    )
    return _json({"features": rows})


GRIEVANCE_FIELDS = [
    "id", "tracking_code", "channel", "category", "suggested_category", "suggestion_confidence", "description",
    "address", "federation_id", "zone_id", "employer_id", "union_id", "submitter_name", "phone_last4", "anonymous",
    "employer_blind", "identity_consent", "status", "tier", "due_at", "paused_at", "pause_reason", "assignee_kind",
    "assignee_id", "assigned_union_id", "assignee_name", "resolution", "rating", "rating_comment",
    "escalation_level", "reopen_count", "created_at", "verified_at", "resolved_at", "closed_at",
]  # fmt: skip
VISIT_FIELDS = [
    "id", "union_id", "union__name", "zone_id", "worker_id", "visited_at", "quarter", "distance_m", "review",
    "duties", "notes", "created_at",
]  # fmt: skip


def _searched(queryset: Any, request: HttpRequest) -> Any:
    query = request.GET.get("q", "").strip()
    return text_search(queryset, query) if query else queryset


def grievances(request: HttpRequest) -> HttpResponse:
    """The first page of /api/v1/grievances/ (``?q=`` as its TextSearchFilter): by id, as the cursor pages."""
    if denied := _forbidden(request):
        return denied
    rows = _searched(Grievance.objects.restrict(request.user, Action.VIEW), request).order_by("id")
    page = list(rows.values(*GRIEVANCE_FIELDS, place_json=AsGeoJSON("place"))[: _page_size(request)])
    return JsonResponse({"results": page}, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})


def visits(request: HttpRequest) -> HttpResponse:
    """The first page of /api/v1/visits/ (``?q=`` as its TextSearchFilter)."""
    if denied := _forbidden(request):
        return denied
    rows = _searched(Visit.objects.restrict(request.user, Action.VIEW), request).order_by("id")
    page = list(rows.values(*VISIT_FIELDS, position_json=AsGeoJSON("position"))[: _page_size(request)])
    return JsonResponse({"results": page}, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False})
