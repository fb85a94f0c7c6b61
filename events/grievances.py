"""Writes of grievances (职工诉求): intake from every channel, one action per transition, deadlines.

    submitted ─verify→ verified ─assign→ assigned ─start→ in progress ─resolve→ resolved
    resolved ─evaluate→ evaluated ─close→ closed          (rating ≤ 2, or the worker asks: reopened)
    resolved ─close→ closed, without evaluation, after N logged contact attempts
    reopened ─resolve→ resolved …                         (pause / resume while being handled)

Each action locks the grievance's row, checks the actor's scope for its Action inside the
transaction (verify, assign, pause, close need APPROVE; handling needs CHANGE), checks the
status it starts from, and writes one timeline line (GrievanceEvent). Nothing about the
submitter goes into notifications or work items, so employer-blind grievances stay blind
whoever receives them. The deadline side (reminders, escalation) is claimed a batch at a time
(row locks, then one UPDATE) so that it happens once however often, and however many at once,
the beat task runs (events.tasks).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.choices import HelpStatus, HelpTopic
from stations.models import HelpRequest
from unionhub.core.actions import save_scoped
from unionhub.core.choices import Action, FederationKind, Role
from unionhub.core.images import ProcessedImage
from unionhub.core.models import Federation, RoleAssignment, User
from unionhub.core.notify import Message, notify, notify_many
from unionhub.core.scoping import ensure_in_scope
from unionhub.core.text.classify import learn, suggest_category
from zones.actions import do_raise_work_item
from zones.choices import FindingStatus, WorkKind, WorkState
from zones.models import Finding, GrassrootsUnion, UnionChair, WorkItem, ZoneStaff

from . import working_days
from .choices import (
    GRIEVANCE_OPEN,
    AssigneeKind,
    EscalationLevel,
    GrievanceCategory,
    GrievanceChannel,
    GrievanceEventKind,
    GrievanceStatus,
    GrievanceTier,
)
from .models import Grievance, GrievanceAttachment, GrievanceEvent

S = GrievanceStatus
CATEGORY_LABELS = dict(GrievanceCategory.choices)  # lazy labels: translated when str() is taken
# What a station's "I need help" topic becomes when it is taken up as a grievance.
HELP_TOPIC_CATEGORY = {
    HelpTopic.WAGES: GrievanceCategory.WAGE_ARREARS,
    HelpTopic.INJURY: GrievanceCategory.WORK_INJURY,
    HelpTopic.DISPUTE: GrievanceCategory.LABOUR_CONTRACT,
    HelpTopic.SAFETY: GrievanceCategory.OCCUPATIONAL_SAFETY,
    HelpTopic.HARDSHIP: GrievanceCategory.HARDSHIP,
    HelpTopic.OTHER: GrievanceCategory.OTHER,
}


def admin_link(grievance: Grievance) -> str:
    return f"/admin/events/grievance/{grievance.pk}/change/"


def work_link(grievance: Grievance) -> str:
    """Where a zone worker works the grievance from their inbox: its phone page (events.grievance_work)."""
    return reverse("events:grievance-work", args=[grievance.pk])


def tier_days(tier: str) -> int:
    return int(settings.GRIEVANCE_TIER_WORKING_DAYS[tier])


# --- intake --------------------------------------------------------------------------------------


def do_file_grievance(grievance: Grievance, *, actor: User | None, phone: str = "", pin: str = "") -> Grievance:
    """Take a grievance in: staff entering a hotline call (actor given), or a public channel (actor None).

    A named grievance needs a phone to reach the worker; an anonymous one with no phone needs a
    PIN, so that the worker can follow it with the tracking code. Raises ValidationError with
    field errors, writing nothing, when the input is refused.
    """
    errors: dict[str, str] = {}
    if grievance.anonymous:
        if not phone and not pin:
            errors["pin"] = _("Choose a PIN, so that you can follow your grievance without giving a phone.")
    elif not phone:
        errors["phone"] = _("Give a phone number, so that the worker can be reached.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if phone:
            try:
                grievance.set_phone(phone)
            except ValidationError as refused:
                raise ValidationError({"phone": refused.messages}) from None
        if pin:
            grievance.set_pin(pin)
        grievance.created_by = actor
        grievance.status = S.SUBMITTED
        grievance.full_clean()
        suggest(grievance)
        if actor is not None:
            grievance._history_user = actor  # type: ignore[attr-defined]
        grievance.save()
        if actor is not None:
            ensure_in_scope(grievance, actor, Action.ADD)
        _log(
            grievance, GrievanceEventKind.TRANSITION, actor, status_to=S.SUBMITTED, text=grievance.get_channel_display()
        )
    return grievance


def do_save_grievance(grievance: Grievance, *, actor: User) -> Grievance:
    """Staff and zone workers correct what was taken in (category, tier, description, place, employer,
    union); whoever only handles it (an assigned union's chair) may not."""
    if not grievance._state.adding and not (
        Grievance.objects.restrict(actor, Action.APPROVE).filter(pk=grievance.pk).exists()
    ):
        raise ValidationError(_("Only the zone and the federation's staff may change what was taken in."))
    if (
        grievance.employer_blind
        and grievance.assigned_union_id
        and grievance.assigned_union_id == _own_union_id(grievance)
    ):
        raise ValidationError({"union": _("An employer-blind grievance cannot concern the union it is assigned to.")})
    with transaction.atomic():
        if grievance.learned_category and grievance.category != grievance.learned_category:
            teach(grievance)  # staff changed a category they had confirmed: the lesson moves with it
        return save_scoped(grievance, actor=actor)


def do_raise_grievance_from_help_request(
    help_request: HelpRequest, *, actor: User, category: str | None = None
) -> Grievance:
    """Take a station's "I need help" up as a grievance; the help request is marked taken up (once)."""
    with transaction.atomic():
        ensure_in_scope(help_request, actor, Action.VIEW)
        claimed = HelpRequest.objects.filter(pk=help_request.pk, status=HelpStatus.NEW).update(
            status=HelpStatus.TAKEN_UP
        )
        if not claimed:
            raise ValidationError(_("This help request was already taken up."))
        help_request.refresh_from_db()
        station = help_request.station
        grievance = Grievance(
            channel=GrievanceChannel.STATION,
            category=category or HELP_TOPIC_CATEGORY.get(HelpTopic(help_request.topic), GrievanceCategory.OTHER),
            description=help_request.description,
            place=station.position,
            address=station.name,
            federation_id=station.federation_id,
            zone_id=station.zone_id,
            submitter_name=help_request.name,
            anonymous=not help_request.name and not help_request.phone_last4,
            help_request=help_request,
            phone_encrypted=help_request.phone_encrypted,
            phone_hash=help_request.phone_hash,
            phone_last4=help_request.phone_last4,
            created_by=actor,
        )
        grievance.full_clean()
        suggest(grievance)
        grievance._history_user = actor  # type: ignore[attr-defined]
        grievance.save()
        ensure_in_scope(grievance, actor, Action.ADD)
        _log(
            grievance, GrievanceEventKind.TRANSITION, actor, status_to=S.SUBMITTED, text=grievance.get_channel_display()
        )
    return grievance


def do_raise_grievance_from_finding(finding: Finding, *, actor: User, category: str) -> Grievance:
    """Raise a zone visit's finding as a grievance ("raise as grievance"); the finding is then in progress."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        ensure_in_scope(finding, actor, Action.CHANGE)
        if Grievance.objects.filter(finding=finding).exists():
            raise ValidationError(_("This finding was already raised as a grievance."))
        grievance = Grievance(
            channel=GrievanceChannel.VISIT,
            category=category,
            description=finding.description,
            union_id=finding.union_id,
            zone_id=finding.zone_id,
            anonymous=True,
            finding=finding,
            created_by=actor,
        )
        grievance.full_clean()
        suggest(grievance)
        grievance._history_user = actor  # type: ignore[attr-defined]
        grievance.save()
        ensure_in_scope(grievance, actor, Action.ADD)
        if finding.status == FindingStatus.OPEN:
            Finding.objects.filter(pk=finding.pk).update(status=FindingStatus.IN_PROGRESS)
        _log(
            grievance, GrievanceEventKind.TRANSITION, actor, status_to=S.SUBMITTED, text=grievance.get_channel_display()
        )
    return grievance


def suggest(grievance: Grievance) -> None:
    """Store the category the description suggests and its confidence (staff see both on intake)."""
    grievance.suggested_category, grievance.suggestion_confidence = suggest_category(grievance.description)


def teach(grievance: Grievance) -> None:
    """Staff confirmed (or changed) the category: handled cases teach the suggestion model.

    The lesson is given once per category: a change after confirmation takes the earlier one
    back (``forget``). Called inside the action's transaction, so a refused action teaches nothing.
    """
    if grievance.category == grievance.learned_category or grievance.category not in GrievanceCategory.values:
        return
    learn(grievance.description, grievance.category, forget=grievance.learned_category or None)
    grievance.learned_category = grievance.category


# --- the loop ------------------------------------------------------------------------------------


def do_verify_grievance(
    grievance: Grievance,
    *,
    actor: User,
    tier: str | None = None,
    category: str | None = None,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Grievance:
    """The zone checks it is a real grievance, confirms its category and tier; the tier's clock starts."""
    now = now or timezone.now()
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.APPROVE, {S.SUBMITTED})
        if tier is not None:
            if tier not in GrievanceTier.values:
                raise ValidationError({"tier": _("Choose a tier from the list.")})
            grievance.tier = tier
        if category is not None:
            if category not in GrievanceCategory.values:
                raise ValidationError({"category": _("Choose a category from the list.")})
            grievance.category = category
        teach(grievance)
        grievance.verified_at = now
        grievance.due_at = working_days.due_at(now, tier_days(grievance.tier))
        _move(grievance, S.VERIFIED, actor, note)
        if grievance.zone_id:
            do_raise_work_item(
                WorkItem(
                    kind=WorkKind.GRIEVANCE,
                    title=_title(_("Grievance {code} to handle"), grievance),
                    detail=grievance.get_category_display(),
                    link=work_link(grievance),
                    zone_id=grievance.zone_id,
                    union_id=grievance.union_id if _union_in_zone(grievance) else None,
                    due_on=timezone.localtime(grievance.due_at).date(),
                ),
                source_key=f"grievance:{grievance.pk}:verified",
            )
    return grievance


