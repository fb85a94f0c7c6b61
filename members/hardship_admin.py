"""Hardship aid in the admin: cases and their chain, budgets with spent and remaining, the nightly leads.

Every step is an admin action calling members.hardship; the reason, payment date, method and
reference that some steps need are typed into the action bar.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action
from unionhub.core.exceptions import OutOfScope

from .choices import DisbursementMethod, HardshipStatus, SuggestionStatus
from .hardship import (
    EDITABLE,
    budget_figures,
    do_approve_hardship_case,
    do_close_hardship_case,
    do_disburse_hardship_case,
    do_dismiss_suggestion,
    do_refuse_hardship_case,
    do_review_hardship_case,
    do_save_hardship_case,
    do_set_budget,
    do_submit_hardship_case,
    with_figures,
)
from .hardship_models import HardshipBudget, HardshipCase, HardshipFollowUp, HardshipSuggestion


class HardshipActionForm(ActionForm):
    """The action bar: what refusing, dismissing or paying needs."""

    reason = forms.CharField(label=_("reason"), required=False, max_length=1000)
    paid_on = forms.DateField(label=_("paid on"), required=False, help_text=_("Today if empty."))
    method = forms.ChoiceField(label=_("paid by"), required=False, choices=[("", "—"), *DisbursementMethod.choices])
    reference = forms.CharField(label=_("payment reference"), required=False, max_length=100)


def _action_data(request: HttpRequest) -> dict[str, Any]:
    """The action bar's extra fields (the action's own choice was checked by the changelist)."""
    form = HardshipActionForm(request.POST)
    del form.fields["action"]
    return form.cleaned_data if form.is_valid() else {}


def _run(admin_: admin.ModelAdmin, request: HttpRequest, rows: Any, step: Any, done: str) -> None:
    """Apply one step to each selected row; report how many went through and why others did not."""
    count = 0
    for row in rows:
        try:
            step(row)
            count += 1
        except ValidationError as exc:
            admin_.message_user(request, f"{row}: {'; '.join(exc.messages)}", messages.ERROR)
        except OutOfScope:
            admin_.message_user(request, f"{row}: {_('not yours to change')}", messages.ERROR)
    admin_.message_user(request, done.format(count=count))


class FollowUpInline(admin.TabularInline):
    """Follow-up visits, recorded through the API or the phone (do_record_follow_up); read here."""

    model = HardshipFollowUp
    fields = ["visited_on", "visitor", "note", "gifts", "amount"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HardshipCase)
class HardshipCaseAdmin(ScopedAdmin):
    """Cases: opened and submitted by zone workers and union chairs, reviewed and paid by staff,
    approved or refused by leadership (never by the one who submitted)."""

    action_form = HardshipActionForm
    list_display = [
        "id",
        "masked_name",
        "reason",
        "amount_requested",
        "amount_approved",
        "status",
        "union",
        "zone",
        "budget_year",
        "created_at",
    ]
    list_filter = ["status", "reason", "budget_year", "disbursement_method"]
    list_select_related = ["member", "union", "zone"]
    search_fields = ["union__name"]
    autocomplete_fields = ["member"]
    fields = [
        "member",
        "member_phone",
        "member_id_number",
        "reason",
        "description",
        "amount_requested",
        "amount_approved",
        "status",
        "created_by",
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
        "disbursed_by",
        "closed_at",
    ]
    readonly_fields = [f for f in fields if f not in ("member", "reason", "description", "amount_requested")]
    inlines = [FollowUpInline]
    actions = ["submit_cases", "review_cases", "approve_cases", "refuse_cases", "pay_cases", "close_cases"]
    ordering = ["-id"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("union__location", "zone__boundary")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return [*self.readonly_fields, "member"]  # a case stays with its member
        return self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Staff edit until leadership decides; proposers edit their drafts.
        if obj is not None and obj.status not in EDITABLE:
            return False
        if obj is not None and obj.status == HardshipStatus.DRAFT and self._allowed(request, Action.ADD, obj):
            return True
        return self._allowed(request, Action.CHANGE, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (obj is None or obj.status == HardshipStatus.DRAFT) and self._allowed(request, Action.DELETE, obj)

    @admin.display(description=_("member"))
    def masked_name(self, obj: HardshipCase) -> str:
        return obj.masked_name

    @admin.display(description=_("mobile phone"))
    def member_phone(self, obj: HardshipCase) -> str:
        return obj.member.masked_phone if obj.pk else ""

    @admin.display(description=_("ID number"))
    def member_id_number(self, obj: HardshipCase) -> str:
        return obj.member.id_number_masked if obj.pk else ""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        do_save_hardship_case(obj, actor=request.user)

    @admin.action(description=_("Submit the selected drafts for review"))
    def submit_cases(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = queryset.restrict(request.user, Action.ADD).filter(status=HardshipStatus.DRAFT)
        _run(self, request, rows, lambda c: do_submit_hardship_case(c, actor=request.user), _("{count} submitted."))

    @admin.action(description=_("Mark the selected cases reviewed"))
    def review_cases(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = queryset.restrict(request.user, Action.CHANGE).filter(status=HardshipStatus.SUBMITTED)
        note = _action_data(request).get("reason", "")
        _run(
            self,
            request,
            rows,
            lambda c: do_review_hardship_case(c, actor=request.user, note=note),
            _("{count} reviewed."),
        )

    @admin.action(description=_("Approve the selected cases (the amount asked)"))
    def approve_cases(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = queryset.restrict(request.user, Action.APPROVE).filter(status=HardshipStatus.REVIEWED)
        _run(self, request, rows, lambda c: do_approve_hardship_case(c, actor=request.user), _("{count} approved."))

    @admin.action(description=_("Refuse the selected cases (type the reason)"))
    def refuse_cases(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = queryset.restrict(request.user, Action.APPROVE).filter(status=HardshipStatus.REVIEWED)
        reason = _action_data(request).get("reason", "")
        _run(
            self,
            request,
            rows,
            lambda c: do_refuse_hardship_case(c, actor=request.user, reason=reason),
            _("{count} refused."),
        )

    @admin.action(description=_("Record the selected cases paid (type date, method, reference)"))
    def pay_cases(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = queryset.restrict(request.user, Action.CHANGE).filter(status=HardshipStatus.APPROVED)
        data = _action_data(request)
        on = data.get("paid_on") or timezone.localdate()
        _run(
            self,
            request,
            rows,
            lambda c: do_disburse_hardship_case(
                c, actor=request.user, on=on, method=data.get("method", ""), reference=data.get("reference", "")
            ),
            _("{count} recorded paid."),
        )

    @admin.action(description=_("Close the selected paid cases"))
    def close_cases(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = queryset.restrict(request.user, Action.CHANGE).filter(status=HardshipStatus.DISBURSED)
        _run(self, request, rows, lambda c: do_close_hardship_case(c, actor=request.user), _("{count} closed."))


@admin.register(HardshipBudget)
class HardshipBudgetAdmin(ScopedAdmin):
    """Annual budgets: what the federation's subtree has paid, promised, and has left."""

    list_display = ["federation", "year", "amount", "spent", "committed", "remaining"]
    list_filter = ["year"]
    list_select_related = ["federation"]
    fields = ["federation", "year", "amount", "spent", "committed", "remaining"]
    readonly_fields = ["spent", "committed", "remaining"]
    ordering = ["-year", "federation__path"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return with_figures(super().get_queryset(request).defer("federation__area"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*self.readonly_fields, "federation", "year"] if obj is not None else self.readonly_fields

    @admin.display(description=_("paid"))
    def spent(self, obj: HardshipBudget) -> Any:
        return budget_figures(obj).spent if obj.pk else ""

    @admin.display(description=_("approved, not yet paid"))
    def committed(self, obj: HardshipBudget) -> Any:
        return budget_figures(obj).committed if obj.pk else ""

    @admin.display(description=_("remaining"))
    def remaining(self, obj: HardshipBudget) -> Any:
        return budget_figures(obj).remaining if obj.pk else ""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        saved = do_set_budget(obj.federation, obj.year, obj.amount, actor=request.user)
        obj.pk = saved.pk


@admin.register(HardshipSuggestion)
class HardshipSuggestionAdmin(ScopedAdmin):
    """Leads from the nightly check. Accepting opens a draft case (API or this list); nothing is ever paid here."""

    action_form = HardshipActionForm
    list_display = ["created_at", "source", "masked_name", "union", "zone", "status"]
    list_filter = ["status", "source"]
    list_select_related = ["member", "union", "zone"]
    search_fields = ["union__name"]
    fields = [
        "masked_name",
        "union",
        "source",
        "reason",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
        "dismissal_reason",
        "case",
    ]
    readonly_fields = fields
    actions = ["accept_suggestions", "dismiss_suggestions"]
    ordering = ["-id"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("union__location", "zone__boundary")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # raised by the nightly check and by other areas' tasks

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # taken up through the actions

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("member"))
    def masked_name(self, obj: HardshipSuggestion) -> str:
        return obj.masked_name

    @admin.action(description=_("Accept: open a draft case for each (leads naming a member)"))
    def accept_suggestions(self, request: HttpRequest, queryset: QuerySet) -> None:
        from .hardship import do_accept_suggestion

        rows = queryset.restrict(request.user, Action.CHANGE).filter(status=SuggestionStatus.OPEN)
        _run(self, request, rows, lambda s: do_accept_suggestion(s, actor=request.user), _("{count} cases opened."))

    @admin.action(description=_("Dismiss the selected suggestions (type the reason)"))
    def dismiss_suggestions(self, request: HttpRequest, queryset: QuerySet) -> None:
        rows = queryset.restrict(request.user, Action.CHANGE).filter(status=SuggestionStatus.OPEN)
        reason = _action_data(request).get("reason", "")
        _run(
            self,
            request,
            rows,
            lambda s: do_dismiss_suggestion(s, actor=request.user, reason=reason),
            _("{count} dismissed."),
        )
