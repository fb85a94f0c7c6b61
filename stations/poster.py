"""The printable QR poster of a station: its name, hours and services around a QR code (segno).

The QR code holds the address of the station's public page by its public code, on the public
host name when one is configured (PUBLIC_HOSTS), so a poster printed from the staff side
still sends workers to the public side.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from unionhub.core.public import public_url
from unionhub.core.qr import qr_svg

from .choices import Amenity, Weekday
from .models import Station


def station_page_url(request: HttpRequest, station: Station) -> str:
    return public_url(request, reverse("stations:station", args=[station.public_code]))


def poster_context(request: HttpRequest, station: Station) -> dict[str, Any]:
    periods = list(station.periods.all())
    week = [(Weekday(day).label, [p for p in periods if p.weekday == day]) for day in Weekday.values]
    return {
        "station": station,
        "url": station_page_url(request, station),
        "qr": qr_svg(station_page_url(request, station)),
        "week": week,
        "services": station.services.all(),
        "amenities": [Amenity(value).label for value in station.amenities if value in Amenity.values],
    }
