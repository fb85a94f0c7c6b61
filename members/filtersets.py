import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Member
from .search import name_search_q


class MemberFilterSet(django_filters.FilterSet):
    """Filters for rosters. Phone and ID number are never filters: they go by POST to /search/."""

    name = django_filters.CharFilter(method="filter_name", label=_("full name"))
    joined_after = django_filters.DateFilter(field_name="joined_on", lookup_expr="gte", label=_("joined on or after"))
    joined_before = django_filters.DateFilter(field_name="joined_on", lookup_expr="lte", label=_("joined on or before"))

    class Meta:
        model = Member
        fields = [
            "union",
            "zone",
            "status",
            "occupation",
            "work_form",
            "is_model_worker",
            "is_craftsman",
            "in_hardship",
        ]

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(name_search_q(value))
