"""The zone worker's one inbox (/m/inbox/): visits due, findings to follow up, and work other areas raise.

Three sources, one look: each row becomes an InboxItem in the same three states
(WorkState: to do, in progress, done) with a due date, so a union to visit, a hazard found
last week and a station's failed upkeep check sit in one list, the most urgent first.
The inbox covers the zones where the user holds a zone role: it is a zone worker's list,
not a federation-wide one (staff have the admin for that). Each source is one query.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.core.choices import Action, NodeKind
from unionhub.core.models import User
from unionhub.core.scoping import grants_for

from .choices import FindingKind, FindingStatus, WorkState
from .models import Finding, VisitPlanEntry, WorkItem
from .quarters import Quarter

# A finding should have been followed up within this many days of being raised.
FINDING_FOLLOW_UP_DAYS = 15
# The "done" tab shows what was finished in this many days.
RECENTLY_DONE_DAYS = 30
# The phone page lists this many, the most urgent: a zone with hundreds of open findings made
# an unbounded page (seconds to render under load, and no use to scroll on a phone).
INBOX_SHOWN = 50

FINDING_STATES = {
    FindingStatus.OPEN: WorkState.TODO,
    FindingStatus.IN_PROGRESS: WorkState.IN_PROGRESS,
    FindingStatus.RESOLVED: WorkState.DONE,
    FindingStatus.CLOSED: WorkState.DONE,
}
# The finding status each inbox state stands for, when a worker moves a finding on.
FINDING_STATUS_FOR = {
    WorkState.TODO: FindingStatus.OPEN,
    WorkState.IN_PROGRESS: FindingStatus.IN_PROGRESS,
    WorkState.DONE: FindingStatus.RESOLVED,
}


@dataclass(frozen=True)
class InboxItem:
    source: str  # "visit", "finding" or "work": what the row is, for the state buttons
    pk: int
    kind: str
    title: str
    union_name: str
    state: str
    due: datetime.date | None
    link: str
    # Whether the worker moves this item on from the inbox (a visit is done by logging it,
    # a demand by matching it to a resource).
    movable: bool

    @property
    def state_label(self) -> str:
        return str(WorkState(self.state).label)

    @property
    def overdue(self) -> bool:
        return self.state != WorkState.DONE and self.due is not None and self.due < timezone.localdate()


def zones_worked_by(user: User) -> list[int]:
    """The zones where the user holds a zone role."""
    return sorted({grant.value for grant in grants_for(user) if grant.kind == NodeKind.ZONE})


def inbox_for(user: User, *, done: bool = False, limit: int | None = None) -> list[InboxItem]:
    """The user's open items (to do and in progress), or those done recently; overdue and due soonest
    first; the first ``limit`` of them (each source reads at most that many, in its own due order)."""
    zones = zones_worked_by(user)
    if not zones:
        return []
    since = timezone.now() - datetime.timedelta(days=RECENTLY_DONE_DAYS)
    items = [
        *_visits_due(user, zones, done, limit),
        *_findings(user, zones, done, since, limit),
        *_work(user, zones, done, since, limit),
    ]
    items.sort(key=lambda item: (item.due is None, item.due or datetime.date.max, item.title))
    return items[:limit]


def _visits_due(user: User, zones: list[int], done: bool, limit: int | None) -> list[InboxItem]:
    quarter = Quarter.current()
    entries = (
        VisitPlanEntry.objects.restrict(user, Action.VIEW)
        .filter(zone__in=zones, quarter=str(quarter), assignee=user, first_visit__isnull=not done)
        .select_related("union")
        .only("id", "first_visit_id", "union__id", "union__name")
        .order_by("union__name")[:limit]  # all due at the quarter's end
    )
    return [
        InboxItem(
            source="visit",
            pk=entry.pk,
            kind=_("Visit due"),
            title=_("Visit {union}").format(union=entry.union.name),
            union_name=entry.union.name,
            state=WorkState.DONE if entry.first_visit_id else WorkState.TODO,
            due=quarter.last_day,
            link=reverse("mobile:union", args=[entry.union.id]),
            movable=False,
        )
        for entry in entries
    ]


def _findings(user: User, zones: list[int], done: bool, since: datetime.datetime, limit: int | None) -> list[InboxItem]:
    findings = Finding.objects.restrict(user, Action.VIEW).filter(zone__in=zones)
    if done:
        findings = findings.filter(status__in=[FindingStatus.RESOLVED, FindingStatus.CLOSED], closed_at__gte=since)
    else:
        findings = findings.filter(status__in=[FindingStatus.OPEN, FindingStatus.IN_PROGRESS])
    findings = findings.select_related("union").only(
        "id", "kind", "status", "description", "created_at", "union__id", "union__name"
    )
    findings = findings.order_by("created_at", "id")[:limit]  # due a fixed time after being raised
    follow_up = datetime.timedelta(days=FINDING_FOLLOW_UP_DAYS)
    items = []
    for finding in findings:
        demand = finding.kind == FindingKind.DEMAND
        items.append(
            InboxItem(
                source="finding",
                pk=finding.pk,
                kind=finding.get_kind_display(),
                title=finding.description[:80],
                union_name=finding.union.name,
                state=FINDING_STATES[FindingStatus(finding.status)],
                due=timezone.localtime(finding.created_at + follow_up).date(),
                link=reverse("mobile:demand", args=[finding.pk])
                if demand
                else reverse("mobile:union", args=[finding.union.id]),
                movable=not demand,
            )
        )
    return items


def _work(user: User, zones: list[int], done: bool, since: datetime.datetime, limit: int | None) -> list[InboxItem]:
    work = WorkItem.objects.restrict(user, Action.VIEW).filter(Q(assignee=user) | Q(assignee=None), zone__in=zones)
    work = work.filter(state=WorkState.DONE, closed_at__gte=since) if done else work.exclude(state=WorkState.DONE)
    work = work.select_related("union").only("id", "kind", "title", "state", "due_on", "link", "union__name")
    work = work.order_by(F("due_on").asc(nulls_last=True), "title")[:limit]
    return [
        InboxItem(
            source="work",
            pk=item.pk,
            kind=item.get_kind_display(),
            title=item.title,
            union_name=item.union.name if item.union else "",
            state=item.state,
            due=item.due_on,
            link=item.link,
            movable=True,
        )
        for item in work
    ]
