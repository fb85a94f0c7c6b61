"""Hardship aid (困难职工帮扶): the approval chain, the annual budgets, and the nightly suggestions.

The chain (docs/members.md, "Hardship aid"):

    draft ──submit (ADD)──▶ submitted ──review (CHANGE)──▶ reviewed ──approve / refuse (APPROVE)──▶
    approved ──disburse (CHANGE)──▶ disbursed ──close (CHANGE)──▶ closed

Zone workers and union chairs open and submit cases for their members (ADD); federation
staff review, pay and close them (CHANGE); leadership alone approves or refuses
(APPROVE, see CASE_SCOPE), and never a case they submitted themselves. An approval is
checked, under a row lock, against every budget of that year on the member's federation
path (the county's, the city's …); with no budget, nothing is approved.

``Member.in_hardship`` follows the cases: a member is in hardship while one of their cases
is approved or paid and not yet closed (sync_hardship_flag, after each of those steps).

Suggestions are leads for staff, never payments: the nightly job (flag_members_needing_help)
raises one per signal, under a unique ``source_key``, so a rerun adds nothing and a
dismissed lead is never raised again. Higher layers raise their own with raise_suggestion.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, DecimalField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, StrIndex
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action, Role
from unionhub.core.models import Federation, RoleAssignment, User
from unionhub.core.scoping import ensure_in_scope
from zones.choices import FindingKind
from zones.models import Finding, GrassrootsUnion

from .choices import (
    DisbursementMethod,
    HardshipReason,
    HardshipStatus,
    MemberStatus,
    SuggestionSource,
    SuggestionStatus,
)
from .hardship_models import HardshipBudget, HardshipCase, HardshipFollowUp, HardshipSuggestion
from .models import Member

# Cases whose money is spent (paid), or promised (approved, not yet paid), from their year's budget.
PAID = [HardshipStatus.DISBURSED, HardshipStatus.CLOSED]
COMMITTED = [HardshipStatus.APPROVED]
# A member is in hardship while a case is approved or paid and not yet closed.
IN_HARDSHIP = [HardshipStatus.APPROVED, HardshipStatus.DISBURSED]
# Proposers may still edit a case while it is a draft; staff until leadership has decided.
EDITABLE = [HardshipStatus.DRAFT, HardshipStatus.SUBMITTED, HardshipStatus.REVIEWED]

# The nightly job: visit findings of the last FINDING_DAYS days; aid paid REPEATED_AID_TIMES
# times or more within REPEATED_AID_DAYS (about 24 months) to the same member.
FINDING_DAYS = 90
REPEATED_AID_TIMES = 2
REPEATED_AID_DAYS = 730

# Visit findings record no illness or injury category: a finding of kind "hardship lead" is always
# a lead; an incident or demand is one when its text names a serious illness or injury.
SERIOUS_WORDS = [
    "大病",
    "重病",
    "重疾",
    "癌",
    "肿瘤",
    "白血病",
    "尿毒症",
    "透析",
    "瘫痪",
    "住院",
    "手术",
    "工伤",
    "受伤",
    "重伤",
    "骨折",
    "伤残",
    "残疾",
    "截肢",
    "病故",
    "去世",
]
SERIOUS_PATTERN = "(" + "|".join(re.escape(word) for word in SERIOUS_WORDS) + ")"
ILLNESS_WORDS = re.compile("(大病|重病|重疾|癌|肿瘤|白血病|尿毒症|透析|住院|手术)")


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# --- Budgets ---------------------------------------------------------------------------------------


def _case_sum(budget_ref: str, statuses: Sequence[str]) -> Subquery:
    """Sum of approved amounts of the subtree's cases in the budget's year with these statuses."""
    cases = (
        HardshipCase.objects.filter(
            federation_path__startswith=OuterRef(f"{budget_ref}federation_path"),
            budget_year=OuterRef(f"{budget_ref}year"),
            status__in=statuses,
        )
        .order_by()
        .values("budget_year")
        .annotate(total=Sum("amount_approved"))
        .values("total")
    )
    return Subquery(cases, output_field=DecimalField(max_digits=14, decimal_places=2))


def with_figures(budgets: models.QuerySet) -> models.QuerySet:
    """Budgets with ``spent`` (paid) and ``committed`` (approved, not yet paid), one query for any number."""
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))
    return budgets.annotate(
        spent=Coalesce(_case_sum("", PAID), zero), committed=Coalesce(_case_sum("", COMMITTED), zero)
    )


@dataclass(frozen=True)
class BudgetFigures:
    amount: Decimal
    spent: Decimal
    committed: Decimal

    @property
    def remaining(self) -> Decimal:
        """What can still be approved: the amount less what is paid and what is promised."""
        return self.amount - self.spent - self.committed


def budget_figures(budget: HardshipBudget) -> BudgetFigures:
    spent, committed = getattr(budget, "spent", None), getattr(budget, "committed", None)
    if spent is None or committed is None:
        row = with_figures(HardshipBudget.objects.filter(pk=budget.pk)).values("spent", "committed").get()
        spent, committed = row["spent"], row["committed"]
    return BudgetFigures(_money(budget.amount), _money(spent), _money(committed))


def do_set_budget(federation: Federation, year: int, amount: Decimal, *, actor: User) -> HardshipBudget:
    """Set a federation's hardship budget for a year (made if missing).

    A budget cannot go below what its subtree has already paid and promised that year.
    """
    with transaction.atomic():
        budget = HardshipBudget.objects.select_for_update().filter(federation=federation, year=year).first()
        budget = budget or HardshipBudget(federation=federation, year=year)
        budget.amount = amount
        if budget.pk:
            figures = budget_figures(budget)
            if _money(amount) < figures.spent + figures.committed:
                raise ValidationError(
                    {
                        "amount": _(
                            "{used} yuan are already paid or approved from this budget: it cannot be less."
                        ).format(used=figures.spent + figures.committed)
                    }
                )
        save_scoped(budget, actor=actor)
    return budget


def _locked_budgets(case: HardshipCase, year: int) -> list[HardshipBudget]:
    """The year's budgets of every federation on the case's path, locked (in id order: no deadlock)."""
    ancestors = [int(part) for part in case.federation_path.split("/") if part]
    return list(
        HardshipBudget.objects.select_for_update()
        .filter(federation_id__in=ancestors, year=year)
        .select_related("federation")
        .order_by("id")
    )


# --- The chain -------------------------------------------------------------------------------------


def _locked(case: HardshipCase, actor: User, action: str, *, allowed: list[str]) -> HardshipCase:
    """The stored case, locked, in the actor's scope for ``action`` and in one of the ``allowed`` states."""
    stored = HardshipCase.objects.select_for_update().select_related("member").get(pk=case.pk)
    ensure_in_scope(stored, actor, action)
    if stored.status not in allowed:
        raise ValidationError(
            {"status": _("A case that is “{status}” cannot take this step.").format(status=stored.get_status_display())}
        )
    return stored


