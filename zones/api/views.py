from django.contrib.gis.db.models import MultiPolygonField
from django.db.models import Count, F
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework_gis.filters import InBBoxFilter

from unionhub.core.api.geo import Multi, SimplifyPreserveTopology, feature_collection, geojson_schema
from unionhub.core.api.viewsets import ScopedModelViewSet
from unionhub.core.choices import Action

from ..actions import do_bind_union_chair, do_bind_zone_staff, do_save_enterprise, do_save_union, do_save_zone
from ..filtersets import (
    EnterpriseFilterSet,
    GrassrootsUnionFilterSet,
    UnionChairFilterSet,
    ZoneFilterSet,
    ZoneStaffFilterSet,
)
from ..models import Enterprise, GrassrootsUnion, UnionChair, Zone, ZoneStaff
from . import serializers

# About 10 m at Ningbo's latitude: invisible on a zone map, a fraction of the vertices.
MAP_TOLERANCE_DEGREES = 0.0001


class ZoneViewSet(ScopedModelViewSet):
    queryset = Zone.objects.select_related("federation").annotate(union_count=Count("unions"))
    serializer_class = serializers.ZoneSerializer
    filterset_class = ZoneFilterSet
    filter_backends = [DjangoFilterBackend, InBBoxFilter]
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
    filter_backends = [DjangoFilterBackend, InBBoxFilter]
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
