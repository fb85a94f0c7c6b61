from typing import Any

from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from stations.actions import process_photo
from unionhub.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from unionhub.core.choices import Action
from unionhub.core.scoping import get_scoped_or_404

from ..actions import (
    do_add_activity_photo,
    do_check_in,
    do_decide_registration,
    do_save_activity,
    do_save_series,
    do_set_quotas,
)
from ..choices import HOLDS_PLACE, Attendance, RegistrationStatus
from ..exports import attendance_workbook
from ..filtersets import ActivityFilterSet, ActivityPhotoFilterSet, RegistrationFilterSet, ThemeSeriesFilterSet
from ..models import Activity, ActivityPhoto, Registration, ThemeSeries, UnionQuota
from ..tokens import registration_id_from
from . import serializers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def series_totals(queryset):  # type: ignore[no-untyped-def]
    """Activities, registrations holding a place, and attendances per series, in the one query."""
    return queryset.annotate(
        activity_count=Count("activities", distinct=True),
        registration_count=Count(
            "activities__registrations", filter=Q(activities__registrations__status__in=HOLDS_PLACE), distinct=True
        ),
        attendance_count=Count(
            "activities__registrations",
            filter=Q(activities__registrations__attendance=Attendance.ATTENDED),
            distinct=True,
        ),
    )


def activity_figures(queryset):  # type: ignore[no-untyped-def]
    return queryset.annotate(
        places_held=Count("registrations", filter=Q(registrations__status__in=HOLDS_PLACE)),
        waitlisted=Count("registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)),
        attended=Count("registrations", filter=Q(registrations__attendance=Attendance.ATTENDED)),
    )


class WithFiguresViewSet(ScopedModelViewSet):
    """A viewset whose rows carry counted figures: a written row is read back with them."""

    def perform_create(self, serializer: Any) -> None:
        super().perform_create(serializer)
        serializer.instance = self.queryset.get(pk=serializer.instance.pk)

    def perform_update(self, serializer: Any) -> None:
        super().perform_update(serializer)
        serializer.instance = self.queryset.get(pk=serializer.instance.pk)


class ThemeSeriesViewSet(WithFiguresViewSet):
    """Monthly themes (一月一主题), each with the totals of its activities."""

    queryset = series_totals(ThemeSeries.objects.order_by("-month", "id"))
    serializer_class = serializers.ThemeSeriesSerializer
    filterset_class = ThemeSeriesFilterSet
    save_action = staticmethod(do_save_series)


class ActivityViewSet(WithFiguresViewSet):
    queryset = activity_figures(
        Activity.objects.prefetch_related(
            Prefetch("quotas", queryset=UnionQuota.objects.select_related("union").order_by("union__name"))
        ).order_by("-starts_at", "id")
    )
    serializer_class = serializers.ActivitySerializer
    filterset_class = ActivityFilterSet
    save_action = staticmethod(do_save_activity)
    scope_actions = {"quotas": Action.CHANGE, "photos": Action.CHANGE, "attendance": Action.EXPORT}

    @extend_schema(
        request=serializers.UnionQuotaSerializer(many=True), responses=serializers.UnionQuotaSerializer(many=True)
    )
    @action(detail=True, methods=["post"], pagination_class=None, filterset_class=None)
    def quotas(self, request: Request, pk: str | None = None) -> Response:
        """Replace the activity's union quotas (an empty list removes them); together at most its capacity."""
        entries = serializers.UnionQuotaSerializer(data=request.data, many=True, context={"request": request})
        entries.is_valid(raise_exception=True)
        places = {entry["union"]: entry["places"] for entry in entries.validated_data}
        if len(places) != len(entries.validated_data):
            raise drf_serializers.ValidationError({"quotas": [_("Give each union once.")]})
        quotas = do_set_quotas(self.get_object(), places, actor=request.user)
        return Response(serializers.UnionQuotaSerializer(quotas, many=True).data)

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"image": {"type": "string", "format": "binary"}}}
        },
        responses={201: serializers.ActivityPhotoSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """Attach a photo to an activity (JPEG, PNG or WebP, at most 10 MB)."""
        upload = request.FILES.get("image")
        if upload is None:
            raise drf_serializers.ValidationError({"image": [_("Choose a photo to upload.")]})
        activity = self.get_object()
        photo = do_add_activity_photo(activity, process_photo(upload), actor=request.user)
        return Response(serializers.ActivityPhotoSerializer(photo).data, status=201)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filterset_class=None)
    def attendance(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The registration and attendance list as an Excel file (phones masked)."""
        activity = self.get_object()
        response = HttpResponse(attendance_workbook(activity, actor=request.user), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="activity-{activity.pk}.xlsx"'
        return response


class RegistrationViewSet(ScopedReadOnlyViewSet):
    """Registrations come from workers' phones; staff decide those waiting for approval and check people in."""

    queryset = Registration.objects.order_by("activity_id", "created_at", "id")
    serializer_class = serializers.RegistrationSerializer
    filterset_class = RegistrationFilterSet

    @extend_schema(request=None, responses=serializers.RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        registration = do_decide_registration(self.get_object(), approve=True, actor=request.user)
        return Response(serializers.RegistrationSerializer(registration).data)

    @extend_schema(request=serializers.RefusalSerializer, responses=serializers.RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        data = serializers.RefusalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        registration = do_decide_registration(
            self.get_object(), approve=False, reason=data.validated_data["reason"], actor=request.user
        )
        return Response(serializers.RegistrationSerializer(registration).data)

    @extend_schema(request=serializers.CheckInSerializer, responses=serializers.RegistrationSerializer)
    @action(detail=False, methods=["post"], url_path="check-in", filterset_class=None, pagination_class=None)
    def check_in(self, request: Request) -> Response:
        """Check a registrant in by the code scanned from their phone (or the address the QR holds)."""
        data = serializers.CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pk = registration_id_from(data.validated_data["code"])
        if pk is None:
            raise drf_serializers.ValidationError({"code": [_("This is not a registration code.")]})
        registration = get_scoped_or_404(Registration, request.user, Action.CHANGE, pk=pk)
        do_check_in(registration, actor=request.user)
        registration.refresh_from_db()
        return Response(serializers.RegistrationSerializer(registration).data)


class ActivityPhotoViewSet(ScopedReadOnlyViewSet):
    """Activity photos; the files themselves are served only through ``file``, after the scope check."""

    queryset = ActivityPhoto.objects.order_by("-id")
    serializer_class = serializers.ActivityPhotoSerializer
    filterset_class = ActivityPhotoFilterSet

    @extend_schema(
        parameters=[OpenApiParameter("size", str, enum=["full", "thumbnail"])],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        photo = self.get_object()
        stored = photo.thumbnail if request.query_params.get("size") == "thumbnail" else photo.image
        response = FileResponse(stored.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response
