from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.filters import InBBoxFilter

from unionhub.core.api.filters import ScopedFilterBackend
from unionhub.core.api.geo import feature_collection, geojson_schema
from unionhub.core.api.serializers import JobSerializer
from unionhub.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from unionhub.core.choices import Action
from unionhub.core.jobs import start_job
from unionhub.core.models import Federation, Job
from unionhub.core.scoping import get_scoped_or_404

from ..actions import do_add_station_photo, do_bind_station_keeper, do_save_station, do_set_opening_hours, process_photo
from ..choices import HeatLayer
from ..filtersets import StationFilterSet, StationKeeperFilterSet, UpkeepCheckFilterSet
from ..models import (
    HeatCell,
    HelpRequest,
    OpeningException,
    OpeningPeriod,
    Station,
    StationKeeper,
    Suggestion,
    UpkeepCheck,
)
from ..upkeep import do_record_upkeep_check
from ..usage import DEFAULT_DAYS, usage_summary
from ..voice import do_moderate_suggestion
from .serializers import (
    CoverageRequestSerializer,
    HeatCellSerializer,
    HelpRequestSerializer,
    OpeningHoursSerializer,
    StationKeeperSerializer,
    StationPhotoSerializer,
    StationSerializer,
    SuggestionSerializer,
    UpkeepCheckSerializer,
    UsageSerializer,
)


def start_coverage_job(request: Request, data: dict[str, Any]) -> Job:
    """Start a 15-minute service circle analysis of a federation node the user may see."""
    federation = get_scoped_or_404(Federation, request.user, Action.VIEW, pk=data["federation"])
    params = {
        "federation": federation.pk,
        "mode": data["mode"],
        "day": (data.get("day") or timezone.localdate()).isoformat(),
        "hour": data["hour"],
    }
    return start_job("station-coverage", "stations.analyse_coverage", actor=request.user, params=params)