def do_assign_grievance(
    grievance: Grievance,
    *,
    kind: str,
    actor: User,
    user: User | None = None,
    union: GrassrootsUnion | None = None,
    name: str = "",
    note: str = "",
) -> Grievance:
    """Give the grievance to a zone worker, a mediator, a union lawyer, a grassroots union or an
    outside department (again, to reassign it). An employer-blind grievance never goes to the
    employer's own union."""
    name = " ".join(name.split())
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.APPROVE, {S.VERIFIED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED})
        if kind not in AssigneeKind.values:
            raise ValidationError({"kind": _("Choose who it is assigned to.")})
        if kind == AssigneeKind.ZONE_WORKER:
            if user is None:
                raise ValidationError({"user": _("Choose the zone worker.")})
            if grievance.zone_id is None or not ZoneStaff.objects.filter(user=user, zone_id=grievance.zone_id).exists():
                raise ValidationError({"user": _("Choose a worker of the grievance's zone.")})
        elif kind == AssigneeKind.UNION:
            if union is None or not GrassrootsUnion.objects.restrict(actor, Action.VIEW).filter(pk=union.pk).exists():
                raise ValidationError({"union": _("Choose a union from the list.")})
            if grievance.employer_blind and union.pk == _own_union_id(grievance):
                raise ValidationError(
                    {"union": _("This grievance is kept from the employer: it cannot go to the employer's own union.")}
                )
        elif kind in (AssigneeKind.MEDIATOR, AssigneeKind.LAWYER) and user is None and not name:
            raise ValidationError({"name": _("Give the name of the person it is assigned to.")})
        elif kind == AssigneeKind.DEPARTMENT and not name:
            raise ValidationError({"name": _("Give the name of the department.")})
        grievance.assignee_kind = kind
        grievance.assignee = user if kind != AssigneeKind.UNION else None
        grievance.assigned_union = union if kind == AssigneeKind.UNION else None
        grievance.assignee_name = name if kind != AssigneeKind.UNION else ""
        to = S.ASSIGNED if grievance.status in (S.VERIFIED, S.ASSIGNED) else grievance.status
        _move(grievance, to, actor, note or _assignee_label(grievance), always_log=True)
        _tell_assignee(grievance)
    return grievance


