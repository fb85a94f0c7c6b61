"""The public side of stations (no log-in, phone first, WeChat's browser included).

- ``/stations/``: the finder, a map and a list of the nearest stations open now;
- ``/stations/nearest/``: its JSON (rate-limited, no keeper or personal data);
- ``/s/<code>/``: a station's page, which its QR poster opens, with the check-in form;
- ``/s/<code>/photos/<id>/``: the station's photos.

Pages are plain server-rendered HTML with one small script; nothing relies on a service
worker, and nothing is loaded from outside the site.
"""

from __future__ import annotations

import dataclasses
import datetime
import secrets
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from unionhub.core.geo import basemap, check_inside, gcj02_to_wgs84
from unionhub.core.throttles import PublicRateThrottle, limit_public_posts

from .actions import do_check_in
from .choices import Amenity, Moderation, StationStatus, Weekday
from .finder import DETOUR_FACTOR, MAX_RESULTS, Found, navigation_links, nearest
from .forms import CheckInForm, HelpRequestForm, SuggestionForm
from .hours import LocalMoment, open_at, periods_of_day
from .models import CheckIn, HelpRequest, OpeningException, Station, StationPhoto, Suggestion
from .voice import do_ask_for_help, do_leave_suggestion

DEVICE_COOKIE = "unionhub_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


# --- The finder ---------------------------------------------------------------------------------


def finder(request: HttpRequest) -> HttpResponse:
    """The map and list of the nearest open stations; the phone's position stays on the phone
    except for the one request that asks for stations near it."""
    return render(
        request,
        "stations/finder.html",
        {
            "amenities": Amenity.choices,
            "finder_config": {
                "nearestUrl": reverse("stations:nearest"),
                **basemap(),
                "messages": {
                    "locating": _("Finding your position…"),
                    "noPosition": _(
                        "Your position is not available. Allow location for this page, or move the map "
                        "and tap “Search here”."
                    ),
                    "none": _("No station matches near here."),
                    "failed": _("The stations could not be loaded. Try again in a moment."),
                    "open": _("Open now"),
                    "closed": _("Closed now"),
                    "walk": _("{minutes} min walk"),
                    "ride": _("{minutes} min by e-bike"),
                    "metres": _("{metres} m"),
                    "kilometres": _("{km} km"),
                    "details": _("Details and check-in"),
                    "amap": _("AMap"),
                    "baidu": _("Baidu Maps"),
                    "geo": _("Map app"),
                    "open24h": _("24 hours"),
                },
            },
        },
    )


class NearestQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, label="latitude")
    lon = serializers.FloatField(min_value=-180, max_value=180, label="longitude")
    coords = serializers.ChoiceField(
        choices=[("wgs84", "WGS-84 (GPS, the browser)"), ("gcj02", "GCJ-02 (AMap, WeChat)")],
        default="wgs84",
        help_text="The datum of lat/lon; GCJ-02 is converted to WGS-84.",
    )
    open = serializers.BooleanField(default=True, help_text="Only stations open now (Asia/Shanghai).")
    open_24h = serializers.BooleanField(default=False, help_text="Only stations open 24 hours.")
    amenity = serializers.ListField(
        child=serializers.ChoiceField(choices=Amenity.choices), required=False, help_text="Every one of these."
    )
    limit = serializers.IntegerField(min_value=1, max_value=MAX_RESULTS, default=10)


class NavigationSerializer(serializers.Serializer):
    geo = serializers.CharField(help_text="geo: URI, WGS-84")
    amap = serializers.URLField(help_text="AMap, GCJ-02")
    baidu = serializers.URLField(help_text="Baidu Maps, BD-09")


class FoundSerializer(serializers.Serializer):
    code = serializers.CharField(
        allow_null=True, help_text="null only for a station loaded in bulk and not saved since"
    )
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    address = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    distance_m = serializers.IntegerField()
    walk_minutes = serializers.IntegerField()
    ride_minutes = serializers.IntegerField()
    open_24h = serializers.BooleanField()
    is_open = serializers.BooleanField()
    amenities = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField(allow_null=True, help_text="the station's public page")
    navigation = NavigationSerializer()


class NearestAnswerSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="The moment the opening hours were evaluated for.")
    detour_factor = serializers.FloatField()
    results = FoundSerializer(many=True)


