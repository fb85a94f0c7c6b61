import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Staff-side prefixes: never served on a public host name (DESIGN.md rule 10).
STAFF_PREFIXES = ("/admin/", "/api/", "/m/", "/dashboard/")


class PublicHostMiddleware:
    """Answer 404 for staff pages requested through a public host name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public_hosts = {host.lower() for host in settings.PUBLIC_HOSTS}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        on_public_host = self.public_hosts and request.get_host().split(":")[0].lower() in self.public_hosts
        if on_public_host and request.path.startswith(STAFF_PREFIXES):
            raise Http404
        return self.get_response(request)


class NoStoreByDefaultMiddleware:
    """Keep pages and API answers out of browser and proxy caches unless a view says otherwise.

    Nearly every response carries someone's data (a roster, a card, a grievance's timeline), so
    the safe default is ``no-store`` (ASVS 8.1.1, 8.2.1). A view that serves something public
    and cacheable (a station's photo) sets its own Cache-Control, which is kept. Static files
    never get here: WhiteNoise answers them earlier, with its own long-lived headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


RENEWED_KEY = "_renewed_at"


class SessionRenewalMiddleware:
    """Move a session's end forward at most once every ``SESSION_RENEW_SECONDS``.

    A session ends ``SESSION_COOKIE_AGE`` after the last request: each save sets its end to now
    plus the age. Saving it on every request (``SESSION_SAVE_EVERY_REQUEST``) wrote the session
    row, a transaction and its commit, for every page and API call, the largest share of what
    every request pays (bench/run's mixed load). Saved when a request comes at least that long
    after the last save, the idle time-out stays exact to within those seconds. Listed right
    after SessionMiddleware, so that SessionMiddleware saves what is marked here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            # A session saved anyway (changed by the view) is renewed by that save.
            if session.modified or now - session.get(RENEWED_KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED_KEY] = now  # modified: SessionMiddleware saves it and renews the cookie
        return response


def renewed_at_log_in(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """A log-in saves its new session with a full age: the requests after it need not renew it."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED_KEY] = int(time.time())