def do_start_grievance(grievance: Grievance, *, actor: User, note: str = "") -> Grievance:
    """Whoever it was assigned to starts on it."""
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.CHANGE, {S.ASSIGNED})
        _move(grievance, S.IN_PROGRESS, actor, note)
    return grievance


def do_log_grievance_action(
    grievance: Grievance,
    *,
    actor: User,
    text: str,
    kind: str = GrievanceEventKind.ACTION,
    internal: bool = False,
) -> GrievanceEvent:
    """Log an action taken or a note on a grievance being handled; internal notes stay off the worker's page."""
    if kind not in (GrievanceEventKind.ACTION, GrievanceEventKind.NOTE):
        raise ValidationError({"kind": _("Choose an action or a note.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Say what was done.")})
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.CHANGE, set(GRIEVANCE_OPEN) | {S.RESOLVED, S.EVALUATED})
        return _log(grievance, kind, actor, text=text, internal=internal)


def do_log_contact_attempt(
    grievance: Grievance, *, actor: User, text: str = "", reached: bool = False
) -> GrievanceEvent:
    """Record a try to reach the worker (for feedback or the evaluation); internal to staff."""
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.CHANGE, set(GRIEVANCE_OPEN) | {S.RESOLVED, S.EVALUATED})
        outcome = _("reached") if reached else _("not reached")
        return _log(
            grievance, GrievanceEventKind.CONTACT, actor, text=f"{outcome}: {text.strip()}".strip(": "), internal=True
        )