def _save(case: HardshipCase, actor: User, reason: str) -> None:
    case._history_user = actor  # type: ignore[attr-defined]
    case._change_reason = reason  # type: ignore[attr-defined]
    case.full_clean()
    case.save()


def sync_hardship_flag(member_id: int, actor: User | None = None) -> None:
    """Set ``Member.in_hardship`` from the member's cases (see the module's docstring)."""
    member = Member.objects.select_for_update().get(pk=member_id)
    flag = HardshipCase.objects.filter(member_id=member_id, status__in=IN_HARDSHIP).exists()
    if member.in_hardship != flag:
        member.in_hardship = flag
        member._history_user = actor  # type: ignore[attr-defined]
        member._change_reason = "hardship aid case"  # type: ignore[attr-defined]
        member.save(update_fields=["in_hardship"])


def do_save_hardship_case(case: HardshipCase, *, actor: User) -> HardshipCase:
    """Open a case (a draft) or edit one.

    Proposers (zone workers, union chairs) open cases for members in their scope and edit
    them while they are drafts; federation staff edit them until leadership decides.
    """
    with transaction.atomic():
        if case._state.adding:
            case.status = HardshipStatus.DRAFT
            case.created_by = actor
            _save(case, actor, "opened")
            ensure_in_scope(case, actor, Action.ADD)
            return case
        stored = HardshipCase.objects.select_for_update().get(pk=case.pk)
        may_add = HardshipCase.objects.restrict(actor, Action.ADD).filter(pk=case.pk).exists()
        action = Action.ADD if stored.status == HardshipStatus.DRAFT and may_add else Action.CHANGE
        ensure_in_scope(stored, actor, action)
        if stored.status not in EDITABLE:
            raise ValidationError({"status": _("A decided case cannot be edited.")})
        case.status = stored.status
        _save(case, actor, "edited")
        ensure_in_scope(case, actor, action)
    return case


