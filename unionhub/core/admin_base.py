"""The base ModelAdmin: every changelist, form and action goes through restrict(user, action)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from .actions import delete_scoped, save_scoped
from .choices import Action
from .paginator import EstimatedCountPaginator


def _spec(model: type[models.Model]) -> Any:
    return model.scope_spec  # type: ignore[attr-defined]


class ScopedAdmin(LeafletGeoAdminMixin, SimpleHistoryAdmin):
    """Admin for a scoped model: the user sees, edits and deletes only rows in scope.

    Foreign-key choices are limited to rows the user may view, so nothing can be moved into
    someone else's zone from a form; saves call ``save_action`` (an app's action), which
    re-checks scope inside the transaction. Counts never scan a big table.
    """

    save_action = staticmethod(save_scoped)
    delete_action = staticmethod(delete_scoped)
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).restrict(request.user, Action.VIEW)

    def _allowed(self, request: HttpRequest, action: str, obj: models.Model | None) -> bool:
        if obj is None:
            return _spec(self.model).allows_somewhere(request.user, action)
        return self.model._default_manager.restrict(request.user, action).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _spec(self.model).allows_somewhere(request.user, Action.VIEW)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Action.VIEW, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _spec(self.model).allows_somewhere(request.user, Action.ADD)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Action.CHANGE, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request, Action.DELETE, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.related_model
        if hasattr(related, "scope_spec") and "queryset" not in kwargs:
            kwargs["queryset"] = related._default_manager.restrict(request.user, Action.VIEW)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.save_action(obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_action(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset.restrict(request.user, Action.DELETE):
            self.delete_action(obj, actor=request.user)

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except (PermissionDenied, ValidationError) as exc:
            # A save that the in-transaction re-check refused: nothing was written; say why.
            if request.method != "POST":
                raise
            self.message_user(request, "; ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
