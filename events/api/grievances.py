"""The grievance API (/api/v1/grievances/): intake by staff and systems, one POST per transition, the timeline.

Thin: each action parses its input, finds the grievance among those the user may act on
(``scope_actions``: missing and forbidden are both 404) and calls events.grievances.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from stations.models import HelpRequest
from unionhub.core.api.serializers import ScopedRelatedField, ValidatedModelSerializer
from unionhub.core.api.text import HighlightField
from unionhub.core.api.viewsets import ScopedModelViewSet
from unionhub.core.choices import Action
from unionhub.core.images import process_image
from unionhub.core.models import User
from unionhub.core.text.search import SEARCH_COLUMNS
from zones.models import Finding, GrassrootsUnion
from zones.quarters import Quarter

from .. import grievances as actions
from ..choices import AssigneeKind, GrievanceCategory, GrievanceEventKind, GrievanceStatus, GrievanceTier
from ..exports import GRIEVANCE_EXPORT_MAX_ROWS, grievance_workbook
from ..filtersets import GrievanceFilterSet
from ..grievance_text import grievance_hot_words, possible_duplicates
from ..models import Grievance, GrievanceAttachment, GrievanceEvent

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Never shown to whoever the grievance is kept from (Grievance.hides_submitter_from).
SUBMITTER_FIELDS = ("submitter_name", "phone")


class GrievanceSerializer(ValidatedModelSerializer):
    """A grievance as staff see it: the phone masked, the submitter left out where the grievance is
    kept from the employer and the reader chairs the employer's union."""

    tracking_code = serializers.CharField(source="formatted_code", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    new_phone = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="A mobile number, or a landline with its area code (stored encrypted).",
    )
    pin = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text="4 to 8 digits, for an anonymous worker."
    )
    overdue = serializers.BooleanField(read_only=True)
    # Blank until a suggestion was made (grievances filed before the text tools came in).
    suggested_category = serializers.ChoiceField(
        choices=GrievanceCategory.choices, allow_blank=True, read_only=True, label=_("suggested category")
    )
    description_highlight = HighlightField("description", label=_("description matching the search"))

    class Meta:
        model = Grievance
        fields = [
            "id",
            "tracking_code",
            "channel",
            "category",
            "suggested_category",
            "suggestion_confidence",
            "description",
            "description_highlight",
            "place",
            "address",
            "federation",
            "zone",
            "employer",
            "union",
            "submitter_name",
            "phone",
            "new_phone",
            "pin",
            "anonymous",
            "employer_blind",
            "identity_consent",
            "status",
            "tier",
            "due_at",
            "overdue",
            "paused_at",
            "pause_reason",
            "assignee_kind",
            "assignee",
            "assigned_union",
            "assignee_name",
            "resolution",
            "rating",
            "rating_comment",
            "escalation_level",
            "reopen_count",
            "created_at",
            "verified_at",
            "resolved_at",
            "closed_at",
        ]
        extra_kwargs = {"federation": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        secret = {key: attrs.pop(key) for key in ("new_phone", "pin") if key in attrs}
        attrs = super().validate(attrs)
        return {**attrs, **secret}

    def to_representation(self, instance: Grievance) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and instance.hides_submitter_from(request.user):
            data.update(dict.fromkeys(SUBMITTER_FIELDS, ""))
        return data


class PossibleDuplicateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    status = serializers.ChoiceField(choices=GrievanceStatus.choices)
    category = serializers.ChoiceField(choices=GrievanceCategory.choices)
    created_at = serializers.DateTimeField()
    score = serializers.FloatField(help_text="Jaccard similarity of the two descriptions' words (0–1).")


class HotWordSerializer(serializers.Serializer):
    word = serializers.CharField()
    count = serializers.IntegerField(help_text="Grievances mentioning it (any wording of its meaning).")


class HotWordsSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    grievances = serializers.IntegerField(help_text="Grievances read (the newest 5,000 at most).")
    words = HotWordSerializer(many=True)


class GrievanceEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = GrievanceEvent
        fields = ["id", "kind", "status_from", "status_to", "text", "internal", "actor", "at"]
        read_only_fields = fields


class GrievanceAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = GrievanceAttachment
        fields = ["id", "created_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment: GrievanceAttachment) -> str:
        return f"/api/v1/grievances/{attachment.grievance_id}/photos/{attachment.pk}/"


class GrievanceNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class VerifySerializer(GrievanceNoteSerializer):
    tier = serializers.ChoiceField(choices=GrievanceTier.choices, required=False)
    category = serializers.CharField(required=False)


class AssignSerializer(GrievanceNoteSerializer):
    kind = serializers.ChoiceField(choices=AssigneeKind.choices)
    # A user id, checked by the action against the grievance's zone workers (a missing user gets the same answer).
    user = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    union = ScopedRelatedField(queryset=GrassrootsUnion.objects.all(), required=False, allow_null=True)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


class ResolveSerializer(serializers.Serializer):
    feedback = serializers.CharField(max_length=4000)


class EvaluateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    reopen = serializers.BooleanField(required=False, default=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ContactAttemptSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    reached = serializers.BooleanField(required=False, default=False)


class LogSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    kind = serializers.ChoiceField(
        choices=GrievanceEventKind.choices, default=GrievanceEventKind.ACTION, help_text="action or note"
    )
    internal = serializers.BooleanField(required=False, default=False)


class FromHelpRequestSerializer(serializers.Serializer):
    help_request = ScopedRelatedField(queryset=HelpRequest.objects.all())
    category = serializers.ChoiceField(choices=GrievanceCategory.choices, required=False)


class FromFindingSerializer(serializers.Serializer):
    finding = ScopedRelatedField(queryset=Finding.objects.all())
    category = serializers.ChoiceField(choices=GrievanceCategory.choices)


def _parsed(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class GrievanceViewSet(ScopedModelViewSet):
    """Grievances (职工诉求): staff take them in (hotline), verify, assign, handle, resolve and close them."""

    queryset = Grievance.objects.defer(*SEARCH_COLUMNS).order_by("-created_at", "-id")
    serializer_class = GrievanceSerializer
    filterset_class = GrievanceFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    save_action = staticmethod(actions.do_save_grievance)
    scope_actions = {
        "verify": Action.APPROVE,
        "assign": Action.APPROVE,
        "pause": Action.APPROVE,
        "resume": Action.APPROVE,
        "close": Action.APPROVE,
        "start": Action.CHANGE,
        "resolve": Action.CHANGE,
        "evaluate": Action.CHANGE,
        "reopen": Action.CHANGE,
        "contact_attempts": Action.CHANGE,
        "log": Action.CHANGE,
        "photos": Action.CHANGE,
        "timeline": Action.VIEW,
        "duplicates": Action.VIEW,
        "hot_words": Action.VIEW,
        "photo": Action.VIEW,
        "export": Action.EXPORT,
        "from_help_request": Action.ADD,
        "from_finding": Action.ADD,
    }

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        phone, pin = data.pop("new_phone", ""), data.pop("pin", "")
        serializer.instance = actions.do_file_grievance(
            Grievance(**data), actor=self.request.user, phone=phone, pin=pin
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        phone = data.pop("new_phone", "")
        data.pop("pin", None)
        for key, value in data.items():
            setattr(serializer.instance, key, value)
        if phone:
            serializer.instance.set_phone(phone)
        serializer.instance = actions.do_save_grievance(serializer.instance, actor=self.request.user)

    def _answer(self, grievance: Grievance) -> Response:
        return Response(GrievanceSerializer(grievance, context=self.get_serializer_context()).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> HttpResponse:
        """The filtered list as an Excel file (phones masked; submitters left out where the grievance is
        kept from the reader)."""
        grievances = self.filter_queryset(self.get_queryset())
        if grievances.count() > GRIEVANCE_EXPORT_MAX_ROWS:
            raise serializers.ValidationError(
                {"detail": [_("More than {max} grievances: narrow the filters.").format(max=GRIEVANCE_EXPORT_MAX_ROWS)]}
            )
        response = HttpResponse(grievance_workbook(grievances, actor=request.user), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="grievances.xlsx"'
        return response

    @extend_schema(responses=PossibleDuplicateSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def duplicates(self, request: Request, pk: str | None = None) -> Response:
        """Possible duplicates: open grievances about the same employer whose description reads like this one's,
        most similar first, among those you may see (codes, states and scores only: never who filed them)."""
        found = possible_duplicates(self.get_object(), request.user)
        return Response(PossibleDuplicateSerializer(found, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("quarter", str, description="e.g. 2026Q4; the current quarter when left out")],
        responses=HotWordsSerializer,
    )
    @action(detail=False, methods=["get"], url_path="hot-words", pagination_class=None)
    def hot_words(self, request: Request) -> Response:
        """What the grievances of a quarter talk about most (filter by ``zone`` for a zone's), hottest first."""
        label = request.query_params.get("quarter", "").strip()
        try:
            quarter = Quarter.parse(label) if label else Quarter.current()
        except ValueError:
            raise serializers.ValidationError({"quarter": [_("Give a quarter such as 2026Q4.")]}) from None
        read, words = grievance_hot_words(self.filter_queryset(self.get_queryset()), quarter)
        body = {
            "quarter": str(quarter),
            "grievances": read,
            "words": [{"word": word, "count": count} for word, count in words],
        }
        return Response(HotWordsSerializer(body).data)

    @extend_schema(request=FromHelpRequestSerializer, responses={201: GrievanceSerializer})
    @action(detail=False, methods=["post"], url_path="from-help-request", filterset_class=None, pagination_class=None)
    def from_help_request(self, request: Request) -> Response:
        """Take a station's "I need help" up as a grievance (once; the help request is marked taken up)."""
        data = _parsed(FromHelpRequestSerializer, request)
        grievance = actions.do_raise_grievance_from_help_request(
            data["help_request"], category=data.get("category"), actor=request.user
        )
        return Response(GrievanceSerializer(grievance, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=FromFindingSerializer, responses={201: GrievanceSerializer})
    @action(detail=False, methods=["post"], url_path="from-finding", filterset_class=None, pagination_class=None)
    def from_finding(self, request: Request) -> Response:
        """Raise a zone visit's finding as a grievance (once; the finding goes in progress)."""
        data = _parsed(FromFindingSerializer, request)
        grievance = actions.do_raise_grievance_from_finding(
            data["finding"], category=data["category"], actor=request.user
        )
        return Response(GrievanceSerializer(grievance, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=VerifySerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """The zone confirms it is a grievance, with its category and tier; its time limit starts."""
        data = _parsed(VerifySerializer, request)
        grievance = actions.do_verify_grievance(self.get_object(), actor=request.user, **data)
        return self._answer(grievance)

    @extend_schema(request=AssignSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        data = _parsed(AssignSerializer, request)
        grievance = self.get_object()
        if data.get("user"):
            user = User.objects.filter(pk=data["user"], is_active=True).first()
            if user is None:
                raise serializers.ValidationError({"user": [_("Choose a worker of the grievance's zone.")]})
            data["user"] = user
        grievance = actions.do_assign_grievance(grievance, actor=request.user, **data)
        return self._answer(grievance)

    @extend_schema(request=GrievanceNoteSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        data = _parsed(GrievanceNoteSerializer, request)
        return self._answer(actions.do_start_grievance(self.get_object(), actor=request.user, **data))

    @extend_schema(request=ResolveSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        data = _parsed(ResolveSerializer, request)
        return self._answer(actions.do_resolve_grievance(self.get_object(), actor=request.user, **data))

    @extend_schema(request=EvaluateSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request: Request, pk: str | None = None) -> Response:
        """Record the worker's rating (1–5); 2 or less, or ``reopen``, sends it back to work."""
        data = _parsed(EvaluateSerializer, request)
        return self._answer(actions.do_evaluate_grievance(self.get_object(), actor=request.user, **data))

    @extend_schema(request=GrievanceNoteSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        data = _parsed(GrievanceNoteSerializer, request)
        return self._answer(actions.do_close_grievance(self.get_object(), actor=request.user, **data))

    @extend_schema(request=ReasonSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        data = _parsed(ReasonSerializer, request)
        return self._answer(actions.do_reopen_grievance(self.get_object(), actor=request.user, **data))

    @extend_schema(request=ReasonSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        data = _parsed(ReasonSerializer, request)
        return self._answer(actions.do_pause_grievance(self.get_object(), actor=request.user, **data))

    @extend_schema(request=GrievanceNoteSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        data = _parsed(GrievanceNoteSerializer, request)
        return self._answer(actions.do_resume_grievance(self.get_object(), actor=request.user, **data))

    @extend_schema(request=ContactAttemptSerializer, responses={201: GrievanceEventSerializer})
    @action(detail=True, methods=["post"], url_path="contact-attempts")
    def contact_attempts(self, request: Request, pk: str | None = None) -> Response:
        """Log an attempt to reach the worker (closing without their evaluation needs several)."""
        data = _parsed(ContactAttemptSerializer, request)
        event = actions.do_log_contact_attempt(self.get_object(), actor=request.user, **data)
        return Response(GrievanceEventSerializer(event).data, status=201)

    @extend_schema(request=LogSerializer, responses={201: GrievanceEventSerializer})
    @action(detail=True, methods=["post"])
    def log(self, request: Request, pk: str | None = None) -> Response:
        """Log an action taken, or a note (``internal`` notes never reach the worker)."""
        data = _parsed(LogSerializer, request)
        event = actions.do_log_grievance_action(self.get_object(), actor=request.user, **data)
        return Response(GrievanceEventSerializer(event).data, status=201)

    @extend_schema(
        parameters=[OpenApiParameter("internal", bool, description="false: only what the worker sees")],
        responses=GrievanceEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        grievance = self.get_object()
        events = grievance.events.order_by("at", "id")
        if request.query_params.get("internal") in ("false", "0"):
            events = events.filter(internal=False)
        return Response(GrievanceEventSerializer(events, many=True).data)

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"image": {"type": "string", "format": "binary"}}}
        },
        responses={201: GrievanceAttachmentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        """Attach a photo (JPEG, PNG or WebP, at most 10 MB; re-encoded without metadata)."""
        upload = request.FILES.get("image")
        if upload is None:
            raise serializers.ValidationError({"image": [_("Choose a photo to upload.")]})
        grievance = self.get_object()
        try:
            processed = process_image(upload)
        except DjangoValidationError as refused:
            raise serializers.ValidationError({"image": refused.messages}) from None
        attachment = actions.do_add_grievance_photo(grievance, processed, actor=request.user)
        return Response(GrievanceAttachmentSerializer(attachment).data, status=201)

    @extend_schema(
        parameters=[OpenApiParameter("size", str, enum=["full", "thumbnail"])],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>\d+)",
        filterset_class=None,
        pagination_class=None,
    )
    def photo(self, request: Request, pk: str | None = None, photo_id: str | None = None) -> FileResponse:
        grievance = self.get_object()
        attachment = grievance.attachments.filter(pk=photo_id).first()
        if attachment is None:
            raise Http404
        stored = attachment.thumbnail if request.query_params.get("size") == "thumbnail" else attachment.image
        response = FileResponse(stored.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response
