"""Base serializers: related choices limited to the user's scope, model validation as field errors."""

from __future__ import annotations

import copy
import datetime
from typing import Any, ClassVar

from django.contrib.gis.db import models as gis
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings
from rest_framework_gis.fields import GeometryField

from ..choices import Action
from ..models import Federation, User


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key whose choices are the rows the requesting user may view."""

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        request = self.context.get("request")
        if hasattr(queryset, "restrict"):
            return queryset.restrict(request.user if request else None, Action.VIEW)
        return queryset


class PointField(GeometryField):
    """A point as GeoJSON, written directly: going through GDAL for every row of a 50-row
    page cost a list endpoint a third of its time (bench/run)."""

    def to_representation(self, value: Any) -> Any:
        if value is None or isinstance(value, dict) or value.empty:
            return super().to_representation(value)
        return {"type": "Point", "coordinates": [round(value.x, 7), round(value.y, 7)]}


class DateTimeField(serializers.DateTimeField):
    """A date and time within 1970–2099. Before 1901 Asia/Shanghai is local mean time, +08:05:43,
    an offset that RFC 3339 cannot write, so a year-173 activity would be answered off the schema
    (found by the stateful API fuzzing); no union event happens outside these years."""

    default_error_messages = {"out_of_range": _("Enter a date and time between 1970 and 2099.")}
    EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)

    def to_internal_value(self, value: Any) -> datetime.datetime:
        moment = super().to_internal_value(value)
        if not self.EARLIEST <= moment < self.LATEST:
            self.fail("out_of_range")
        return moment

    def to_representation(self, value: Any) -> Any:
        """DRF's ISO 8601 output, with the time zone looked up once per field rather than per row
        (a thread-local read each time: a tenth of a 50-row list's serialising, bench/run)."""
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        if not isinstance(value, datetime.datetime) or str(output_format).lower() != ISO_8601:
            return super().to_representation(value)
        zone = self.__dict__.get("_zone")
        if zone is None:
            zone = self._zone = self.timezone if hasattr(self, "timezone") else self.default_timezone()
        if zone is None or value.tzinfo is None:
            return super().to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


class ValidatedModelSerializer(serializers.ModelSerializer):
    """Runs ``Model.full_clean()`` on the would-be instance, so API and forms share one set of rules.

    The instance is only built here; saving is left to the viewset, which calls an action.
    """

    serializer_related_field = ScopedRelatedField
    # The geometry fields are mapped here rather than taken from rest_framework_gis's ready(), which
    # patches ModelSerializer's mapping only after this class may have copied it (import order).
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **dict.fromkeys(
            [
                gis.GeometryField,
                gis.LineStringField,
                gis.PolygonField,
                gis.MultiPointField,
                gis.MultiLineStringField,
                gis.MultiPolygonField,
                gis.GeometryCollectionField,
            ],
            GeometryField,
        ),
        gis.PointField: PointField,
        gis.DateTimeField: DateTimeField,
    }

    # Each serializer class's fields as ModelSerializer builds them from the model, built once.
    _built_fields: ClassVar[dict[type, dict[str, serializers.Field]]] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        """ModelSerializer's fields, built from the model once per class and copied for each
        serializer (as DRF copies declared fields): building them, model introspection and
        field mapping, cost every request several milliseconds (bench/run). Nothing in them
        depends on the request: scoped choices are read when used, labels stay lazy."""
        built = self._built_fields.get(type(self))
        if built is None:
            built = self._built_fields[type(self)] = super().get_fields()
        return copy.deepcopy(built)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        plain = {k: v for k, v in attrs.items() if not self.Meta.model._meta.get_field(k).many_to_many}
        if self.instance is None:
            instance = self.Meta.model(**plain)
        else:
            instance = self.instance
            for key, value in plain.items():
                setattr(instance, key, value)
        try:
            instance.full_clean(validate_unique=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """DRF's, with the readable fields listed once per serializer rather than once per row:
        the list serializer's child walks every row of a page, and DRF's generator over
        ``self.fields`` was a tenth of a 50-row list's serialising (bench/run)."""
        readable = self.__dict__.get("_readable")
        if readable is None:
            readable = self._readable = [field for field in self.fields.values() if not field.write_only]
        result: dict[str, Any] = {}
        for field in readable:
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            value = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            result[field.field_name] = None if value is None else field.to_representation(attribute)
        return result


class BriefFederationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Federation
        fields = ["id", "name", "kind"]


class BriefUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name"]


class FederationSerializer(ValidatedModelSerializer):
    class Meta:
        model = Federation
        fields = ["id", "name", "kind", "parent", "path", "depth"]
        read_only_fields = ["path", "depth"]


class UserSerializer(serializers.ModelSerializer):
    federation = BriefFederationSerializer(read_only=True)
    email = serializers.CharField(read_only=True, label=_("e-mail"))  # often empty: not "format: email"

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "federation", "is_active", "last_login"]
        read_only_fields = fields


class RoleAssignmentSerializer(ValidatedModelSerializer):
    class Meta:
        from ..models import RoleAssignment

        model = RoleAssignment
        fields = ["id", "user", "role", "federation", "created_at"]
        read_only_fields = ["created_at"]


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        from ..models import Job

        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "total",
            "percent",
            "message",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        from ..models import Notification

        model = Notification
        fields = ["id", "title", "body", "link", "created_at", "read_at"]
        read_only_fields = fields
