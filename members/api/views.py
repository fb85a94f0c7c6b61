from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from unionhub.core.actions import do_reveal
from unionhub.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from unionhub.core.choices import Action

from ..actions import do_decide_application, do_save_member
from ..card import render_card, verification_url
from ..filtersets import MemberFilterSet
from ..models import JoinApplication, Member
from ..search import name_search_q
from .serializers import (
    DecisionSerializer,
    JoinApplicationSerializer,
    MemberSearchSerializer,
    MemberSerializer,
    RevealedSerializer,
    RevealSerializer,
)

LIST_FIELDS = [
    "id",
    "member_number",
    "name",
    "union_id",
    "union__name",
    "zone_id",
    "status",
    "occupation",
    "work_form",
    "employer",
    "joined_on",
    "left_on",
    "is_model_worker",
    "is_craftsman",
    "in_hardship",
    "phone_last4",
    "id_number_masked",
]


class MemberViewSet(ScopedModelViewSet):
    queryset = Member.objects.select_related("union").only(*LIST_FIELDS)
    serializer_class = MemberSerializer
    filterset_class = MemberFilterSet
    scope_actions = {"search": Action.VIEW, "reveal": Action.REVEAL}

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        personal = {key: data.pop(key, "") for key in ("phone", "id_number")}
        serializer.instance = do_save_member(Member(**data), actor=self.request.user, **personal)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        personal = {key: data.pop(key, "") for key in ("phone", "id_number")}
        member = serializer.instance
        for key, value in data.items():
            setattr(member, key, value)
        serializer.instance = do_save_member(member, actor=self.request.user, **personal)

    @extend_schema(request=RevealSerializer, responses=RevealedSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """Show a member's phone or ID number in full, for a stated reason; every reveal is logged."""
        ask = RevealSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        member = self.get_object()  # among the members the user may reveal: others answer 404
        field = ask.validated_data["field"]
        value = do_reveal(
            member, field, actor=request.user, reason=ask.validated_data["reason"], ip=request.META.get("REMOTE_ADDR")
        )
        return Response({"field": field, "value": value})

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def card(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The member's digital membership card as a PNG, with the QR code that verifies it."""
        member = self.get_object()
        response = HttpResponse(render_card(member, verification_url(request, member)), content_type="image/png")
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(request=MemberSearchSerializer, responses=MemberSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request: Request) -> Response:
        """Find members in scope by phone or ID number (POST, so they never appear in a URL) or by name."""
        query = MemberSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        members = self.get_queryset()  # scoped for viewing: see scope_actions
        if phone := query.validated_data.get("phone"):
            members = members.filter(phone_hash=Member.phone_lookup(phone))
        if id_number := query.validated_data.get("id_number"):
            members = members.filter(id_number_hash=Member.id_number_lookup(id_number))
        if name := query.validated_data.get("name"):
            members = members.filter(name_search_q(name))
        page = self.paginate_queryset(members)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class JoinApplicationViewSet(ScopedReadOnlyViewSet):
    """Applications from the scan-to-join form; ``decide`` approves (a member is created) or refuses with a reason."""

    queryset = JoinApplication.objects.select_related("union").defer("union__location")
    serializer_class = JoinApplicationSerializer
    filterset_fields = ["status", "union", "zone", "channel", "work_form", "member_elsewhere"]

    @extend_schema(request=DecisionSerializer, responses=JoinApplicationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        application = do_decide_application(self.get_object(), actor=request.user, **decision.validated_data)
        return Response(self.get_serializer(application).data)
