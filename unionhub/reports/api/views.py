"""The dashboard's figures as JSON: scoped by restrict(), read from the summary table (and the replica)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.filters import InBBoxFilter

from stations.models import Station
from unionhub.core.api.geo import feature_collection, geojson_schema
from unionhub.core.choices import Action
from unionhub.core.dbrouting import reading_from_replica
from zones.models import Zone

from .. import dashboard
from ..dashboard import Selection
from ..forms import PeriodForm
from ..models import MonthlyFigures
from . import serializers

PERIOD_PARAMETERS = [
    OpenApiParameter("start", str, description="First month, YYYY-MM (default: this quarter's first)"),
    OpenApiParameter("end", str, description="Last month, YYYY-MM (default: this month)"),
    OpenApiParameter("compare", str, enum=["previous", "year", "none"], description="Compared period"),
]
ZONE_PARAMETER = OpenApiParameter("zone", int, description="Only this zone")
ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH)


class SeesDashboard(BasePermission):
    """Signed in with a role that sees some of the summary rows (leadership, federation staff, zone staff)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return MonthlyFigures.scope_spec.allows_somewhere(request.user, Action.VIEW)  # type: ignore[arg-type]


class DashboardView(APIView):
    permission_classes = [SeesDashboard]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with reading_from_replica():
            return super().dispatch(request, *args, **kwargs)

    def selection(self, request: Request, zone_id: int | None = None) -> Selection:
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return form.selection(request.user, zone_id)  # type: ignore[arg-type]

    def id_or_404(self, pk: str) -> int:
        try:
            return int(pk)
        except ValueError:
            raise Http404 from None

    def zone_filter(self, request: Request) -> int | None:
        value = request.query_params.get("zone")
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError:
            raise ValidationError({"zone": ["Enter a zone id."]}) from None


class SummaryView(DashboardView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=serializers.SummarySerializer)
    def get(self, request: Request) -> Response:
        """The KPI cards for the period, beside the compared period, and the time of the last refresh."""
        return Response(dashboard.summary(self.selection(request)))


class TrendsView(DashboardView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=serializers.TrendsSerializer)
    def get(self, request: Request) -> Response:
        """Each figure month by month, and the compared period's months beside them."""
        return Response(dashboard.trends(self.selection(request)))


class HotWordsView(DashboardView):
    @extend_schema(parameters=[*PERIOD_PARAMETERS, ZONE_PARAMETER], responses=serializers.DashboardHotWordsSerializer)
    def get(self, request: Request) -> Response:
        """The hottest words in the grievances of the period's last quarter, beside the compared quarter's counts
        (a zone's with ``zone``: 404 out of scope). Counted by the summary refresh; never any grievance text."""
        zone_id = self.zone_filter(request)
        if zone_id is not None and dashboard.zone_in_scope(request.user, zone_id) is None:  # type: ignore[arg-type]
            raise Http404
        selection = self.selection(request, zone_id=zone_id)
        body = dashboard.hot_words(selection)
        return Response({**body, "refreshed_at": selection.refresh[1] if selection.refresh else None})


class ZoneTableView(DashboardView):
    @extend_schema(
        operation_id="api_v1_dashboard_zones_list",
        parameters=PERIOD_PARAMETERS,
        responses=serializers.ZoneTableSerializer,
    )
    def get(self, request: Request) -> Response:
        """One row per zone in scope over the period."""
        selection = self.selection(request)
        return Response({"period": dashboard.period_json(selection), "results": dashboard.by_zone(selection)})


class ZoneDetailView(DashboardView):
    @extend_schema(parameters=[ID_PARAMETER, *PERIOD_PARAMETERS], responses=serializers.ZoneDetailSerializer)
    def get(self, request: Request, pk: str) -> Response:
        """One zone: its cards, and its unions in scope with their anomaly indices (404 out of scope)."""
        zone = dashboard.zone_in_scope(request.user, self.id_or_404(pk))  # type: ignore[arg-type]
        if zone is None:
            raise Http404
        selection = self.selection(request, zone_id=zone.pk)
        body = dashboard.summary(selection)
        return Response(
            {
                "zone": {"id": zone.pk, "name": zone.name},
                "period": body["period"],
                "cards": body["cards"],
                "grievance_median_days": dashboard.zone_grievance_median(selection),
                "results": dashboard.zone_unions(request.user, zone.pk),  # type: ignore[arg-type]
            }
        )


class UnionDetailView(DashboardView):
    @extend_schema(parameters=[ID_PARAMETER, *PERIOD_PARAMETERS], responses=serializers.UnionDetailSerializer)
    def get(self, request: Request, pk: str) -> Response:
        """One union: its indicators, its visits in the period, its findings and this quarter's plan."""
        return Response(dashboard.union_detail(self.selection(request), self.id_or_404(pk)))


class ZoneMapView(DashboardView):
    bbox_filter_field = "outline__outline"
    bbox_filter_include_overlapping = True

    @geojson_schema({"name": "string"})
    @extend_schema(parameters=[ZONE_PARAMETER])
    def get(self, request: Request) -> HttpResponse:
        """The zones the user has figures in, outlined (the page colours them from the zone table)."""
        figures = MonthlyFigures.objects.restrict(request.user, Action.VIEW).filter(zone__isnull=False)
        zone_id = self.zone_filter(request)
        if zone_id is not None:
            figures = figures.filter(zone_id=zone_id)
        zones = InBBoxFilter().filter_queryset(request, Zone.objects.filter(id__in=figures.values("zone_id")), self)
        return feature_collection(zones, "outline__outline", ["name"])


class StationMapView(DashboardView):
    bbox_filter_field = "position"

    @geojson_schema({"name": "string", "status": "string", "zone_id": "integer"})
    @extend_schema(parameters=[ZONE_PARAMETER])
    def get(self, request: Request) -> HttpResponse:
        """The stations in scope (optionally of one zone) as points."""
        stations = Station.objects.restrict(request.user, Action.VIEW)
        zone_id = self.zone_filter(request)
        if zone_id is not None:
            stations = stations.filter(zone_id=zone_id)
        stations = InBBoxFilter().filter_queryset(request, stations, self)
        return feature_collection(stations, "position", ["name", "status", "zone_id"])
