"""Rate limits of the public side, counted in Redis (Django's cache) per client address.

The rates are settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]): "public" for JSON read by
public pages (the finder), "public-form" for posts from public pages (check-ins, joining,
member sign-in), which plain Django views get through ``limit_public_posts``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle


class PublicRateThrottle(SimpleRateThrottle):
    scope = "public"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PublicFormThrottle(PublicRateThrottle):
    scope = "public-form"


def limit_public_posts(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse a public page's POSTs beyond the "public-form" rate with a 429 page.

    GETs are never limited: many phones share one address on mobile networks.
    """

    @wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not PublicFormThrottle().allow_request(request, None):  # type: ignore[arg-type]
            return render(request, "too_many.html", status=429)
        return view(request, *args, **kwargs)

    return limited
