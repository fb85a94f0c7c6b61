import django_filters

from .models import Activity, ActivityPhoto, Registration, ThemeSeries


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
