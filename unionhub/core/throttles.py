"""Rate limits of the public side, counted in Redis (Django's cache) per client address.

The rates are settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]): "public" for JSON read by
public pages (the finder), "public-form" for posts from public pages (check-ins, joining,
member sign-in), which plain Django views get through ``limit_public_posts``; "public-track" and
"public-track-code" for guesses on the grievance tracking page, counted per address and per
tracking code through ``allow_guess``.

While Redis is down the public and public-form limits let requests through (and log it): a
worker checking in or asking for help matters more than a count that cannot be kept (issue 8,
item 8). Guesses at a secret are never let through uncounted: the tracking page answers 503.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
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


class KeyedRateThrottle(SimpleRateThrottle):
    """A public rate counted under a key the caller names (a client address, a tracking code's hash).

    The rate is read from the settings at each use, so that an override (tests, a reload) applies.
    """

    def __init__(self, scope: str, ident: str) -> None:
        self.scope = scope
        self.ident = ident
        super().__init__()

    def get_rate(self) -> str | None:
        rates: dict[str, str] = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        return rates[str(self.scope)]

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def allow_guess(request: HttpRequest, *, key: str) -> bool:
    """Count one guess at a secret (the tracking page's check) per client address and per ``key``.

    Both limits are checked on every call (neither short-circuits the other), whatever the guess
    turns out to be, so that a wrong secret and an unknown key are counted alike; False once either
    limit is reached.
    """
    address = PublicRateThrottle().get_ident(request)  # type: ignore[arg-type]
    by_address = KeyedRateThrottle("public-track", address).allow_request(request, None)  # type: ignore[arg-type]
    by_key = KeyedRateThrottle("public-track-code", key).allow_request(request, None)  # type: ignore[arg-type]
    return by_address and by_key