def do_resolve_grievance(
    grievance: Grievance, *, actor: User, feedback: str, now: datetime.datetime | None = None
) -> Grievance:
    """It is handled: say what was done (the worker reads it); the grievance waits for their evaluation."""
    now = now or timezone.now()
    feedback = feedback.strip()
    if not feedback:
        raise ValidationError({"feedback": _("Tell the worker what was done.")})
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.CHANGE, {S.IN_PROGRESS, S.REOPENED})
        if grievance.paused_at is not None:
            raise ValidationError(_("This grievance is paused: resume it first."))
        grievance.resolution = feedback
        grievance.resolved_at = now
        if grievance.first_resolved_at is None:
            grievance.first_resolved_at = now
            grievance.resolved_on_time = grievance.due_at is None or now <= grievance.due_at
        _move(grievance, S.RESOLVED, actor, feedback)
        # The inbox items raised for it are done with it (no actor of the zone's may be resolving).
        WorkItem.objects.filter(source_key__startswith=f"grievance:{grievance.pk}:").exclude(
            state=WorkState.DONE
        ).update(state=WorkState.DONE, closed_at=now, resolution=feedback[:2000])
    return grievance


def do_evaluate_grievance(
    grievance: Grievance, *, rating: int, comment: str = "", reopen: bool = False, actor: User | None
) -> Grievance:
    """The worker rates the handling 1–5. A rating of 2 or less, or asking for it, reopens the grievance.

    ``actor`` is the staff member recording the worker's answer (CHANGE on the grievance), or None
    when the worker rates on the tracking page, which has already checked the code and the phone
    digits or PIN.
    """
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate from 1 to 5.")})
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.CHANGE, {S.RESOLVED})
        grievance.rating = rating
        grievance.rating_comment = comment.strip()[:2000]
        grievance.evaluated_at = timezone.now()
        _move(grievance, S.EVALUATED, actor, _("Rated {rating} of 5. {comment}").format(rating=rating, comment=comment))
        if reopen or rating <= 2:
            _reopen(grievance, actor, comment or _("The worker is not satisfied."))
    return grievance


def do_reopen_grievance(grievance: Grievance, *, actor: User | None, reason: str) -> Grievance:
    """Back to work after the resolution or the evaluation (the worker asks); the tier's clock starts again."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is reopened.")})
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.CHANGE, {S.RESOLVED, S.EVALUATED})
        _reopen(grievance, actor, reason.strip())
    return grievance


def do_close_grievance(
    grievance: Grievance, *, actor: User, note: str = "", now: datetime.datetime | None = None
) -> Grievance:
    """Close an evaluated grievance; a resolved one the worker never evaluated only after
    GRIEVANCE_CLOSE_CONTACT_ATTEMPTS logged tries to reach them (or, with no phone, once the
    evaluation window has passed)."""
    now = now or timezone.now()
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.APPROVE, {S.RESOLVED, S.EVALUATED})
        if grievance.status == S.RESOLVED:
            needed = settings.GRIEVANCE_CLOSE_CONTACT_ATTEMPTS
            if grievance.phone_last4:
                tries = grievance.events.filter(kind=GrievanceEventKind.CONTACT, at__gte=grievance.resolved_at).count()
                if tries < needed:
                    raise ValidationError(
                        _(
                            "The worker has not evaluated it: log {needed} attempts to reach them first "
                            "({tries} so far)."
                        ).format(needed=needed, tries=tries)
                    )
            else:
                window = settings.GRIEVANCE_EVALUATION_WORKING_DAYS
                if working_days.between(grievance.resolved_at, now) < window:  # type: ignore[arg-type]
                    raise ValidationError(
                        _("The worker left no phone: wait {days} working days for their evaluation.").format(
                            days=window
                        )
                    )
        grievance.closed_at = now
        _move(grievance, S.CLOSED, actor, note)
    return grievance


def do_pause_grievance(
    grievance: Grievance, *, actor: User, reason: str, now: datetime.datetime | None = None
) -> Grievance:
    """Stop the clock (waiting for an arbitration hearing, say); the reason is shown on the timeline."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the grievance is paused.")})
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.APPROVE, set(GRIEVANCE_OPEN))
        if grievance.paused_at is not None:
            raise ValidationError(_("This grievance is already paused."))
        grievance.paused_at = now or timezone.now()
        grievance.pause_reason = reason[:300]
        grievance.save(update_fields=["paused_at", "pause_reason"])
        _log(grievance, GrievanceEventKind.PAUSE, actor, text=reason)
    return grievance


