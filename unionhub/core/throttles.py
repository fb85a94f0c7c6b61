"""Rate limits of the public side, counted in Redis (Django's cache) per client address.

The rates are settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]): "public" for JSON read by
public pages (the finder), "public-form" for posts from public pages (check-ins, joining,
member sign-in), which plain Django views get through ``limit_public_posts``.

While Redis is down these limits let requests through (and log it): a worker checking in or
asking for help matters more than a count that cannot be kept (issue 8, item 8).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class PublicRateThrottle(SimpleRateThrottle):
    scope = "public"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisConnectionError, RedisTimeoutError):
            log.warning("rate limit %s not counted: Redis unreachable", self.scope)
            return True


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
