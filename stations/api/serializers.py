from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

from unionhub.core.api.serializers import ValidatedModelSerializer

from ..choices import Amenity, Occupation, Weekday
from ..models import (
    HeatCell,
    HelpRequest,
    OpeningException,
    OpeningPeriod,
    Station,
    StationKeeper,
    StationPhoto,
    Suggestion,
    UpkeepCheck,
)


class StationSerializer(ValidatedModelSerializer):
    zone_name = serializers.CharField(source="zone.name", read_only=True, default=None)
    amenities = serializers.ListField(
        child=serializers.ChoiceField(choices=Amenity.choices), required=False, label=_("amenities")
    )

    class Meta:
        model = Station
        fields = [
            "id",
            "name",
            "kind",
            "status",
            "federation",
            "zone",
            "zone_name",
            "address",
            "position",
            "open_24h",
            "amenities",
            "public_code",
        ]
        read_only_fields = ["public_code"]


class StationKeeperSerializer(ValidatedModelSerializer):
    class Meta:
        model = StationKeeper
        fields = ["id", "user", "station", "role"]


class OpeningPeriodSerializer(serializers.ModelSerializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices, label=_("weekday"))

    class Meta:
        model = OpeningPeriod
        fields = ["weekday", "opens", "closes", "overnight"]


class OpeningExceptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningException
        fields = ["date", "opens", "closes", "overnight", "note"]
        validators: list = []  # one per date is checked over the whole list by the action


class OpeningHoursSerializer(serializers.Serializer):
    """A station's whole schedule; a PUT replaces it, checked as one week."""

    open_24h = serializers.BooleanField(label=_("open 24 hours"))
    periods = OpeningPeriodSerializer(many=True, label=_("weekly periods"))
    exceptions = OpeningExceptionSerializer(many=True, required=False, label=_("holidays and exceptions"))


class StationPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = StationPhoto
        fields = ["id", "station", "caption", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, photo: StationPhoto) -> str:
        from django.urls import reverse

        return reverse("stations:photo", args=[photo.station.public_code, photo.pk])


class HourCountSerializer(serializers.Serializer):
    hour = serializers.IntegerField()
    count = serializers.IntegerField()


class WeekdayCountSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 is Monday")
    label = serializers.CharField()
    count = serializers.IntegerField()


class OccupationCountSerializer(serializers.Serializer):
    occupation = serializers.ChoiceField(choices=Occupation.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    days = serializers.IntegerField()
    total = serializers.IntegerField()
    members = serializers.IntegerField()
    by_hour = HourCountSerializer(many=True)
    by_weekday = WeekdayCountSerializer(many=True)
    by_occupation = OccupationCountSerializer(many=True)


class UpkeepCheckSerializer(ValidatedModelSerializer):
    station_name = serializers.CharField(source="station.name", read_only=True)
    passed = serializers.BooleanField(read_only=True)

    class Meta:
        model = UpkeepCheck
        fields = [
            "id",
            "station",
            "station_name",
            "zone",
            "week",
            "failed",
            "passed",
            "first_aid_expires",
            "note",
            "checked_by",
            "checked_at",
        ]
        read_only_fields = ["zone", "week", "checked_by"]

    def validate(self, attrs: dict) -> dict:
        request = self.context.get("request")
        if request is not None:
            attrs["checked_by"] = request.user  # for the model's own checks; the action sets it again
        attrs = super().validate(attrs)
        attrs.pop("checked_by", None)
        return attrs


class SuggestionSerializer(ValidatedModelSerializer):
    """A suggestion or wish; staff and the keeper change only its moderation and answer."""

    occupation = serializers.CharField(read_only=True, help_text="an occupation value, or empty when not given")

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "station",
            "kind",
            "text",
            "occupation",
            "moderation",
            "answer",
            "answered_by",
            "answered_at",
            "created_at",
        ]
        read_only_fields = ["station", "kind", "text", "occupation", "answered_by", "answered_at", "created_at"]


class HelpRequestSerializer(serializers.ModelSerializer):
    masked_phone = serializers.CharField(read_only=True)

    class Meta:
        model = HelpRequest
        fields = ["id", "station", "zone", "topic", "description", "name", "masked_phone", "status", "created_at"]
        read_only_fields = fields


class HeatCellSerializer(serializers.ModelSerializer):
    cell = GeometryField(read_only=True)

    class Meta:
        model = HeatCell
        fields = ["id", "federation", "layer", "cell", "weight", "computed_at"]
        read_only_fields = fields


class CoverageRequestSerializer(serializers.Serializer):
    """What to analyse: a federation node in scope, on foot or by e-bike, on a day at an hour."""

    federation = serializers.IntegerField(label=_("federation"))
    mode = serializers.ChoiceField(choices=[("walk", _("on foot (1.2 km)")), ("ride", _("by e-bike (4 km)"))])
    day = serializers.DateField(required=False, label=_("day"))
    hour = serializers.IntegerField(min_value=0, max_value=23, label=_("hour"))
