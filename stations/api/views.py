from django_filters.rest_framework import DjangoFilterBackend
from rest_framework_gis.filters import InBBoxFilter

from unionhub.core.api.viewsets import ScopedModelViewSet

from ..actions import do_bind_station_keeper, do_save_station
from ..filtersets import StationFilterSet, StationKeeperFilterSet
from ..models import Station, StationKeeper
from .serializers import StationKeeperSerializer, StationSerializer


class StationViewSet(ScopedModelViewSet):
    queryset = Station.objects.select_related("zone").defer("zone__boundary")
    serializer_class = StationSerializer
    filterset_class = StationFilterSet
    filter_backends = [DjangoFilterBackend, InBBoxFilter]
    bbox_filter_field = "position"
    save_action = staticmethod(do_save_station)


class StationKeeperViewSet(ScopedModelViewSet):
    queryset = StationKeeper.objects.all()
    serializer_class = StationKeeperSerializer
    filterset_class = StationKeeperFilterSet
    save_action = staticmethod(do_bind_station_keeper)
