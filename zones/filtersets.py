import django_filters
from rest_framework_gis.filterset import GeoFilterSet

from unionhub.core.text.filters import TextSearchFilter

from .models import (
    DemandMatch,
    Enterprise,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionChair,
    Visit,
    VisitPlanEntry,
    WorkItem,
    Zone,
    ZoneStaff,
)


class ZoneFilterSet(GeoFilterSet):
    name = django_filters.CharFilter(lookup_expr="contains", label="name")

    class Meta:
        model = Zone
        fields = ["federation", "kind", "sector", "name"]


class GrassrootsUnionFilterSet(GeoFilterSet):
    name = django_filters.CharFilter(lookup_expr="contains", label="name")
    credit_code = django_filters.CharFilter(label="credit code")

    class Meta:
        model = GrassrootsUnion
        fields = ["federation", "zone", "sector", "is_joint", "name", "credit_code"]


class EnterpriseFilterSet(django_filters.FilterSet):
    class Meta:
        model = Enterprise
        fields = ["union", "credit_code"]


class ZoneStaffFilterSet(django_filters.FilterSet):
    class Meta:
        model = ZoneStaff
        fields = ["zone", "user", "role"]


class UnionChairFilterSet(django_filters.FilterSet):
    class Meta:
        model = UnionChair
        fields = ["union", "user"]


class VisitFilterSet(django_filters.FilterSet):
    q = TextSearchFilter()
    visited_after = django_filters.IsoDateTimeFilter(field_name="visited_at", lookup_expr="gte")
    visited_before = django_filters.IsoDateTimeFilter(field_name="visited_at", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["union", "zone", "worker", "quarter", "review"]


class FindingFilterSet(django_filters.FilterSet):
    q = TextSearchFilter()

    class Meta:
        model = Finding
        fields = ["union", "zone", "visit", "kind", "category", "status"]


class VisitPlanEntryFilterSet(django_filters.FilterSet):
    class Meta:
        model = VisitPlanEntry
        fields = ["quarter", "zone", "assignee", "union"]


class ServiceResourceFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="contains", label="name")

    class Meta:
        model = ServiceResource
        fields = ["federation", "zone", "category", "available", "name"]


class DemandMatchFilterSet(django_filters.FilterSet):
    class Meta:
        model = DemandMatch
        fields = ["finding", "resource", "status", "zone", "union"]


class WorkItemFilterSet(django_filters.FilterSet):
    class Meta:
        model = WorkItem
        fields = ["zone", "kind", "state", "assignee"]
