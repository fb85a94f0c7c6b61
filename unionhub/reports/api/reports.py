"""Reports in the API (/api/v1/reports/): list, read, download, edit the narrative, lock, ask for an ad-hoc one."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from unionhub.core.api.serializers import JobSerializer
from unionhub.core.api.viewsets import ScopedReadOnlyViewSet

from .. import actions, documents
from ..models import QuarterlyReport, ReportKind, ReportStatus
from ..report_views import file_response


class ReportFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices)
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)

    class Meta:
        model = QuarterlyReport
        fields = ["kind", "status", "quarter", "federation", "zone"]


class NodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReportSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    federation = NodeSerializer(read_only=True)
    zone = NodeSerializer(read_only=True, allow_null=True)
    locked_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = QuarterlyReport
        fields = [
            "id",
            "title",
            "kind",
            "federation",
            "zone",
            "quarter",
            "period_start",
            "period_end",
            "status",
            "narrative",
            "built_at",
            "locked_by",
            "locked_at",
            "signature",
            "files",
        ]
        read_only_fields = fields

    def get_title(self, report: QuarterlyReport) -> str:
        return documents.title(report)

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_files(self, report: QuarterlyReport) -> dict[str, str]:
        """Each built file's download address (the API's own, served privately)."""
        return {
            fmt: reverse("report-file", kwargs={"pk": report.pk, "fmt": fmt})
            for fmt in actions.FORMATS
            if getattr(report, f"{fmt}_file").name
        }


class ReportDetailSerializer(ReportSerializer):
    figures = serializers.JSONField(read_only=True, help_text="The figures snapshot the report was drawn from.")

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "figures"]
        read_only_fields = fields


class NarrativeSerializer(serializers.Serializer):
    narrative = serializers.CharField()


class AdHocSerializer(serializers.Serializer):
    federation = serializers.IntegerField(required=False, help_text="A federation node in scope (or give zone)")
    zone = serializers.IntegerField(required=False, help_text="A zone in scope")
    start = serializers.CharField(help_text="First month, YYYY-MM")
    end = serializers.CharField(help_text="Last month, YYYY-MM")

    def _month(self, value: str) -> datetime.date:
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise serializers.ValidationError("YYYY-MM") from None

    def validate_start(self, value: str) -> datetime.date:
        return self._month(value)

    def validate_end(self, value: str) -> datetime.date:
        return self._month(value)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if bool(data.get("federation")) == bool(data.get("zone")):
            raise serializers.ValidationError({"zone": ["Give either a federation or a zone."]})
        return data


class ReportViewSet(ScopedReadOnlyViewSet):
    """Quarterly reports (built on the first day of each quarter) and ad-hoc ones, in the user's scope."""

    queryset = (
        QuarterlyReport.objects.select_related("federation", "zone", "locked_by")
        .defer("zone__boundary", "figures")
        .order_by("-period_end", "-id")
    )
    serializer_class = ReportSerializer
    filterset_class = ReportFilterSet

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        # The figures snapshot is read for one report only, never for a list.
        return queryset if self.action == "list" else queryset.defer(None).defer("zone__boundary")

    def get_serializer_class(self) -> Any:
        return ReportDetailSerializer if self.action == "retrieve" else super().get_serializer_class()

    @extend_schema(
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(actions.FORMATS))],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True, methods=["get"], url_path=r"files/(?P<fmt>xlsx|docx|pdf)", url_name="file", filterset_class=None
    )
    def file(self, request: Request, pk: str | None = None, fmt: str = "pdf") -> FileResponse:
        """One of the report's files (xlsx, docx or pdf); 404 when it is not built."""
        return file_response(self.get_object(), fmt)

    @extend_schema(request=NarrativeSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def narrative(self, request: Request, pk: str | None = None) -> Response:
        """Replace a draft's narrative (federation staff); the files are drawn again. 400 once locked."""
        body = NarrativeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = actions.do_edit_report_narrative(
            self.get_object(), body.validated_data["narrative"], actor=request.user
        )  # type: ignore[arg-type]
        return Response(ReportSerializer(report).data)

    @extend_schema(request=None, responses=ReportSerializer)
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str | None = None) -> Response:
        """Lock and sign the report (federation staff, leadership): it never changes afterwards. 400 once locked."""
        report = actions.do_lock_report(self.get_object(), actor=request.user)  # type: ignore[arg-type]
        return Response(ReportSerializer(report).data)

    @extend_schema(request=AdHocSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"], url_path="ad-hoc", url_name="ad-hoc", filterset_class=None)
    def ad_hoc(self, request: Request) -> Response:
        """Ask for a report on any whole months of a node in scope; poll the job (/api/v1/jobs/<id>/) for it."""
        body = AdHocSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job = actions.do_request_ad_hoc_report(
            actor=request.user,  # type: ignore[arg-type]
            start=data["start"],
            end=data["end"],
            federation_id=data.get("federation"),
            zone_id=data.get("zone"),
        )
        return Response(JobSerializer(job).data, status=202)
