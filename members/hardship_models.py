"""Hardship aid (困难职工帮扶): cases, their follow-up visits, annual budgets and the nightly suggestions.

The rules (who may do what, the approval chain, the budget check, the ``in_hardship`` flag)
live in members.hardship; docs/members.md, "Hardship aid", explains them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from unionhub.core.choices import ZONE_ROLES, Action, Role
from unionhub.core.models import CopiesScope, Federation, path_index
from unionhub.core.pii_scan import mask_id_numbers
from unionhub.core.scoping import ScopedManager, ScopeSpec
from zones.models import GrassrootsUnion, Zone

from .choices import DisbursementMethod, HardshipReason, HardshipStatus, SuggestionSource, SuggestionStatus

CENT = Decimal("0.01")

# Proposers (zone workers in their zones, union chairs in their union) see cases, open them and
# submit them (ADD); federation staff review, pay and close (CHANGE); leadership alone approves
# or refuses (APPROVE). Hardship data is sensitive: station keepers see nothing.
PROPOSER_WORK = frozenset({Action.VIEW, Action.ADD})
CASE_SCOPE = ScopeSpec(
    federation="federation_path",
    zone="zone_id",
    union="union_id",
    extra=dict.fromkeys([*ZONE_ROLES, Role.UNION_CHAIR], PROPOSER_WORK),
    only={
        Role.FEDERATION_STAFF: frozenset(Action.values) - {Action.APPROVE, Action.SIGN},
        Role.LEADERSHIP: frozenset({Action.VIEW, Action.APPROVE}),
        **dict.fromkeys([*ZONE_ROLES, Role.UNION_CHAIR], PROPOSER_WORK),
    },
)


class HardshipCase(CopiesScope):
    """One application for hardship aid for one member, from draft to payment and follow-up.

    ``zone``, ``union`` and ``federation_path`` are copies of the member's, for scoping.
    ``budget_year`` is the year whose budgets the approval was checked against (and is
    counted in). The amount paid is the amount approved.
    """

    scope_parent = "member"

    member = models.ForeignKey(
        "members.Member", models.PROTECT, related_name="hardship_cases", verbose_name=_("member")
    )
    union = models.ForeignKey(
        GrassrootsUnion, models.PROTECT, related_name="+", editable=False, verbose_name=_("union")
    )
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    reason = models.CharField(_("reason"), max_length=16, choices=HardshipReason.choices)
    description = models.TextField(
        _("situation"), help_text=_("The family's situation. ID numbers typed here are masked on save.")
    )
    amount_requested = models.DecimalField(
        _("amount requested (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENT)],
        help_text=_("Needed to submit the case."),
    )
    amount_approved = models.DecimalField(
        _("amount approved (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENT)],
    )
    status = models.CharField(
        _("status"), max_length=16, choices=HardshipStatus.choices, default=HardshipStatus.DRAFT, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", editable=False, verbose_name=_("opened by")
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True, editable=False)
    review_note = models.TextField(_("review note"), blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("approved or refused by"),
    )
    decided_at = models.DateTimeField(_("approved or refused at"), null=True, blank=True, editable=False)
    refusal_reason = models.TextField(_("why refused"), blank=True, editable=False)
    budget_year = models.PositiveSmallIntegerField(_("budget year"), null=True, blank=True, editable=False)
    disbursed_on = models.DateField(_("paid on"), null=True, blank=True, editable=False)
    disbursement_method = models.CharField(
        _("paid by"), max_length=16, choices=DisbursementMethod.choices, blank=True, editable=False
    )
    disbursement_reference = models.CharField(
        _("payment reference"), max_length=100, blank=True, editable=False, help_text=_("Voucher or transfer number.")
    )
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("paid by (staff)"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    scope_spec = CASE_SCOPE
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("hardship aid case")
        verbose_name_plural = _("hardship aid cases")
        indexes = [
            path_index("members_hardship_fedpath", "id"),
            models.Index(fields=["zone", "id"], name="members_hardship_zone_id"),
            models.Index(fields=["union", "id"], name="members_hardship_union_id"),
            models.Index(fields=["member", "disbursed_on"], name="members_hardship_member"),
            models.Index(fields=["budget_year", "status"], name="members_hardship_budget"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested__isnull=True) | Q(amount_requested__gt=0),
                name="members_hardship_requested_positive",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(amount_requested__isnull=False),
                name="members_hardship_submitted_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(amount_approved__isnull=True) | Q(amount_approved__gt=0),
                name="members_hardship_approved_positive",
            ),
            # Paid and closed cases were approved, against a year's budget, and say when they were paid.
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "disbursed", "closed"])
                | (Q(amount_approved__isnull=False) & Q(budget_year__isnull=False)),
                name="members_hardship_approved_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["disbursed", "closed"]) | Q(disbursed_on__isnull=False),
                name="members_hardship_paid_has_date",
            ),
            # The chain: whoever submitted a case never approves it.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("submitted_by")),
                name="members_hardship_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.masked_name}"

    @property
    def masked_name(self) -> str:
        return self.member.masked_name

    def clean(self) -> None:
        self.description = mask_id_numbers(self.description.strip())
        if not self.description:
            raise ValidationError({"description": _("Describe the member's situation.")})


class HardshipFollowUp(models.Model):
    """A follow-up visit to an aided member (送温暖): who went, when, what was found, what was brought.

    Read and written through its case (its scope is the case's). Gifts and money brought on a
    visit are recorded here; they are not paid from the hardship budget.
    """

    case = models.ForeignKey(HardshipCase, models.CASCADE, related_name="follow_ups", verbose_name=_("case"))
    visited_on = models.DateField(_("visited on"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("visited by")
    )
    note = models.TextField(_("note"), help_text=_("ID numbers typed here are masked on save."))
    gifts = models.CharField(_("gifts brought"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("money brought (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENT)],
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["visited_on", "id"]

    def __str__(self) -> str:
        return f"{self.visited_on} · {self.case}"

    def clean(self) -> None:
        self.note = mask_id_numbers(self.note.strip())
        if not self.note:
            raise ValidationError({"note": _("Say how the member is doing.")})
        if self.visited_on and self.visited_on > timezone.localdate():
            raise ValidationError({"visited_on": _("A visit cannot be in the future.")})


class HardshipBudget(CopiesScope):
    """A federation's hardship-aid budget for one year (one per federation and year).

    Spent is what was paid to members of the federation's whole subtree from that year's
    budget; committed is approved but not yet paid; remaining is what is left of the amount
    after both (members.hardship.budget_figures).
    """

    federation = models.ForeignKey(
        Federation, models.PROTECT, related_name="hardship_budgets", verbose_name=_("federation")
    )
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000)])
    amount = models.DecimalField(
        _("budget (yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Federation staff set budgets; leadership reads them; zone workers and chairs see none.
    scope_spec = ScopeSpec(
        federation="federation_path",
        only={
            Role.FEDERATION_STAFF: frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE}),
            Role.LEADERSHIP: frozenset({Action.VIEW}),
        },
    )
    objects = ScopedManager()
    history = HistoricalRecords(excluded_fields=["federation_path"])

    class Meta:
        verbose_name = _("hardship aid budget")
        verbose_name_plural = _("hardship aid budgets")
        indexes = [path_index("members_hardshipbudget_fedpath", "year")]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "year"],
                name="members_hardship_budget_once_a_year",
                violation_error_message=_("This federation already has a hardship budget for this year."),
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="members_hardship_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.federation} · {self.year}"


# Suggestions: who sees and works them. Zone workers and union chairs see their own and take them
# up (accept or dismiss: CHANGE); leadership reads; station keepers see none.
SUGGESTION_WORK = frozenset({Action.VIEW, Action.CHANGE})


class HardshipSuggestion(CopiesScope):
    """A member who may need help, flagged by the nightly job for staff to review (never a payout).

    Members owns the table; higher layers (grievances) write their own signals into it
    (DESIGN.md, layers). ``source_key`` names the signal ("finding:42", "repeated-aid:7:19"):
    one row per signal, whatever happens to it, so a dismissed lead is never raised again.
    ``member`` may be empty when the signal names no member we can tell (a visit finding is
    about a union): whoever accepts it chooses the member.
    """

    scope_parent = "union"

    member = models.ForeignKey(
        "members.Member",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="hardship_suggestions",
        verbose_name=_("member"),
    )
    union = models.ForeignKey(GrassrootsUnion, models.PROTECT, related_name="+", verbose_name=_("union"))
    zone = models.ForeignKey(Zone, models.SET_NULL, null=True, blank=True, editable=False, verbose_name=_("zone"))
    federation_path = models.CharField(_("federation path"), max_length=255, editable=False)
    source = models.CharField(_("source"), max_length=16, choices=SuggestionSource.choices)
    source_key = models.CharField(_("source key"), max_length=100, unique=True, editable=False)
    reason = models.TextField(_("why"))
    status = models.CharField(
        _("status"), max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN, editable=False
    )
    created_at = models.DateTimeField(_("raised at"), default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("taken up by"),
    )
    decided_at = models.DateTimeField(_("taken up at"), null=True, blank=True, editable=False)
    dismissal_reason = models.TextField(_("why dismissed"), blank=True, editable=False)
    case = models.OneToOneField(
        HardshipCase,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestion",
        editable=False,
        verbose_name=_("case opened"),
    )

    scope_spec = ScopeSpec(
        federation="federation_path",
        zone="zone_id",
        union="union_id",
        extra=dict.fromkeys([*ZONE_ROLES, Role.UNION_CHAIR], SUGGESTION_WORK),
        only={
            Role.FEDERATION_STAFF: frozenset({Action.VIEW, Action.CHANGE}),
            Role.LEADERSHIP: frozenset({Action.VIEW}),
            **dict.fromkeys([*ZONE_ROLES, Role.UNION_CHAIR], SUGGESTION_WORK),
        },
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("hardship suggestion")
        verbose_name_plural = _("hardship suggestions")
        indexes = [
            path_index("members_hardshipsugg_fedpath", "id"),
            models.Index(fields=["zone", "status"], name="members_hardshipsugg_zone"),
            models.Index(fields=["union", "status"], name="members_hardshipsugg_union"),
            models.Index(fields=["member", "source", "status"], name="members_hardshipsugg_member"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.masked_name or self.union}"

    @property
    def masked_name(self) -> str:
        return self.member.masked_name if self.member_id and self.member else ""

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.member_id and self.member:
            self.union_id = self.member.union_id
        self.reason = mask_id_numbers(self.reason)
        super().save(*args, **kwargs)
