"""Addresses on the public side (DESIGN.md rule 10), for links printed or sent from the staff side."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def public_url(request: HttpRequest | None, path: str) -> str:
    """An absolute address on the public host (the first of PUBLIC_HOSTS), else on the request's host.

    A QR code printed from the staff side (a station poster, a membership card) must send
    workers to the public side, which may be the only one reachable from the internet.
    """
    if settings.PUBLIC_HOSTS:
        return f"https://{settings.PUBLIC_HOSTS[0]}{path}"
    if request is None:
        return path
    return request.build_absolute_uri(path)
