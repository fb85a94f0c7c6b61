import django_filters
from django.db.models import Q
from django.utils import timezone

from unionhub.core.text.filters import TextSearchFilter

from .choices import GRIEVANCE_OPEN
from .models import Activity, ActivityPhoto, Grievance, Registration, ThemeSeries


class ThemeSeriesFilterSet(django_filters.FilterSet):
    class Meta:
        model = ThemeSeries
        fields = ["federation", "month"]


class ActivityFilterSet(django_filters.FilterSet):
    starts_from = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__gte", label="starts from")
    starts_until = django_filters.DateFilter(field_name="starts_at", lookup_expr="date__lte", label="starts until")

    class Meta:
        model = Activity
        fields = ["kind", "organiser", "federation", "zone", "union", "series", "station", "published"]


class RegistrationFilterSet(django_filters.FilterSet):
    class Meta:
        model = Registration
        fields = ["activity", "status", "attendance", "member_union", "cadre_of"]


class ActivityPhotoFilterSet(django_filters.FilterSet):
    class Meta:
        model = ActivityPhoto
        fields = ["activity"]


class GrievanceFilterSet(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label="submitted from")
    created_until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label="submitted until")
    q = TextSearchFilter()

    class Meta:
        model = Grievance
        fields = ["status", "category", "tier", "channel", "zone", "escalation_level", "assigned_union"]

    def filter_overdue(self, queryset, name, value):  # type: ignore[no-untyped-def]
        """Being handled, not paused, and past its due time (or, with false, everything else)."""
        late = Q(status__in=GRIEVANCE_OPEN, paused_at__isnull=True, due_at__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)
