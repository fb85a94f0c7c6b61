"""Hardship aid over the API: cases and their chain, budgets, and the nightly suggestions.

Each step is a POST on the case (``submit``, ``review``, ``approve``, ``refuse``, ``disburse``,
``close``, ``follow-ups``), looked up among the cases the user may take that step on, so a
step that is not the user's answers 404 like a missing case.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from unionhub.core.api.serializers import ScopedRelatedField, ValidatedModelSerializer
from unionhub.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from unionhub.core.choices import Action

from ..choices import DisbursementMethod, HardshipReason
from ..hardship import (
    budget_figures,
    do_accept_suggestion,
    do_approve_hardship_case,
    do_close_hardship_case,
    do_delete_hardship_case,
    do_disburse_hardship_case,
    do_dismiss_suggestion,
    do_record_follow_up,
    do_refuse_hardship_case,
    do_review_hardship_case,
    do_save_hardship_case,
    do_set_budget,
    do_submit_hardship_case,
    with_figures,
)
from ..hardship_models import HardshipBudget, HardshipCase, HardshipFollowUp, HardshipSuggestion
from ..models import Member

MONEY = {"max_digits": 12, "decimal_places": 2}


class HardshipFollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = HardshipFollowUp
        fields = ["id", "visited_on", "visitor", "note", "gifts", "amount", "created_at"]
        read_only_fields = ["visitor", "created_at"]


class HardshipCaseSerializer(ValidatedModelSerializer):
    """A case. The member is shown masked (name, phone, ID number), as in every list."""

    member_name = serializers.CharField(source="member.masked_name", read_only=True, label=_("member"))
    member_phone = serializers.CharField(source="member.masked_phone", read_only=True, label=_("mobile phone"))
    member_id_number = serializers.CharField(source="member.id_number_masked", read_only=True, label=_("ID number"))
    union_name = serializers.CharField(source="union.name", read_only=True)
    follow_ups = HardshipFollowUpSerializer(many=True, read_only=True)
    disbursement_method = serializers.ChoiceField(
        choices=DisbursementMethod.choices, allow_blank=True, read_only=True, label=_("paid by")
    )

    class Meta:
        model = HardshipCase
        fields = [
            "id",
            "member",
            "member_name",
            "member_phone",
            "member_id_number",
            "union",
            "union_name",
            "zone",
            "reason",
            "description",
            "amount_requested",
            "amount_approved",
            "status",
            "created_by",
            "created_at",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "decided_by",
            "decided_at",
            "refusal_reason",
            "budget_year",
            "disbursed_on",
            "disbursement_method",
            "disbursement_reference",
            "closed_at",
            "follow_ups",
        ]
        read_only_fields = [f for f in fields if f not in ("member", "reason", "description", "amount_requested")]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | models.QuerySet):
            fields["member"].read_only = True  # a case stays with its member
        return fields


class HardshipReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000, label=_("note"))


class HardshipApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        default=None,
        label=_("amount approved (yuan)"),
        help_text=_("The amount asked for if empty."),
    )


class HardshipRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, label=_("reason"))


class HardshipDisburseSerializer(serializers.Serializer):
    disbursed_on = serializers.DateField(label=_("paid on"))
    disbursement_method = serializers.ChoiceField(choices=DisbursementMethod.choices, label=_("paid by"))
    disbursement_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, label=_("payment reference")
    )


class HardshipCaseViewSet(ScopedModelViewSet):
    """Hardship aid cases: proposers open and submit, staff review, pay and close, leadership approves or refuses."""

    queryset = (
        HardshipCase.objects.select_related("member", "union").defer("union__location").prefetch_related("follow_ups")
    )
    serializer_class = HardshipCaseSerializer
    filterset_fields = ["status", "reason", "union", "zone", "member", "budget_year"]
    save_action = staticmethod(do_save_hardship_case)
    delete_action = staticmethod(do_delete_hardship_case)
    scope_actions = {
        "submit": Action.ADD,
        "review": Action.CHANGE,
        "approve": Action.APPROVE,
        "refuse": Action.APPROVE,
        "disburse": Action.CHANGE,
        "close": Action.CHANGE,
        "follow_ups": Action.ADD,
    }

    def _step(self, case: HardshipCase) -> Response:
        case = self.get_queryset().get(pk=case.pk)
        return Response(self.get_serializer(case).data)

    @extend_schema(request=None, responses=HardshipCaseSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send a draft on for review (it needs the amount asked for)."""
        return self._step(do_submit_hardship_case(self.get_object(), actor=request.user))

    @extend_schema(request=HardshipReviewSerializer, responses=HardshipCaseSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Federation staff pass a submitted case to leadership, with an optional note."""
        ask = HardshipReviewSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        return self._step(do_review_hardship_case(self.get_object(), actor=request.user, **ask.validated_data))

    @extend_schema(request=HardshipApproveSerializer, responses=HardshipCaseSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Leadership approves a reviewed case; refused on ``amount_approved`` if the year's budget has no room."""
        ask = HardshipApproveSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        return self._step(do_approve_hardship_case(self.get_object(), actor=request.user, **ask.validated_data))

    @extend_schema(request=HardshipRefuseSerializer, responses=HardshipCaseSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """Leadership refuses a reviewed case, saying why."""
        ask = HardshipRefuseSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        return self._step(do_refuse_hardship_case(self.get_object(), actor=request.user, **ask.validated_data))

    @extend_schema(request=HardshipDisburseSerializer, responses=HardshipCaseSerializer)
    @action(detail=True, methods=["post"])
    def disburse(self, request: Request, pk: str | None = None) -> Response:
        """Record the payment of an approved case."""
        ask = HardshipDisburseSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        data = ask.validated_data
        case = do_disburse_hardship_case(
            self.get_object(),
            actor=request.user,
            on=data["disbursed_on"],
            method=data["disbursement_method"],
            reference=data["disbursement_reference"],
        )
        return self._step(case)

    @extend_schema(request=None, responses=HardshipCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        """Close a paid case; the member leaves hardship unless another case holds."""
        return self._step(do_close_hardship_case(self.get_object(), actor=request.user))

    @extend_schema(request=HardshipFollowUpSerializer, responses={201: HardshipFollowUpSerializer})
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request: Request, pk: str | None = None) -> Response:
        """Record a follow-up visit (送温暖) to the member of an approved or paid case."""
        ask = HardshipFollowUpSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        follow_up = do_record_follow_up(self.get_object(), actor=request.user, **ask.validated_data)
        return Response(HardshipFollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)


class HardshipBudgetSerializer(ValidatedModelSerializer):
    spent = serializers.SerializerMethodField(label=_("paid"))
    committed = serializers.SerializerMethodField(label=_("approved, not yet paid"))
    remaining = serializers.SerializerMethodField(label=_("remaining"))
    federation_name = serializers.CharField(source="federation.name", read_only=True)

    class Meta:
        model = HardshipBudget
        fields = ["id", "federation", "federation_name", "year", "amount", "spent", "committed", "remaining"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | models.QuerySet):
            fields["federation"].read_only = fields["year"].read_only = True
        return fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_spent(self, budget: HardshipBudget) -> str:
        return str(budget_figures(budget).spent)

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_committed(self, budget: HardshipBudget) -> str:
        return str(budget_figures(budget).committed)

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_remaining(self, budget: HardshipBudget) -> str:
        return str(budget_figures(budget).remaining)


class HardshipBudgetViewSet(ScopedModelViewSet):
    """Annual hardship budgets per federation, with what the subtree paid, promised and has left."""

    queryset = HardshipBudget.objects.select_related("federation").defer("federation__area")
    serializer_class = HardshipBudgetSerializer
    filterset_fields = ["year", "federation"]

    def get_queryset(self) -> models.QuerySet:
        return with_figures(super().get_queryset())

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = do_set_budget(data["federation"], data["year"], data["amount"], actor=self.request.user)

    def perform_update(self, serializer: Any) -> None:
        budget = serializer.instance
        amount = serializer.validated_data.get("amount", budget.amount)
        serializer.instance = do_set_budget(budget.federation, budget.year, amount, actor=self.request.user)


class HardshipSuggestionSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="masked_name", read_only=True, label=_("member"))
    union_name = serializers.CharField(source="union.name", read_only=True)

    class Meta:
        model = HardshipSuggestion
        fields = [
            "id",
            "member",
            "member_name",
            "union",
            "union_name",
            "zone",
            "source",
            "reason",
            "status",
            "created_at",
            "decided_by",
            "decided_at",
            "dismissal_reason",
            "case",
        ]
        read_only_fields = fields


class SuggestionAcceptSerializer(serializers.Serializer):
    member = ScopedRelatedField(
        queryset=Member.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        label=_("member"),
        help_text=_("Needed when the suggestion names no member."),
    )
    reason = serializers.ChoiceField(
        choices=HardshipReason.choices, required=False, allow_blank=True, default="", label=_("reason")
    )


class SuggestionDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, label=_("reason"))


