from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt
from axes.models import AccessLog as LoginLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import security_log
from .actions import do_assign_role, do_reset_second_factor, do_save_federation, do_save_user, do_unlock_logins
from .admin_base import ScopedAdmin
from .choices import SecurityEventKind
from .models import (
    AccessLog,
    Delivery,
    Federation,
    Job,
    Notification,
    OutboxMessage,
    RoleAssignment,
    SecurityEvent,
    User,
    WebhookEndpoint,
)
from .validators import validate_phone

admin.site.site_header = _("UnionHub administration")
admin.site.site_title = _("UnionHub")
admin.site.index_title = _("Federation work")

# Role bindings other apps show on the user page (zone staff, union chair, station keeper),
# each with the action that saves it.
user_inlines: list[type[admin.options.InlineModelAdmin]] = []
binding_actions: dict[type, Callable[..., Any]] = {}


def register_user_inline(inline: type[admin.options.InlineModelAdmin], action: Callable[..., Any]) -> None:
    user_inlines.append(inline)
    binding_actions[inline.model] = action
    security_log.track_role_binding(inline.model)  # grants and withdrawals of the role are logged


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Operational tables (outbox, deliveries) for the system administrator only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(Federation)
class FederationAdmin(ScopedAdmin):
    save_action = staticmethod(do_save_federation)
    list_display = ["indented_name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    ordering = ["path"]

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: Federation) -> str:
        return "\u3000" * obj.depth + obj.name


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ["role", "federation"]
    autocomplete_fields = ["federation"]
    verbose_name = _("federation role")


class StaffChangeForm(UserChangeForm):
    """The account form, with the mobile number that SMS log-in codes go to (stored encrypted, never shown)."""

    mobile = forms.CharField(
        label=_("mobile"),
        required=False,
        validators=[validate_phone],
        help_text=_("Log-in codes by SMS go to this number. Leave empty to keep the number on file."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.mobile_last4:
            self.fields["mobile"].help_text = _("On file: {masked}. Enter a new number to replace it.").format(
                masked=self.instance.masked_mobile
            )

    def save(self, commit: bool = True) -> Any:
        if self.cleaned_data.get("mobile"):
            self.instance.set_mobile(self.cleaned_data["mobile"])
        return super().save(commit)


@admin.register(User)
class ScopedUserAdmin(ScopedAdmin, UserAdmin):
    save_action = staticmethod(do_save_user)
    form = StaffChangeForm
    actions = ["unlock_logins", "reset_second_factor"]
    list_display = ["username", "last_name", "first_name", "federation", "is_active", "last_login"]
    list_filter = ["is_active", "federation__kind"]
    list_select_related = ["federation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("last_name", "first_name", "email", "mobile", "federation")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "federation", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined"]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [RoleAssignmentInline, *user_inlines] if obj else []

    # Offered to whoever may change accounts; the actions re-check each account's scope.
    @admin.action(description=_("Unlock log-in of the selected accounts"), permissions=["change"])
    def unlock_logins(self, request: HttpRequest, queryset: Any) -> None:
        count = do_unlock_logins(queryset, actor=request.user)
        message = ngettext("Log-in unlocked for %(count)d account.", "Log-in unlocked for %(count)d accounts.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(
        description=_("Reset the second factor of the selected accounts (lost phone)"), permissions=["change"]
    )
    def reset_second_factor(self, request: HttpRequest, queryset: Any) -> None:
        count = do_reset_second_factor(queryset, actor=request.user)
        message = ngettext(
            "Second factor reset for %(count)d account; they set up a new one at their next log-in.",
            "Second factor reset for %(count)d accounts; they set up a new one at their next log-in.",
            count,
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.is_staff = True  # every account is a staff account: members are not users
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Role bindings are written through their actions, which re-check the node's scope.
        for instance in formset.save(commit=False):
            binding_actions.get(formset.model, do_assign_role)(instance, actor=request.user)
        for instance in formset.deleted_objects:
            self.delete_action(instance, actor=request.user)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ScopedAdmin):
    save_action = staticmethod(do_assign_role)
    list_display = ["user", "role", "federation", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "federation"]
    search_fields = ["user__username", "user__last_name", "federation__name"]
    autocomplete_fields = ["user", "federation"]


@admin.register(Job)
class JobAdmin(ScopedAdmin):
    list_display = ["id", "kind", "status", "progress", "total", "created_by", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ScopedAdmin):
    list_display = ["at", "user", "action", "model", "object_id", "field", "reason"]
    list_filter = ["action", "model"]
    list_select_related = ["user"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AccessLog._meta.fields]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ScopedAdmin):
    """The auditors' view of the security log: read-only, scoped, filterable, exportable (and the export logged)."""

    list_display = ["at", "kind", "result", "user", "actor", "ip_address", "object_type", "object_id", "detail"]
    list_filter = ["kind", "result", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "actor"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    actions = ["export_csv"]
    readonly_fields = [f.name for f in SecurityEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # rows leave only by the nightly purge, once older than the retention

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(description=_("Export the selected events (CSV)"), permissions=["export"])
    def export_csv(self, request: HttpRequest, queryset: Any) -> HttpResponse:
        events = queryset.restrict(request.user, "view").select_related("user", "actor").order_by("at", "id")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="security-log-{timezone.localdate():%Y%m%d}.csv"'
        response.write("\ufeff")  # a BOM, so that Excel reads the Chinese labels as UTF-8
        writer = csv.writer(response)
        writer.writerow([str(SecurityEvent._meta.get_field(name).verbose_name) for name in self.list_display])
        count = 0
        for count, event in enumerate(events.iterator(chunk_size=2000), start=1):  # noqa: B007 - logged below
            writer.writerow(
                [
                    timezone.localtime(event.at).isoformat(timespec="seconds"),
                    event.get_kind_display(),
                    event.get_result_display(),
                    f"{event.user.get_username()} ({event.user_id})" if event.user else event.user_id or "",
                    f"{event.actor.get_username()} ({event.actor_id})" if event.actor else event.actor_id or "",
                    event.ip_address or "",
                    event.object_type,
                    event.object_id,
                    json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
                ]
            )
        security_log.record(
            SecurityEventKind.EXPORT, request=request, detail={"what": "core.securityevent", "rows": count}
        )
        return response


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ScopedAdmin):
    list_display = ["name", "channel", "federation", "is_active"]
    list_filter = ["channel", "is_active"]
    list_select_related = ["federation"]
    autocomplete_fields = ["federation"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SuperuserOnlyAdmin):
    list_display = ["id", "task_name", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["task_name"]


@admin.register(Delivery)
class DeliveryAdmin(SuperuserOnlyAdmin):
    list_display = ["id", "channel", "key", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "status"]


# Log-in records (django-axes): the failed attempts behind lockouts and the successful log-ins.
# Superusers only, since an address is not inside any federation's scope; deleting an
# address's attempts unlocks it. Federation staff unlock accounts from the user list.
@admin.register(AccessAttempt)
class AccessAttemptAdmin(SuperuserOnlyAdmin):
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"


@admin.register(LoginLog)
class LoginLogAdmin(SuperuserOnlyAdmin):
    list_display = ["attempt_time", "username", "ip_address", "logout_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"


# Second-factor secrets are never shown in the admin; staff reset devices from the user list.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
