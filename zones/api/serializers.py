from rest_framework import serializers

from unionhub.core.api.serializers import ValidatedModelSerializer

from ..models import Enterprise, GrassrootsUnion, UnionChair, Zone, ZoneStaff


class BriefZoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Zone
        fields = ["id", "name"]


class ZoneSerializer(ValidatedModelSerializer):
    federation_name = serializers.CharField(source="federation.name", read_only=True)
    union_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Zone
        fields = [
            "id",
            "name",
            "federation",
            "federation_name",
            "kind",
            "sector",
            "boundary",
            "service_centre_address",
            "union_count",
        ]


class GrassrootsUnionSerializer(ValidatedModelSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, default=None)

    class Meta:
        model = GrassrootsUnion
        fields = [
            "id",
            "name",
            "credit_code",
            "is_joint",
            "federation",
            "zone",
            "zone_name",
            "zone_set_by_hand",
            "sector",
            "address",
            "location",
            "member_count",
            "chair_name",
            "founded_on",
        ]
        read_only_fields = ["member_count"]


class EnterpriseSerializer(ValidatedModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "union", "name", "credit_code", "employees"]


class ZoneStaffSerializer(ValidatedModelSerializer):
    class Meta:
        model = ZoneStaff
        fields = ["id", "user", "zone", "role"]


class UnionChairSerializer(ValidatedModelSerializer):
    class Meta:
        model = UnionChair
        fields = ["id", "user", "union", "role"]
