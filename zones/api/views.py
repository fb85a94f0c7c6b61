from typing import Any

from django.contrib.gis.db.models import MultiPolygonField
from django.db.models import Count, F
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_gis.filters import InBBoxFilter

from unionhub.core.api.filters import ScopedFilterBackend
from unionhub.core.api.geo import Multi, SimplifyPreserveTopology, feature_collection, geojson_schema
from unionhub.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from unionhub.core.choices import Action
from unionhub.core.text.search import SEARCH_COLUMNS

from ..actions import (
    FindingInput,
    do_add_visit_photo,
    do_bind_union_chair,
    do_bind_zone_staff,
    do_log_visit,
    do_mark_demand_met,
    do_match_demand,
    do_reassign_plan_entry,
    do_review_visit,
    do_save_enterprise,
    do_save_finding,
    do_save_resource,
    do_save_union,
    do_save_zone,
    do_update_work_item,
    do_withdraw_match,
)
from ..choices import FindingKind
from ..coverage import coverage
from ..filtersets import (
    DemandMatchFilterSet,
    EnterpriseFilterSet,
    FindingFilterSet,
    GrassrootsUnionFilterSet,
    ServiceResourceFilterSet,
    UnionChairFilterSet,
    VisitFilterSet,
    VisitPlanEntryFilterSet,
    WorkItemFilterSet,
    ZoneFilterSet,
    ZoneStaffFilterSet,
)
from ..matching import suggest_resources
from ..models import (
    DemandMatch,
    Enterprise,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionChair,
    Visit,
    VisitPhoto,
    VisitPlanEntry,
    WorkItem,
    Zone,
    ZoneStaff,
)
from ..quarters import Quarter
from . import serializers

IDEMPOTENCY_HELP = "A key the phone makes per visit: a visit sent again with the same key is stored once."

# About 10 m at Ningbo's latitude: invisible on a zone map, a fraction of the vertices.
MAP_TOLERANCE_DEGREES = 0.0001


class ZoneViewSet(ScopedModelViewSet):
    queryset = Zone.objects.select_related("federation").annotate(union_count=Count("unions"))
    serializer_class = serializers.ZoneSerializer
    filterset_class = ZoneFilterSet
    filter_backends = [ScopedFilterBackend, InBBoxFilter]
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    save_action = staticmethod(do_save_zone)

    @geojson_schema(
        {
            "name": "string",
            "kind": "string",
            "sector": "string",
            "federation_id": "integer",
            "federation_name": "string",
        }
    )
    @action(detail=False, methods=["get"])
    def geojson(self, request: Request) -> HttpResponse:
        """Zones in scope as a GeoJSON FeatureCollection, boundaries simplified for maps."""
        zones = self.filter_queryset(Zone.objects.restrict(request.user, Action.VIEW))
        shape = MultiPolygonField(srid=4326)
        boundary = Multi(SimplifyPreserveTopology("boundary", MAP_TOLERANCE_DEGREES, output_field=shape))
        return feature_collection(
            zones, boundary, ["name", "kind", "sector", "federation_id"], federation_name=F("federation__name")
        )


class GrassrootsUnionViewSet(ScopedModelViewSet):
    queryset = GrassrootsUnion.objects.select_related("zone").defer("zone__boundary")
    serializer_class = serializers.GrassrootsUnionSerializer
    filterset_class = GrassrootsUnionFilterSet
    filter_backends = [ScopedFilterBackend, InBBoxFilter]
    bbox_filter_field = "location"
    save_action = staticmethod(do_save_union)

    @geojson_schema({"name": "string", "zone_id": "integer", "sector": "string", "member_count": "integer"})
    @action(detail=False, methods=["get"])
    def geojson(self, request: Request) -> HttpResponse:
        """Unions in scope with a location, as a GeoJSON FeatureCollection."""
        unions = self.filter_queryset(GrassrootsUnion.objects.restrict(request.user, Action.VIEW))
        return feature_collection(
            unions.filter(location__isnull=False), "location", ["name", "zone_id", "sector", "member_count"]
        )


