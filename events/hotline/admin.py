"""The admin's hotline import pages: the list of imports, upload ("add"), and each import's page
(map the columns, dry run, report, import or abandon) in place of the change form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.choices import ImportStatus
from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action, JobStatus
from unionhub.core.scoping import get_scoped_or_404

from .imports import (
    FIELD_HEADERS,
    FIELD_LABELS,
    REQUIRED_FIELDS,
    do_abandon_hotline_import,
    do_check_hotline_import,
    do_commit_hotline_import,
    do_upload_hotline_file,
    error_message,
    may_import,
)
from .models import HotlineImport


class HotlineUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Hotline export"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file, as the hotline system exports it."),
    )


class HotlineMappingForm(forms.Form):
    """One choice of column per ticket field, among the file's headers."""

    def __init__(self, *args: Any, imported: HotlineImport, **kwargs: Any) -> None:
        super().__init__(*args, initial={f"column_{k}": v for k, v in imported.columns.items()}, **kwargs)
        choices = [("", "—")] + [(str(i), header or f"({i + 1})") for i, header in enumerate(imported.headers)]
        for name in FIELD_HEADERS:
            self.fields[f"column_{name}"] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                empty_value=None,
                required=name in REQUIRED_FIELDS,
                label=FIELD_LABELS[name],
            )

    def columns(self) -> dict[str, int]:
        return {
            name: self.cleaned_data[f"column_{name}"]
            for name in FIELD_HEADERS
            if self.cleaned_data.get(f"column_{name}") is not None
        }


@admin.register(HotlineImport)
class HotlineImportAdmin(ScopedAdmin):
    list_display = [
        "file_name",
        "federation",
        "status",
        "total_rows",
        "new_rows",
        "existing_rows",
        "error_rows",
        "created_at",
    ]
    list_select_related = ["federation"]
    list_filter = ["status"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return may_import(request.user)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # abandoned, never deleted: the list is the record of what came in

    def _page(self, request: HttpRequest, template: str, title: Any, **context: Any) -> HttpResponse:
        return render(
            request,
            f"admin/events/hotlineimport/{template}",
            {**self.admin_site.each_context(request), "title": title, "opts": self.opts, **context},
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not may_import(request.user):  # type: ignore[arg-type]
            raise PermissionDenied
        bound = request.method == "POST"
        form = HotlineUploadForm(request.POST if bound else None, request.FILES if bound else None)
        if bound and form.is_valid():
            try:
                imported = do_upload_hotline_file(form.cleaned_data["file"], actor=request.user)  # type: ignore[arg-type]
            except ValidationError as exc:
                form.add_error("file", exc.messages)  # a file that is not a ticket spreadsheet, on its field
            else:
                return HttpResponseRedirect(reverse("admin:events_hotlineimport_change", args=[imported.pk]))
        return self._page(request, "upload.html", _("Import hotline tickets"), form=form)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        imported = get_scoped_or_404(
            HotlineImport.objects.select_related("job", "federation"), request.user, Action.VIEW, pk=object_id
        )
        step = request.POST.get("step") if request.method == "POST" else None
        form = HotlineMappingForm(request.POST if step == "check" else None, imported=imported)
        if step:
            try:
                if step == "check" and form.is_valid():
                    do_check_hotline_import(imported, actor=request.user, columns=form.columns())  # type: ignore[arg-type]
                    return HttpResponseRedirect(request.path)
                if step == "commit":
                    do_commit_hotline_import(imported, actor=request.user)  # type: ignore[arg-type]
                    return HttpResponseRedirect(request.path)
                if step == "abandon":
                    do_abandon_hotline_import(imported, actor=request.user)  # type: ignore[arg-type]
                    messages.success(request, _("The import was abandoned and its file deleted."))
                    return HttpResponseRedirect(request.path)
            except (ValidationError, PermissionDenied) as exc:
                for message in getattr(exc, "messages", None) or [str(exc)]:
                    messages.error(request, message)
        errors = [
            {**e, "column": FIELD_LABELS.get(e["field"], e["field"]), "message": error_message(e)}
            for e in imported.errors
        ]
        return self._page(
            request,
            "detail.html",
            _("Hotline import of {file}").format(file=imported.file_name),
            imported=imported,
            form=form,
            column_fields=[form[f"column_{name}"] for name in FIELD_HEADERS],
            errors=errors,
            running=imported.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING),
            can_map=imported.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED),
            can_commit=imported.status == ImportStatus.CHECKED and not imported.error_rows,
            failed=imported.job is not None and imported.job.status == JobStatus.FAILED,
            statuses=ImportStatus,
        )