def do_submit_hardship_case(case: HardshipCase, *, actor: User) -> HardshipCase:
    """Send a draft on for review; the submitter will not be the one to approve it."""
    with transaction.atomic():
        case = _locked(case, actor, Action.ADD, allowed=[HardshipStatus.DRAFT])
        if case.amount_requested is None:
            raise ValidationError({"amount_requested": _("Say how much aid is asked for.")})
        case.status = HardshipStatus.SUBMITTED
        case.submitted_by, case.submitted_at = actor, timezone.now()
        _save(case, actor, "submitted")
    return case


def do_review_hardship_case(case: HardshipCase, *, actor: User, note: str = "") -> HardshipCase:
    """Federation staff check a submitted case (documents, situation) and pass it to leadership."""
    with transaction.atomic():
        case = _locked(case, actor, Action.CHANGE, allowed=[HardshipStatus.SUBMITTED])
        case.status = HardshipStatus.REVIEWED
        case.reviewed_by, case.reviewed_at, case.review_note = actor, timezone.now(), note.strip()
        _save(case, actor, "reviewed")
    return case


def _check_four_eyes(case: HardshipCase, actor: User) -> None:
    if case.submitted_by_id == actor.pk:
        raise ValidationError({NON_FIELD_ERRORS: [_("You submitted this case: someone else must decide it.")]})


def do_approve_hardship_case(
    case: HardshipCase, *, actor: User, amount: Decimal | None = None, on: datetime.date | None = None
) -> HardshipCase:
    """Leadership approves a reviewed case, for ``amount`` (by default the amount asked).

    The approval is charged to this year's budgets: every budget of the year on the member's
    federation path is locked and must have room left for it; with none, or too little, the
    approval is refused on ``amount_approved`` and nothing changes.
    """
    with transaction.atomic():
        case = _locked(case, actor, Action.APPROVE, allowed=[HardshipStatus.REVIEWED])
        _check_four_eyes(case, actor)
        amount = _money(amount if amount is not None else case.amount_requested)
        if amount <= 0:
            raise ValidationError({"amount_approved": _("Approve an amount above zero.")})
        if case.amount_requested is not None and amount > case.amount_requested:
            raise ValidationError({"amount_approved": _("Approve no more than was asked for.")})
        year = (on or timezone.localdate()).year
        budgets = _locked_budgets(case, year)
        if not budgets:
            raise ValidationError(
                {
                    "amount_approved": _("No hardship aid budget for {year} covers this member's federation.").format(
                        year=year
                    )
                }
            )
        for budget in budgets:
            left = budget_figures(budget).remaining
            if amount > left:
                raise ValidationError(
                    {
                        "amount_approved": _(
                            "{federation}'s {year} budget has {left} yuan left: {amount} yuan cannot be approved."
                        ).format(federation=budget.federation.name, year=year, left=left, amount=amount)
                    }
                )
        case.status = HardshipStatus.APPROVED
        case.amount_approved, case.budget_year = amount, year
        case.decided_by, case.decided_at = actor, timezone.now()
        _save(case, actor, "approved")
        sync_hardship_flag(case.member_id, actor)
    return case


