"""The zone worker's phone pages (/m/): this quarter's visits, a union's page with the visit form.

Pages are server-rendered and scoped like everything else; the visit form is sent by
static/zones/mobile.js through the API, queued on the phone while there is no signal, and a
service worker keeps the pages available offline.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from unionhub.core.choices import Action
from unionhub.core.models import User
from unionhub.core.scoping import get_scoped_or_404

from .actions import (
    do_mark_demand_met,
    do_match_demand,
    do_reassign_plan_entry,
    do_save_finding,
    do_update_work_item,
    do_withdraw_match,
    workers_of_zones,
)
from .choices import FindingKind, FindingStatus, MatchStatus, ResourceCategory, VisitDuty, WorkState
from .coverage import coverage
from .inbox import FINDING_STATUS_FOR, INBOX_SHOWN, inbox_for
from .matching import suggest_resources
from .models import (
    DemandMatch,
    Finding,
    GrassrootsUnion,
    ServiceResource,
    UnionIndicator,
    Visit,
    VisitPlanEntry,
    WorkItem,
)
from .quarters import Quarter

OPEN_FINDINGS = [FindingStatus.OPEN, FindingStatus.IN_PROGRESS]
# The demand list shows the most recent ones; staff have the admin for the full list.
DEMANDS_SHOWN = 100


def messages_for_phone() -> dict[str, str]:
    """What mobile.js says, translated here (placeholders in braces are filled in on the phone)."""
    return {
        "offlineUnavailable": _(
            "Offline use is not available in this browser: keep the page open while you have signal."
        ),
        "offline": _("No signal: visits are kept on this phone and sent when the signal returns."),
        "waiting": _("Waiting to send: {count} visit(s)."),
        "sent": _("Visit saved."),
        "queued": _("Visit kept on this phone; it will be sent when the signal returns."),
        "failed": _("The visit was refused: {errors}"),
        "locating": _("Finding your position…"),
        "noPosition": _("Your position is not available; the visit will be reviewed."),
        "distance": _("{metres} m from the union"),
        "far": _("More than {metres} m from the union: the visit will be reviewed."),
        "needCategory": _("Say what the demand is for, so that it can be matched."),
    }


def _last_visit(union_ref: str) -> Subquery:
    return Subquery(Visit.objects.filter(union=OuterRef(union_ref)).order_by("-visited_at").values("visited_at")[:1])


def _open_findings(union_ref: str) -> Subquery:
    return Subquery(
        Finding.objects.filter(union=OuterRef(union_ref), status__in=OPEN_FINDINGS)
        .values("union")
        .annotate(count=Count("id"))
        .values("count")[:1]
    )


@login_required
def my_visits(request: HttpRequest) -> HttpResponse:
    """This quarter's unions to visit, the ones not yet visited first, most neglected on top.

    ``?all=1`` shows every planned union the user may see (a chief's whole zone).
    """
    quarter = Quarter.current()
    entries = VisitPlanEntry.objects.restrict(request.user, Action.VIEW).filter(quarter=str(quarter))
    if request.GET.get("all") != "1":
        entries = entries.filter(assignee=request.user)
    entries = (
        entries.select_related("union", "zone")
        .only("id", "first_visit_id", "zone__name", "union__id", "union__name", "union__address", "union__location")
        .annotate(
            last_visit=_last_visit("union"),
            open_findings=_open_findings("union"),
            anomaly_index=Subquery(UnionIndicator.objects.filter(union=OuterRef("union")).values("anomaly_index")),
        )
    )
    today = timezone.localdate()
    rows = []
    for entry in entries:
        last = timezone.localtime(entry.last_visit).date() if entry.last_visit else None
        entry.days_since = (today - last).days if last else None
        rows.append(entry)
    # Unvisited first; then the anomaly index (computed nightly), open findings, and the
    # longest since a visit (never visited on top).
    rows.sort(
        key=lambda e: (
            e.first_visit_id is not None,
            -(e.anomaly_index or 0),
            -(e.open_findings or 0),
            -(e.days_since if e.days_since is not None else 10**6),
        )
    )
    visited = sum(1 for e in rows if e.first_visit_id)
    return render(
        request,
        "zones/mobile/my_visits.html",
        {
            "quarter": quarter,
            "days_left": quarter.days_left(today),
            "entries": rows,
            "visited": visited,
            "total": len(rows),
            "percent": round(100 * visited / len(rows)) if rows else 0,
            "show_all": request.GET.get("all") == "1",
            "messages_for_phone": messages_for_phone(),
        },
    )


@login_required
def union_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A union's details, its recent visits and open findings, and the visit form."""
    union = get_scoped_or_404(GrassrootsUnion, request.user, Action.VIEW, pk=pk)
    visits = Visit.objects.restrict(request.user, Action.VIEW).filter(union=union).select_related("worker")
    findings = Finding.objects.restrict(request.user, Action.VIEW).filter(union=union, status__in=OPEN_FINDINGS)
    return render(
        request,
        "zones/mobile/union.html",
        {
            "union": union,
            "visits": visits.order_by("-visited_at")[:5],
            "findings": findings.order_by("-created_at")[:10],
            "duties": VisitDuty.choices,
            "finding_kinds": FindingKind.choices,
            "resource_categories": ResourceCategory.choices,
            "far_metres": Visit.FAR_VISIT_METRES,
            "messages_for_phone": messages_for_phone(),
        },
    )


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from /m/ so that it may control every page under /m/."""
    shell = [
        static("zones/mobile.js"),
        static("zones/mobile.css"),
        static("leaflet/leaflet.js"),
        static("leaflet/leaflet.css"),
    ]
    response = render(
        request,
        "zones/mobile/sw.js",
        {"shell": shell, "version": settings.STATIC_URL + "v1"},
        content_type="application/javascript",
    )
    response["Service-Worker-Allowed"] = "/m/"
    return response


def manifest(request: HttpRequest) -> HttpResponse:
    return render(request, "zones/mobile/manifest.webmanifest", content_type="application/manifest+json")


@login_required
def coverage_page(request: HttpRequest) -> HttpResponse:
    """The zone's coverage this quarter, per worker, with the unions not yet visited.

    A chief or instructor gives a planned visit to another worker of the zone here (a POST
    of ``entry`` and ``assignee``); others see the page without the choice.
    """
    quarter = Quarter.current()
    entries = VisitPlanEntry.objects.restrict(request.user, Action.VIEW)
    error = ""
    if request.method == "POST":
        entry = get_scoped_or_404(VisitPlanEntry, request.user, Action.CHANGE, pk=request.POST.get("entry") or 0)
        assignee = User.objects.filter(pk=request.POST.get("assignee") or 0).first()
        try:
            do_reassign_plan_entry(entry, assignee, actor=request.user)
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        else:
            return redirect("mobile:coverage")
    rows = coverage(entries, str(quarter))
    unvisited = (
        entries.filter(quarter=str(quarter), first_visit=None)
        .select_related("union", "assignee")
        .only("id", "zone_id", "union__name", "assignee__username", "assignee__first_name", "assignee__last_name")
        .order_by("union__name")
    )
    changeable = set(
        VisitPlanEntry.objects.restrict(request.user, Action.CHANGE)
        .filter(quarter=str(quarter), first_visit=None)
        .values_list("id", flat=True)
    )
    by_zone: dict[int, list] = {}
    for entry in unvisited:
        entry.changeable = entry.id in changeable
        by_zone.setdefault(entry.zone_id, []).append(entry)
    assignees = {worker["assignee"] for row in rows for worker in row["workers"]}
    names = {user.pk: user.get_full_name() or user.username for user in User.objects.filter(pk__in=assignees)}
    # The zone's workers are offered only where the user may reassign: one query for all zones.
    reassignable = [row["zone"] for row in rows if any(e.changeable for e in by_zone.get(row["zone"], []))]
    choices = workers_of_zones(reassignable) if reassignable else {}
    for row in rows:
        row["unvisited"] = by_zone.get(row["zone"], [])
        row["choices"] = choices.get(row["zone"], [])
        for worker in row["workers"]:
            worker["name"] = names.get(worker["assignee"], "—")
    return render(
        request,
        "zones/mobile/coverage.html",
        {"quarter": quarter, "rows": rows, "error": error, "messages_for_phone": messages_for_phone()},
    )


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    """The zone worker's one inbox: visits due, findings to follow up, work raised by other areas.

    A POST of ``source`` ("finding" or "work"), ``pk``, ``state`` and, to mark it done,
    ``resolution`` moves an item on.
    """
    error = ""
    if request.method == "POST":
        try:
            _move_inbox_item(request)
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        else:
            return redirect(request.get_full_path())
    done = request.GET.get("tab") == "done"
    items = inbox_for(request.user, done=done, limit=INBOX_SHOWN + 1)
    return render(
        request,
        "zones/mobile/inbox.html",
        {
            "items": items[:INBOX_SHOWN],
            "more": len(items) > INBOX_SHOWN,
            "shown": INBOX_SHOWN,
            "done": done,
            "error": error,
            "messages_for_phone": messages_for_phone(),
        },
    )


def _move_inbox_item(request: HttpRequest) -> None:
    state = request.POST.get("state", "")
    if state not in WorkState.values:
        raise ValidationError({"state": _("Choose a valid state.")})
    pk = request.POST.get("pk") or 0
    if request.POST.get("source") == "work":
        item = get_scoped_or_404(WorkItem, request.user, Action.CHANGE, pk=pk)
        do_update_work_item(item, state=state, resolution=request.POST.get("resolution", ""), actor=request.user)
    else:
        finding = get_scoped_or_404(
            Finding.objects.exclude(kind=FindingKind.DEMAND), request.user, Action.CHANGE, pk=pk
        )
        finding.status = FINDING_STATUS_FOR[WorkState(state)]
        do_save_finding(finding, actor=request.user)


@login_required
def demands_page(request: HttpRequest) -> HttpResponse:
    """The demand list (需求清单): demands found on visits, unmatched first, with their matches."""
    demands = (
        Finding.objects.restrict(request.user, Action.VIEW)
        .filter(kind=FindingKind.DEMAND)
        .select_related("union")
        .only("id", "category", "description", "status", "created_at", "union__name")
    )
    show = request.GET.get("show", "open")
    if show == "met":
        demands = demands.filter(status=FindingStatus.RESOLVED).order_by("-closed_at")
    else:
        demands = demands.filter(status__in=OPEN_FINDINGS).order_by("status", "-created_at")
    demands = demands.prefetch_related(
        Prefetch(
            "matches",
            queryset=DemandMatch.objects.exclude(status=MatchStatus.WITHDRAWN)
            .select_related("resource")
            .only("id", "finding_id", "status", "resource__name"),
        )
    )
    return render(
        request,
        "zones/mobile/demands.html",
        {"demands": demands[:DEMANDS_SHOWN], "show": show, "messages_for_phone": messages_for_phone()},
    )


@login_required
def demand_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One demand: its matches (mark met, withdraw) and the nearest resources that could meet it."""
    finding = get_scoped_or_404(
        Finding.objects.filter(kind=FindingKind.DEMAND).select_related("union"), request.user, Action.VIEW, pk=pk
    )
    error = ""
    if request.method == "POST":
        try:
            _act_on_demand(request, finding)
        except ValidationError as exc:
            error = "; ".join(exc.messages)
        else:
            return redirect("mobile:demand", pk=finding.pk)
    matches = finding.matches.exclude(status=MatchStatus.WITHDRAWN).select_related("resource", "matched_by")
    changeable = Finding.objects.restrict(request.user, Action.CHANGE).filter(pk=finding.pk).exists()
    return render(
        request,
        "zones/mobile/demand.html",
        {
            "finding": finding,
            "matches": matches.order_by("-matched_at"),
            "suggestions": suggest_resources(finding, request.user) if finding.status in OPEN_FINDINGS else [],
            "changeable": changeable,
            "error": error,
            "messages_for_phone": messages_for_phone(),
        },
    )


def _act_on_demand(request: HttpRequest, finding: Finding) -> None:
    note = request.POST.get("note", "")
    if "resource" in request.POST:
        resource = get_scoped_or_404(ServiceResource, request.user, Action.VIEW, pk=request.POST["resource"] or 0)
        do_match_demand(finding, resource, actor=request.user, note=note)
        return
    match = get_scoped_or_404(
        DemandMatch.objects.filter(finding=finding), request.user, Action.CHANGE, pk=request.POST.get("match") or 0
    )
    if request.POST.get("outcome") == "met":
        do_mark_demand_met(match, actor=request.user, note=note)
    else:
        do_withdraw_match(match, actor=request.user)
