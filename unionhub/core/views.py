import logging

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

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
