"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) over our grievances.

Services are the grievance categories; a service request is a grievance, named by its tracking
code. Anyone may read the discovery document and the services; reading requests needs an API
key (grievances are sensitive personal information: without a key nothing about them leaves,
and the worker follows their own on the tracking page with a second factor); filing needs a key
and is rate-limited per key. Nothing about the submitter (name, phone, e-mail) is ever answered,
whoever asks. Plain Django views rather than DRF: the spec fixes its own formats, form-encoded
posts and error lists, so these routes stay out of the /api/v1/ OpenAPI schema.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from unionhub.core.throttles import PublicRateThrottle

from ..choices import GRIEVANCE_HANDLED, GrievanceCategory, GrievanceChannel, GrievanceStatus
from ..grievances import do_file_grievance
from ..models import Grievance, normalise_tracking_code
from .keys import key_for
from .models import Open311Key
from .render import errors, render

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this server's Open311 interface last changed (the discovery document's changeset).
CHANGESET = "2026-12-04T00:00:00+08:00"

S = GrievanceStatus
# Open311 knows open and closed; handled grievances (resolved at least once and not reopened) are closed.
OPEN311_STATUS = {status: ("closed" if status in GRIEVANCE_HANDLED else "open") for status in S.values}
# The widely used extension (CitySDK's "detailed_status" in extended_attributes).
DETAILED_STATUS = {
    S.SUBMITTED: "RECEIVED",
    S.VERIFIED: "IN_PROCESS",
    S.ASSIGNED: "IN_PROCESS",
    S.IN_PROGRESS: "IN_PROCESS",
    S.REOPENED: "IN_PROCESS",
    S.RESOLVED: "PROCESSED",
    S.EVALUATED: "PROCESSED",
    S.CLOSED: "ARCHIVED",
}
# Requests read without dates cover this many days back (the spec's default).
DEFAULT_DAYS = 90
YES = {"true", "1", "yes", "on"}


class Open311PostThrottle(PublicRateThrottle):
    """POST requests per API key (not per address: a hotline system posts from one address for everyone)."""

    scope = "public-open311"

    def __init__(self, key: Open311Key) -> None:
        super().__init__()
        self.key_id = key.pk

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": f"key{self.key_id}"}


