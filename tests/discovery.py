"""Find every API endpoint and admin changelist by walking the URL configuration and the admin site."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from unionhub.core.admin_base import ScopedAdmin
from unionhub.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet


@dataclass(frozen=True)
class Endpoint:
    """One DRF router route: its name, its viewset, and whether it is a list or a detail route."""

    url_name: str
    viewset: type
    detail: bool
    methods: frozenset[str]

    @property
    def model(self) -> type[models.Model]:
        return self.viewset.queryset.model


def _walk(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def api_endpoints() -> list[Endpoint]:
    found = []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        cls = getattr(pattern.callback, "cls", None)
        actions = getattr(pattern.callback, "actions", None)
        if cls is None or actions is None or namespace:
            continue
        if not issubclass(cls, ScopedModelViewSet | ScopedReadOnlyViewSet):
            raise AssertionError(f"{cls.__name__} does not derive from a scoped base viewset")
        methods = frozenset(m.upper() for m in actions if m in cls.http_method_names)
        found.append(Endpoint(pattern.name, cls, "<pk>" in str(pattern.pattern), methods))
    return found


def model_routes() -> list[Endpoint]:
    """The list and detail routes of each viewset (extra actions are tested on their own)."""
    return [e for e in api_endpoints() if e.url_name.endswith(("-list", "-detail"))]


def admin_models() -> list[tuple[type[models.Model], admin.ModelAdmin]]:
    return list(admin.site._registry.items())


def is_scoped_admin(model_admin: admin.ModelAdmin) -> bool:
    return isinstance(model_admin, ScopedAdmin)
