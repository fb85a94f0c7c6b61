import django_filters

from .models import Station, StationKeeper, UpkeepCheck


class StationFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="contains", label="name")

    class Meta:
        model = Station
        fields = ["federation", "zone", "kind", "status", "open_24h", "name"]


class StationKeeperFilterSet(django_filters.FilterSet):
    class Meta:
        model = StationKeeper
        fields = ["station", "user"]


class UpkeepCheckFilterSet(django_filters.FilterSet):
    class Meta:
        model = UpkeepCheck
        fields = ["station", "zone", "week"]