def do_resume_grievance(
    grievance: Grievance, *, actor: User, note: str = "", now: datetime.datetime | None = None
) -> Grievance:
    """Restart the clock: the due time moves on by the working days the pause lasted."""
    now = now or timezone.now()
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.APPROVE, set(GRIEVANCE_OPEN))
        if grievance.paused_at is None:
            raise ValidationError(_("This grievance is not paused."))
        lost = working_days.between(grievance.paused_at, now)
        if grievance.due_at is not None:
            grievance.due_at = working_days.shift(grievance.due_at, lost)
        grievance.paused_at, grievance.pause_reason = None, ""
        grievance.save(update_fields=["paused_at", "pause_reason", "due_at"])
        text = _("{days} working days added to the time limit.").format(days=lost)
        _log(grievance, GrievanceEventKind.RESUME, actor, text=f"{text} {note.strip()}".strip())
    return grievance


def do_add_grievance_photo(
    grievance: Grievance, processed: ProcessedImage, *, actor: User | None
) -> GrievanceAttachment:
    """Attach a photo already checked and re-encoded by unionhub.core.images.process_image."""
    with transaction.atomic():
        grievance = _locked(grievance, actor, Action.CHANGE, set(S.values) - {S.CLOSED})
        attachment = GrievanceAttachment(grievance=grievance, uploaded_by=actor)
        name = f"{uuid.uuid4().hex}.jpg"
        attachment.image.save(name, ContentFile(processed.image), save=False)
        attachment.thumbnail.save(name, ContentFile(processed.thumbnail), save=False)
        attachment.save()
        _log(grievance, GrievanceEventKind.ATTACHMENT, actor)
    return attachment


# --- deadlines (no actor: run by events.tasks) ---------------------------------------------------


def reminder_cutoff(now: datetime.datetime) -> datetime.datetime:
    """Grievances due by this time are within GRIEVANCE_REMIND_WORKING_DAYS working days of their due time."""
    return working_days.due_at(now, settings.GRIEVANCE_REMIND_WORKING_DAYS)


def scan_deadlines(*, now: datetime.datetime | None = None, batch: int = 2000) -> tuple[int, int]:
    """Remind what is due soon and escalate what is overdue; returns (reminded, escalated).

    Each kind is claimed in one go, up to ``batch`` grievances (the beat task comes back for the
    rest): county escalations before township ones, so that no grievance climbs two levels in
    one run. Reads go through the partial index on due_at (grievances being handled, not paused).
    """
    now = now or timezone.now()
    reminded = len(_remind(_handling(), now=now, limit=batch))
    escalated = len(_escalate(_handling(), EscalationLevel.COUNTY, now=now, limit=batch))
    escalated += len(_escalate(_handling(), EscalationLevel.TOWNSHIP, now=now, limit=batch))
    return reminded, escalated


def remind_if_due(grievance_id: int, *, now: datetime.datetime | None = None) -> bool:
    """The reminder for one grievance (the scan's own claim): True if it was sent by this call."""
    return bool(_remind(_handling().filter(pk=grievance_id), now=now or timezone.now(), limit=1))


def escalate_if_overdue(grievance_id: int, *, now: datetime.datetime | None = None) -> str | None:
    """Escalate one overdue grievance a level if its time has come (the scan's own claims); returns
    the level reached now, or None."""
    now = now or timezone.now()
    for level in (EscalationLevel.COUNTY, EscalationLevel.TOWNSHIP):
        if _escalate(_handling().filter(pk=grievance_id), level, now=now, limit=1):
            return level
    return None