class EnterpriseViewSet(ScopedModelViewSet):
    queryset = Enterprise.objects.all()
    serializer_class = serializers.EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    save_action = staticmethod(do_save_enterprise)


class ZoneStaffViewSet(ScopedModelViewSet):
    queryset = ZoneStaff.objects.all()
    serializer_class = serializers.ZoneStaffSerializer
    filterset_class = ZoneStaffFilterSet
    save_action = staticmethod(do_bind_zone_staff)


class UnionChairViewSet(ScopedModelViewSet):
    queryset = UnionChair.objects.all()
    serializer_class = serializers.UnionChairSerializer
    filterset_class = UnionChairFilterSet
    save_action = staticmethod(do_bind_union_chair)


class VisitViewSet(ScopedModelViewSet):
    """Visits: zone workers log them (with an Idempotency-Key header), staff review flagged ones.

    ``?q=`` searches the notes (jieba words and their synonyms: 拖欠工资 finds 工资一直没发);
    each row then carries ``notes_highlight``.
    """

    queryset = Visit.objects.select_related("union").defer("union__location", *SEARCH_COLUMNS)
    serializer_class = serializers.VisitSerializer
    filterset_class = VisitFilterSet
    http_method_names = ["get", "post", "head", "options"]
    scope_actions = {"review": Action.APPROVE, "photos": Action.CHANGE}

    @extend_schema(
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, description=IDEMPOTENCY_HELP)],
        responses={201: serializers.VisitSerializer, 200: serializers.VisitSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key is not None and len(key) > 64:
            raise drf_serializers.ValidationError({"Idempotency-Key": [_("At most 64 characters.")]})
        if key is not None:
            # A replay answers with the stored visit before the body is checked again: the
            # phone's retry succeeds even if the union has since moved zone (and costs a lookup).
            stored = (
                Visit.objects.restrict(request.user, Action.VIEW)
                .filter(worker=request.user, client_key=key)
                .select_related("union")
                .first()
            )
            if stored is not None:
                return Response(self.get_serializer(stored).data, status=200)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        findings = [FindingInput(**finding) for finding in data.pop("findings", [])]
        visit, created = do_log_visit(Visit(**data), actor=request.user, findings=findings, client_key=key)
        return Response(self.get_serializer(visit).data, status=201 if created else 200)

    @extend_schema(request=serializers.ReviewSerializer, responses=serializers.VisitSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Accept or reject a visit flagged for review."""
        decision = serializers.ReviewSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        visit = do_review_visit(self.get_object(), accepted=decision.validated_data["accepted"], actor=request.user)
        return Response(self.get_serializer(visit).data)

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"image": {"type": "string", "format": "binary"}}}
        },
        responses={201: serializers.VisitPhotoSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """Attach a photo to a visit (JPEG, PNG or WebP, at most 10 MB)."""
        upload = request.FILES.get("image")
        if upload is None:
            raise drf_serializers.ValidationError({"image": [_("Choose a photo to upload.")]})
        photo = do_add_visit_photo(self.get_object(), upload, actor=request.user)
        return Response(serializers.VisitPhotoSerializer(photo).data, status=201)


class VisitPhotoViewSet(ScopedReadOnlyViewSet):
    """Visit photos; the files themselves are served only through ``file``, after the scope check."""

    queryset = VisitPhoto.objects.all()
    serializer_class = serializers.VisitPhotoSerializer
    filterset_fields = ["visit"]

    @extend_schema(
        parameters=[OpenApiParameter("size", str, enum=["full", "thumbnail"])],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        photo = self.get_object()
        stored = photo.thumbnail if request.query_params.get("size") == "thumbnail" else photo.image
        response = FileResponse(stored.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response


class FindingViewSet(ScopedModelViewSet):
    """Findings of visits; ``?q=`` searches the descriptions (synonyms count), with ``description_highlight``."""

    queryset = Finding.objects.select_related("union").defer("union__location", *SEARCH_COLUMNS)
    serializer_class = serializers.FindingSerializer
    filterset_class = FindingFilterSet
    save_action = staticmethod(do_save_finding)

    @extend_schema(responses=serializers.SuggestedResourceSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def suggestions(self, request: Request, pk: str | None = None) -> Response:
        """For a demand: the available resources of its category the user can see, nearest to its union first."""
        finding = self.get_object()
        if finding.kind != FindingKind.DEMAND:
            raise drf_serializers.ValidationError({"kind": [_("Only a demand is matched to resources.")]})
        return Response(
            serializers.SuggestedResourceSerializer(suggest_resources(finding, request.user), many=True).data
        )


class ServiceResourceViewSet(ScopedModelViewSet):
    """The service alliance's resources (服务资源) that demands are matched to."""

    queryset = ServiceResource.objects.all()
    serializer_class = serializers.ServiceResourceSerializer
    filterset_class = ServiceResourceFilterSet
    save_action = staticmethod(do_save_resource)


class DemandMatchViewSet(ScopedModelViewSet):
    """Demands matched to resources, tracked to met: create matches a demand, then ``met`` or ``withdraw``."""

    queryset = DemandMatch.objects.select_related("resource").only(
        *[f.attname for f in DemandMatch._meta.concrete_fields], "resource__name"
    )
    serializer_class = serializers.DemandMatchSerializer
    filterset_class = DemandMatchFilterSet
    http_method_names = ["get", "post", "head", "options"]
    scope_actions = {"met": Action.CHANGE, "withdraw": Action.CHANGE}

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = do_match_demand(
            data["finding"], data["resource"], actor=self.request.user, note=data.get("note", "")
        )

    @extend_schema(request=serializers.NoteSerializer, responses=serializers.DemandMatchSerializer)
    @action(detail=True, methods=["post"])
    def met(self, request: Request, pk: str | None = None) -> Response:
        """The resource met the demand: the demand is resolved and other matches withdrawn."""
        note = serializers.NoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        match = do_mark_demand_met(self.get_object(), actor=request.user, note=note.validated_data["note"])
        return Response(self.get_serializer(match).data)

    @extend_schema(request=None, responses=serializers.DemandMatchSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """The resource will not serve this demand after all."""
        return Response(self.get_serializer(do_withdraw_match(self.get_object(), actor=request.user)).data)


class WorkItemViewSet(ScopedReadOnlyViewSet):
    """Work raised for zones by other areas (station upkeep, grievances); workers move it through its states."""

    queryset = WorkItem.objects.select_related("union").only(
        *[f.attname for f in WorkItem._meta.concrete_fields], "union__name"
    )
    serializer_class = serializers.WorkItemSerializer
    filterset_class = WorkItemFilterSet

    @extend_schema(request=serializers.WorkItemStateSerializer, responses=serializers.WorkItemSerializer)
    @action(detail=True, methods=["post"])
    def state(self, request: Request, pk: str | None = None) -> Response:
        """Move the item to another state; "done" needs what was done."""
        change = serializers.WorkItemStateSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        item = do_update_work_item(self.get_object(), actor=request.user, **change.validated_data)
        return Response(self.get_serializer(item).data)


class VisitPlanEntryViewSet(ScopedModelViewSet):
    """This quarter's planned visits; chiefs and instructors reassign them, everyone sees coverage."""

    queryset = VisitPlanEntry.objects.select_related("union").defer("union__location")
    serializer_class = serializers.VisitPlanEntrySerializer
    filterset_class = VisitPlanEntryFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer: Any) -> None:
        entry = serializer.instance
        assignee = serializer.validated_data.get("assignee", entry.assignee)
        serializer.instance = do_reassign_plan_entry(entry, assignee, actor=self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("quarter", str, description="e.g. 2026Q4; this quarter when left out")],
        responses=serializers.CoverageSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def coverage(self, request: Request) -> Response:
        """Coverage per zone in scope: unions planned, visited, and the same per worker."""
        try:
            quarter = Quarter.parse(request.query_params["quarter"]) if "quarter" in request.query_params else None
        except ValueError:
            raise drf_serializers.ValidationError({"quarter": [_("Write a quarter like 2026Q4.")]}) from None
        entries = VisitPlanEntry.objects.restrict(request.user, Action.VIEW)
        return Response(coverage(entries, str(quarter or Quarter.current())))
