"""The zone worker's grievance pages under /m/: the grievances that need them, and one grievance to work.

Same building blocks as the other phone pages (zones.views): server-rendered, scoped with
``restrict(user, action)``, missing and out-of-scope both 404. The detail page offers a small
form for every transition the user may take now; each form calls the one action of
events.grievances for it (the action locks the row, re-checks scope and status, and writes the
timeline), and a refused action's message lands on the form's field. A POST first finds the
grievance among those the user may act on for that transition (Action.APPROVE or CHANGE, as the
API's ``scope_actions``), so a transition the user may not take answers 404 like a missing row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from unionhub.core.choices import Action
from unionhub.core.models import User
from unionhub.core.scoping import get_scoped_or_404
from unionhub.core.text.search import SEARCH_COLUMNS, text_search
from zones.models import GrassrootsUnion, ZoneStaff

from . import grievances as actions
from .choices import GRIEVANCE_OPEN, GrievanceStatus
from .grievance_forms import (
    AssignForm,
    ContactForm,
    GrievanceListForm,
    LogForm,
    NoteForm,
    ReasonForm,
    ResolveForm,
    VerifyForm,
)
from .grievance_text import possible_duplicates
from .models import Grievance, normalise_tracking_code

S = GrievanceStatus
PAGE_SIZE = 25
# What still needs someone: waiting for verification, being handled, or resolved and waiting to be closed.
NEEDS_WORK = [S.SUBMITTED, *GRIEVANCE_OPEN, S.RESOLVED, S.EVALUATED]
# Where log entries and contact attempts are taken (as events.grievances.do_log_grievance_action).
LOGGABLE = {*GRIEVANCE_OPEN, S.RESOLVED, S.EVALUATED}


@dataclass(frozen=True)
class Transition:
    """One form of the detail page: the scope it needs, when it is offered, the action it calls.

    ``offered`` only decides whether the form is shown; the action stays the authority (a stale
    page posting a transition that no longer applies gets the action's message).
    """

    action: str
    form: type[forms.Form]
    offered: Callable[[Grievance], bool]
    run: Callable[[Grievance, dict[str, Any], User], Any]


TRANSITIONS: dict[str, Transition] = {
    "verify": Transition(
        Action.APPROVE,
        VerifyForm,
        lambda g: g.status == S.SUBMITTED,
        lambda g, d, actor: actions.do_verify_grievance(
            g, actor=actor, tier=d["tier"], category=d["category"], note=d["note"]
        ),
    ),
    "assign": Transition(
        Action.APPROVE,
        AssignForm,
        lambda g: g.status in (S.VERIFIED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED),
        lambda g, d, actor: actions.do_assign_grievance(
            g, actor=actor, kind=d["kind"], user=d["user"], union=d["union"], name=d["name"], note=d["note"]
        ),
    ),
    "start": Transition(
        Action.CHANGE,
        NoteForm,
        lambda g: g.status == S.ASSIGNED,
        lambda g, d, actor: actions.do_start_grievance(g, actor=actor, note=d["note"]),
    ),
    "log": Transition(
        Action.CHANGE,
        LogForm,
        lambda g: g.status in LOGGABLE,
        lambda g, d, actor: actions.do_log_grievance_action(
            g, actor=actor, text=d["text"], kind=d["kind"], internal=d["internal"]
        ),
    ),
    "contact": Transition(
        Action.CHANGE,
        ContactForm,
        lambda g: g.status in LOGGABLE,
        lambda g, d, actor: actions.do_log_contact_attempt(g, actor=actor, text=d["text"], reached=d["reached"]),
    ),
    "resolve": Transition(
        Action.CHANGE,
        ResolveForm,
        lambda g: g.status in (S.IN_PROGRESS, S.REOPENED) and g.paused_at is None,
        lambda g, d, actor: actions.do_resolve_grievance(g, actor=actor, feedback=d["feedback"]),
    ),
    "close": Transition(
        Action.APPROVE,
        NoteForm,
        lambda g: g.status in (S.RESOLVED, S.EVALUATED),
        lambda g, d, actor: actions.do_close_grievance(g, actor=actor, note=d["note"]),
    ),
    "pause": Transition(
        Action.APPROVE,
        ReasonForm,
        lambda g: g.status in GRIEVANCE_OPEN and g.paused_at is None,
        lambda g, d, actor: actions.do_pause_grievance(g, actor=actor, reason=d["reason"]),
    ),
    "resume": Transition(
        Action.APPROVE,
        NoteForm,
        lambda g: g.status in GRIEVANCE_OPEN and g.paused_at is not None,
        lambda g, d, actor: actions.do_resume_grievance(g, actor=actor, note=d["note"]),
    ),
}


def _done_message(name: str) -> str:
    # Spelled out so that makemessages finds each message.
    return {
        "verify": _("Verified."),
        "assign": _("Assigned."),
        "start": _("Started."),
        "log": _("Logged."),
        "contact": _("Contact attempt logged."),
        "resolve": _("Resolved: the worker is asked for an evaluation."),
        "close": _("Closed."),
        "pause": _("Paused: the time limit stops."),
        "resume": _("Resumed: the time limit runs again."),
    }[name]


@never_cache
@login_required
def grievance_list(request: HttpRequest) -> HttpResponse:
    """The grievances in the user's scope that need work, filtered (``show``) and searched (``q``), paged."""
    form = GrievanceListForm(request.GET)
    grievances = (
        Grievance.objects.restrict(request.user, Action.VIEW)
        .select_related("employer", "union")
        .only(
            "id",
            "tracking_code",
            "category",
            "tier",
            "status",
            "due_at",
            "paused_at",
            "employer_name",
            "employer__name",
            "union__name",
            "created_at",
        )
    )
    # A refused search (a phone or ID number in it) leaves the list unsearched, with the field's message.
    valid = form.is_valid()
    show = form.cleaned_data.get("show") or "open"
    query = form.cleaned_data.get("q", "").strip() if valid else ""
    grievances = _shown(grievances, show, request.user)
    if query:
        by_code = grievances.filter(tracking_code=normalise_tracking_code(query))
        grievances = by_code | text_search(grievances, query)
    page = Paginator(grievances, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/mobile/grievances.html",
        {"form": form, "show": show, "query": query, "page": page, "grievances": page.object_list},
        status=200 if valid else 400,
    )


def _shown(grievances: QuerySet[Grievance], show: str, user: User) -> QuerySet[Grievance]:
    if show == "verify":
        return grievances.filter(status=S.SUBMITTED).order_by("created_at", "id")
    if show == "mine":
        return grievances.filter(assignee=user, status__in=NEEDS_WORK).order_by("due_at", "id")
    if show == "due":
        # Overdue, or due within the reminder window (the deadline scan's own cut-off).
        cutoff = actions.reminder_cutoff(timezone.now())
        return grievances.filter(status__in=GRIEVANCE_OPEN, paused_at__isnull=True, due_at__lte=cutoff).order_by(
            "due_at", "id"
        )
    # Not verified yet (no due time) first, then the soonest due.
    return grievances.filter(status__in=NEEDS_WORK).order_by(F("due_at").asc(nulls_first=True), "-created_at", "-id")


@never_cache
@login_required
def grievance_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One grievance: its details and timeline, the text tools' hints, and a form per transition open to the user."""
    bound: tuple[str, forms.Form] | None = None
    if request.method == "POST":
        name = request.POST.get("transition", "")
        transition = TRANSITIONS.get(name)
        if transition is None:
            # Not one of the forms: look the grievance up as for viewing, then say so.
            get_scoped_or_404(Grievance, request.user, Action.VIEW, pk=pk)
            messages.error(request, _("Choose one of the actions on the page."))
            return redirect("events:grievance-work", pk=pk)
        grievance = get_scoped_or_404(Grievance, request.user, transition.action, pk=pk)
        form = _form(name, grievance, request.user, data=request.POST)
        if form.is_valid():
            try:
                transition.run(grievance, form.cleaned_data, request.user)
            except ValidationError as refused:
                _refused(form, refused)
            else:
                messages.success(request, _done_message(name))
                return redirect("events:grievance-work", pk=pk)
        bound = (name, form)
    grievance = get_scoped_or_404(_detail_queryset(), request.user, Action.VIEW, pk=pk)
    return _render(request, grievance, bound)


def _detail_queryset() -> QuerySet[Grievance]:
    return Grievance.objects.select_related("zone", "union", "employer", "assignee", "assigned_union").defer(
        *SEARCH_COLUMNS, "zone__boundary", "union__location", "assigned_union__location"
    )


def _render(request: HttpRequest, grievance: Grievance, bound: tuple[str, forms.Form] | None) -> HttpResponse:
    allowed = {
        action
        for action in (Action.APPROVE, Action.CHANGE)
        if Grievance.objects.restrict(request.user, action).filter(pk=grievance.pk).exists()
    }
    offered = [name for name, t in TRANSITIONS.items() if t.action in allowed and t.offered(grievance)]
    forms_shown = {name: _form(name, grievance, request.user) for name in offered}
    if bound is not None:
        forms_shown[bound[0]] = bound[1]
    timeline = grievance.events.select_related("actor").order_by("at", "id")
    return render(
        request,
        "events/mobile/grievance.html",
        {
            "grievance": grievance,
            "hidden": grievance.hides_submitter_from(request.user),
            "timeline": timeline,
            "duplicates": possible_duplicates(grievance, request.user),
            "forms": forms_shown,
            "close_attempts": settings.GRIEVANCE_CLOSE_CONTACT_ATTEMPTS,
        },
        status=400 if bound is not None else 200,
    )


def _form(name: str, grievance: Grievance, user: User, data: Any = None) -> forms.Form:
    transition = TRANSITIONS[name]
    kwargs: dict[str, Any] = {"data": data, "prefix": name}
    if transition.form is VerifyForm:
        kwargs["initial"] = {"tier": grievance.tier, "category": grievance.category}
    if transition.form is AssignForm:
        kwargs["workers"] = User.objects.filter(
            is_active=True, pk__in=ZoneStaff.objects.filter(zone_id=grievance.zone_id).values("user")
        ).order_by("username")
        kwargs["unions"] = (
            GrassrootsUnion.objects.restrict(user, Action.VIEW)
            .filter(zone_id=grievance.zone_id)
            .only("id", "name")
            .order_by("name")
            if grievance.zone_id
            else GrassrootsUnion.objects.none()
        )
    return transition.form(**kwargs)


def _refused(form: forms.Form, refused: ValidationError) -> None:
    """The action's errors onto the form: on the field of the same name, else above the form."""
    if hasattr(refused, "error_dict"):
        for field, errors in refused.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refused.messages)