def _handling() -> QuerySet[Grievance]:
    """Grievances whose clock runs: being handled, not paused (the partial index events_grievance_open_due)."""
    return Grievance.objects.filter(status__in=GRIEVANCE_OPEN, paused_at__isnull=True, due_at__isnull=False)


# What telling and logging a claim reads (not the submitter's details, nor the long text).
CLAIM_FIELDS = ("tracking_code", "category", "due_at", "federation", "zone", "assignee", "assigned_union")


def _claim(candidates: QuerySet[Grievance], limit: int, **claimed: Any) -> list[Grievance]:
    """Claim up to ``limit`` of ``candidates``: lock them, skipping rows a concurrent scan holds, and
    set ``claimed`` on them, so that they leave ``candidates`` for good once this transaction commits.

    The row lock is the claim (DESIGN.md rule 6): a concurrent scan skips locked rows, and a row
    locked after our commit no longer matches ``candidates`` (PostgreSQL checks the condition
    again on the row it locks), so each grievance is claimed by one scan exactly once. Call
    inside the transaction that also writes the claim's notifications and timeline.
    """
    locked = candidates.select_for_update(skip_locked=True).only(*CLAIM_FIELDS).order_by("due_at", "pk")
    rows = list(locked[:limit])
    if rows:
        Grievance.objects.filter(pk__in=[row.pk for row in rows]).update(**claimed)
    return rows


def _remind(candidates: QuerySet[Grievance], *, now: datetime.datetime, limit: int) -> list[Grievance]:
    """Remind the handlers, once per due time, of grievances due within GRIEVANCE_REMIND_WORKING_DAYS
    working days; returns the grievances reminded."""
    due_soon = candidates.filter(due_at__gte=now, due_at__lte=reminder_cutoff(now)).filter(
        Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_at"))
    )
    with transaction.atomic():
        claimed = _claim(due_soon, limit, reminded_for=F("due_at"))
        if not claimed:
            return []
        handlers = _handlers_of(claimed)
        messages, timeline = [], []
        for grievance in claimed:
            due = timezone.localtime(grievance.due_at)  # type: ignore[arg-type]
            messages.append(
                Message(
                    handlers[grievance.pk],
                    key=f"grievance-{grievance.pk}-due-{due:%Y%m%d%H%M}",  # one per due time: a rerun adds nothing
                    title=_title(_("Grievance {code} is due on {date}"), grievance, date=f"{due:%Y-%m-%d}"),
                    body=_category_label(grievance),
                    link=admin_link(grievance),
                )
            )
            timeline.append(_event(grievance, GrievanceEventKind.REMINDER, f"{due:%Y-%m-%d}"))
        notify_many(messages)
        GrievanceEvent.objects.bulk_create(timeline)
    return claimed


def _escalate(candidates: QuerySet[Grievance], level: str, *, now: datetime.datetime, limit: int) -> list[Grievance]:
    """Escalate overdue grievances to ``level``, exactly once per level: to the township when past
    their due time, to the county GRIEVANCE_COUNTY_AFTER_WORKING_DAYS working days after reaching
    the township. Returns the grievances escalated."""
    overdue = candidates.filter(due_at__lt=now)
    if level == EscalationLevel.TOWNSHIP:
        overdue = overdue.filter(escalation_level=EscalationLevel.ZONE)
    else:
        overdue = overdue.filter(escalation_level=EscalationLevel.TOWNSHIP, escalated_at__isnull=False)
        after = settings.GRIEVANCE_COUNTY_AFTER_WORKING_DAYS
        if after > 0:  # escalated on or before that date: `after` working days have passed since
            last_day = working_days.counted_since(now, after) + datetime.timedelta(days=1)
            overdue = overdue.filter(
                escalated_at__lt=timezone.make_aware(datetime.datetime.combine(last_day, datetime.time()))
            )
    with transaction.atomic():
        claimed = _claim(overdue, limit, escalation_level=level, escalated_at=now)
        if not claimed:
            return []
        nodes = _level_nodes(claimed, level)
        staff = _federation_staff(set(nodes.values()))
        handlers = _handlers_of(claimed)
        label = str(EscalationLevel(level).label)
        messages, timeline = [], []
        for grievance in claimed:
            node = nodes[grievance.pk]
            messages.append(
                Message(
                    [*staff[node.pk], *handlers[grievance.pk]],
                    key=f"grievance-{grievance.pk}-escalated-{level}",  # one per level: a rerun adds nothing
                    title=_title(_("Grievance {code} is overdue: escalated to {level}"), grievance, level=node.name),
                    body=_category_label(grievance),
                    link=admin_link(grievance),
                )
            )
            timeline.append(_event(grievance, GrievanceEventKind.ESCALATION, label))
        notify_many(messages)
        GrievanceEvent.objects.bulk_create(timeline)
    return claimed