class NearestStations(APIView):
    """The stations nearest to a position, open now unless ``open=false``; public and rate-limited."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]

    @extend_schema(
        parameters=[NearestQuerySerializer, OpenApiParameter("amenity", str, many=True, enum=Amenity.values)],
        responses={200: NearestAnswerSerializer, 400: OpenApiResponse(description="bad position or filter")},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        query = NearestQuerySerializer(
            data={**request.query_params.dict(), "amenity": request.query_params.getlist("amenity")}
        )
        query.is_valid(raise_exception=True)
        params = query.validated_data
        lon, lat = params["lon"], params["lat"]
        if params["coords"] == "gcj02":
            lon, lat = gcj02_to_wgs84(lon, lat)
        point = Point(lon, lat, srid=4326)
        check_inside(point, None, "position")  # refused with a field-level message outside China
        instant = timezone.now()
        found = nearest(
            point,
            moment=LocalMoment.of(instant),
            open_only=params["open"],
            open_24h=params["open_24h"],
            amenities=params.get("amenity", []),
            limit=params["limit"],
        )
        answer = {"at": instant, "detour_factor": DETOUR_FACTOR, "results": [_as_result(f) for f in found]}
        response = Response(NearestAnswerSerializer(answer).data)
        response["Cache-Control"] = "no-store"  # depends on where the phone is and on the hour
        return response


def _as_result(found: Found) -> dict[str, Any]:
    return {
        **dataclasses.asdict(found),
        "walk_minutes": found.walk_minutes,
        "ride_minutes": found.ride_minutes,
        "url": reverse("stations:station", args=[found.code]) if found.code else None,
        "navigation": navigation_links(found.name, found.lon, found.lat),
    }


# --- A station's public page and its check-in ----------------------------------------------------


def _public_station(code: str) -> Station:
    return get_object_or_404(Station.objects.exclude(status=StationStatus.CLOSED), public_code=code)


def station_page(request: HttpRequest, code: str) -> HttpResponse:
    """What the QR poster opens: whether the station is open, its hours, what it offers, the way there."""
    return _render_station(request, _public_station(code), CheckInForm())


def _render_station(
    request: HttpRequest,
    station: Station,
    form: CheckInForm,
    status: int = 200,
    suggestion_form: SuggestionForm | None = None,
    help_form: HelpRequestForm | None = None,
) -> HttpResponse:
    moment = LocalMoment.of()
    periods = list(station.periods.all())
    coming = list(
        OpeningException.objects.filter(
            station=station, date__gte=moment.date, date__lte=moment.date + datetime.timedelta(days=30)
        )
    )
    # Today's hours: today's exception where there is one, otherwise the week's periods.
    exception = next((e for e in coming if e.date == moment.date), None)
    today = periods_of_day(periods, moment.date) if exception is None else ([] if exception.closed else [exception])
    checked = request.GET.get("checked")
    context = {
        "station": station,
        "is_open": Station.objects.filter(pk=station.pk).filter(open_at(moment)).exists(),
        "today": today,
        "week": [(str(Weekday(day).label), [p for p in periods if p.weekday == day]) for day in Weekday.values],
        "exceptions": coming,
        "amenities": [Amenity(value).label for value in station.amenities if value in Amenity.values],
        "services": station.services.all(),
        "partners": station.partners.all(),
        "photos": station.photos.all(),
        "navigation": navigation_links(station.name, station.position.x, station.position.y),
        "form": form,
        "counted": checked == "counted",
        "already": checked == "already",
        "counts_for": int(CheckIn.COUNTS_FOR.total_seconds() // 60),
        "suggestions": station.suggestions.filter(moderation=Moderation.PUBLISHED).order_by("-created_at")[:20],
        "suggestion_form": suggestion_form or SuggestionForm(),
        "help_form": help_form or HelpRequestForm(),
        "left": request.GET.get("left"),
    }
    return render(request, "stations/station.html", context, status=status)


@require_POST
@limit_public_posts
def leave_suggestion(request: HttpRequest, code: str) -> HttpResponse:
    """A suggestion or wish for the station's book; it shows once the keeper or staff publish it."""
    station = _public_station(code)
    form = SuggestionForm(request.POST, instance=Suggestion(station=station))
    if not form.is_valid():
        return _render_station(request, station, CheckInForm(), status=400, suggestion_form=form)
    do_leave_suggestion(form.instance)
    return redirect(reverse("stations:station", args=[code]) + "?left=suggestion#book")


@require_POST
@limit_public_posts
def ask_for_help(request: HttpRequest, code: str) -> HttpResponse:
    """ "I need help": kept for the grievance loop and raised at once for the zone's workers."""
    station = _public_station(code)
    form = HelpRequestForm(request.POST, instance=HelpRequest(station=station))
    if not form.is_valid():
        return _render_station(request, station, CheckInForm(), status=400, help_form=form)
    # The box is required: ticked to get here. The version is the wording this form showed.
    form.instance.consent_version, form.instance.consented_at = form.consent_wording.version, timezone.now()
    try:
        do_ask_for_help(form.instance, phone=form.cleaned_data["phone"])
    except ValidationError as refused:
        form.add_error(None, refused.messages)
        return _render_station(request, station, CheckInForm(), status=400, help_form=form)
    return redirect(reverse("stations:station", args=[code]) + "?left=help#help")


@require_POST
@limit_public_posts
def check_in(request: HttpRequest, code: str) -> HttpResponse:
    """Count the worker once per half hour per station; the phone keeps a random token, we keep its hash."""
    station = _public_station(code)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _render_station(request, station, form, status=400)
    token = request.COOKIES.get(DEVICE_COOKIE) or ""
    if not (20 <= len(token) <= 64):
        token = secrets.token_urlsafe(24)
    try:
        _check_in, counted = do_check_in(
            station,
            occupation=form.cleaned_data["occupation"],
            is_member=form.cleaned_data["is_member"],
            device_token=token,
        )
    except ValidationError as refused:
        form.add_error(None, refused.messages)
        return _render_station(request, station, form, status=400)
    response = redirect(
        reverse("stations:station", args=[code]) + ("?checked=counted" if counted else "?checked=already")
    )
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def photo(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """A station's photo (``?size=thumbnail`` for the small one); photos of stations are public."""
    station = _public_station(code)
    picture = get_object_or_404(StationPhoto, pk=pk, station=station)
    stored = picture.thumbnail if request.GET.get("size") == "thumbnail" else picture.image
    response = FileResponse(stored.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    return response
