"""Grievances in the admin: hotline entry by staff (12351), the list to triage, the timeline, the calendar.

Transitions are made through the API (/api/v1/grievances/…/verify/ and so on) and the zone
workers' pages; the changelist offers "verify" for calls taken in by hand. The submitter's name
and phone are left out of the form for whoever the grievance is kept from (employer-blind).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action
from unionhub.core.text.search import SEARCH_COLUMNS, text_search
from unionhub.core.validators import validate_caller_phone

from .grievance_text import possible_duplicates
from .grievances import do_file_grievance, do_save_grievance, do_verify_grievance
from .models import Grievance, GrievanceEvent, WorkingDay

INTAKE_FIELDS = [
    "channel",
    "category",
    "tier",
    "description",
    "place",
    "address",
    "federation",
    "zone",
    "employer",
    "union",
    "employer_name",
]
SUBMITTER_FIELDS = [
    "submitter_name",
    "new_phone",
    "masked_phone",
    "anonymous",
    "pin",
    "employer_blind",
    "identity_consent",
]
# Shown to staff beside the category: what the description suggests, and open look-alikes.
TEXT_FIELDS = ["suggestion", "duplicates"]
STATE_FIELDS = [
    "tracking_code",
    "status",
    "due_at",
    "paused_at",
    "pause_reason",
    "assignee_kind",
    "assignee",
    "assigned_union",
    "assignee_name",
    "escalation_level",
    "resolution",
    "rating",
    "rating_comment",
    "reopen_count",
    "created_at",
    "consent_version",
    "consented_at",
]


class GrievanceForm(forms.ModelForm):
    """Hotline entry: the phone is checked here and stored encrypted by the action; a PIN for anonymous callers."""

    new_phone = forms.CharField(label=_("phone"), required=False, max_length=20)
    pin = forms.CharField(
        label=_("PIN"), required=False, max_length=8, help_text=_("4 to 8 digits, for an anonymous caller.")
    )

    class Meta:
        model = Grievance
        fields = [f for f in INTAKE_FIELDS + SUBMITTER_FIELDS if f not in ("new_phone", "pin", "masked_phone")]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        phone, pin = data.get("new_phone", ""), data.get("pin", "")
        if phone:
            try:
                validate_caller_phone(phone)
            except ValidationError as refused:
                self.add_error("new_phone", refused)
        adding = self.instance._state.adding
        if adding and not data.get("anonymous") and not phone:
            self.add_error("new_phone", _("Give a phone number, so that the worker can be reached."))
        if adding and data.get("anonymous") and not phone and not pin:
            self.add_error("pin", _("Choose a PIN, so that the worker can follow the grievance."))
        return data


class GrievanceEventInline(admin.TabularInline):
    """The timeline, read-only (it is written by the actions)."""

    model = GrievanceEvent
    extra = 0
    fields = ["at", "kind", "status_from", "status_to", "text", "internal", "actor"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or Grievance.objects.restrict(request.user, Action.VIEW).filter(pk=obj.pk).exists()


@admin.register(Grievance)
class GrievanceAdmin(ScopedAdmin):
    form = GrievanceForm
    list_display = [
        "formatted_code",
        "category",
        "suggestion",
        "status",
        "tier",
        "zone",
        "due_at",
        "is_overdue",
        "escalation_level",
        "created_at",
    ]
    list_filter = ["status", "category", "tier", "channel", "escalation_level"]
    list_select_related = ["zone"]
    # And the description by its words and synonyms: get_search_results.
    search_fields = ["tracking_code", "=hotline_ticket"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["federation", "zone", "employer", "union"]
    inlines = [GrievanceEventInline]
    actions = ["verify"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("zone__boundary", "description", *SEARCH_COLUMNS)

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        by_code, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return by_code, may_have_duplicates
        return by_code | text_search(queryset, search_term), may_have_duplicates

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        grievance = super().get_object(request, object_id, from_field)
        if grievance is not None:
            grievance._viewer = request.user  # possible duplicates are those this user may see
        return grievance

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        submitter = [f for f in SUBMITTER_FIELDS if f != ("masked_phone" if obj is None else "pin")]
        if obj is not None and obj.hides_submitter_from(request.user):
            submitter = ["anonymous", "employer_blind"]
        fieldsets = [(None, {"fields": INTAKE_FIELDS}), (_("Submitter"), {"fields": submitter})]
        if obj is not None:
            fieldsets.insert(1, (_("Category suggestion and possible duplicates"), {"fields": TEXT_FIELDS}))
            fieldsets.append((_("Handling"), {"fields": STATE_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        hidden = obj.hides_submitter_from(request.user)
        return [*STATE_FIELDS, *TEXT_FIELDS, "masked_phone", *(["anonymous", "employer_blind"] if hidden else [])]

    @admin.display(description=_("suggested category"), ordering="suggested_category")
    def suggestion(self, grievance: Grievance) -> str:
        if not grievance.suggested_category:
            return "–"
        label = grievance.get_suggested_category_display()
        return f"{label} ({grievance.suggestion_confidence or 0:.0%})"

    @admin.display(description=_("possible duplicates"))
    def duplicates(self, grievance: Grievance) -> str:
        viewer = getattr(grievance, "_viewer", None)
        found = possible_duplicates(grievance, viewer) if viewer is not None else []
        if not found:
            return _("None: no open grievance about the same employer reads like this one.")
        return format_html_join(
            format_html("<br>"),
            '<a href="{}">{}</a> · {} · {}',
            (
                (
                    reverse("admin:events_grievance_change", args=[d.id]),
                    d.tracking_code,
                    Grievance(status=d.status).get_status_display(),
                    _("similarity {score:.0%}").format(score=d.score),
                )
                for d in found
            ),
        )

    @admin.display(description=_("tracking code"), ordering="tracking_code")
    def formatted_code(self, grievance: Grievance) -> str:
        return grievance.formatted_code

    @admin.display(description=_("phone"))
    def masked_phone(self, grievance: Grievance) -> str:
        return grievance.masked_phone

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue(self, grievance: Grievance) -> bool:
        return grievance.overdue

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        phone, pin = form.cleaned_data.get("new_phone", ""), form.cleaned_data.get("pin", "")
        if not change:
            do_file_grievance(obj, actor=request.user, phone=phone, pin=pin)
            return
        if phone:
            obj.set_phone(phone)
        do_save_grievance(obj, actor=request.user)

    @admin.action(description=_("Verify the selected grievances (general tier)"))
    def verify(self, request: HttpRequest, queryset: Any) -> None:
        verified = 0
        for grievance in queryset.restrict(request.user, Action.APPROVE):
            try:
                do_verify_grievance(grievance, actor=request.user)
            except ValidationError:
                continue  # not waiting for verification
            verified += 1
        self.message_user(request, _("{count} grievances verified.").format(count=verified), messages.SUCCESS)


@admin.register(WorkingDay)
class WorkingDayAdmin(admin.ModelAdmin):
    """The national calendar of holidays and make-up workdays: one for the whole installation, kept by
    the system administrator (load a year with manage.py load_working_days)."""

    list_display = ["date", "kind", "name", "confirmed"]
    list_filter = ["kind", "confirmed"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
