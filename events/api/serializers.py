from django.urls import reverse
from rest_framework import serializers

from unionhub.core.api.serializers import ScopedRelatedField, ValidatedModelSerializer
from zones.models import GrassrootsUnion

from ..models import Activity, ActivityPhoto, Registration, ThemeSeries, UnionQuota


class ThemeSeriesSerializer(ValidatedModelSerializer):
    activity_count = serializers.IntegerField(read_only=True)
    registration_count = serializers.IntegerField(read_only=True, help_text="Registrations holding a place.")
    attendance_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ThemeSeries
        fields = [
            "id",
            "federation",
            "month",
            "theme",
            "description",
            "activity_count",
            "registration_count",
            "attendance_count",
        ]


class UnionQuotaSerializer(serializers.ModelSerializer):
    union = ScopedRelatedField(queryset=GrassrootsUnion.objects.all())
    union_name = serializers.CharField(source="union.name", read_only=True)

    class Meta:
        model = UnionQuota
        fields = ["union", "union_name", "places"]


class ActivitySerializer(ValidatedModelSerializer):
    quotas = UnionQuotaSerializer(many=True, read_only=True)
    places_held = serializers.IntegerField(read_only=True)
    waitlisted = serializers.IntegerField(read_only=True)
    attended = serializers.IntegerField(read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "kind",
            "description",
            "series",
            "organiser",
            "federation",
            "zone",
            "union",
            "station",
            "address",
            "position",
            "starts_at",
            "ends_at",
            "registration_closes_at",
            "capacity",
            "members_only",
            "singles_only",
            "sector",
            "min_age",
            "max_age",
            "needs_approval",
            "published",
            "quotas",
            "places_held",
            "waitlisted",
            "attended",
        ]


class RegistrationSerializer(serializers.ModelSerializer):
    """A registration as staff see it: the phone masked."""

    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "activity",
            "name",
            "phone",
            "member_union",
            "cadre_of",
            "status",
            "offer_expires_at",
            "attendance",
            "checked_in_at",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class RefusalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class CheckInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=500, help_text="The scanned QR code, or the address it holds.")


class ActivityPhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ActivityPhoto
        fields = ["id", "activity", "taken_at", "taken_position", "image_url", "thumbnail_url"]
        read_only_fields = fields

    def get_image_url(self, photo: ActivityPhoto) -> str:
        return reverse("activityphoto-file", args=[photo.pk])

    def get_thumbnail_url(self, photo: ActivityPhoto) -> str:
        return reverse("activityphoto-file", args=[photo.pk]) + "?size=thumbnail"