def do_refuse_hardship_case(case: HardshipCase, *, actor: User, reason: str) -> HardshipCase:
    """Leadership refuses a reviewed case, saying why."""
    with transaction.atomic():
        case = _locked(case, actor, Action.APPROVE, allowed=[HardshipStatus.REVIEWED])
        _check_four_eyes(case, actor)
        if not reason.strip():
            raise ValidationError({"refusal_reason": _("Say why the case is refused.")})
        case.status = HardshipStatus.REFUSED
        case.refusal_reason = reason.strip()
        case.decided_by, case.decided_at = actor, timezone.now()
        _save(case, actor, "refused")
    return case


def do_disburse_hardship_case(
    case: HardshipCase, *, actor: User, on: datetime.date, method: str, reference: str = ""
) -> HardshipCase:
    """Record the payment of an approved case: when, how, and the voucher or transfer number."""
    errors: dict[str, list[str]] = {}
    if on > timezone.localdate():
        errors["disbursed_on"] = [_("A payment cannot be dated in the future.")]
    if method not in DisbursementMethod.values:
        errors["disbursement_method"] = [_("Choose how the aid was paid.")]
    if method == DisbursementMethod.BANK and not reference.strip():
        errors["disbursement_reference"] = [_("Give the bank transfer's reference.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _locked(case, actor, Action.CHANGE, allowed=[HardshipStatus.APPROVED])
        case.status = HardshipStatus.DISBURSED
        case.disbursed_on, case.disbursement_method = on, method
        case.disbursement_reference, case.disbursed_by = reference.strip(), actor
        _save(case, actor, "paid")
        sync_hardship_flag(case.member_id, actor)
    return case


def do_close_hardship_case(case: HardshipCase, *, actor: User) -> HardshipCase:
    """Close a paid case (after its follow-up); the member leaves hardship unless another case holds."""
    with transaction.atomic():
        case = _locked(case, actor, Action.CHANGE, allowed=[HardshipStatus.DISBURSED])
        case.status = HardshipStatus.CLOSED
        case.closed_at = timezone.now()
        _save(case, actor, "closed")
        sync_hardship_flag(case.member_id, actor)
    return case


def do_record_follow_up(
    case: HardshipCase,
    *,
    actor: User,
    visited_on: datetime.date,
    note: str,
    gifts: str = "",
    amount: Decimal | None = None,
    visitor: User | None = None,
) -> HardshipFollowUp:
    """Record a follow-up visit (送温暖) to the member of an approved or paid case."""
    with transaction.atomic():
        case = _locked(
            case, actor, Action.ADD, allowed=[HardshipStatus.APPROVED, HardshipStatus.DISBURSED, HardshipStatus.CLOSED]
        )
        follow_up = HardshipFollowUp(
            case=case, visited_on=visited_on, visitor=visitor or actor, note=note, gifts=gifts.strip(), amount=amount
        )
        follow_up.full_clean()
        follow_up._history_user = actor  # type: ignore[attr-defined]
        follow_up.save()
    return follow_up


# --- Suggestions -----------------------------------------------------------------------------------


def raise_suggestion(
    *, union: GrassrootsUnion, source: str, source_key: str, reason: str, member: Member | None = None
) -> tuple[HardshipSuggestion, bool]:
    """Raise a lead once per ``source_key``; return it and whether it is new. For tasks (no actor).

    Higher layers call this from their own tasks (the grievance layer for help requests).
    """
    existing = HardshipSuggestion.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    suggestion = HardshipSuggestion(
        member=member, union=member.union if member else union, source=source, source_key=source_key, reason=reason
    )
    try:
        with transaction.atomic():
            suggestion.save()
    except IntegrityError:  # raised a moment ago by a concurrent run
        return HardshipSuggestion.objects.get(source_key=source_key), False
    return suggestion, True


def do_accept_suggestion(
    suggestion: HardshipSuggestion, *, actor: User, member: Member | None = None, reason: str = ""
) -> HardshipCase:
    """Take a lead up: a draft case is opened for its member (chosen here when the lead names none)."""
    with transaction.atomic():
        suggestion = HardshipSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        ensure_in_scope(suggestion, actor, Action.CHANGE)
        if suggestion.status != SuggestionStatus.OPEN:
            raise ValidationError({"status": _("This suggestion has already been taken up.")})
        member = member or suggestion.member
        if member is None:
            raise ValidationError({"member": _("Choose the member this suggestion is about.")})
        if not Member.objects.restrict(actor, Action.VIEW).filter(pk=member.pk).exists():
            raise ValidationError({"member": _("Choose a member in your scope.")})
        default_reason = HardshipReason.ILLNESS if ILLNESS_WORDS.search(suggestion.reason) else HardshipReason.OTHER
        case = do_save_hardship_case(
            HardshipCase(member=member, reason=reason or default_reason, description=suggestion.reason),
            actor=actor,
        )
        suggestion.member = member
        suggestion.status = SuggestionStatus.ACCEPTED
        suggestion.decided_by, suggestion.decided_at, suggestion.case = actor, timezone.now(), case
        suggestion.save()
        ensure_in_scope(suggestion, actor, Action.CHANGE)
    return case


def do_dismiss_suggestion(suggestion: HardshipSuggestion, *, actor: User, reason: str) -> HardshipSuggestion:
    """Set a lead aside, saying why; the same signal is never raised again."""
    with transaction.atomic():
        suggestion = HardshipSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        ensure_in_scope(suggestion, actor, Action.CHANGE)
        if suggestion.status != SuggestionStatus.OPEN:
            raise ValidationError({"status": _("This suggestion has already been taken up.")})
        if not reason.strip():
            raise ValidationError({"dismissal_reason": _("Say why the suggestion is dismissed.")})
        suggestion.status = SuggestionStatus.DISMISSED
        suggestion.dismissal_reason = reason.strip()
        suggestion.decided_by, suggestion.decided_at = actor, timezone.now()
        suggestion.save()
    return suggestion


# --- The nightly job -------------------------------------------------------------------------------


def _named_member(finding: Finding) -> Member | None:
    """The one active member of the finding's union whose name appears in its text, if exactly one."""
    named = list(
        Member.objects.filter(union_id=finding.union_id, status=MemberStatus.ACTIVE)
        .annotate(at=StrIndex(Value(finding.description), "name"))
        .filter(at__gt=0)
        .only("id", "union_id", "name")[:2]
    )
    return named[0] if len(named) == 1 else None


def _finding_leads(today: datetime.date) -> list[HardshipSuggestion]:
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=FINDING_DAYS), datetime.time())
    )
    findings = (
        Finding.objects.filter(created_at__gte=since)
        .filter(
            Q(kind=FindingKind.HARDSHIP)
            | Q(kind__in=[FindingKind.INCIDENT, FindingKind.DEMAND], description__regex=SERIOUS_PATTERN)
        )
        .exclude(source_key_exists(prefix="finding:"))
        .select_related("union")
        .only("id", "union_id", "union__federation_path", "union__zone_id", "description", "kind", "created_at")
        .order_by("id")
    )
    raised = []
    for finding in findings:
        with override(settings.LANGUAGE_CODE):
            reason = _("Visit finding of {date}: {text}").format(
                date=timezone.localtime(finding.created_at).date(), text=finding.description
            )
        suggestion, new = raise_suggestion(
            union=finding.union,
            member=_named_member(finding),
            source=SuggestionSource.VISIT_FINDING,
            source_key=f"finding:{finding.pk}",
            reason=reason,
        )
        if new:
            raised.append(suggestion)
    return raised


