"""Open311 API keys in the admin: federation staff make one per client (shown once) and revoke it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.choices import Action

from .keys import do_create_open311_key, do_revoke_open311_key
from .models import Open311Key


@admin.register(Open311Key)
class Open311KeyAdmin(ScopedAdmin):
    list_display = ["name", "federation", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["federation"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    autocomplete_fields = ["federation"]
    actions = ["revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["federation", "name"]
        return ["federation", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return []
        return ["federation", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked keys stay listed, with when they were last used

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj._plain_key = do_create_open311_key(obj, actor=request.user)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> HttpResponse:
        """The key, once: it is not stored and cannot be shown again."""
        response = render(
            request,
            "admin/events/open311key/created.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Open311 API key made"),
                "opts": self.opts,
                "key": obj,
                "plain_key": obj._plain_key,
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for key in queryset.restrict(request.user, Action.CHANGE):
            do_revoke_open311_key(key, actor=request.user)
            count += 1
        messages.success(request, ngettext("{count} key revoked.", "{count} keys revoked.", count).format(count=count))
