from rest_framework import serializers

from unionhub.core.api.serializers import ValidatedModelSerializer

from ..models import Station, StationKeeper


class StationSerializer(ValidatedModelSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, default=None)

    class Meta:
        model = Station
        fields = ["id", "name", "kind", "status", "federation", "zone", "zone_name", "address", "position", "open_24h"]


class StationKeeperSerializer(ValidatedModelSerializer):
    class Meta:
        model = StationKeeper
        fields = ["id", "user", "station", "role"]