def source_key_exists(*, prefix: str) -> Q:
    """Findings that already have their suggestion (raised before, whatever became of it)."""
    from django.db.models import Exists
    from django.db.models.functions import Cast, Concat

    keys = HardshipSuggestion.objects.filter(source_key=Concat(Value(prefix), Cast(OuterRef("pk"), models.CharField())))
    return Q(Exists(keys))


def _repeated_aid_leads(today: datetime.date) -> list[HardshipSuggestion]:
    since = today - datetime.timedelta(days=REPEATED_AID_DAYS)
    aided = (
        HardshipCase.objects.filter(status__in=PAID, disbursed_on__gte=since)
        .order_by()
        .values("member_id")
        .annotate(times=Count("id"), latest=Max("id"))
        .filter(times__gte=REPEATED_AID_TIMES)
        .exclude(
            member_id__in=HardshipSuggestion.objects.filter(
                source=SuggestionSource.REPEATED_AID, status=SuggestionStatus.OPEN
            ).values("member_id")
        )
    )
    raised = []
    members = Member.objects.select_related("union").in_bulk([row["member_id"] for row in aided])
    for row in aided:
        member = members[row["member_id"]]
        with override(settings.LANGUAGE_CODE):
            reason = _("Aid was paid {times} times in {months} months: the hardship may last.").format(
                times=row["times"], months=REPEATED_AID_DAYS * 12 // 365
            )
        suggestion, new = raise_suggestion(
            union=member.union,
            member=member,
            source=SuggestionSource.REPEATED_AID,
            source_key=f"repeated-aid:{member.pk}:{row['latest']}",
            reason=reason,
        )
        if new:
            raised.append(suggestion)
    return raised