def _iso(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def services_list() -> list[dict[str, Any]]:
    return [
        {
            "service_code": code,
            "service_name": str(label),
            "description": "",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": _("Grievances"),
        }
        for code, label in GrievanceCategory.choices
    ]


def attributes() -> list[dict[str, Any]]:
    """Our extra fields, the same for every service (attribute[code]=… in a POST)."""
    yes_no = [{"key": "true", "name": _("yes")}, {"key": "false", "name": _("no")}]

    def flag(order: int, code: str, description: str) -> dict[str, Any]:
        return {
            "variable": True,
            "code": code,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "",
            "order": order,
            "description": description,
            "values": yes_no,
        }

    return [
        flag(1, "anonymous", _("Anonymous: the worker gives no name.")),
        flag(2, "employer_blind", _("Keep from the employer: its union never learns who filed it.")),
        flag(3, "identity_consent", _("The worker agrees that the employer's union may know who filed it.")),
        {
            "variable": True,
            "code": "pin",
            "datatype": "string",
            "required": False,
            "datatype_description": _("4 to 8 digits"),
            "order": 4,
            "description": _("Anonymous without a phone: the PIN the worker chose to follow the grievance."),
        },
    ]


def request_item(grievance: Grievance) -> dict[str, Any]:
    """One grievance as an Open311 service request: nothing about who filed it."""
    place = grievance.place
    handled = grievance.status in GRIEVANCE_HANDLED
    updated = getattr(grievance, "updated", None) or grievance.created_at
    return {
        "service_request_id": grievance.tracking_code,
        "status": OPEN311_STATUS[grievance.status],
        "status_notes": grievance.resolution if handled else "",
        "service_name": grievance.get_category_display(),
        "service_code": grievance.category,
        "description": grievance.description,
        "agency_responsible": grievance.zone.name if grievance.zone_id else grievance.federation.name,  # type: ignore[union-attr]
        "service_notice": "",
        "requested_datetime": _iso(grievance.created_at),
        "updated_datetime": _iso(max(updated, grievance.created_at)),
        "expected_datetime": _iso(grievance.due_at),
        "address": grievance.address,
        "address_id": None,
        "zipcode": None,
        "lat": place.y if place is not None else None,
        "long": place.x if place is not None else None,
        "media_url": None,
        "extended_attributes": {
            "detailed_status": DETAILED_STATUS[S(grievance.status)],
            "unionhub_status": grievance.status,
        },
    }


def _key(request: HttpRequest, data: Any) -> Open311Key | None:
    """The key from the spec's ``api_key`` parameter, or from an X-Api-Key header (which keeps it out of
    the URLs that proxies and access logs record)."""
    return key_for(request.headers.get("X-Api-Key", "") or data.get("api_key", ""))


def _requests_of(key: Open311Key) -> QuerySet[Grievance]:
    """The key's federation and everything below it; with the time of each one's last timeline line."""
    return (
        Grievance.objects.filter(federation_path__startswith=key.federation.path)
        .select_related("zone", "federation")
        .annotate(updated=Max("events__at"))
        .order_by("-created_at", "-id")
    )


def _moment(text: str) -> datetime.datetime | str | None:
    """A W3C date-time with its zone; "bad" when it is not one. A '+' sent unencoded arrives as a space."""
    if not text:
        return None
    parsed = parse_datetime(text.strip().replace(" ", "+"))
    if parsed is None or timezone.is_naive(parsed):
        return "bad"
    return parsed


# --- the views ----------------------------------------------------------------------------------


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    data = {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(data, fmt, root="discovery")


@require_GET
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(services_list(), fmt, root="services", item="service")


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if code not in GrievanceCategory.values:
        return errors(fmt, 404, _("There is no service with the code “{code}”.").format(code=code[:50]))
    return render({"service_code": code, "attributes": attributes()}, fmt, root="service_definition")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _file(request, fmt)
    key = _key(request, request.GET)
    if key is None:
        return errors(fmt, 403, _("Give a valid api_key to read service requests."))
    found = _requests_of(key)
    codes = [normalise_tracking_code(c) for c in request.GET.get("service_request_id", "").split(",") if c.strip()]
    if codes:
        # The spec: with service_request_id, the other filters are ignored.
        found = found.filter(tracking_code__in=codes[:100])
    else:
        problems, found = _filtered(request, found)
        if problems:
            return errors(fmt, 400, *problems)
    listed = [request_item(g) for g in found[: settings.OPEN311_MAX_RESULTS]]
    return render(listed, fmt, root="service_requests", item="request")


@require_GET
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    key = _key(request, request.GET)
    if key is None:
        return errors(fmt, 403, _("Give a valid api_key to read service requests."))
    grievance = _requests_of(key).filter(tracking_code=normalise_tracking_code(request_id)).first()
    if grievance is None:
        return errors(fmt, 404, _("There is no service request with this id."))
    return render([request_item(grievance)], fmt, root="service_requests", item="request")


def _filtered(request: HttpRequest, found: QuerySet[Grievance]) -> tuple[list[str], QuerySet[Grievance]]:
    problems: list[str] = []
    service_codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    unknown = [c for c in service_codes if c not in GrievanceCategory.values]
    if unknown:
        problems.append(_("There is no service with the code “{code}”.").format(code=unknown[0][:50]))
    elif service_codes:
        found = found.filter(category__in=service_codes)
    statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        problems.append(_("status is open or closed."))
    elif len(statuses) == 1:
        handled = Q(status__in=GRIEVANCE_HANDLED)
        found = found.filter(handled if "closed" in statuses else ~handled)
    start, end = _moment(request.GET.get("start_date", "")), _moment(request.GET.get("end_date", ""))
    for name, value in (("start_date", start), ("end_date", end)):
        if value == "bad":
            problems.append(
                _("{name} must be a date and time with its time zone, such as 2026-05-01T00:00:00+08:00.").format(
                    name=name
                )
            )
    if problems:
        return problems, found
    if start is None and end is None:
        start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
    if start is not None:
        found = found.filter(created_at__gte=start)
    if end is not None:
        found = found.filter(created_at__lte=end)
    return problems, found


def _coordinate(text: str, limit: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def _file(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST requests: file a grievance in the key's federation (do_file_grievance, channel Open311)."""
    data = request.POST
    key = _key(request, data)
    if key is None:
        return errors(fmt, 403, _("Give a valid api_key to file service requests."))
    if not Open311PostThrottle(key).allow_request(request, None):  # type: ignore[arg-type]
        return errors(fmt, 429, _("Too many requests with this key: wait a minute and try again."))
    problems: list[str] = []
    code = data.get("service_code", "").strip()
    if code not in GrievanceCategory.values:
        problems.append(_("There is no service with the code “{code}”.").format(code=code[:50]))
    lat_text, long_text = data.get("lat", "").strip(), data.get("long", "").strip()
    point = None
    if lat_text or long_text:
        lat, long = _coordinate(lat_text, 90), _coordinate(long_text, 180)
        if lat is None or long is None:
            problems.append(_("lat and long must both be given, as decimal degrees (WGS-84)."))
        else:
            point = Point(long, lat, srid=4326)
    address = " ".join(data.get("address_string", "").split())
    if point is None and not address and not problems:
        problems.append(_("Give the place: lat and long, or address_string."))
    if len(address) > 200:
        problems.append(_("address_string may have at most 200 characters."))
    if problems:
        return errors(fmt, 400, *problems)
    attribute = {
        name: data.get(f"attribute[{name}]", "").strip()
        for name in ("anonymous", "employer_blind", "identity_consent", "pin")
    }
    anonymous = attribute["anonymous"].lower() in YES
    grievance = Grievance(
        channel=GrievanceChannel.OPEN311,
        category=code,
        description=data.get("description", ""),
        place=point,
        address=address,
        federation=key.federation,
        submitter_name="" if anonymous else _name(data.get("first_name", ""), data.get("last_name", "")),
        anonymous=anonymous,
        employer_blind=attribute["employer_blind"].lower() in YES,
        identity_consent=attribute["identity_consent"].lower() in YES,
    )
    try:
        do_file_grievance(grievance, actor=None, phone=data.get("phone", "").strip(), pin=attribute["pin"])
    except ValidationError as refused:
        return errors(fmt, 400, *_messages(refused))
    answer = [{"service_request_id": grievance.tracking_code, "service_notice": "", "account_id": None}]
    return render(answer, fmt, root="service_requests", item="request", status=201)


# Our field names as the Open311 parameters that carry them, for error messages.
PARAMETERS = {"place": "lat/long", "address": "address_string", "submitter_name": "first_name/last_name"}


def _messages(refused: ValidationError) -> list[str]:
    if not hasattr(refused, "error_dict"):
        return list(refused.messages)
    return [
        f"{PARAMETERS.get(field, field)}: {message}"
        for field, field_errors in refused.message_dict.items()
        for message in field_errors
    ]


def _name(first: str, last: str) -> str:
    """A Chinese name is family name first, without a space; others "first last"."""
    first, last = " ".join(first.split()), " ".join(last.split())
    if re.search(r"[\u4e00-\u9fff]", first + last):
        return f"{last}{first}"[:50]
    return f"{first} {last}".strip()[:50]
