"""The base API viewset: every query restricted by the request's action, every write through an action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from rest_framework import viewsets

from ..actions import delete_scoped, save_scoped
from ..choices import Action

ACTION_FOR_METHOD = {
    "GET": Action.VIEW,
    "HEAD": Action.VIEW,
    "OPTIONS": Action.VIEW,
    "POST": Action.ADD,
    "PUT": Action.CHANGE,
    "PATCH": Action.CHANGE,
    "DELETE": Action.DELETE,
}


class ScopedModelViewSet(viewsets.ModelViewSet):
    """List, read and write rows of one scoped model.

    The queryset is restricted for the request's action (a PATCH looks only among rows the
    user may change), so missing and forbidden both answer 404. Writes build the instance
    and hand it to ``save_action`` (an app's ``do_save_<noun>``), which validates, saves and
    re-checks scope in one transaction.
    """

    save_action: Callable[..., Any] = staticmethod(save_scoped)
    delete_action: Callable[..., Any] = staticmethod(delete_scoped)
    # Extra actions whose scope is not their HTTP method's (a POST that only reads, say).
    scope_actions: dict[str, str] = {}

    def get_queryset(self) -> models.QuerySet:
        action = self.scope_actions.get(self.action or "") or ACTION_FOR_METHOD.get(self.request.method or "GET")
        return super().get_queryset().restrict(self.request.user, action or Action.VIEW)  # type: ignore[attr-defined]

    def perform_create(self, serializer: Any) -> None:
        model = serializer.Meta.model
        data = {k: v for k, v in serializer.validated_data.items() if not model._meta.get_field(k).many_to_many}
        serializer.instance = self.save_action(model(**data), actor=self.request.user)

    def perform_update(self, serializer: Any) -> None:
        instance = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(instance, key, value)
        serializer.instance = self.save_action(instance, actor=self.request.user)

    def perform_destroy(self, instance: models.Model) -> None:
        self.delete_action(instance, actor=self.request.user)


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Read rows of one scoped model."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().restrict(self.request.user, Action.VIEW)  # type: ignore[attr-defined]