def notify_staff_of(suggestions: list[HardshipSuggestion], *, run: str) -> int:
    """One inbox message per federation staff user whose scope holds new suggestions; returns how many."""
    from unionhub.core.notify import notify

    if not suggestions:
        return 0
    counts: dict[int, int] = {}
    users: dict[int, User] = {}
    staff = RoleAssignment.objects.filter(role=Role.FEDERATION_STAFF, user__is_active=True).select_related("user")
    for assignment in staff:
        count = sum(1 for s in suggestions if s.federation_path.startswith(assignment.federation_path))
        if count:
            users[assignment.user_id] = assignment.user
            counts[assignment.user_id] = max(counts.get(assignment.user_id, 0), count)
    for user_id, count in counts.items():
        with override(settings.LANGUAGE_CODE):
            title = _("{count} members may need hardship aid").format(count=count)
            body = _("The nightly check found new leads from visits and past aid. Review them; nothing was paid.")
        notify(
            [users[user_id]],
            key=f"hardship-suggestions:{run}",
            title=title,
            body=body,
            link="/admin/members/hardshipsuggestion/?status__exact=open",
        )
    return len(counts)


def flag_members_needing_help(today: datetime.date | None = None) -> list[HardshipSuggestion]:
    """The nightly job: raise new leads from visit findings and repeated aid, then tell staff once.

    Never opens a case and never pays: staff accept or dismiss each lead.
    """
    today = today or timezone.localdate()
    raised = _finding_leads(today) + _repeated_aid_leads(today)
    notify_staff_of(raised, run=today.isoformat())
    return raised


def do_delete_hardship_case(case: HardshipCase, *, actor: User) -> None:
    """Delete a draft (opened by mistake); a case that went further stays, for the record."""
    with transaction.atomic():
        case = _locked(case, actor, Action.DELETE, allowed=[HardshipStatus.DRAFT])
        case._history_user = actor  # type: ignore[attr-defined]
        case.delete()
