from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from stations.actions import process_photo
from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action
from unionhub.core.scoping import get_scoped_or_404

from .actions import (
    do_add_activity_photo,
    do_decide_registration,
    do_save_activity,
    do_save_registration,
    do_save_series,
    do_set_quotas,
)
from .api.views import XLSX, activity_figures, series_totals
from .exports import attendance_workbook
from .models import Activity, ActivityPhoto, Registration, ThemeSeries, UnionQuota


@admin.register(ThemeSeries)
class ThemeSeriesAdmin(ScopedAdmin):
    """Monthly themes, with the totals of their activities counted in the changelist's one query."""

    save_action = staticmethod(do_save_series)
    list_display = ["month", "theme", "federation", "activity_count", "registration_count", "attendance_count"]
    list_select_related = ["federation"]
    search_fields = ["theme"]
    autocomplete_fields = ["federation"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return series_totals(super().get_queryset(request).defer("federation__area"))

    @admin.display(description=_("activities"), ordering="activity_count")
    def activity_count(self, series: Any) -> int:
        return series.activity_count

    @admin.display(description=_("registrations"), ordering="registration_count")
    def registration_count(self, series: Any) -> int:
        return series.registration_count

    @admin.display(description=_("attended"), ordering="attendance_count")
    def attendance_count(self, series: Any) -> int:
        return series.attendance_count


class QuotaFormSet(BaseInlineFormSet):
    """The quotas as one set: together they may not exceed the capacity given in the same form."""

    def clean(self) -> None:
        super().clean()
        total = sum(
            form.cleaned_data.get("places") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        capacity = self.instance.capacity
        if capacity is not None and total > capacity:
            raise ValidationError(
                _("The quotas add up to {places} places, more than the activity's capacity of {capacity}.").format(
                    places=total, capacity=capacity
                )
            )


class QuotaInline(admin.TabularInline):
    """Union quotas: whoever may change the activity sets them (events.actions.do_set_quotas)."""

    model = UnionQuota
    formset = QuotaFormSet
    extra = 0
    fields = ["union", "places"]
    autocomplete_fields = ["union"]

    def _activity_allows(self, request: HttpRequest, obj: Any, action: str) -> bool:
        if obj is None:
            return Activity.scope_spec.allows_somewhere(request.user, Action.ADD)
        return Activity.objects.restrict(request.user, action).filter(pk=obj.pk).exists()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._activity_allows(request, obj, Action.VIEW)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._activity_allows(request, obj, Action.CHANGE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._activity_allows(request, obj, Action.CHANGE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._activity_allows(request, obj, Action.CHANGE)


@admin.register(Activity)
class ActivityAdmin(ScopedAdmin):
    save_action = staticmethod(do_save_activity)
    list_display = ["title", "kind", "starts_at", "organiser", "capacity", "places_held", "waitlisted", "attended"]
    list_filter = ["kind", "organiser", "published"]
    list_select_related = ["series"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["federation", "zone", "union", "station"]
    inlines = [QuotaInline]
    change_form_template = "admin/events/activity/change_form.html"
    fieldsets = [
        (None, {"fields": ["title", "kind", "series", "description", "published"]}),
        (_("Organiser"), {"fields": ["organiser", "federation", "zone", "union"]}),
        (_("Venue and time"), {"fields": ["station", "address", "position", "starts_at", "ends_at"]}),
        (
            _("Registration"),
            {
                "fields": [
                    "registration_closes_at",
                    "capacity",
                    "needs_approval",
                    "members_only",
                    "singles_only",
                    "sector",
                    "min_age",
                    "max_age",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        return activity_figures(super().get_queryset(request))

    @admin.display(description=_("places held"))
    def places_held(self, activity: Any) -> int:
        return activity.places_held

    @admin.display(description=_("waiting"))
    def waitlisted(self, activity: Any) -> int:
        return activity.waitlisted

    @admin.display(description=_("attended"))
    def attended(self, activity: Any) -> int:
        return activity.attended

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # The quotas are written as one set by the action, which re-checks the activity's scope
        # under its lock; save(commit=False) only sorts the forms for the change message.
        formset.save(commit=False)
        places = {
            quota_form.cleaned_data["union"]: quota_form.cleaned_data["places"]
            for quota_form in formset.forms
            if quota_form.cleaned_data and not quota_form.cleaned_data.get("DELETE")
        }
        do_set_quotas(form.instance, places, actor=request.user)

    def get_urls(self) -> list[Any]:
        export = self.admin_site.admin_view(self.attendance_view)
        return [path("<int:pk>/attendance.xlsx", export, name="events_activity_attendance"), *super().get_urls()]

    def attendance_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The registration and attendance list as an Excel file, phones masked."""
        activity = get_scoped_or_404(Activity, request.user, Action.EXPORT, pk=pk)
        response = HttpResponse(attendance_workbook(activity, actor=request.user), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="activity-{activity.pk}.xlsx"'
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        extra_context = extra_context or {}
        if Activity.objects.restrict(request.user, Action.EXPORT).filter(pk=object_id).exists():
            extra_context["attendance_url"] = reverse("admin:events_activity_attendance", args=[object_id])
        if Activity.objects.restrict(request.user, Action.VIEW).filter(pk=object_id).exists():
            extra_context["check_in_url"] = reverse("events:check-in", args=[object_id])
            extra_context["registrations_url"] = (
                reverse("admin:events_registration_changelist") + f"?activity__id__exact={object_id}"
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Registration)
class RegistrationAdmin(ScopedAdmin):
    """Registrations come from workers' phones; staff decide pending ones and mark union cadres."""

    save_action = staticmethod(do_save_registration)
    list_display = ["name", "masked_phone", "activity", "member_union", "status", "attendance", "checked_in_at"]
    list_filter = ["status", "attendance"]
    list_select_related = ["activity", "member_union"]
    search_fields = ["name", "activity__title"]
    fields = [
        "activity",
        "name",
        "masked_phone",
        "member_union",
        "cadre_of",
        "status",
        "offer_expires_at",
        "reason",
        "attendance",
        "checked_in_at",
        "created_at",
    ]
    readonly_fields = [f for f in fields if f != "cadre_of"]
    autocomplete_fields = ["cadre_of"]
    actions = ["approve"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("activity__position")

    @admin.display(description=_("phone"))
    def masked_phone(self, registration: Registration) -> str:
        return registration.masked_phone

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # workers register themselves, proving their phone

    @admin.action(description=_("Approve the selected registrations"))
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        approved = 0
        for registration in queryset.restrict(request.user, Action.APPROVE):
            try:
                do_decide_registration(registration, approve=True, actor=request.user)
            except ValidationError:
                continue  # not waiting for approval
            approved += 1
        self.message_user(request, _("{count} registrations approved.").format(count=approved), messages.SUCCESS)


class ActivityPhotoForm(forms.ModelForm):
    """The photo is checked and re-encoded when the form is validated (errors on the field)."""

    class Meta:
        model = ActivityPhoto
        fields = ["activity", "image"]

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        try:
            self.processed = process_photo(upload) if upload else None
        except ValidationError as refused:
            raise ValidationError(refused.messages) from None  # on this field, whatever field it named
        return upload


@admin.register(ActivityPhoto)
class ActivityPhotoAdmin(ScopedAdmin):
    form = ActivityPhotoForm
    list_display = ["activity", "preview", "taken_at", "created_at"]
    list_select_related = ["activity"]
    autocomplete_fields = ["activity"]
    readonly_fields = ["preview", "taken_at"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("activity__position")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["activity", "image"] if obj is None else ["activity", "preview", "taken_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["preview", "taken_at"] if obj is None else ["activity", "preview", "taken_at"]

    @admin.display(description=_("photo"))
    def preview(self, photo: ActivityPhoto) -> str:
        if not photo.pk:
            return "—"
        url = reverse("activityphoto-file", args=[photo.pk])
        return format_html('<a href="{}"><img src="{}?size=thumbnail" alt="" height="80"></a>', url, url)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            form.instance = do_add_activity_photo(obj.activity, form.processed, actor=request.user)
            obj.pk = form.instance.pk


from . import grievance_admin  # noqa: E402, F401  (registers the grievance admin)
from .hotline import admin as hotline_admin  # noqa: E402, F401  (registers the hotline import admin)
from .open311 import admin as open311_admin  # noqa: E402, F401  (registers the Open311 key admin)
