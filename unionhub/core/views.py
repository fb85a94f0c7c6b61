import logging
import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .exceptions import DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """The portal's front door: where staff sign in and where developers find the API."""
    return render(request, "core/home.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose: the database and Redis both answer."""
    from django.core.cache import cache

    status = {"database": False, "redis": False}
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
        status["database"] = True
    except Exception:  # reported as unhealthy, not raised
        log.warning("healthz: database unreachable", exc_info=True)
    try:
        cache.set("healthz", "ok", 5)
        status["redis"] = cache.get("healthz") == "ok"
    except Exception:
        log.warning("healthz: Redis unreachable", exc_info=True)
    return JsonResponse(status, status=200 if all(status.values()) else 503)


# What a restart of PostgreSQL or Redis looks like to a request in flight.
UNAVAILABLE = (*DATABASE_UNAVAILABLE, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: never a stack trace; when the database or Redis is unreachable, 503 "try again".

    Django calls it while handling the exception, wherever it was raised (a view, or a
    middleware saving the session), so the exception is still in ``sys.exc_info()``. Pages
    are rendered without the request's context, which would ask the database for the user.
    A client that does not ask for HTML (the API, the finder's fetch()) gets JSON.
    """
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        status, template = 503, "503.html"
        message = _("UnionHub cannot reach its database for a moment. Please try again in a minute.")
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    else:
        status, template, headers = 500, "500.html", {}
        message = _("Something went wrong. The error has been recorded for the administrators; please try again.")
    if "text/html" not in request.headers.get("Accept", ""):
        return JsonResponse({"detail": str(message)}, status=status, headers=headers)
    body = render_to_string(template, {"message": message, "LANGUAGE_CODE": get_language()})
    return HttpResponse(body, status=status, headers=headers)
