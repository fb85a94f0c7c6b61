"""Lockout after repeated failed log-ins (django-axes), and unlocking by staff.

Axes counts failures per account and per client address; reaching ``AXES_FAILURE_LIMIT``
within ``AXES_COOLOFF_TIME`` locks that account or address until the time has passed, or
until federation staff unlock the account (the user admin's action, scoped like every
other write) or a superuser deletes an address's attempts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the entry our own proxies added to X-Forwarded-For.

    Only the last ``TRUSTED_PROXY_COUNT`` entries were written by proxies we run; anything
    before them came from the client and could be forged to dodge the per-address limit.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return str(
        _(
            "Too many failed log-in attempts. This account or this network address is locked for {minutes} "
            "minutes. Try again later, or ask your federation's staff to unlock your account."
        )
    ).format(minutes=minutes)


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """The log-in page again, with the lockout message instead of the form (HTTP 429).

    An API client (a password asked again before a reveal, core.auth.reauth) gets the message as JSON.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_message()}, status=429)
    context = {
        **admin.site.each_context(request),
        "title": _("Log in"),
        "lockout_message": lockout_message(),
    }
    response = TemplateResponse(request, "admin/locked_out.html", context, status=429)
    return response.render()


def unlock_usernames(usernames: Iterable[str]) -> int:
    """Forget the failed attempts of these accounts; returns how many attempt rows went."""
    deleted, _rows = AccessAttempt.objects.filter(username__in=list(usernames)).delete()
    return deleted
