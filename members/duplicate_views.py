"""The admin page of duplicate members (查重合并), linked from the member list: look, then merge a pair."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from unionhub.core.choices import Action

from .merging import do_merge_members, do_start_duplicate_scan, groups_of, latest_scan
from .models import Member


@require_http_methods(["GET", "POST"])
def duplicates(request: HttpRequest) -> HttpResponse:
    """The latest scan's groups of records that look like one person; POST scans again, or merges two."""
    if not Member.scope_spec.allows_somewhere(request.user, Action.CHANGE):  # type: ignore[arg-type]
        raise PermissionDenied
    if request.method == "POST" and "scan" in request.POST:
        do_start_duplicate_scan(actor=request.user)  # type: ignore[arg-type]
        messages.info(request, _("Looking for duplicates: reload this page in a moment."))
        return HttpResponseRedirect(request.path)
    if request.method == "POST":
        try:
            ids = [int(request.POST["survivor"]), int(request.POST["merged"])]
        except (KeyError, ValueError):
            messages.error(request, _("Choose the record to keep."))
            return HttpResponseRedirect(request.path)
        found = {m.pk: m for m in Member.objects.restrict(request.user, Action.CHANGE).filter(pk__in=ids)}
        if len(found) != 2:
            messages.error(request, _("Choose two of your members."))
            return HttpResponseRedirect(request.path)
        try:
            do_merge_members(found[ids[0]], found[ids[1]], actor=request.user, ip=request.META.get("REMOTE_ADDR"))  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", None) or [str(exc)]:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("{merged} was merged into {survivor}.").format(
                    merged=found[ids[1]].member_number, survivor=found[ids[0]].member_number
                ),
            )
        return HttpResponseRedirect(request.path)
    return render(
        request,
        "admin/members/member/duplicates.html",
        {
            **admin.site.each_context(request),
            "title": _("Duplicate members"),
            "opts": Member._meta,
            "scan": (scan := latest_scan(request.user)),
            "groups": groups_of(scan, request.user),
        },
    )