class HardshipSuggestionViewSet(ScopedReadOnlyViewSet):
    """Leads from the nightly check (and other areas): ``accept`` opens a draft case, ``dismiss`` sets one aside."""

    queryset = HardshipSuggestion.objects.select_related("member", "union").defer("union__location")
    serializer_class = HardshipSuggestionSerializer
    filterset_fields = ["status", "source", "union", "zone", "member"]

    def get_queryset(self) -> models.QuerySet:
        if self.action in ("accept", "dismiss"):
            return self.queryset.restrict(self.request.user, Action.CHANGE)  # type: ignore[attr-defined]
        return super().get_queryset()

    @extend_schema(request=SuggestionAcceptSerializer, responses={201: HardshipCaseSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Open a draft case for the suggestion's member (or the one given here)."""
        ask = SuggestionAcceptSerializer(data=request.data, context=self.get_serializer_context())
        ask.is_valid(raise_exception=True)
        case = do_accept_suggestion(self.get_object(), actor=request.user, **ask.validated_data)
        return Response(HardshipCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SuggestionDismissSerializer, responses=HardshipSuggestionSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        """Set the suggestion aside, saying why; the same signal is never raised again."""
        ask = SuggestionDismissSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        suggestion = do_dismiss_suggestion(self.get_object(), actor=request.user, reason=ask.validated_data["reason"])
        return Response(self.get_serializer(suggestion).data)
