from typing import Any

import django_filters
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from unionhub.core.actions import do_reveal
from unionhub.core.api.serializers import JobSerializer
from unionhub.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from unionhub.core.choices import Action
from zones.models import GrassrootsUnion

from ..actions import do_decide_application, do_save_member
from ..card import render_card, verification_url
from ..corrections import do_decide_correction
from ..filtersets import MemberFilterSet
from ..merging import do_merge_members, do_start_duplicate_scan, groups_of, latest_scan
from ..models import CorrectionRequest, JoinApplication, Member, MemberTransfer
from ..search import name_search_q
from ..transfers import (
    do_approve_transfer,
    do_ask_transfer_in,
    do_cancel_transfer,
    do_refuse_transfer,
    do_request_transfer,
    find_destination_union,
    find_member_for_transfer,
)
from .serializers import (
    CorrectionRequestSerializer,
    DecisionSerializer,
    DuplicateGroupSerializer,
    DuplicatesSerializer,
    FoundMemberSerializer,
    FoundUnionSerializer,
    JoinApplicationSerializer,
    MemberLookupSerializer,
    MemberSearchSerializer,
    MemberSerializer,
    MemberTransferSerializer,
    MergedSerializer,
    MergeSerializer,
    RevealedSerializer,
    RevealSerializer,
    TransferRefusalSerializer,
    TransferRequestSerializer,
    TransferSideSerializer,
    UnionLookupSerializer,
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
        ask = RevealSerializer(data=request.data, context={"request": request})
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

    @extend_schema(methods=["GET"], responses=DuplicatesSerializer)
    @extend_schema(methods=["POST"], request=None, responses={202: JobSerializer})
    @action(detail=False, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def duplicates(self, request: Request) -> Response:
        """Records in your scope that look like one person: the same ID number, or the same phone and name.

        POST starts a scan (a job: at city scale it takes seconds); GET answers your latest scan's
        groups as they stand now (records merged since drop out).
        """
        if request.method == "POST":
            job = do_start_duplicate_scan(actor=request.user)  # type: ignore[arg-type]
            return Response(JobSerializer(job).data, status=202)
        scan = latest_scan(request.user)
        groups = groups_of(scan, request.user)
        return Response(
            {
                "scan": JobSerializer(scan).data if scan else None,
                "groups": DuplicateGroupSerializer(groups, many=True).data,
            }
        )

    @extend_schema(request=MergeSerializer, responses=MergedSerializer)
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def merge(self, request: Request) -> Response:
        """Merge a duplicate record into the one kept: what refers to it moves, it ends merged (not deleted)."""
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = [body.validated_data["survivor"], body.validated_data["merged"]]
        found = {m.pk: m for m in Member.objects.restrict(request.user, Action.CHANGE).filter(pk__in=ids)}
        if len(found) != len(set(ids)) or len(set(ids)) != 2:
            raise ValidationError({"merged": [_("Choose two of your members.")]})
        moved = do_merge_members(
            found[ids[0]],
            found[ids[1]],
            actor=request.user,
            ip=request.META.get("REMOTE_ADDR"),  # type: ignore[arg-type]
        )
        return Response({"survivor": ids[0], "merged": ids[1], "moved": moved})

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


class CorrectionRequestViewSet(ScopedReadOnlyViewSet):
    """Corrections members asked for from their card page; ``decide`` applies one (with history) or refuses it."""

    queryset = CorrectionRequest.objects.select_related("member").only(
        *[f.attname for f in CorrectionRequest._meta.concrete_fields], "member__name", "member__member_number"
    )
    serializer_class = CorrectionRequestSerializer
    filterset_fields = ["status", "field", "union", "zone", "member"]

    @extend_schema(request=DecisionSerializer, responses=CorrectionRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        correction = do_decide_correction(self.get_object(), actor=request.user, **decision.validated_data)
        return Response(self.get_serializer(correction).data)


# --- transfers -----------------------------------------------------------------------------------


class MemberTransferFilterSet(django_filters.FilterSet):
    class Meta:
        model = MemberTransfer
        fields = ["status", "requested_by_side", "from_union", "to_union"]


class MemberTransferViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Transfers between unions (会员关系转接), seen from either end; every step is an action of members.transfers.

    The receiving side sees the member masked until the transfer completes.
    """

    queryset = MemberTransfer.objects.select_related("member", "from_union", "to_union").only(
        *[f.attname for f in MemberTransfer._meta.concrete_fields],
        "member__name",
        "member__id_number_masked",
        "member__phone_last4",
        "from_union__name",
        "to_union__name",
    )
    serializer_class = MemberTransferSerializer
    filterset_class = MemberTransferFilterSet

    @extend_schema(request=TransferRequestSerializer, responses={201: MemberTransferSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Ask for a transfer: the sending side with ``member``, the receiving side with ``id_number`` or ``phone``."""
        ask = TransferRequestSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        data = ask.validated_data
        user = request.user
        unknown_union = {"to_union": [_("Find the destination union with the look-up first.")]}
        if data.get("member"):
            member = Member.objects.restrict(user, Action.CHANGE).filter(pk=data["member"]).first()
            to_union = GrassrootsUnion.objects.filter(pk=data["to_union"]).first()
            if member is None:
                raise ValidationError({"member": [_("Choose one of your members.")]})
            if to_union is None:
                raise ValidationError(unknown_union)
            transfer = do_request_transfer(member, to_union, actor=user, reason=data["reason"])  # type: ignore[arg-type]
        else:
            to_union = GrassrootsUnion.objects.restrict(user, Action.VIEW).filter(pk=data["to_union"]).first()
            if to_union is None:
                raise ValidationError({"to_union": [_("Choose one of your unions.")]})
            transfer = do_ask_transfer_in(
                to_union,
                actor=user,  # type: ignore[arg-type]
                id_number=data.get("id_number", ""),
                phone=data.get("phone", ""),
                reason=data["reason"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=transfer.pk)).data, status=201)

    @extend_schema(request=TransferSideSerializer, responses=MemberTransferSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve at your end; the second side's approval completes the transfer (the member moves)."""
        body = TransferSideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        transfer = do_approve_transfer(self.get_object(), actor=request.user, side=body.validated_data.get("side"))  # type: ignore[arg-type]
        return Response(self.get_serializer(self.get_queryset().get(pk=transfer.pk)).data)

    @extend_schema(request=TransferRefusalSerializer, responses=MemberTransferSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """Refuse at your end, saying why."""
        body = TransferRefusalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        transfer = do_refuse_transfer(
            self.get_object(),
            actor=request.user,  # type: ignore[arg-type]
            reason=body.validated_data["reason"],
            side=body.validated_data.get("side"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=transfer.pk)).data)

    @extend_schema(request=None, responses=MemberTransferSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """The asking side withdraws its request."""
        transfer = do_cancel_transfer(self.get_object(), actor=request.user)  # type: ignore[arg-type]
        return Response(self.get_serializer(self.get_queryset().get(pk=transfer.pk)).data)

    @extend_schema(request=UnionLookupSerializer, responses=FoundUnionSerializer)
    @action(detail=False, methods=["post"], url_path="find-union", pagination_class=None, filter_backends=[])
    def find_union(self, request: Request) -> Response:
        """Find a destination union anywhere by exact credit code, or exact name and federation name (logged)."""
        ask = UnionLookupSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        union = find_destination_union(actor=request.user, ip=request.META.get("REMOTE_ADDR"), **ask.validated_data)  # type: ignore[arg-type]
        return Response(
            {"found": union is not None, "id": union.id if union else None, "name": union.name if union else ""}
        )

    @extend_schema(request=MemberLookupSerializer, responses=FoundMemberSerializer)
    @action(detail=False, methods=["post"], url_path="find-member", pagination_class=None, filter_backends=[])
    def find_member(self, request: Request) -> Response:
        """Whether a worker is an active member somewhere (one record): yes or no and a masked name (logged)."""
        ask = MemberLookupSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        member = find_member_for_transfer(
            actor=request.user,  # type: ignore[arg-type]
            id_number=ask.validated_data.get("id_number", ""),
            phone=ask.validated_data.get("phone", ""),
            ip=request.META.get("REMOTE_ADDR"),
        )
        return Response({"found": member is not None, "masked_name": member.masked_name if member else ""})
