"""A worker on a phone (390×844, position granted, no log-in) finds the nearest open station and checks in once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import Browser, Page

from stations.models import CheckIn
from tests.factories import StationFactory, ZoneFactory, square

from .conftest import ARTIFACTS, LOOPBACK, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
WORKER_AT = {"latitude": 30.530, "longitude": 120.930}  # Haiyan, 武原街道


@pytest.fixture
def phone(browser: Browser, live_server, request) -> Iterator[Page]:
    context = browser.new_context(
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={**WORKER_AT, "accuracy": 30},
        permissions=["geolocation"],
    )
    outside: list[str] = []

    def loopback_only(route):
        if route.request.url.split("/")[2].split(":")[0] in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", loopback_only)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not outside, f"the page tried to reach the network: {outside}"


@pytest.fixture
def haiyan_stations(live_server):
    """A station 200 m away with no opening hours (closed whatever the time), and a 24-hour one 700 m away."""
    zone = ZoneFactory(name="武原片区", boundary=square(120.88, 30.48, 0.1))
    closed = StationFactory(
        zone=zone, federation=zone.federation, name="盐平路便利店工会驿站", position=Point(120.932, 30.530, srid=4326)
    )
    open_all_night = StationFactory(
        zone=zone,
        federation=zone.federation,
        name="武原街道24小时户外劳动者服务站点",
        position=Point(120.937, 30.530, srid=4326),
        open_24h=True,
        amenities=["water", "charging", "microwave"],
    )
    return closed, open_all_night


def test_the_nearest_open_station_comes_first_and_a_check_in_counts_once(phone: Page, live_server, haiyan_stations):
    closed, open_all_night = haiyan_stations

    phone.goto(f"{live_server.url}/stations/")
    first = phone.locator("#finder-results li").first
    first.wait_for()
    assert first.get_attribute("data-code") == open_all_night.public_code
    assert phone.locator(f"#finder-results li[data-code='{closed.public_code}']").count() == 0
    meta = first.locator(".meta").first.inner_text()
    assert any(character.isdigit() for character in meta)  # distance and walking time
    screenshot(phone, "station-finder")

    first.locator("a.name").click()
    phone.wait_for_url(f"**/s/{open_all_night.public_code}/")
    phone.check("input[name=occupation][value=rider]")
    phone.check("input[name=is_member][value='1']")
    phone.click("#check-in button[type=submit]")
    phone.wait_for_selector("#check-in-message[data-result=counted]")
    assert CheckIn.objects.filter(station=open_all_night).count() == 1
    screenshot(phone, "station-page")

    phone.check("input[name=occupation][value=rider]")
    phone.check("input[name=is_member][value='1']")
    phone.click("#check-in button[type=submit]")
    phone.wait_for_selector("#check-in-message[data-result=already]")
    assert CheckIn.objects.filter(station=open_all_night).count() == 1