def _category_label(grievance: Grievance) -> str:
    """``get_category_display()`` without its per-call cost (it rebuilds the choices on each call)."""
    return str(CATEGORY_LABELS.get(grievance.category, grievance.category))


def _event(grievance: Grievance, kind: str, text: str) -> GrievanceEvent:
    """An internal timeline line written by the deadline scan (no actor), for bulk_create."""
    return GrievanceEvent(grievance=grievance, kind=kind, actor=None, text=text[:4000], internal=True)


def _handlers_of(grievances: list[Grievance]) -> dict[int, list[User]]:
    """Who handles each grievance now (by pk): the assigned user, else the assigned union's chairs,
    else its zone's workers; in at most three queries for all of them."""
    assignees = User.objects.in_bulk({g.assignee_id for g in grievances if g.assignee_id})
    chairs: dict[int, list[User]] = defaultdict(list)
    union_ids = {g.assigned_union_id for g in grievances if not g.assignee_id and g.assigned_union_id}
    for chair in UnionChair.objects.filter(union_id__in=union_ids).select_related("user"):
        chairs[chair.union_id].append(chair.user)
    workers: dict[int, list[User]] = defaultdict(list)
    zone_ids = {g.zone_id for g in grievances if not g.assignee_id and not g.assigned_union_id and g.zone_id}
    for binding in ZoneStaff.objects.filter(zone_id__in=zone_ids).select_related("user"):
        workers[binding.zone_id].append(binding.user)
    handlers: dict[int, list[User]] = {}
    for g in grievances:
        if g.assignee_id:
            handlers[g.pk] = [assignees[g.assignee_id]]
        elif g.assigned_union_id:
            handlers[g.pk] = chairs[g.assigned_union_id]
        else:
            handlers[g.pk] = workers[g.zone_id] if g.zone_id else []
    return handlers


def _level_nodes(grievances: list[Grievance], level: str) -> dict[int, Federation]:
    """Where each grievance's escalation goes (``_level_node``) (by grievance pk), in two queries."""
    own = Federation.objects.in_bulk({g.federation_id for g in grievances})
    tree = Federation.objects.in_bulk({pk for federation in own.values() for pk in federation.ancestor_ids()})
    return {g.pk: _level_node(own[g.federation_id], level, tree) for g in grievances}


def _federation_staff(nodes: set[Federation]) -> dict[int, list[User]]:
    """The active federation staff of each node (by federation pk), in one query."""
    staff: dict[int, list[User]] = defaultdict(list)
    assignments = RoleAssignment.objects.filter(
        role=Role.FEDERATION_STAFF, federation__in=nodes, user__is_active=True
    ).select_related("user")
    for assignment in assignments:
        staff[assignment.federation_id].append(assignment.user)
    return staff


def check_calendar(*, today: datetime.date | None = None) -> bool:
    """In November and December, warn county-level (and higher) federation staff once when next year
    has no confirmed working-day calendar. True when a warning was written."""
    today = today or timezone.localdate()
    if today.month < 11 or working_days.year_is_known(today.year + 1):
        return False
    year = today.year + 1
    staff = User.objects.filter(
        is_active=True,
        role_assignments__role=Role.FEDERATION_STAFF,
        role_assignments__federation__kind__in=[FederationKind.PROVINCE, FederationKind.CITY, FederationKind.COUNTY],
    ).distinct()
    notify(
        staff,
        key=f"working-day-calendar-{year}",
        title=_("The working-day calendar for {year} is missing").format(year=year),
        body=_(
            "Grievance deadlines count working days. Enter {year}'s public holidays and make-up workdays "
            "from the State Council's notice (admin: working-day calendar), or load them with "
            "manage.py load_working_days."
        ).format(year=year),
        link="/admin/events/workingday/",
    )
    return True


# --- helpers -------------------------------------------------------------------------------------


def _locked(grievance: Grievance, actor: User | None, action: str, allowed_from: Iterable[str]) -> Grievance:
    """The grievance's row, locked, re-checked in the actor's scope, in one of ``allowed_from``."""
    locked = Grievance.objects.select_for_update(of=("self",)).get(pk=grievance.pk)
    if actor is not None:
        ensure_in_scope(locked, actor, action)
    if locked.status not in allowed_from:
        raise ValidationError(
            _("This cannot be done while the grievance is “{status}”.").format(status=locked.get_status_display()),
            code="status",
        )
    return locked


