"""Roster import and member export over the API: the same actions as the admin's pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from unionhub.core.api.serializers import JobSerializer, ScopedRelatedField
from unionhub.core.api.viewsets import ScopedReadOnlyViewSet
from unionhub.core.auth.reauth import PASSWORD_HELP, PASSWORD_LABEL, check_password_again
from unionhub.core.models import Job
from zones.models import GrassrootsUnion

from ..models import RosterImport
from ..roster.exports import EXPORT_KIND, do_start_member_export, export_file_response
from ..roster.files import FIELD_HEADERS
from ..roster.imports import do_abandon_roster, do_check_roster, do_commit_roster, do_upload_roster, error_message


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text=_("The row's number in the file."))
    field = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField(help_text=_("The name on the row, to find it by."))
    message = serializers.CharField()


class RosterImportSerializer(serializers.ModelSerializer):
    """An import's state: the file's headers and mapping, the dry run's report, the running job."""

    errors = serializers.SerializerMethodField()
    job = JobSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RosterImport
        fields = [
            "id",
            "status",
            "file_name",
            "headers",
            "header_row",
            "columns",
            "default_union",
            "total_rows",
            "new_rows",
            "existing_rows",
            "error_rows",
            "error_counts",
            "errors",
            "job",
            "created_at",
            "checked_at",
            "committed_at",
        ]
        read_only_fields = fields

    @extend_schema(responses=RowErrorSerializer(many=True))
    def get_errors(self, roster: RosterImport) -> list[dict[str, Any]]:
        return [
            {"row": e["row"], "field": e["field"], "code": e["code"], "name": e["name"], "message": error_message(e)}
            for e in roster.errors
        ]


class RosterUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("roster file"), help_text=_("An Excel workbook (.xlsx) or a CSV file."))
    default_union = ScopedRelatedField(
        queryset=GrassrootsUnion.objects.all(),
        required=False,
        allow_null=True,
        label=_("union for rows without one"),
    )


class RosterMappingSerializer(serializers.Serializer):
    columns = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        label=_("column mapping"),
        # format_lazy: formatted when read, in the reader's language (not once, in whichever was active).
        help_text=format_lazy(
            _("Roster field → the 0-based index of its column among the file's headers. Fields: {fields}."),
            fields=", ".join(FIELD_HEADERS),
        ),
    )
    default_union = ScopedRelatedField(
        queryset=GrassrootsUnion.objects.all(), required=False, allow_null=True, label=_("union for rows without one")
    )


class RosterImportViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Roster imports: upload a file, map its columns and dry-run it, then import all rows or none.

    Checking and importing run as jobs: poll the import (or its job) for progress.
    """

    queryset = RosterImport.objects.select_related("job")
    serializer_class = RosterImportSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status"]

    @extend_schema(request={"multipart/form-data": RosterUploadSerializer}, responses={201: RosterImportSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Upload a roster (xlsx or CSV): its header row is found and its columns guessed; nothing is checked yet."""
        upload = RosterUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        roster = do_upload_roster(
            upload.validated_data["file"],
            actor=request.user,
            default_union=upload.validated_data.get("default_union"),
        )
        return Response(self.get_serializer(roster).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RosterMappingSerializer, responses={202: RosterImportSerializer})
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request, pk: str | None = None) -> Response:
        """Check every row with this column mapping (a job); nothing is imported."""
        mapping = RosterMappingSerializer(data=request.data, context=self.get_serializer_context())
        mapping.is_valid(raise_exception=True)
        roster = do_check_roster(
            self.get_object(),
            actor=request.user,
            columns=mapping.validated_data["columns"],
            default_union=mapping.validated_data.get("default_union"),
        )
        return Response(self.get_serializer(roster).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: RosterImportSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        """Import a checked roster without errors (a job): every new row or, if one fails again, none."""
        roster = do_commit_roster(self.get_object(), actor=request.user)
        return Response(self.get_serializer(roster).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=RosterImportSerializer)
    @action(detail=True, methods=["post"])
    def abandon(self, request: Request, pk: str | None = None) -> Response:
        """Give up the import; the uploaded file is deleted."""
        roster = do_abandon_roster(self.get_object(), actor=request.user)
        return Response(self.get_serializer(roster).data)


class MemberExportSerializer(serializers.Serializer):
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        label=_("filters"),
        help_text=_("The member list's filters: union, zone, status, occupation, work_form, name, joined_after …"),
    )
    unmasked = serializers.BooleanField(
        default=False, label=_("phones and ID numbers in full"), help_text=_("Needs the permission to reveal them.")
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        label=_("reason"),
        help_text=_("Required when unmasked."),
    )
    password = serializers.CharField(
        required=False,
        write_only=True,
        style={"input_type": "password"},
        label=PASSWORD_LABEL,
        help_text=PASSWORD_HELP,
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["unmasked"]:
            try:
                check_password_again(self.context["request"]._request, attrs.get("password", ""))
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": exc.messages}) from exc
        attrs.pop("password", None)
        return attrs


class MemberExportViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Exports of the member list to Excel (jobs); ``file`` downloads a finished one."""

    queryset = Job.objects.filter(kind=EXPORT_KIND)
    serializer_class = JobSerializer

    @extend_schema(request=MemberExportSerializer, responses={202: JobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Export the members you may export that match ``filters`` (a job): masked unless ``unmasked``,
        which needs the permission to reveal and a ``reason``, and is written to the access log."""
        ask = MemberExportSerializer(data=request.data, context={"request": request})
        ask.is_valid(raise_exception=True)
        job = do_start_member_export(actor=request.user, ip=request.META.get("REMOTE_ADDR"), **ask.validated_data)
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        """The workbook, for the user who exported it or federation staff in scope, until it expires."""
        return export_file_response(request.user, pk)
