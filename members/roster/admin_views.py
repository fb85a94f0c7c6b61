"""The admin's roster pages, linked from the member list: import a roster, export the list.

Both long steps (the dry run, the import, the export) are jobs; their pages poll the job
through the API (/api/v1/jobs/<id>/) and reload when it has finished.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from unionhub.core.choices import Action, JobStatus
from unionhub.core.models import Job
from unionhub.core.scoping import get_scoped_or_404
from zones.models import GrassrootsUnion, Zone

from ..choices import ImportStatus
from ..filtersets import MemberFilterSet
from ..models import Member, RosterImport
from .exports import EXPORT_KIND, do_start_member_export, export_file_response
from .files import FIELD_LABELS
from .forms import MemberExportForm, RosterMappingForm, RosterUploadForm
from .imports import (
    do_abandon_roster,
    do_check_roster,
    do_commit_roster,
    do_upload_roster,
    error_message,
)

# The member changelist's query parameters that an export can apply, as the export's filters.
CHANGELIST_FILTERS = {
    "q": "name",
    "status__exact": "status",
    "occupation__exact": "occupation",
    "work_form__exact": "work_form",
    "is_model_worker__exact": "is_model_worker",
    "is_craftsman__exact": "is_craftsman",
    "in_hardship__exact": "in_hardship",
    "union__id__exact": "union",
    "zone__id__exact": "zone",
}
BOOLEAN_VALUES = {"1": "true", "0": "false"}
# Parameters of the changelist that are not filters (ordering, paging, pop-ups).
CHANGELIST_CONTROLS = {"o", "p", "_changelist_filters", "e", "all"}


def roster_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    wrap = model_admin.admin_site.admin_view
    return [
        path("import/", wrap(import_roster), name="members_member_import"),
        path("import/<int:pk>/", wrap(roster_import), name="members_member_import_detail"),
        path("export/", wrap(export_members), name="members_member_export"),
        path("export/<int:pk>/", wrap(member_export), name="members_member_export_detail"),
        path("export/<int:pk>/file/", wrap(member_export_file), name="members_member_export_file"),
    ]


def _page(request: HttpRequest, template: str, title: Any, **context: Any) -> HttpResponse:
    return render(
        request,
        f"admin/members/roster/{template}",
        {**admin.site.each_context(request), "title": title, "opts": Member._meta, **context},
    )


def _refused(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    for message in getattr(exc, "messages", None) or [str(exc) or _("You may not do this.")]:
        messages.error(request, message)


@require_http_methods(["GET", "POST"])
def import_roster(request: HttpRequest) -> HttpResponse:
    """Upload a roster; the user's recent imports are listed below."""
    if not Member.scope_spec.allows_somewhere(request.user, Action.ADD):
        raise PermissionDenied
    bound = request.method == "POST"
    form = RosterUploadForm(request.POST if bound else None, request.FILES if bound else None, user=request.user)
    if bound and form.is_valid():
        try:
            roster = do_upload_roster(
                form.cleaned_data["file"], actor=request.user, default_union=form.cleaned_data["default_union"]
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            return HttpResponseRedirect(reverse("admin:members_member_import_detail", args=[roster.pk]))
    recent = RosterImport.objects.restrict(request.user).filter(created_by=request.user).order_by("-id")[:20]
    return _page(request, "import.html", _("Import a roster"), form=form, media=form.media, recent=recent)


@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: map the columns, dry-run, read the report, import or abandon; progress while a job runs."""
    roster = get_scoped_or_404(
        RosterImport.objects.select_related("job", "default_union"), request.user, Action.VIEW, pk=pk
    )
    form = RosterMappingForm(
        request.POST if request.POST.get("step") == "check" else None, roster=roster, user=request.user
    )
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "check" and form.is_valid():
                do_check_roster(
                    roster, actor=request.user, columns=form.columns(), default_union=form.cleaned_data["default_union"]
                )
                return HttpResponseRedirect(request.path)
            if step == "commit":
                do_commit_roster(roster, actor=request.user)
                return HttpResponseRedirect(request.path)
            if step == "abandon":
                do_abandon_roster(roster, actor=request.user)
                messages.success(request, _("The import was abandoned and its file deleted."))
                return HttpResponseRedirect(request.path)
        except ValidationError as exc:
            _refused(request, exc)
    errors = [
        {**e, "column": FIELD_LABELS.get(e["field"], e["field"]), "message": error_message(e)} for e in roster.errors
    ]
    return _page(
        request,
        "import_detail.html",
        _("Import of {file}").format(file=roster.file_name),
        roster=roster,
        form=form,
        media=form.media,
        errors=errors,
        running=roster.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING),
        can_map=roster.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED),
        can_commit=roster.status == ImportStatus.CHECKED and not roster.error_rows,
        failed=roster.job is not None and roster.job.status == JobStatus.FAILED,
        statuses=ImportStatus,
    )


def export_filters(query: Any) -> tuple[dict[str, str], list[str]]:
    """The export filters that a changelist query asks for, and the changelist parameters it cannot apply."""
    filters: dict[str, str] = {}
    ignored = []
    for key, value in query.items():
        if key in CHANGELIST_FILTERS:
            name = CHANGELIST_FILTERS[key]
            filters[name] = BOOLEAN_VALUES.get(value, value) if name.startswith(("is_", "in_")) else value
        elif key in MemberFilterSet.base_filters:
            filters[key] = value
        elif key not in CHANGELIST_CONTROLS:
            ignored.append(key)
    return filters, ignored


def _filter_labels(user: Any, filters: dict[str, str]) -> list[tuple[str, str]]:
    """Each filter as its label and a readable value (names of unions and zones in scope)."""
    named = {
        "union": dict(
            GrassrootsUnion.objects.restrict(user).filter(pk__in=_ids(filters, "union")).values_list("pk", "name")
        ),
        "zone": dict(Zone.objects.restrict(user).filter(pk__in=_ids(filters, "zone")).values_list("pk", "name")),
    }
    form = MemberFilterSet(data=filters, queryset=Member.objects.none()).form
    shown = []
    for key, value in filters.items():
        label = str(form.fields[key].label) if key in form.fields else key
        if key in named:
            value = named[key].get(int(value), value) if value.isdigit() else value
        elif key in form.fields and hasattr(form.fields[key], "choices"):
            value = str(dict(form.fields[key].choices).get(value, value))
        shown.append((label, value))
    return shown


def _ids(filters: dict[str, str], key: str) -> list[int]:
    return [int(filters[key])] if filters.get(key, "").isdigit() else []


@require_http_methods(["GET", "POST"])
def export_members(request: HttpRequest) -> HttpResponse:
    """Export the member list with the changelist's filters: masked, or in full with a reason."""
    if not Member.scope_spec.allows_somewhere(request.user, Action.EXPORT):
        raise PermissionDenied
    filters, ignored = export_filters(request.GET)
    form = MemberExportForm(request.POST if request.method == "POST" else None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            job = do_start_member_export(
                actor=request.user,
                filters=filters,
                unmasked=form.cleaned_data["unmasked"],
                reason=form.cleaned_data["reason"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
        else:
            return HttpResponseRedirect(reverse("admin:members_member_export_detail", args=[job.pk]))
    return _page(
        request,
        "export.html",
        _("Export the member list"),
        form=form,
        filters=_filter_labels(request.user, filters),
        ignored=ignored,
        may_reveal=Member.scope_spec.allows_somewhere(request.user, Action.REVEAL),
        query=request.GET.urlencode(),
    )


def member_export(request: HttpRequest, pk: int) -> HttpResponse:
    """An export's progress, then its download link."""
    job = get_scoped_or_404(Job.objects.filter(kind=EXPORT_KIND), request.user, Action.VIEW, pk=pk)
    return _page(
        request,
        "export_detail.html",
        _("Member list export"),
        job=job,
        running=job.status in (JobStatus.PENDING, JobStatus.RUNNING),
        statuses=JobStatus,
    )


def member_export_file(request: HttpRequest, pk: int) -> FileResponse:
    return export_file_response(request.user, pk)