def _move(grievance: Grievance, to: str, actor: User | None, text: str = "", *, always_log: bool = False) -> None:
    before = grievance.status
    grievance.status = to
    if actor is not None:
        grievance._history_user = actor  # type: ignore[attr-defined]
    grievance.save()
    if before != to or always_log:
        _log(grievance, GrievanceEventKind.TRANSITION, actor, status_from=before, status_to=to, text=text.strip())


def _reopen(grievance: Grievance, actor: User | None, reason: str) -> None:
    grievance.reopen_count += 1
    grievance.due_at = working_days.due_at(timezone.now(), tier_days(grievance.tier))
    grievance.reminded_for = None
    _move(grievance, S.REOPENED, actor, reason)


def _log(
    grievance: Grievance,
    kind: str,
    actor: User | None,
    *,
    text: str = "",
    internal: bool = False,
    status_from: str = "",
    status_to: str = "",
) -> GrievanceEvent:
    return GrievanceEvent.objects.create(
        grievance=grievance,
        kind=kind,
        actor=actor,
        text=text[:4000],
        internal=internal,
        status_from=status_from,
        status_to=status_to,
    )


def _own_union_id(grievance: Grievance) -> int | None:
    if grievance.union_id:
        return grievance.union_id
    return grievance.employer.union_id if grievance.employer is not None else None


def _union_in_zone(grievance: Grievance) -> bool:
    return grievance.union is not None and grievance.union.zone_id == grievance.zone_id


def _title(template: str, grievance: Grievance, **values: str) -> str:
    """A notification title: the tracking code and category, never anything about the submitter."""
    return template.format(code=grievance.formatted_code, **values)[:200]


def _assignee_label(grievance: Grievance) -> str:
    if grievance.assigned_union is not None:
        who = grievance.assigned_union.name
    elif grievance.assignee_name:
        who = grievance.assignee_name
    elif grievance.assignee is not None:
        who = grievance.assignee.get_full_name() or grievance.assignee.get_username()
    else:
        who = ""
    return f"{AssigneeKind(grievance.assignee_kind).label}: {who}"


def _tell_assignee(grievance: Grievance) -> None:
    """A zone worker gets the grievance in their inbox; a union's chairs and other users a notification."""
    title = _title(_("Grievance {code} assigned to you"), grievance)
    if grievance.assignee_kind == AssigneeKind.ZONE_WORKER and grievance.assignee and grievance.zone_id:
        do_raise_work_item(
            WorkItem(
                kind=WorkKind.GRIEVANCE,
                title=title,
                detail=grievance.get_category_display(),
                link=work_link(grievance),
                zone_id=grievance.zone_id,
                union_id=grievance.union_id if _union_in_zone(grievance) else None,
                assignee=grievance.assignee,
                due_on=timezone.localtime(grievance.due_at).date() if grievance.due_at else None,
            ),
            source_key=f"grievance:{grievance.pk}:assigned:{grievance.assignee.pk}",
        )
        return
    recipients: list[User] = []
    if grievance.assigned_union_id:
        recipients = [chair.user for chair in UnionChair.objects.filter(union_id=grievance.assigned_union_id)]
    elif grievance.assignee is not None:
        recipients = [grievance.assignee]
    if recipients:
        notify(
            recipients,
            key=f"grievance-{grievance.pk}-assigned-{grievance.events.count()}",
            title=title,
            body=grievance.get_category_display(),
            link=admin_link(grievance),
        )


def _level_node(federation: Federation, level: str, tree: dict[int, Federation]) -> Federation:
    """The federation an escalation to ``level`` goes to: the nearest township (for the county: the
    nearest county, else city or province) at or above the grievance's own; its own federation
    when the tree has none. ``tree`` holds its ancestors, itself included, by pk."""
    if level == EscalationLevel.TOWNSHIP:
        choices = [{FederationKind.TOWNSHIP}]
    else:
        choices = [{FederationKind.COUNTY}, {FederationKind.CITY, FederationKind.PROVINCE}]
    nearest_first = [tree[pk] for pk in reversed(federation.ancestor_ids()) if pk in tree]
    for kinds in choices:
        if node := next((n for n in nearest_first if n.kind in kinds), None):
            return node
    return federation
