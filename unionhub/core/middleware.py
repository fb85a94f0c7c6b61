from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

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