class StationViewSet(ScopedModelViewSet):
    queryset = Station.objects.select_related("zone").defer("zone__boundary")
    serializer_class = StationSerializer
    filterset_class = StationFilterSet
    filter_backends = [ScopedFilterBackend, InBBoxFilter]
    bbox_filter_field = "position"
    save_action = staticmethod(do_save_station)
    scope_actions = {"photos": Action.CHANGE, "coverage": Action.VIEW}

    @geojson_schema({"name": "string", "status": "string", "open_24h": "boolean", "zone_id": "integer"})
    @action(detail=False, methods=["get"])
    def geojson(self, request: Request) -> HttpResponse:
        """Stations in scope as a GeoJSON FeatureCollection (filters as the list's)."""
        stations = self.filter_queryset(Station.objects.restrict(request.user, Action.VIEW))
        return feature_collection(stations, "position", ["name", "status", "open_24h", "zone_id"])

    @extend_schema(request=CoverageRequestSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def coverage(self, request: Request) -> Response:
        """Start the 15-minute service circle analysis as a job; poll /api/v1/jobs/{id}/ for its result."""
        ask = CoverageRequestSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        return Response(JobSerializer(start_coverage_job(request, ask.validated_data)).data, status=202)

    @extend_schema(request=OpeningHoursSerializer, responses=OpeningHoursSerializer)
    @action(detail=True, methods=["get", "put"], filterset_class=None)
    def hours(self, request: Request, pk: str | None = None) -> Response:
        """The station's opening hours: the 24-hour flag, weekly periods and dated exceptions (PUT replaces them)."""
        station = self.get_object()
        if request.method == "PUT":
            schedule = OpeningHoursSerializer(data=request.data)
            schedule.is_valid(raise_exception=True)
            data = schedule.validated_data
            do_set_opening_hours(
                station,
                open_24h=data["open_24h"],
                periods=[OpeningPeriod(**period) for period in data["periods"]],
                exceptions=[OpeningException(**exception) for exception in data.get("exceptions", [])],
                actor=request.user,
            )
        return Response(
            OpeningHoursSerializer(
                {"open_24h": station.open_24h, "periods": station.periods.all(), "exceptions": station.exceptions.all()}
            ).data
        )

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"image": {"type": "string", "format": "binary"}, "caption": {"type": "string"}},
            }
        },
        responses={201: StationPhotoSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], filterset_class=None)
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """Add a photo of the station (JPEG, PNG or WebP, at most 10 MB; re-encoded without metadata)."""
        station = self.get_object()
        upload = request.FILES.get("image")
        if upload is None:
            raise drf_serializers.ValidationError({"image": [_("Choose a photo to upload.")]})
        caption = str(request.data.get("caption", ""))[:100]
        photo = do_add_station_photo(station, process_photo(upload), caption=caption, actor=request.user)
        return Response(StationPhotoSerializer(photo).data, status=201)

    @extend_schema(
        parameters=[
            OpenApiParameter("days", int, description=f"the last so many days (1–366, default {DEFAULT_DAYS})")
        ],
        responses=UsageSerializer,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def usage(self, request: Request, pk: str | None = None) -> Response:
        """Check-ins at the station by hour of day, weekday and occupation (Asia/Shanghai)."""
        station = self.get_object()
        days: Any = request.query_params.get("days", DEFAULT_DAYS)
        try:
            days = int(days)
            if not 1 <= days <= 366:
                raise ValueError
        except ValueError:
            raise drf_serializers.ValidationError({"days": [_("A number of days from 1 to 366.")]}) from None
        return Response(UsageSerializer(usage_summary(station, days=days)).data)


class StationKeeperViewSet(ScopedModelViewSet):
    queryset = StationKeeper.objects.all()
    serializer_class = StationKeeperSerializer
    filterset_class = StationKeeperFilterSet
    save_action = staticmethod(do_bind_station_keeper)


class UpkeepCheckViewSet(ScopedModelViewSet):
    """Weekly upkeep checks: keepers record them (one per station and week); a failed one raises work for the zone."""

    queryset = UpkeepCheck.objects.select_related("station").only(
        *[f.attname for f in UpkeepCheck._meta.concrete_fields], "station__name"
    )
    serializer_class = UpkeepCheckSerializer
    filterset_class = UpkeepCheckFilterSet
    http_method_names = ["get", "post", "head", "options"]
    save_action = staticmethod(do_record_upkeep_check)


class SuggestionViewSet(ScopedModelViewSet):
    """Suggestion books and wish walls: publish or hide (``moderation``) and ``answer``."""

    queryset = Suggestion.objects.all()
    serializer_class = SuggestionSerializer
    filterset_fields = ["station", "zone", "kind", "moderation"]
    http_method_names = ["get", "patch", "head", "options"]
    save_action = staticmethod(do_moderate_suggestion)


class HelpRequestViewSet(ScopedReadOnlyViewSet):
    """ "I need help" from the stations' QR pages (phones masked), for the grievance loop to take up."""

    queryset = HelpRequest.objects.all()
    serializer_class = HelpRequestSerializer
    filterset_fields = ["station", "zone", "topic", "status"]


class HeatMapQuerySerializer(drf_serializers.Serializer):
    federation = drf_serializers.IntegerField(help_text="the federation node whose map to show")
    layer = drf_serializers.ChoiceField(choices=HeatLayer.choices)


class HeatMapViewSet(ScopedReadOnlyViewSet):
    """The heat map's hexagons (people per cell, cells under 5 left out), precomputed nightly."""

    queryset = HeatCell.objects.all()
    serializer_class = HeatCellSerializer
    filterset_fields = ["federation", "layer"]

    @geojson_schema({"layer": "string", "weight": "integer"})
    @action(detail=False, methods=["get"], pagination_class=None)
    def geojson(self, request: Request) -> HttpResponse:
        """One node's layer as a GeoJSON FeatureCollection of hexagons (``federation`` and ``layer`` required)."""
        query = HeatMapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        cells = HeatCell.objects.restrict(request.user, Action.VIEW).filter(**query.validated_data)
        return feature_collection(cells, "cell", ["layer", "weight"])
