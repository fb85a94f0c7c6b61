from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from unionhub.core.api.serializers import ScopedRelatedField, ValidatedModelSerializer
from unionhub.core.api.text import HighlightField

from ..choices import FindingKind, ResourceCategory, VisitDuty, WorkState
from ..models import (
    DemandMatch,
    Enterprise,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionChair,
    Visit,
    VisitPhoto,
    VisitPlanEntry,
    WorkItem,
    Zone,
    ZoneStaff,
)


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


class FindingInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FindingKind.choices, label=_("kind"))
    category = serializers.ChoiceField(
        choices=ResourceCategory.choices, required=False, allow_blank=True, default="", label=_("what is needed")
    )
    description = serializers.CharField(max_length=2000, label=_("description"))

    def validate(self, attrs: dict) -> dict:
        if attrs["kind"] == FindingKind.DEMAND and not attrs.get("category"):
            raise serializers.ValidationError(
                {"category": [_("Say what the demand is for, so that it can be matched.")]}
            )
        if attrs["kind"] != FindingKind.DEMAND:
            attrs["category"] = ""
        return attrs


class VisitPhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = VisitPhoto
        fields = ["id", "visit", "taken_at", "taken_position", "image_url", "thumbnail_url"]
        read_only_fields = fields

    def get_image_url(self, photo: VisitPhoto) -> str:
        return reverse("visitphoto-file", args=[photo.pk])

    def get_thumbnail_url(self, photo: VisitPhoto) -> str:
        return reverse("visitphoto-file", args=[photo.pk]) + "?size=thumbnail"


class VisitSerializer(ValidatedModelSerializer):
    """A visit as the phone sends it, with its findings; the worker is always the signed-in user."""

    findings = FindingInputSerializer(many=True, write_only=True, required=False)
    union_name = serializers.CharField(source="union.name", read_only=True)
    notes_highlight = HighlightField("notes", label=_("notes matching the search"))
    duties = serializers.ListField(
        child=serializers.ChoiceField(choices=VisitDuty.choices), allow_empty=False, label=_("duties done")
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "union",
            "union_name",
            "zone",
            "worker",
            "visited_at",
            "quarter",
            "position",
            "distance_m",
            "review",
            "duties",
            "notes",
            "notes_highlight",
            "findings",
            "created_at",
        ]
        read_only_fields = ["zone", "worker", "quarter", "distance_m", "review", "created_at"]

    def validate(self, attrs: dict) -> dict:
        findings = attrs.pop("findings", [])
        request = self.context.get("request")
        if self.instance is None and request is not None:
            attrs["worker"] = request.user  # for the model's own checks; the action sets it again
        attrs = super().validate(attrs)
        attrs.pop("worker", None)
        attrs["findings"] = findings
        return attrs


class ReviewSerializer(serializers.Serializer):
    accepted = serializers.BooleanField(label=_("accepted"))


class FindingSerializer(ValidatedModelSerializer):
    union_name = serializers.CharField(source="union.name", read_only=True)
    description_highlight = HighlightField("description", label=_("description matching the search"))

    class Meta:
        model = Finding
        fields = [
            "id",
            "union",
            "union_name",
            "zone",
            "visit",
            "kind",
            "category",
            "description",
            "description_highlight",
            "status",
            "raised_by",
            "created_at",
            "closed_at",
        ]
        read_only_fields = ["zone", "raised_by", "created_at", "closed_at"]

    def validate(self, attrs: dict) -> dict:
        request = self.context.get("request")
        if self.instance is None and request is not None:
            attrs["raised_by"] = request.user
        return super().validate(attrs)


class VisitPlanEntrySerializer(ValidatedModelSerializer):
    union_name = serializers.CharField(source="union.name", read_only=True)
    visited = serializers.SerializerMethodField()

    class Meta:
        model = VisitPlanEntry
        fields = ["id", "quarter", "union", "union_name", "zone", "assignee", "first_visit", "visited"]
        read_only_fields = ["quarter", "union", "zone", "first_visit"]

    def get_visited(self, entry: VisitPlanEntry) -> bool:
        return entry.first_visit_id is not None


class CoverageWorkerSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True)
    planned = serializers.IntegerField()
    visited = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    zone = serializers.IntegerField()
    zone_name = serializers.CharField()
    quarter = serializers.CharField()
    planned = serializers.IntegerField()
    visited = serializers.IntegerField()
    percent = serializers.IntegerField()
    workers = CoverageWorkerSerializer(many=True)


class ServiceResourceSerializer(ValidatedModelSerializer):
    class Meta:
        model = ServiceResource
        fields = [
            "id",
            "name",
            "category",
            "provider",
            "enterprise",
            "federation",
            "zone",
            "zone_set_by_hand",
            "address",
            "position",
            "capacity",
            "terms",
            "available",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]


class SuggestedResourceSerializer(serializers.ModelSerializer):
    """A resource that could meet a demand, with its distance from the demand's union."""

    distance_m = serializers.SerializerMethodField()
    zone_name = serializers.CharField(source="zone.name", read_only=True, default="")

    class Meta:
        model = ServiceResource
        fields = ["id", "name", "category", "provider", "address", "capacity", "terms", "zone_name", "distance_m"]
        read_only_fields = fields

    def get_distance_m(self, resource: ServiceResource) -> int | None:
        distance = getattr(resource, "distance", None)
        return round(distance.m) if distance is not None else None


class DemandMatchSerializer(serializers.ModelSerializer):
    """A match as the API shows it; created through do_match_demand, so only finding, resource and note are written."""

    serializer_related_field = ScopedRelatedField
    resource_name = serializers.CharField(source="resource.name", read_only=True)

    class Meta:
        model = DemandMatch
        fields = [
            "id",
            "finding",
            "resource",
            "resource_name",
            "status",
            "distance_m",
            "note",
            "matched_by",
            "matched_at",
            "met_at",
            "zone",
            "union",
        ]
        read_only_fields = ["status", "distance_m", "matched_by", "matched_at", "met_at", "zone", "union"]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000, label=_("note"))


class WorkItemSerializer(serializers.ModelSerializer):
    union_name = serializers.CharField(source="union.name", read_only=True, default="")

    class Meta:
        model = WorkItem
        fields = [
            "id",
            "kind",
            "title",
            "detail",
            "link",
            "zone",
            "union",
            "union_name",
            "assignee",
            "due_on",
            "state",
            "resolution",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


class WorkItemStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=WorkState.choices, label=_("state"))
    resolution = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, label=_("what was done")
    )
